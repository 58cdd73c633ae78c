/*++

Module Name:

    UsbPort.Transfer.cs

Abstract:

    Transfers to devices: the data's MDL (the URB's TransferBufferMDL, or one the port builds for
    TransferBuffer over nonpaged pool), its scatter/gather list from the HAL (GetScatterGatherList,
    a bus master's logical addresses), the miniport's SubmitTransfer under the port's lock (or the
    waiting list when the controller has no room, cancelable there). The ISR is the miniport's
    InterruptService, which acknowledges the controller and queues the DPC; the DPC runs the
    miniport's InterruptDpc, which reports each finished transfer (UsbPortCompleteTransfer), moves
    waiting transfers to the controller, answers the root hub's status-change URB when a root port
    changed, and, with the lock dropped, completes each URB and its IRP exactly once.

    A transfer of a device whose handle was removed ends with USBD_STATUS_DEVICE_GONE unless it
    succeeded; a STALL halts its pipe until URB_FUNCTION_SYNC_RESET_PIPE(_AND_CLEAR_STALL).

    Left out: cancelling a transfer the controller already holds (it completes at the controller's
    pace: the device model always answers, or the detach ends it), transfer timeouts.

Environment:

    Kernel mode. Submission at IRQL <= DISPATCH_LEVEL; the DPC at DISPATCH_LEVEL.

--*/

using System.Runtime.CompilerServices;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Usb;

public static partial class UsbPort
{
    // Made once: a method group passed as a delegate allocates on every call.
    private static readonly DriverListControl ListReady = PortListReady;
    private static readonly IoCancelRoutine CancelWaiting = PortCancelWaiting;

    /// <summary>
    /// USBPORT_CompleteTransfer: the miniport reports a finished transfer (from its InterruptDpc,
    /// under the port's lock); the DPC completes it once the lock is dropped.
    /// </summary>
    /// <param name="controller">The controller.</param>
    /// <param name="transfer">The transfer the miniport had.</param>
    /// <param name="status">Its USBD status.</param>
    /// <param name="actualLength">Bytes moved.</param>
    /// <remarks>IRQL = DISPATCH_LEVEL, holding the port's lock.</remarks>
    public static void UsbPortCompleteTransfer(UsbPortFdoExtension controller, UsbTransfer transfer, UsbdStatus status, uint actualLength)
    {
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(transfer);
        if (!controller.Active.Remove(transfer))
        {
            return; // already ended by a flush (the controller was removed)
        }
        transfer.UsbdStatus = status;
        transfer.ActualLength = actualLength;
        PortQueueDone(controller, transfer);
    }

    /// <summary>Starts a transfer for <paramref name="urb"/>: MDL, scatter/gather list, the controller or the waiting list.</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))] // pooled: it suspends once per URB
    private static async ValueTask<NtStatus> PortStartTransfer(UsbPortFdoExtension controller, Irp irp, Urb urb, UsbdDeviceHandle device, UsbdPipeHandle? pipe,
        UsbTransferKind kind, UsbSetupPacket setup)
    {
        var withBuffer = urb as UrbWithBuffer;
        var length = withBuffer?.TransferBufferLength ?? 0;
        if (length > controller.Packet.MaximumTransferSize)
        {
            return await PortCompleteUrb(irp, urb, UsbdStatus.InvalidParameter);
        }
        var transfer = new UsbTransfer(irp, urb, device)
        {
            Pipe = pipe,
            Kind = kind,
            EndpointNumber = pipe is null ? 0 : pipe.Endpoint.EndpointAddress & 0xF,
            Setup = setup,
            Length = length,
            DataIn = kind == UsbTransferKind.In || (kind == UsbTransferKind.Control && setup.IsDeviceToHost),
        };
        if (length > 0)
        {
            if (withBuffer!.TransferBufferMdl is { } mdl)
            {
                transfer.Mdl = mdl;
            }
            else if (withBuffer.TransferBuffer != 0 && IoAllocateMdl(withBuffer.TransferBuffer, length) is { } built)
            {
                // usbport builds the MDL of a TransferBuffer itself (it must be nonpaged).
                MmBuildMdlForNonPagedPool(built);
                transfer.Mdl = built;
                transfer.OwnsMdl = true;
            }
            else
            {
                return await PortCompleteUrb(irp, urb, withBuffer.TransferBuffer == 0 ? UsbdStatus.InvalidParameter : UsbdStatus.InsufficientResources);
            }
        }
        urb.UrbHeader.Status = UsbdStatus.Pending;
        IoMarkIrpPending(irp);
        var old = KeRaiseIrql(Irql.DispatchLevel);
        if (transfer.Mdl is { } data)
        {
            var adapter = controller.DmaAdapter!;
            var status = await adapter.DmaOperations.GetScatterGatherList(adapter, controller.Fdo!, data, MmGetMdlVirtualAddress(data), length,
                ListReady, transfer, !transfer.DataIn, nameof(PortListReady));
            if (!status.IsSuccess())
            {
                transfer.UsbdStatus = UsbdStatus.InsufficientResources;
                await PortFinishTransfer(controller, transfer, counted: false);
                await KeLowerIrql(old);
                return NtStatus.Pending;
            }
        }
        await KeAcquireSpinLockAtDpcLevel(controller.Lock);
        ((UsbDeviceContext)device.PortContext!).Outstanding++;
        var submitted = controller.Waiting.Count == 0 && await controller.Packet.SubmitTransfer(controller, transfer);
        if (submitted)
        {
            controller.Active.Add(transfer);
        }
        else
        {
            controller.Waiting.AddLast(transfer);
            IoSetCancelRoutine(irp, CancelWaiting);
        }
        KeReleaseSpinLockFromDpcLevel(controller.Lock);
        if (!submitted && irp.Cancel && IoSetCancelRoutine(irp, null) is not null)
        {
            // Cancelled before the routine was set: take it back out and end it here.
            await PortTakeWaiting(controller, transfer, UsbdStatus.Canceled);
        }
        await KeLowerIrql(old);
        return NtStatus.Pending;
    }

    /// <summary>DRIVER_LIST_CONTROL: the list is built (at once, for a scatter/gather bus master).</summary>
    private static ValueTask PortListReady(DeviceObject deviceObject, Irp? irp, ScatterGatherList scatterGather, object? context)
    {
        _ = deviceObject;
        _ = irp;
        ((UsbTransfer)context!).ScatterGather = scatterGather;
        return ValueTask.CompletedTask;
    }

    /// <summary>The cancel routine of a transfer waiting for room at the controller (called with the cancel spin lock held).</summary>
    private static async ValueTask PortCancelWaiting(DeviceObject deviceObject, Irp irp)
    {
        IoReleaseCancelSpinLock(irp.CancelIrql);
        var controller = deviceObject.DeviceExtension is UsbRootHubPdoExtension pdo ? pdo.Controller : deviceObject.GetExtension<UsbPortFdoExtension>();
        var old = await KeAcquireSpinLock(controller.Lock);
        UsbTransfer? found = null;
        foreach (var transfer in controller.Waiting)
        {
            if (transfer.Irp == irp)
            {
                found = transfer;
                break;
            }
        }
        await KeReleaseSpinLock(controller.Lock, old);
        if (found is not null)
        {
            await PortTakeWaiting(controller, found, UsbdStatus.Canceled);
        }
    }

    /// <summary>Removes a waiting transfer (its cancel routine already cleared or running) and ends it with <paramref name="status"/>.</summary>
    private static async ValueTask PortTakeWaiting(UsbPortFdoExtension controller, UsbTransfer transfer, UsbdStatus status)
    {
        var old = await KeAcquireSpinLock(controller.Lock);
        var removed = controller.Waiting.Remove(transfer);
        await KeReleaseSpinLock(controller.Lock, old);
        if (removed)
        {
            transfer.UsbdStatus = status;
            await PortFinishTransfer(controller, transfer, counted: true);
        }
    }

    /// <summary>KSERVICE_ROUTINE: the miniport's InterruptService is the ISR's hardware half; a claimed interrupt queues the DPC.</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))] // pooled: it suspends once per interrupt
    private static async ValueTask<bool> PortInterruptService(KInterrupt interrupt, object? serviceContext)
    {
        _ = interrupt;
        var controller = (UsbPortFdoExtension)serviceContext!;
        if (!await controller.Packet.InterruptService(controller))
        {
            return false;
        }
        KeInsertQueueDpc(controller.Dpc, null, null);
        return true;
    }

    /// <summary>The DPC: finished transfers, waiting ones to the controller, the root hub's status change; completions after the lock.</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder))] // pooled: it suspends once per interrupt
    private static async ValueTask PortDpc(KDpc dpc, object? deferredContext, object? systemArgument1, object? systemArgument2)
    {
        _ = dpc;
        _ = systemArgument1;
        _ = systemArgument2;
        var controller = (UsbPortFdoExtension)deferredContext!;
        if (!controller.Started)
        {
            return;
        }
        await KeAcquireSpinLockAtDpcLevel(controller.Lock);
        var portChanged = await controller.Packet.InterruptDpc(controller);
        for (var node = controller.Waiting.First; node is not null;)
        {
            var next = node.Next;
            var transfer = node.Value;
            if (IoSetCancelRoutine(transfer.Irp, null) is not null)
            {
                if (!await controller.Packet.SubmitTransfer(controller, transfer))
                {
                    IoSetCancelRoutine(transfer.Irp, CancelWaiting);
                    break; // still no room: it keeps its place
                }
                controller.Waiting.Remove(node);
                controller.Active.Add(transfer);
            }
            node = next; // one whose cancel routine runs stays for that routine to take
        }
        var statusChange = portChanged ? RootHubTakeStatusChange(controller) : null; // UsbPort.RootHub.cs
        var done = controller.DoneHead;
        controller.DoneHead = controller.DoneTail = null;
        KeReleaseSpinLockFromDpcLevel(controller.Lock);
        while (done is not null)
        {
            var next = done.NextDone;
            done.NextDone = null;
            await PortFinishTransfer(controller, done, counted: true);
            done = next;
        }
        if (statusChange is not null)
        {
            await RootHubFinish(statusChange);
        }
    }

    private static void PortQueueDone(UsbPortFdoExtension controller, UsbTransfer transfer)
    {
        transfer.NextDone = null;
        if (controller.DoneTail is { } tail)
        {
            tail.NextDone = transfer;
        }
        else
        {
            controller.DoneHead = transfer;
        }
        controller.DoneTail = transfer;
    }

    /// <summary>
    /// Ends a transfer: the scatter/gather list back to the HAL, the port's MDL freed, the URB's
    /// status and length set, the IRP completed with the mapped NTSTATUS; then the device's count of
    /// outstanding transfers drops (RemoveUsbDevice waits for it).
    /// </summary>
    private static async ValueTask PortFinishTransfer(UsbPortFdoExtension controller, UsbTransfer transfer, bool counted)
    {
        var old = KeRaiseIrql(Irql.DispatchLevel);
        if (transfer.ScatterGather is { } list)
        {
            await controller.DmaAdapter!.DmaOperations.PutScatterGatherList(controller.DmaAdapter, list, !transfer.DataIn);
            transfer.ScatterGather = null;
        }
        if (transfer.OwnsMdl && transfer.Mdl is { } mdl)
        {
            IoFreeMdl(mdl);
            transfer.OwnsMdl = false;
        }
        var status = transfer.UsbdStatus;
        if (transfer.Device.Removed && !status.IsSuccess())
        {
            status = UsbdStatus.DeviceGone;
        }
        if (status.IsHalted() && status != UsbdStatus.DeviceGone && transfer.Pipe is { } pipe)
        {
            pipe.Halted = true; // a STALL or transaction error halts the endpoint until a pipe reset
        }
        transfer.Urb.UrbHeader.Status = status;
        if (transfer.Urb is UrbWithBuffer withBuffer)
        {
            withBuffer.TransferBufferLength = status.IsSuccess() ? transfer.ActualLength : 0;
        }
        var irp = transfer.Irp;
        irp.IoStatus.Status = status.ToNtStatus();
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        Interlocked.Increment(ref controller._completedTransfers);
        if (counted && transfer.Device.PortContext is UsbDeviceContext context)
        {
            await KeAcquireSpinLockAtDpcLevel(controller.Lock);
            var drained = --context.Outstanding == 0 && transfer.Device.Removed;
            KeReleaseSpinLockFromDpcLevel(controller.Lock);
            if (drained)
            {
                KeSetEvent(context.Drained, 0, false);
            }
        }
        await KeLowerIrql(old);
    }

    /// <summary>Ends the waiting transfers <paramref name="match"/> selects with <paramref name="status"/>.</summary>
    private static async ValueTask PortEndWaiting(UsbPortFdoExtension controller, Func<UsbTransfer, bool> match, UsbdStatus status)
    {
        var taken = new List<UsbTransfer>();
        var old = await KeAcquireSpinLock(controller.Lock);
        for (var node = controller.Waiting.First; node is not null;)
        {
            var next = node.Next;
            if (match(node.Value) && IoSetCancelRoutine(node.Value.Irp, null) is not null)
            {
                controller.Waiting.Remove(node);
                taken.Add(node.Value);
            }
            node = next;
        }
        await KeReleaseSpinLock(controller.Lock, old);
        foreach (var transfer in taken)
        {
            transfer.UsbdStatus = status;
            await PortFinishTransfer(controller, transfer, counted: true);
        }
    }

    /// <summary>URB_FUNCTION_ABORT_PIPE: the pipe's transfers still waiting for the controller end with USBD_STATUS_CANCELED.</summary>
    private static ValueTask PortAbortPipe(UsbPortFdoExtension controller, UsbdPipeHandle pipe) =>
        PortEndWaiting(controller, t => t.Pipe == pipe, UsbdStatus.Canceled);

    /// <summary>The controller is gone: every transfer, at it or waiting, and the root hub's status-change URBs end with USBD_STATUS_DEVICE_GONE.</summary>
    private static async ValueTask PortFlushAll(UsbPortFdoExtension controller)
    {
        await PortEndWaiting(controller, _ => true, UsbdStatus.DeviceGone);
        var old = await KeAcquireSpinLock(controller.Lock);
        var active = controller.Active.ToArray();
        controller.Active.Clear();
        await KeReleaseSpinLock(controller.Lock, old);
        foreach (var transfer in active)
        {
            transfer.UsbdStatus = UsbdStatus.DeviceGone;
            await PortFinishTransfer(controller, transfer, counted: true);
        }
        await RootHubFlushStatusChange(controller, UsbdStatus.DeviceGone);
    }
}
