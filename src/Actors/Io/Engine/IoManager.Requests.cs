using System.Runtime.CompilerServices;

using System.Globalization;

namespace ActorKernel.Actors;

/// <summary>A request whose requester waits for it and that did not finish: what the simulator reports as stuck.</summary>
/// <param name="Irp">The IRP.</param>
/// <param name="Requester">Who waits (the service that issued it).</param>
/// <param name="Finished">Whether completion reached the top (then the requester was never signalled).</param>
/// <param name="Description">The IRP and its stack, as <c>!irp</c> shows them, with the likely cause.</param>
public sealed record StuckRequest(Irp Irp, string Requester, bool Finished, string Description)
{
    /// <inheritdoc />
    public override string ToString() => Description;
}

public sealed partial class IoManager
{
    // Requests the I/O manager issued for a requester (threaded IRPs), by IRP address so that
    // reports list them in the same order in every run.
    private readonly SortedDictionary<ulong, Outstanding> _outstanding = [];

    private sealed class Outstanding(Irp irp, string? issuer)
    {
        public Irp Irp { get; } = irp;
        public string? Issuer { get; } = issuer;
        public string? WaitingRequester { get; set; }
        public bool Finished { get; set; }
    }

    internal void IopRequestIssued(Irp irp, string? issuer = null)
    {
        lock (_outstanding)
        {
            _outstanding[irp.Address] = new Outstanding(irp, issuer);
        }
    }

    internal void IopRequestFinished(Irp irp)
    {
        lock (_outstanding)
        {
            if (_outstanding.TryGetValue(irp.Address, out var entry))
            {
                if (entry.WaitingRequester is null)
                {
                    _outstanding.Remove(irp.Address);
                }
                else
                {
                    entry.Finished = true;
                }
            }
        }
    }

    private void IopRequesterWaits(Irp irp, string requester)
    {
        lock (_outstanding)
        {
            if (_outstanding.TryGetValue(irp.Address, out var entry))
            {
                entry.WaitingRequester = requester;
            }
        }
    }

    private void IopRequesterResumed(Irp irp)
    {
        lock (_outstanding)
        {
            _outstanding.Remove(irp.Address);
        }
    }

    /// <summary>
    /// The requests whose requesters still wait: call when the machine is idle. Each names the IRP and
    /// its stack. A request whose completion finished but whose requester was never signalled is
    /// the sign of STATUS_PENDING returned without IoMarkIrpPending.
    /// </summary>
    /// <returns>The stuck requests, by IRP address.</returns>
    public IReadOnlyList<StuckRequest> GetStuckRequests()
    {
        lock (_outstanding)
        {
            var stuck = new List<StuckRequest>();
            foreach (var entry in _outstanding.Values)
            {
                if (entry.WaitingRequester is null && entry.Finished)
                {
                    continue;
                }
                var cause = entry.Finished
                    ? "completed with " + entry.Irp.IoStatus.Status.ToDisplayString() + ", but the requester was never signalled: a driver returned STATUS_PENDING without IoMarkIrpPending (PendingReturned was FALSE at the top)"
                    : "never completed: a driver holds it";
                stuck.Add(new StuckRequest(entry.Irp, entry.WaitingRequester ?? "(not waiting)", entry.Finished,
                    string.Create(CultureInfo.InvariantCulture, $"Stuck request: {entry.Irp} issued by {entry.WaitingRequester ?? entry.Issuer ?? "a driver"} {cause}.{Environment.NewLine}{entry.Irp.Describe()}")));
            }
            return stuck;
        }
    }

    /// <summary>
    /// IoCancelThreadIo: what the I/O manager does when a thread exits: cancels every request the
    /// thread issued that has not finished (IoCancelIrp each, in IRP address order), except thread-agnostic
    /// ones (overlapped requests on a file associated with a completion port).
    /// </summary>
    /// <param name="thread">The exiting thread (Irp-&gt;Tail.Overlay.Thread of its requests).</param>
    /// <returns>How many requests were cancelled (a cancel routine was called).</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL. The processor model calls it when a thread terminates.</remarks>
    public async ValueTask<int> IoCancelThreadIo(object thread)
    {
        ArgumentNullException.ThrowIfNull(thread);
        var cancelled = 0;
        foreach (var irp in IopUnfinishedRequests(thread, threadBound: true))
        {
            if (!irp.IsFreed && await IopCancelIrp(irp).ConfigureAwait(false))
            {
                cancelled++;
            }
        }
        return cancelled;
    }

    /// <summary>
    /// The I/O manager's synchronous request path (IopSynchronousServiceTail): send, and if the
    /// driver returned STATUS_PENDING, wait on the file object's event for the completion.
    /// </summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    internal async ValueTask<NtStatus> IopSynchronousCall(DeviceObject top, Irp irp, FileObject file, IoStatusBlock iosb, string requester)
    {
        irp.UserIosb = iosb;
        irp.OriginalFileObject = file;
        irp.ThreadedByIoManager = true;
        irp.RequestorMode = file.RequestorMode;
        irp.Flags |= IrpFlags.SynchronousApi;
        irp.Thread ??= Processor.CurrentOrNull?.KiCurrentThread;
        IopRequestIssued(irp);
        IopReferenceRequestFile(irp, file);
        var onProcessor = Processor.CurrentOrNull is not null;
        file.Event.Clear();
        if (onProcessor)
        {
            Wdm.KeClearEvent(file.KeEvent);
        }
        var status = await Wdm.IoCallDriver(top, irp).ConfigureAwait(false);
        if (status == NtStatus.Pending)
        {
            IopRequesterWaits(irp, requester);
            if (onProcessor)
            {
                // The requesting thread blocks; the processor runs other work meanwhile.
                await Wdm.KeWaitForSingleObject(file.KeEvent, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            }
            else
            {
                await file.Event;
            }
            IopRequesterResumed(irp);
            return iosb.Status;
        }
        if (!irp.IsFreed)
        {
            // The dispatch routine returned a final status but nobody completed the IRP.
            if (IsVerified(top.DriverObject))
            {
                throw IopWdmDriverError(IoVerifierViolation.DispatchReturnedWithoutCompletingOrPending, top.DriverObject, irp, top);
            }
            IopRequesterWaits(irp, requester);
        }
        return status;
    }
}
