/*++

Module Name:

    StoragePort.Timeout.cs

Abstract:

    Request timeouts and bus reset, as ScsiPort does them. The port's device timer
    (IoInitializeTimer at AddDevice) ticks once a second while requests are at the adapter. Each
    tick counts down, in sync with the ISR, the seconds every outstanding request has left (its
    SRB's TimeOutValue, or the adapter's for the port's own reads and writes). When one reaches
    zero the controller is not answering: the port calls the miniport's HwResetBus, which resets
    the controller and completes every outstanding request with SRB_STATUS_BUS_RESET
    (StoragePortCompleteRequest, ScsiPortCompleteRequest's part); the completion DPC finishes them
    and the queue moves on. A class driver retries them (disk.sys: DiskClass.ReadWrite.cs); the
    port's own reads and writes fail with STATUS_IO_TIMEOUT. Each reset is logged to the system
    event log (IO_ERR_TIMEOUT, event 9).

    Deviation: ScsiPort's timer runs from start to removal; this one stops when no request is at
    the adapter and starts again with the next, so an idle machine has no timer events.

Environment:

    Kernel mode. The timer routine at DISPATCH_LEVEL; the synchronized part and HwResetBus at DIRQL.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Storage;

public static partial class StoragePort
{
    // Made once: a method group passed as a delegate allocates on every call.
    private static readonly KSynchronizeRoutine TickSynchronized = PortTickSynchronized;

    /// <summary>
    /// ScsiPortCompleteRequest (for the adapter's one bus and unit): every request the controller
    /// holds that the ISR has not reported is finished with <paramref name="srbStatus"/> and queued
    /// for the completion DPC. The miniport's HwResetBus calls it with SRB_STATUS_BUS_RESET.
    /// </summary>
    /// <param name="adapter">The adapter.</param>
    /// <param name="srbStatus">SRB_STATUS_BUS_RESET, SRB_STATUS_TIMEOUT or SRB_STATUS_NO_DEVICE.</param>
    /// <returns>Whether any request was completed.</returns>
    /// <remarks>IRQL = DIRQL, holding the interrupt spin lock (in HwResetBus or another synchronized routine).</remarks>
    public static bool StoragePortCompleteRequest(StorageAdapter adapter, SrbStatus srbStatus)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        var any = false;
        foreach (var request in adapter.Requests)
        {
            if (request.Irp is not null && request.Status == NtStatus.Pending)
            {
                request.PortSrbStatus = srbStatus;
                request.Status = PortStatusOf(srbStatus);
                StoragePortNotification(StorageNotification.RequestComplete, adapter, request);
                any = true;
            }
        }
        if (any)
        {
            KeInsertQueueDpc(adapter.CompletionDpc, null, null);
        }
        return any;
    }

    /// <summary>What the port's own reads and writes fail with for an SRB status the port set (USBSTOR_TranslateSrbStatus's table, the port-side mapping in the WDK samples).</summary>
    private static NtStatus PortStatusOf(SrbStatus srbStatus) => srbStatus switch
    {
        SrbStatus.BusReset or SrbStatus.Timeout => NtStatus.IoTimeout,
        SrbStatus.NoDevice => NtStatus.NoSuchDevice,
        _ => NtStatus.IoDeviceError,
    };

    /// <summary>Arms a started request's timeout and makes sure the timer runs (under TagLock, where StartIo took the tag).</summary>
    private static void PortArmTimeout(StorageAdapter adapter, StorageRequest request, uint seconds)
    {
        request.PortSrbStatus = SrbStatus.Pending;
        request.TimeoutSeconds = Math.Max(1u, seconds);
        Volatile.Write(ref request.TimeoutRemaining, (int)request.TimeoutSeconds);
        if (!adapter.TimerRunning)
        {
            adapter.TimerRunning = true;
            IoStartTimer(adapter.Fdo!);
        }
    }

    /// <summary>
    /// IO_TIMER_ROUTINE (ScsiPortTickHandler): counts down the outstanding requests' time in sync
    /// with the ISR, resetting the bus when one ran out; stops itself when nothing is at the adapter.
    /// </summary>
    /// <remarks>IRQL = DISPATCH_LEVEL.</remarks>
    private static async ValueTask PortTimer(DeviceObject deviceObject, object? context)
    {
        _ = deviceObject;
        var adapter = (StorageAdapter)context!;
        if (adapter.Interrupt is { } interrupt && adapter.Started && !adapter.SurpriseRemoved
            && await KeSynchronizeExecution(interrupt, TickSynchronized, adapter))
        {
            PortLogTimeout(adapter);
        }
        await KeAcquireSpinLockAtDpcLevel(adapter.TagLock);
        if (adapter.FreeTagCount == adapter.Hw.QueueDepth && adapter.TimerRunning)
        {
            adapter.TimerRunning = false;
            IoStopTimer(adapter.Fdo!);
        }
        KeReleaseSpinLockFromDpcLevel(adapter.TagLock);
    }

    /// <summary>
    /// Logs the timeout to the system event log as ScsiPort does: IO_ERR_TIMEOUT (event 9, "The
    /// device, \Device\..., did not respond within the timeout period."), the timed-out request's tag
    /// as the unique value, its TimeOutValue in the dump data.
    /// </summary>
    private static void PortLogTimeout(StorageAdapter adapter)
    {
        if (IoAllocateErrorLogEntry(adapter.Fdo!, IoErrorLogPacket.MinimumSize) is not { } entry)
        {
            return;
        }
        entry.ErrorCode = IoErrorLogCode.Timeout;
        entry.FinalStatus = NtStatus.IoTimeout;
        entry.UniqueErrorValue = (uint)adapter.TimedOutTag;
        entry.MajorFunctionCode = IrpMajorFunction.Scsi;
        entry.DumpData[0] = adapter.TimedOutSeconds;
        entry.DumpDataSize = sizeof(uint);
        IoWriteErrorLogEntry(entry);
    }

    /// <summary>KSYNCHRONIZE_ROUTINE: one second off every outstanding request; HwResetBus when one ran out.</summary>
    private static async ValueTask<bool> PortTickSynchronized(object? context)
    {
        var adapter = (StorageAdapter)context!;
        var expired = false;
        foreach (var request in adapter.Requests)
        {
            if (request.TimeoutRemaining > 0 && request.Status == NtStatus.Pending && --request.TimeoutRemaining == 0 && !expired)
            {
                expired = true;
                adapter.TimedOutTag = request.Tag;
                adapter.TimedOutSeconds = request.TimeoutSeconds;
            }
        }
        if (!expired)
        {
            return false;
        }
        Interlocked.Increment(ref adapter._busResets);
        if (!await adapter.Hw.HwResetBus(adapter, 0))
        {
            // The controller did not come back: what it held must still end (the miniport may not have completed it).
            StoragePortCompleteRequest(adapter, SrbStatus.BusReset);
        }
        return true;
    }
}
