/*++

Module Name:

    StoragePort.Io.cs

Abstract:

    The port's request path. StartIo takes a tag for the IRP and asks the DMA adapter for a
    scatter/gather list over the IRP's MDL (GetScatterGatherList); its execution routine hands the
    request to the miniport's HwStartIo, which programs the controller. While tags remain StartIo
    starts the next packet at once, so up to QueueDepth requests are at the controller together;
    when it takes the last tag the port stalls and the next tag freed restarts the queue. The ISR
    reports finished requests; the DPC completes them (PutScatterGatherList, IoCompleteRequest).

Environment:

    Kernel mode. StartIo, the execution routine and the DPC run at DISPATCH_LEVEL.

--*/

using System.Runtime.CompilerServices;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Storage;

public static partial class StoragePort
{
    // Made once: a method group passed as a delegate allocates on every call.
    private static readonly DriverListControl ExecuteRequest = PortExecuteRequest;

    /// <summary>
    /// DriverStartIo: gives the IRP a tag and its scatter/gather list, then starts the next packet
    /// unless this took the last tag.
    /// </summary>
    /// <remarks>IRQL = DISPATCH_LEVEL. Two StartIos may run at once on two processors (a DPC restarts the queue): the tag pool is under TagLock.</remarks>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder))] // pooled: it suspends once per request
    private static async ValueTask PortStartIo(DeviceObject deviceObject, Irp irp)
    {
        var adapter = deviceObject.GetExtension<StorageAdapter>();
        if (adapter.SurpriseRemoved)
        {
            // A request queued before the device left: it fails, and the queue moves on.
            irp.IoStatus.Status = NtStatus.NoSuchDevice;
            irp.IoStatus.Information = 0;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            IoReleaseRemoveLock(adapter.RemoveLock, irp);
            await IoStartNextPacket(deviceObject, false);
            return;
        }
        var stack = IoGetCurrentIrpStackLocation(irp);
        await KeAcquireSpinLockAtDpcLevel(adapter.TagLock);
        var request = adapter.PopFreeTag();
        var more = adapter.FreeTagCount > 0;
        adapter.Stalled = !more;
        request.Irp = irp;
        request.Status = NtStatus.Pending;
        PortArmTimeout(adapter, request, stack.MajorFunction == IrpMajorFunction.Scsi && stack.Parameters.Others.Argument1 is ScsiRequestBlock srb ? srb.TimeOutValue : adapter.RequestTimeoutSeconds); // StoragePort.Timeout.cs
        KeReleaseSpinLockFromDpcLevel(adapter.TagLock);
        switch (stack.MajorFunction)
        {
            case IrpMajorFunction.Read:
            case IrpMajorFunction.Write:
                request.Operation = stack.MajorFunction == IrpMajorFunction.Read ? StorageOperation.Read : StorageOperation.Write;
                request.Length = stack.Parameters.Read.Length;
                request.Lba = stack.Parameters.Read.ByteOffset / adapter.SectorSize;
                request.SectorCount = request.Length / adapter.SectorSize;
                var mdl = irp.MdlAddress!;
                // A bus master with scatter/gather: the list is built at once and PortExecuteRequest runs before this returns.
                var status = await adapter.DmaAdapter!.DmaOperations.GetScatterGatherList(adapter.DmaAdapter, deviceObject, mdl, MmGetMdlVirtualAddress(mdl),
                    request.Length, ExecuteRequest, request, request.Operation == StorageOperation.Write, nameof(PortExecuteRequest));
                if (!status.IsSuccess())
                {
                    request.Status = status;
                    await PortFinishRequest(request);
                }
                break;
            case IrpMajorFunction.Scsi:
                await PortStartSrb(deviceObject, request, irp, (ScsiRequestBlock)stack.Parameters.Others.Argument1!); // StoragePort.Lun.cs
                break;
            default:
                request.Operation = StorageOperation.Flush;
                request.Length = 0;
                request.Lba = 0;
                request.SectorCount = 0;
                await adapter.Hw.HwStartIo(adapter, request);
                break;
        }
        if (more)
        {
            await IoStartNextPacket(deviceObject, false);
        }
    }

    /// <summary>DRIVER_LIST_CONTROL: the scatter/gather list is ready; the miniport programs the controller.</summary>
    /// <remarks>IRQL = DISPATCH_LEVEL.</remarks>
    private static ValueTask PortExecuteRequest(DeviceObject deviceObject, Irp? irp, ScatterGatherList scatterGather, object? context)
    {
        _ = deviceObject;
        _ = irp;
        var request = (StorageRequest)context!;
        request.ScatterGather = scatterGather;
        return request.Adapter.Hw.HwStartIo(request.Adapter, request);
    }

    /// <summary>
    /// The completion DPC: takes the requests the ISR reported (under the interrupt spin lock) and
    /// completes each. The same DPC may run on two processors at once when the ISR queues it again
    /// while it runs; each run takes a disjoint part of the list.
    /// </summary>
    /// <remarks>IRQL = DISPATCH_LEVEL.</remarks>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder))] // pooled: it suspends once per request
    private static async ValueTask PortCompletionDpc(KDpc dpc, object? deferredContext, object? systemArgument1, object? systemArgument2)
    {
        _ = dpc;
        _ = systemArgument1;
        _ = systemArgument2;
        var adapter = (StorageAdapter)deferredContext!;
        var old = await KeAcquireInterruptSpinLock(adapter.Interrupt!);
        var finished = adapter.CompletedHead;
        adapter.CompletedHead = adapter.CompletedTail = null;
        await KeReleaseInterruptSpinLock(adapter.Interrupt!, old);
        while (finished is not null)
        {
            var next = finished.NextCompleted;
            finished.NextCompleted = null;
            await PortFinishRequest(finished);
            finished = next;
        }
    }

    /// <summary>
    /// Ends one request: releases its scatter/gather list, frees its tag (restarting a stalled
    /// queue) and completes the IRP with the status the miniport reported.
    /// </summary>
    /// <remarks>IRQL = DISPATCH_LEVEL.</remarks>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder))] // pooled: it suspends once per request
    private static async ValueTask PortFinishRequest(StorageRequest request)
    {
        var adapter = request.Adapter;
        var irp = request.Irp!;
        var status = request.Status;
        var length = request.Length;
        Volatile.Write(ref request.TimeoutRemaining, 0);
        PortFinishSrb(irp, request); // SRB status and sense: StoragePort.Lun.cs
        if (request.ScatterGather is { } scatterGather)
        {
            await adapter.DmaAdapter!.DmaOperations.PutScatterGatherList(adapter.DmaAdapter, scatterGather, request.Operation == StorageOperation.Write);
            request.ScatterGather = null;
        }
        request.Irp = null;

        await KeAcquireSpinLockAtDpcLevel(adapter.TagLock);
        adapter.PushFreeTag(request);
        var restart = adapter.Stalled;
        adapter.Stalled = false;
        KeReleaseSpinLockFromDpcLevel(adapter.TagLock);

        irp.IoStatus.Status = status;
        irp.IoStatus.Information = status.IsSuccess() ? length : 0;
        Interlocked.Increment(ref adapter._completedRequests);
        await IoCompleteRequest(irp, PriorityBoost.IoDiskIncrement);
        IoReleaseRemoveLock(adapter.RemoveLock, irp);
        if (restart)
        {
            await IoStartNextPacket(adapter.Fdo!, false);
        }
    }
}
