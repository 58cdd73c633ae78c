/*++

Module Name:

    Nic.cs

Abstract:

    A function driver for the e1000-style network adapter (src/Hardware/Network), with frames as
    the unit of I/O: IRP_MJ_WRITE sends one frame, IRP_MJ_READ receives one (a miniport's work
    without NDIS around it). START_DEVICE goes down first (IoForwardIrpSynchronously), then maps the register BAR (MmMapIoSpace), connects the
    level-sensitive interrupt and builds both descriptor rings and their buffers in common buffers
    of a bus-master DMA adapter (IoGetDmaAdapter, AllocateCommonBuffer). The ISR reads ICR (which
    acknowledges the adapter and drops its line) and queues the DPC; the DPC reclaims transmitted
    descriptors, sends writes that waited for a free descriptor, and hands received frames to
    pending reads, giving their descriptors back to the adapter (RDT).

    Ring full: a write finding every TX descriptor in flight waits in a cancel-safe queue until
    TXDW frees one; when no read takes frames, the RX ring fills and the adapter drops what comes
    (its MPC counter), until reads give descriptors back.

    Plug and Play as the WDK's function drivers do: GUID_DEVINTERFACE_NET is enabled after start;
    each dispatch routine holds the remove lock; IRP_MN_SURPRISE_REMOVAL disables the interface and
    fails the queued reads and writes (and new ones) with STATUS_NO_SUCH_DEVICE; IRP_MN_REMOVE_DEVICE
    fails what is still queued, waits on the remove lock, disconnects the interrupt, frees the rings
    and the DMA adapter, unmaps the registers, deregisters WMI, passes the IRP down, detaches and
    deletes. Left out: stop/rebalance.

Environment:

    Kernel mode. Dispatch routines at PASSIVE_LEVEL, the ISR at the adapter's DIRQL, the DPC at
    DISPATCH_LEVEL. Ring state is under the extension's spin lock.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Network;

/// <summary>The adapter's device extension.</summary>
public sealed partial class NicExtension
{
    /// <summary>Descriptors in each ring.</summary>
    public const int RingEntries = 8;

    /// <summary>Bytes of each frame buffer.</summary>
    public const int BufferSize = 2048;

    internal DeviceObject? Lower;
    internal DeviceObject? Pdo;
    internal ulong Registers;
    internal ulong RegisterLength;
    internal string? LinkName;
    internal string? InterfaceName;
    internal volatile bool SurpriseRemoved;
    internal readonly IoRemoveLock RemoveLock = new();
    internal KInterrupt? Interrupt;
    internal DmaAdapter? Adapter;
    internal ulong RxRing, RxRingLogical, TxRing, TxRingLogical, RxBuffers, RxBuffersLogical, TxBuffers, TxBuffersLogical;
    internal readonly KDpc Dpc = new();
    internal readonly KSpinLock Lock = new();
    internal readonly KSpinLock QueueLock = new();
    internal readonly IoCsq ReadQueue = new();
    internal readonly IoCsq WriteQueue = new();
    internal readonly LinkedList<Irp> Reads = new();
    internal readonly LinkedList<Irp> Writes = new();

    // Under Lock.
    internal int RxNext;
    internal int TxTail;
    internal int TxClean;
    internal int TxInFlight;

    /// <summary>Frames handed to the adapter.</summary>
    public long FramesSent { get; internal set; }

    /// <summary>Frames given to readers.</summary>
    public long FramesReceived { get; internal set; }

    /// <summary>Writes that found the TX ring full and waited for a descriptor.</summary>
    public long WritesDeferred { get; internal set; }
}

/// <summary>aknic.sys: the network adapter's function driver.</summary>
public static partial class Nic
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "AkNic";

    /// <summary>The image name.</summary>
    public const string ImageName = "aknic.sys";

    private const int Ctrl = 0x00, Icr = 0x08, Ims = 0x14, Imc = 0x18, Rdbal = 0x20, Rdbah = 0x24, Rdlen = 0x28, Rdh = 0x2C, Rdt = 0x30;
    private const int Tdbal = 0x38, Tdbah = 0x3C, Tdlen = 0x40, Tdh = 0x44, Tdt = 0x48;
    private const uint CausesWanted = 0x01 | 0x04 | 0x40 | 0x80; // TXDW, LSC, RXO, RXT0
    private const int N = NicExtension.RingEntries;

    /// <summary>DriverEntry.</summary>
    /// <param name="driverObject">The driver object.</param>
    /// <param name="registryPath">The service key (unused).</param>
    /// <returns>STATUS_SUCCESS.</returns>
    public static ValueTask<NtStatus> DriverEntry(DriverObject driverObject, string registryPath)
    {
        _ = registryPath;
        driverObject.MajorFunction[(int)IrpMajorFunction.Create] = NicCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Close] = NicCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Read] = NicRead;
        driverObject.MajorFunction[(int)IrpMajorFunction.Write] = NicWrite;
        driverObject.MajorFunction[(int)IrpMajorFunction.Pnp] = NicPnp;
        driverObject.MajorFunction[(int)IrpMajorFunction.Power] = NicPower;
        driverObject.MajorFunction[(int)IrpMajorFunction.SystemControl] = NicWmi.NicSystemControl;
        driverObject.DriverExtension.AddDevice = NicAddDevice;
        driverObject.DriverUnload = static _ => ValueTask.CompletedTask; // nothing is kept per driver
        return ValueTask.FromResult(NtStatus.Success);
    }

    private static ValueTask<NtStatus> NicAddDevice(DriverObject driverObject, DeviceObject pdo)
    {
        var index = driverObject.DeviceObjects.Count;
        var extension = new NicExtension { Pdo = pdo };
        var name = $"\\Device\\Nic{index}";
        var status = IoCreateDevice(driverObject, extension, name, DeviceType.Network, DeviceCharacteristics.DeviceSecureOpen, false, out var fdo);
        if (!status.IsSuccess())
        {
            return ValueTask.FromResult(status);
        }
        KeInitializeSpinLock(extension.Lock, "Nic.Lock");
        KeInitializeSpinLock(extension.QueueLock, "Nic.QueueLock");
        KeInitializeDpc(extension.Dpc, NicDpc, extension, driverObject.Module);
        InitializeQueue(extension.ReadQueue, extension.Reads, extension);
        InitializeQueue(extension.WriteQueue, extension.Writes, extension);
        IoInitializeRemoveLock(extension.RemoveLock, 0x6369_4E6B, 0, 0); // 'kNic'
        extension.Lower = IoAttachDeviceToDeviceStack(fdo!, pdo);
        extension.LinkName = $"\\??\\Nic{index}";
        driverObject.Manager.Objects.IoCreateSymbolicLink(extension.LinkName, name);
        fdo!.Flags |= DeviceObjectFlags.BufferedIo;
        fdo.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return ValueTask.FromResult(NtStatus.Success);
    }

    private static async ValueTask<NtStatus> NicPnp(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<NicExtension>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var status = IoAcquireRemoveLock(extension.RemoveLock, irp);
        if (!status.IsSuccess())
        {
            return await Complete(irp, status, 0);
        }
        switch ((PnpMinorFunction)stack.MinorFunction)
        {
            case PnpMinorFunction.StartDevice:
                // The bus driver starts the device first; this driver's start work comes after, on the way up.
                irp.IoStatus.Status = NtStatus.Success;
                status = await IoForwardIrpSynchronously(extension.Lower!, irp) ? irp.IoStatus.Status : NtStatus.InvalidDeviceRequest;
                if (status.IsSuccess())
                {
                    status = await NicStartDevice(extension, stack.Parameters.StartDevice.AllocatedResourcesTranslated);
                }
                if (status.IsSuccess())
                {
                    // The adapter's statistics become visible to WMI once it runs (NicWmi.cs).
                    await IoWMIRegistrationControl(deviceObject, WmiRegistrationAction.Register);
                    if (extension.InterfaceName is null && IoRegisterDeviceInterface(extension.Pdo!, PnpGuids.DevInterfaceNet, null, out var link).IsSuccess())
                    {
                        extension.InterfaceName = link;
                    }
                    if (extension.InterfaceName is { } name)
                    {
                        IoSetDeviceInterfaceState(name, enable: true);
                    }
                }
                irp.IoStatus.Status = status;
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                IoReleaseRemoveLock(extension.RemoveLock, irp);
                return status;
            case PnpMinorFunction.SurpriseRemoval:
                // The adapter is gone: nothing more reaches it, and what waits for it fails.
                extension.SurpriseRemoved = true;
                NicDisableInterface(extension);
                await NicFailQueued(extension, NtStatus.NoSuchDevice);
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.RemoveDevice:
                extension.SurpriseRemoved = true;
                NicDisableInterface(extension);
                await NicFailQueued(extension, NtStatus.DeletePending);
                await IoReleaseRemoveLockAndWait(extension.RemoveLock, irp);
                NicStopDevice(extension);
                await IoWMIRegistrationControl(deviceObject, WmiRegistrationAction.Deregister);
                irp.IoStatus.Status = NtStatus.Success;
                IoSkipCurrentIrpStackLocation(irp);
                status = await IoCallDriver(extension.Lower!, irp);
                IoDetachDevice(extension.Lower!);
                if (extension.LinkName is { } symbolicLink)
                {
                    deviceObject.DriverObject.Manager.Objects.IoDeleteSymbolicLink(symbolicLink);
                }
                IoDeleteDevice(deviceObject);
                return status;
            case PnpMinorFunction.QueryRemoveDevice:
            case PnpMinorFunction.CancelRemoveDevice:
                irp.IoStatus.Status = NtStatus.Success;
                break;
        }
        IoSkipCurrentIrpStackLocation(irp);
        status = await IoCallDriver(extension.Lower!, irp);
        IoReleaseRemoveLock(extension.RemoveLock, irp);
        return status;
    }

    private static void NicDisableInterface(NicExtension extension)
    {
        if (extension.InterfaceName is { } name)
        {
            IoSetDeviceInterfaceState(name, enable: false);
        }
    }

    /// <summary>Completes every queued read and write with <paramref name="status"/> (the adapter will not serve them).</summary>
    private static async ValueTask NicFailQueued(NicExtension extension, NtStatus status)
    {
        while (await IoCsqRemoveNextIrp(extension.ReadQueue, null) is { } read)
        {
            await Complete(read, status, 0);
        }
        while (await IoCsqRemoveNextIrp(extension.WriteQueue, null) is { } write)
        {
            await Complete(write, status, 0);
        }
    }

    /// <summary>Releases the hardware: the interrupt, the rings and buffers, the DMA adapter, the register mapping.</summary>
    private static void NicStopDevice(NicExtension extension)
    {
        if (extension.Interrupt is { } interrupt)
        {
            IoDisconnectInterrupt(interrupt);
            extension.Interrupt = null;
            KeRemoveQueueDpc(extension.Dpc); // a DPC the last interrupt queued must not touch the freed rings
        }
        if (extension.Adapter is { } adapter)
        {
            var dma = adapter.DmaOperations;
            if (extension.RxRing != 0) dma.FreeCommonBuffer(adapter, N * 16, extension.RxRingLogical, extension.RxRing, false);
            if (extension.TxRing != 0) dma.FreeCommonBuffer(adapter, N * 16, extension.TxRingLogical, extension.TxRing, false);
            if (extension.RxBuffers != 0) dma.FreeCommonBuffer(adapter, N * NicExtension.BufferSize, extension.RxBuffersLogical, extension.RxBuffers, false);
            if (extension.TxBuffers != 0) dma.FreeCommonBuffer(adapter, N * NicExtension.BufferSize, extension.TxBuffersLogical, extension.TxBuffers, false);
            extension.RxRing = extension.TxRing = extension.RxBuffers = extension.TxBuffers = 0;
            dma.PutDmaAdapter(adapter);
            extension.Adapter = null;
        }
        if (extension.Registers != 0)
        {
            MmUnmapIoSpace(extension.Registers, extension.RegisterLength);
            extension.Registers = 0;
        }
    }

    /// <summary>Maps the BAR, builds the rings in common buffers, connects the interrupt, enables RX and TX.</summary>
    private static async ValueTask<NtStatus> NicStartDevice(NicExtension extension, CmResourceList? resources)
    {
        CmPartialResourceDescriptor? memory = null, interrupt = null;
        foreach (var descriptor in resources?.Descriptors ?? [])
        {
            if (descriptor.Type == CmResourceType.Memory && memory is null) memory = descriptor;
            if (descriptor.Type == CmResourceType.Interrupt && interrupt is null) interrupt = descriptor;
        }
        if (memory is null || interrupt is null)
        {
            return NtStatus.InsufficientResources;
        }
        extension.Registers = MmMapIoSpace(memory.u.Memory.Start, memory.u.Memory.Length, MemoryCachingType.MmNonCached);
        extension.RegisterLength = memory.u.Memory.Length;
        var description = new DeviceDescription { Master = true, ScatterGather = true, Dma32BitAddresses = true, MaximumLength = NicExtension.BufferSize };
        extension.Adapter = IoGetDmaAdapter(extension.Pdo!, description, out _);
        if (extension.Registers == 0 || extension.Adapter is null)
        {
            return NtStatus.InsufficientResources;
        }
        var dma = extension.Adapter.DmaOperations;
        extension.RxRing = dma.AllocateCommonBuffer(extension.Adapter, N * 16, out extension.RxRingLogical, false);
        extension.TxRing = dma.AllocateCommonBuffer(extension.Adapter, N * 16, out extension.TxRingLogical, false);
        extension.RxBuffers = dma.AllocateCommonBuffer(extension.Adapter, N * NicExtension.BufferSize, out extension.RxBuffersLogical, false);
        extension.TxBuffers = dma.AllocateCommonBuffer(extension.Adapter, N * NicExtension.BufferSize, out extension.TxBuffersLogical, false);
        if (extension.RxRing == 0 || extension.TxRing == 0 || extension.RxBuffers == 0 || extension.TxBuffers == 0)
        {
            return NtStatus.InsufficientResources;
        }
        var descriptor16 = new byte[16];
        for (var i = 0; i < N; i++)
        {
            Array.Clear(descriptor16);
            BitConverter.TryWriteBytes(descriptor16.AsSpan(), extension.RxBuffersLogical + (ulong)(i * NicExtension.BufferSize));
            await RtlCopyMemory(extension.RxRing + (ulong)(i * 16), descriptor16);
            Array.Clear(descriptor16);
            await RtlCopyMemory(extension.TxRing + (ulong)(i * 16), descriptor16);
        }
        var mode = (interrupt.Flags & CmResourceFlags.InterruptLatched) != 0 ? KInterruptMode.Latched : KInterruptMode.LevelSensitive;
        var irql = (Irql)interrupt.u.Interrupt.Level;
        var status = IoConnectInterrupt(out var connected, NicIsr, extension, null, (int)interrupt.u.Interrupt.Vector, irql, irql, mode,
            interrupt.ShareDisposition == CmShareDisposition.Shared, interrupt.u.Interrupt.Affinity, false);
        if (!status.IsSuccess())
        {
            return status;
        }
        extension.Interrupt = connected;
        var r = extension.Registers;
        WRITE_REGISTER_ULONG(r + Imc, uint.MaxValue);
        WRITE_REGISTER_ULONG(r + Rdbal, (uint)extension.RxRingLogical);
        WRITE_REGISTER_ULONG(r + Rdbah, (uint)(extension.RxRingLogical >> 32));
        WRITE_REGISTER_ULONG(r + Rdlen, N * 16);
        WRITE_REGISTER_ULONG(r + Rdh, 0);
        WRITE_REGISTER_ULONG(r + Rdt, N - 1); // the adapter owns every RX descriptor but one
        WRITE_REGISTER_ULONG(r + Tdbal, (uint)extension.TxRingLogical);
        WRITE_REGISTER_ULONG(r + Tdbah, (uint)(extension.TxRingLogical >> 32));
        WRITE_REGISTER_ULONG(r + Tdlen, N * 16);
        WRITE_REGISTER_ULONG(r + Tdh, 0);
        WRITE_REGISTER_ULONG(r + Tdt, 0);
        WRITE_REGISTER_ULONG(r + Ims, CausesWanted);
        WRITE_REGISTER_ULONG(r + Ctrl, 0x6); // RXEN | TXEN
        return NtStatus.Success;
    }

    /// <summary>The ISR: reading ICR acknowledges the adapter (its line drops); nothing pending means the interrupt is another device's.</summary>
    private static ValueTask<bool> NicIsr(KInterrupt interrupt, object? serviceContext)
    {
        var extension = (NicExtension)serviceContext!;
        var causes = READ_REGISTER_ULONG(extension.Registers + Icr);
        if (causes == 0)
        {
            return ValueTask.FromResult(false);
        }
        KeInsertQueueDpc(extension.Dpc, null, null);
        return ValueTask.FromResult(true);
    }

    /// <summary>The DPC: reclaim sent descriptors, send waiting writes, feed pending reads.</summary>
    private static async ValueTask NicDpc(KDpc dpc, object? deferredContext, object? argument1, object? argument2)
    {
        var extension = (NicExtension)deferredContext!;
        await NicService(extension);
    }

    private static async ValueTask NicService(NicExtension extension)
    {
        var completed = new List<(Irp Irp, NtStatus Status, ulong Information)>();
        var old = await KeAcquireSpinLock(extension.Lock);
        var head = (int)READ_REGISTER_ULONG(extension.Registers + Tdh);
        while (extension.TxClean != head)
        {
            extension.TxClean = (extension.TxClean + 1) % N;
            extension.TxInFlight--;
        }
        while (extension.TxInFlight < N - 1 && await IoCsqRemoveNextIrp(extension.WriteQueue, null) is { } write)
        {
            await QueueTransmit(extension, write);
            completed.Add((write, NtStatus.Success, IoGetCurrentIrpStackLocation(write).Parameters.Write.Length));
        }
        while (await FrameReady(extension) && await IoCsqRemoveNextIrp(extension.ReadQueue, null) is { } read)
        {
            var (status, length) = await TakeFrame(extension, read);
            completed.Add((read, status, length));
        }
        await KeReleaseSpinLock(extension.Lock, old);
        foreach (var (irp, status, information) in completed)
        {
            irp.IoStatus.Status = status;
            irp.IoStatus.Information = information;
            await IoCompleteRequest(irp, PriorityBoost.IoNetworkIncrement);
        }
    }

    /// <summary>IRP_MJ_WRITE: one frame to send; waits for a descriptor when the TX ring is full.</summary>
    private static async ValueTask<NtStatus> NicWrite(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<NicExtension>();
        var locked = IoAcquireRemoveLock(extension.RemoveLock, irp);
        if (!locked.IsSuccess() || extension.SurpriseRemoved)
        {
            if (locked.IsSuccess())
            {
                IoReleaseRemoveLock(extension.RemoveLock, irp);
            }
            return await Complete(irp, locked.IsSuccess() ? NtStatus.NoSuchDevice : locked, 0);
        }
        var status = await NicWriteLocked(extension, irp);
        IoReleaseRemoveLock(extension.RemoveLock, irp);
        return status;
    }

    private static async ValueTask<NtStatus> NicWriteLocked(NicExtension extension, Irp irp)
    {
        var length = IoGetCurrentIrpStackLocation(irp).Parameters.Write.Length;
        if (length is 0 or > NicExtension.BufferSize)
        {
            return await Complete(irp, NtStatus.InvalidParameter, 0);
        }
        var old = await KeAcquireSpinLock(extension.Lock);
        if (extension.TxInFlight == N - 1 || extension.Writes.Count > 0)
        {
            // Every descriptor is in flight (one always stays empty): wait in order for TXDW to free one.
            extension.WritesDeferred++;
            await IoCsqInsertIrp(extension.WriteQueue, irp, null);
            await KeReleaseSpinLock(extension.Lock, old);
            return NtStatus.Pending;
        }
        await QueueTransmit(extension, irp);
        await KeReleaseSpinLock(extension.Lock, old);
        return await Complete(irp, NtStatus.Success, length);
    }

    /// <summary>IRP_MJ_READ: the next received frame, or pends until one comes.</summary>
    private static async ValueTask<NtStatus> NicRead(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<NicExtension>();
        var locked = IoAcquireRemoveLock(extension.RemoveLock, irp);
        if (!locked.IsSuccess() || extension.SurpriseRemoved)
        {
            if (locked.IsSuccess())
            {
                IoReleaseRemoveLock(extension.RemoveLock, irp);
            }
            return await Complete(irp, locked.IsSuccess() ? NtStatus.NoSuchDevice : locked, 0);
        }
        var status = await NicReadLocked(extension, irp);
        IoReleaseRemoveLock(extension.RemoveLock, irp);
        return status;
    }

    private static async ValueTask<NtStatus> NicReadLocked(NicExtension extension, Irp irp)
    {
        var old = await KeAcquireSpinLock(extension.Lock);
        if (extension.Reads.Count == 0 && await FrameReady(extension))
        {
            var (status, length) = await TakeFrame(extension, irp);
            await KeReleaseSpinLock(extension.Lock, old);
            return await Complete(irp, status, length);
        }
        await IoCsqInsertIrp(extension.ReadQueue, irp, null);
        await KeReleaseSpinLock(extension.Lock, old);
        return NtStatus.Pending;
    }

    /// <summary>Copies the frame to the next TX buffer, fills descriptor TxTail (EOP | RS) and moves TDT past it. Under Lock.</summary>
    private static async ValueTask QueueTransmit(NicExtension extension, Irp irp)
    {
        var length = (int)IoGetCurrentIrpStackLocation(irp).Parameters.Write.Length;
        var slot = extension.TxTail;
        await RtlCopyMemory(extension.TxBuffers + (ulong)(slot * NicExtension.BufferSize), irp.SystemBuffer.AsSpan(0, length));
        // A traced request's W3C traceparent rides in a trailer the receiving aknic.sys strips (TraceTrailer).
        if (IoTrace.GetTraceParent(irp) is { Length: TraceParentLength } traceParent && length + TraceTrailer <= NicExtension.BufferSize)
        {
            var trailer = new byte[TraceTrailer];
            System.Text.Encoding.ASCII.GetBytes(traceParent, trailer);
            TraceMagic.CopyTo(trailer.AsSpan(TraceParentLength));
            await RtlCopyMemory(extension.TxBuffers + (ulong)(slot * NicExtension.BufferSize) + (ulong)length, trailer);
            length += TraceTrailer;
        }
        var descriptor = new byte[16];
        BitConverter.TryWriteBytes(descriptor.AsSpan(), extension.TxBuffersLogical + (ulong)(slot * NicExtension.BufferSize));
        BitConverter.TryWriteBytes(descriptor.AsSpan(8), (ushort)length);
        descriptor[11] = 0x09; // EOP | RS
        await RtlCopyMemory(extension.TxRing + (ulong)(slot * 16), descriptor);
        extension.TxTail = (slot + 1) % N;
        extension.TxInFlight++;
        extension.FramesSent++;
        WRITE_REGISTER_ULONG(extension.Registers + Tdt, (uint)extension.TxTail);
    }

    /// <summary>Whether descriptor RxNext holds a frame (DD set). Under Lock.</summary>
    private static async ValueTask<bool> FrameReady(NicExtension extension)
    {
        var status = new byte[1];
        await RtlCopyMemory(status, extension.RxRing + (ulong)(extension.RxNext * 16) + 12);
        return (status[0] & 0x01) != 0;
    }

    /// <summary>Copies the frame of descriptor RxNext into the read's buffer and gives the descriptor back (RDT). Under Lock.</summary>
    private static async ValueTask<(NtStatus Status, ulong Information)> TakeFrame(NicExtension extension, Irp read)
    {
        var slot = extension.RxNext;
        var descriptor = new byte[16];
        await RtlCopyMemory(descriptor, extension.RxRing + (ulong)(slot * 16));
        int frameLength = BitConverter.ToUInt16(descriptor, 8);
        var wanted = (int)IoGetCurrentIrpStackLocation(read).Parameters.Read.Length;
        var received = new byte[Math.Min(frameLength, NicExtension.BufferSize)];
        await RtlCopyMemory(received, extension.RxBuffers + (ulong)(slot * NicExtension.BufferSize));
        if (received.Length >= TraceTrailer && received.AsSpan(received.Length - TraceMagic.Length).SequenceEqual(TraceMagic))
        {
            // The sender's trace context: this read continues the sender's trace; the user sees the frame without it.
            frameLength -= TraceTrailer;
            IoTrace.ContinueRemoteTrace(read, System.Text.Encoding.ASCII.GetString(received, frameLength, TraceParentLength));
        }
        var copied = Math.Min(frameLength, wanted);
        received.AsSpan(0, copied).CopyTo(read.SystemBuffer.AsSpan());
        descriptor[12] = 0; // status cleared: the descriptor is empty again
        await RtlCopyMemory(extension.RxRing + (ulong)(slot * 16) + 12, descriptor.AsSpan(12, 1));
        WRITE_REGISTER_ULONG(extension.Registers + Rdt, (uint)slot); // the adapter may fill up to the one before it
        extension.RxNext = (slot + 1) % N;
        extension.FramesReceived++;
        return (copied == frameLength ? NtStatus.Success : NtStatus.BufferOverflow, (ulong)copied);
    }

    /// <summary>Length of a W3C traceparent (version 00): 2 + 1 + 32 + 1 + 16 + 1 + 2.</summary>
    private const int TraceParentLength = 55;

    /// <summary>Marks a frame that carries a traceparent trailer (simulation-only encapsulation between two aknic.sys).</summary>
    private static ReadOnlySpan<byte> TraceMagic => "W3TC"u8;

    /// <summary>The trailer: the traceparent, then the magic.</summary>
    private const int TraceTrailer = TraceParentLength + 4;

    private static async ValueTask<NtStatus> NicCreateClose(DeviceObject deviceObject, Irp irp)
    {
        _ = deviceObject;
        return await Complete(irp, NtStatus.Success, 0);
    }

    private static async ValueTask<NtStatus> Complete(Irp irp, NtStatus status, ulong information)
    {
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = information;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    private static void InitializeQueue(IoCsq csq, LinkedList<Irp> list, NicExtension extension)
    {
        IoCsqInitialize(csq, (q, irp, _) => { ((QueueContext)q.Context!).List.AddLast(irp); return NtStatus.Success; },
            (q, irp) => ((QueueContext)q.Context!).List.Remove(irp),
            (q, irp, _) => { var l = ((QueueContext)q.Context!).List; return (irp is null ? l.First : l.Find(irp)?.Next)?.Value; },
            async q => await KeAcquireSpinLock(((QueueContext)q.Context!).Extension.QueueLock),
            (q, irql) => _ = KeReleaseSpinLock(((QueueContext)q.Context!).Extension.QueueLock, irql),
            async (_, irp) => await Complete(irp, NtStatus.Cancelled, 0));
        csq.Context = new QueueContext(list, extension);
    }

    private sealed record QueueContext(LinkedList<Irp> List, NicExtension Extension);
}
