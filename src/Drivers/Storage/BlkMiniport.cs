/*++

Module Name:

    BlkMiniport.cs

Abstract:

    The miniport for the block storage controller (src/Hardware/Storage/BlockController.cs): the
    hardware-specific half of the disk stack, under the storage port driver. HwFindAdapter maps
    the controller's registers from the translated memory resource, checks VERSION and reads CAP
    and CAPACITY; HwInitialize lays the command and completion rings and the per-tag segment lists
    out in the common buffer and enables the controller; HwStartIo writes a command's segment list,
    then (under KeSynchronizeExecution, since the ISR shares the rings and the register block) its
    command entry and the doorbell; the ISR acknowledges the controller (INT_STATUS is write-1-to-
    clear, which drops the level-triggered line), consumes the completion ring, maps each
    controller status to an NTSTATUS and queues the port's DPC. HwResetBus (a request timed out)
    resets the controller and completes what it held with SRB_STATUS_BUS_RESET.

    Left out: more than one command ring.

Environment:

    Kernel mode. HwStartIo at DISPATCH_LEVEL, BlkInterrupt at the device's DIRQL.

--*/

using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using ActorKernel.Actors;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Storage;

/// <summary>The block controller's miniport (<c>blkmini.sys</c>).</summary>
public static class BlkMiniport
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "BlkMini";

    /// <summary>The image name.</summary>
    public const string ImageName = "blkmini.sys";

    /// <summary>Tags the port keeps at the controller.</summary>
    public const int QueueDepth = 32;

    /// <summary>Scatter/gather elements per request: 64 KiB in 4 KiB pages, plus one for a buffer that does not start on a page.</summary>
    public const int MaximumSegments = 17;

    // Made once: a method group passed as a delegate allocates on every call.
    private static readonly KSynchronizeRoutine SubmitSynchronized = BlkSubmitSynchronized;

    private static readonly int RingDepth = QueueDepth + 1;
    private static readonly int SubmissionBytes = RingDepth * BlockCommandLayout.CommandSize;
    private static readonly int CompletionOffset = (SubmissionBytes + 63) & ~63;
    private static readonly int SegmentOffset = (CompletionOffset + (RingDepth * BlockCommandLayout.CompletionSize) + 63) & ~63;
    private static readonly int CommonBytes = SegmentOffset + (QueueDepth * MaximumSegments * BlockCommandLayout.SegmentSize);

    /// <summary>DriverEntry: hands the port the miniport's routines.</summary>
    /// <param name="driverObject">The driver object.</param>
    /// <param name="registryPath">The service key.</param>
    /// <returns>What StoragePortInitialize returns.</returns>
    public static ValueTask<NtStatus> DriverEntry(DriverObject driverObject, string registryPath) =>
        ValueTask.FromResult(StoragePort.StoragePortInitialize(driverObject, registryPath, new HwInitializationData
        {
            HwFindAdapter = BlkFindAdapter,
            HwInitialize = BlkInitialize,
            HwStartIo = BlkStartIo,
            HwInterrupt = BlkInterrupt,
            HwStopAdapter = BlkStopAdapter,
            HwResetBus = BlkResetBus,
            QueueDepth = QueueDepth,
            MaximumSegments = MaximumSegments,
            CommonBufferLength = CommonBytes,
        }));

    /// <summary>
    /// HwFindAdapter: maps the memory resource, checks the controller answers with VERSION 1.0 and
    /// reads its geometry; keeps the interrupt resource for the port to connect.
    /// </summary>
    private static ValueTask<NtStatus> BlkFindAdapter(StorageAdapter adapter, CmResourceList translatedResources)
    {
        var extension = new BlkExtension(QueueDepth, MaximumSegments) { RingDepth = (uint)RingDepth };
        foreach (var descriptor in translatedResources.Descriptors)
        {
            switch (descriptor.Type)
            {
                case CmResourceType.Memory when extension.Registers == 0:
                    extension.RegisterLength = descriptor.u.Memory.Length;
                    extension.Registers = MmMapIoSpace(descriptor.u.Memory.Start, extension.RegisterLength, MemoryCachingType.MmNonCached);
                    break;
                case CmResourceType.Interrupt:
                    adapter.InterruptResource = descriptor;
                    break;
                default:
                    break;
            }
        }
        if (extension.Registers == 0 || adapter.InterruptResource is null || extension.RegisterLength < BlockController.RegisterSpaceLength)
        {
            return ValueTask.FromResult(NtStatus.InsufficientResources);
        }
        if (Read(extension, BlockControllerRegister.Version) != BlockController.VersionValue)
        {
            return ValueTask.FromResult(NtStatus.DeviceDoesNotExist);
        }
        var cap = Read(extension, BlockControllerRegister.Capabilities);
        if ((cap & 0xFFFF) < RingDepth || ((cap >> 16) & 0xFF) < MaximumSegments)
        {
            return ValueTask.FromResult(NtStatus.DeviceConfigurationError);
        }
        adapter.SectorSize = 1u << (int)((cap >> 24) & 0xF);
        adapter.SectorCount = (long)(((ulong)Read(extension, BlockControllerRegister.CapacityHigh) << 32) | Read(extension, BlockControllerRegister.CapacityLow));
        adapter.MiniportExtension = extension;
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>
    /// HwInitialize: gives the controller the rings in the common buffer, then brings it up
    /// (<see cref="BlkResetController"/>).
    /// </summary>
    private static async ValueTask<NtStatus> BlkInitialize(StorageAdapter adapter)
    {
        var extension = (BlkExtension)adapter.MiniportExtension!;
        extension.SubmissionRing = adapter.CommonBuffer;
        extension.SubmissionRingLogical = adapter.CommonBufferLogical;
        extension.CompletionRing = adapter.CommonBuffer + (ulong)CompletionOffset;
        extension.CompletionRingLogical = adapter.CommonBufferLogical + (ulong)CompletionOffset;
        extension.SegmentLists = adapter.CommonBuffer + (ulong)SegmentOffset;
        extension.SegmentListsLogical = adapter.CommonBufferLogical + (ulong)SegmentOffset;
        return await BlkResetController(extension) ? NtStatus.Success : NtStatus.IoDeviceError;
    }

    /// <summary>
    /// HwResetBus: a request timed out. Resets the controller (the commands it held are abandoned and
    /// a hang is cleared) and completes every outstanding request with SRB_STATUS_BUS_RESET, as
    /// HwScsiResetBus must.
    /// </summary>
    private static async ValueTask<bool> BlkResetBus(StorageAdapter adapter, uint pathId)
    {
        _ = pathId;
        var extension = (BlkExtension)adapter.MiniportExtension!;
        var ready = await BlkResetController(extension);
        StoragePort.StoragePortCompleteRequest(adapter, SrbStatus.BusReset);
        extension.BusResets++;
        return ready;
    }

    /// <summary>
    /// Resets the controller (CONTROL.EN clear, the write-back cache setting kept), gives it the
    /// rings' logical addresses and depth, enables the completion and error interrupts, then sets
    /// EN and waits for STATUS.RDY. Clearing EN zeroes the controller's ring indices, so ours start
    /// at 0 too: at start, after a return from D3 and after a bus reset.
    /// </summary>
    /// <returns>A task giving whether the controller came up ready.</returns>
    private static async ValueTask<bool> BlkResetController(BlkExtension extension)
    {
        extension.SubmissionTail = 0;
        extension.CompletionHead = 0;
        var cache = Read(extension, BlockControllerRegister.Control) & (uint)BlockControl.WriteCacheEnable;
        Write(extension, BlockControllerRegister.Control, cache);
        Write(extension, BlockControllerRegister.SubmissionQueueBaseLow, (uint)extension.SubmissionRingLogical);
        Write(extension, BlockControllerRegister.SubmissionQueueBaseHigh, (uint)(extension.SubmissionRingLogical >> 32));
        Write(extension, BlockControllerRegister.CompletionQueueBaseLow, (uint)extension.CompletionRingLogical);
        Write(extension, BlockControllerRegister.CompletionQueueBaseHigh, (uint)(extension.CompletionRingLogical >> 32));
        Write(extension, BlockControllerRegister.QueueDepth, extension.RingDepth);
        Write(extension, BlockControllerRegister.InterruptEnable, (uint)(BlockInterrupt.Completion | BlockInterrupt.Error));
        Write(extension, BlockControllerRegister.Control, (uint)BlockControl.Enable | cache);
        for (var i = 0; i < 100; i++)
        {
            if ((Read(extension, BlockControllerRegister.Status) & (uint)BlockStatus.Ready) != 0)
            {
                return true;
            }
            await KeStallExecutionProcessor(10);
        }
        return false;
    }

    /// <summary>
    /// HwStartIo: writes the request's segment list (one descriptor per scatter/gather element) into
    /// its tag's slot of the common buffer, then submits the command in sync with the ISR.
    /// </summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder))] // pooled: it suspends once per request
    private static async ValueTask BlkStartIo(StorageAdapter adapter, StorageRequest request)
    {
        var extension = (BlkExtension)adapter.MiniportExtension!;
        var segments = extension.SegmentBytes[request.Tag];
        var count = 0;
        if (request.ScatterGather is { } list)
        {
            foreach (var element in list.Elements)
            {
                BlockCommandLayout.WriteSegment(segments.AsSpan(count * BlockCommandLayout.SegmentSize), element.Address, element.Length);
                count++;
            }
            await RtlCopyMemory(SegmentListOf(extension, request.Tag), segments.AsSpan(0, count * BlockCommandLayout.SegmentSize));
        }
        var opcode = request.Operation switch
        {
            StorageOperation.Read => BlockOpcode.Read,
            StorageOperation.Write => BlockOpcode.Write,
            _ => BlockOpcode.Flush,
        };
        BlockCommandLayout.WriteCommand(extension.CommandBytes[request.Tag], opcode, (uint)request.Tag, (ulong)request.Lba, request.SectorCount, (ushort)count,
            extension.SegmentListsLogical + ((ulong)request.Tag * MaximumSegments * BlockCommandLayout.SegmentSize));
        await KeSynchronizeExecution(adapter.Interrupt!, SubmitSynchronized, request);
    }

    /// <summary>KSYNCHRONIZE_ROUTINE: the command into the next submission slot, then the doorbell (at DIRQL, holding the interrupt spin lock).</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))] // pooled: it suspends once per request
    private static async ValueTask<bool> BlkSubmitSynchronized(object? context)
    {
        var request = (StorageRequest)context!;
        var extension = (BlkExtension)request.Adapter.MiniportExtension!;
        var slot = extension.SubmissionTail;
        await RtlCopyMemory(extension.SubmissionRing + (slot * BlockCommandLayout.CommandSize), extension.CommandBytes[request.Tag]);
        extension.SubmissionTail = (slot + 1) % extension.RingDepth;
        Write(extension, BlockControllerRegister.SubmissionQueueTail, extension.SubmissionTail);
        return true;
    }

    /// <summary>
    /// The ISR: claims the interrupt when INT_STATUS has a cause (all ones means the device is gone:
    /// not ours), acknowledges it (RW1C: the controller drops its line), consumes every posted
    /// completion, reports each request to the port and queues the port's DPC.
    /// </summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))] // pooled: it suspends once per request
    private static async ValueTask<bool> BlkInterrupt(StorageAdapter adapter)
    {
        var extension = (BlkExtension)adapter.MiniportExtension!;
        var cause = Read(extension, BlockControllerRegister.InterruptStatus);
        if (cause == 0 || cause == uint.MaxValue)
        {
            return false;
        }
        Write(extension, BlockControllerRegister.InterruptStatus, cause);
        if ((cause & (uint)BlockInterrupt.Error) != 0)
        {
            extension.LastError = Read(extension, BlockControllerRegister.Error);
            Write(extension, BlockControllerRegister.Error, 0);
        }
        var tail = Read(extension, BlockControllerRegister.CompletionQueueTail);
        var head = extension.CompletionHead;
        while (head != tail)
        {
            await RtlCopyMemory(extension.CompletionEntry, extension.CompletionRing + (head * BlockCommandLayout.CompletionSize));
            var (id, status) = BlockCommandLayout.ReadCompletion(extension.CompletionEntry);
            var request = adapter.Requests[(int)id];
            request.ControllerStatus = (ushort)status;
            request.Status = BlkMapStatus(status);
            StoragePort.StoragePortNotification(StorageNotification.RequestComplete, adapter, request);
            head = (head + 1) % extension.RingDepth;
        }
        extension.CompletionHead = head;
        Write(extension, BlockControllerRegister.CompletionQueueHead, head);
        extension.InterruptsClaimed++;
        KeInsertQueueDpc(adapter.CompletionDpc, null, null);
        return true;
    }

    /// <summary>HwAdapterControl(ScsiStopAdapter): masks the controller's interrupts, resets it (CONTROL.EN clear: no more DMA) and unmaps its registers.</summary>
    private static ValueTask BlkStopAdapter(StorageAdapter adapter)
    {
        if (adapter.MiniportExtension is BlkExtension extension && extension.Registers != 0)
        {
            Write(extension, BlockControllerRegister.InterruptEnable, 0);
            Write(extension, BlockControllerRegister.Control, 0);
            MmUnmapIoSpace(extension.Registers, extension.RegisterLength);
            extension.Registers = 0;
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>The controller's completion status as the NTSTATUS the request fails with.</summary>
    /// <param name="status">The completion entry's status.</param>
    /// <returns>STATUS_SUCCESS; STATUS_IO_DEVICE_ERROR for a failed transfer or an unknown code; STATUS_INVALID_DEVICE_REQUEST for a command the controller refused.</returns>
    public static NtStatus BlkMapStatus(BlockCommandStatus status) => status switch
    {
        BlockCommandStatus.Success => NtStatus.Success,
        BlockCommandStatus.InvalidOpcode or BlockCommandStatus.InvalidField or BlockCommandStatus.LbaOutOfRange => NtStatus.InvalidDeviceRequest,
        _ => NtStatus.IoDeviceError,
    };

    private static ulong SegmentListOf(BlkExtension extension, int tag) =>
        extension.SegmentLists + ((ulong)tag * MaximumSegments * BlockCommandLayout.SegmentSize);

    private static uint Read(BlkExtension extension, BlockControllerRegister register) => READ_REGISTER_ULONG(extension.Registers + (ulong)register);

    private static void Write(BlkExtension extension, BlockControllerRegister register, uint value) => WRITE_REGISTER_ULONG(extension.Registers + (ulong)register, value);
}
