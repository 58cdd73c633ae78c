using System.Runtime.CompilerServices;
using ActorKernel.Runtime;

namespace ActorKernel.Actors;

/// <summary>
/// A message that suspends the running routine of a processor until another actor resumes it: the
/// hop of IoCallDriver to a device object's actor is one. The routine's frame waits exactly as it
/// waits out a yield (interrupts queue and are taken when it continues); the difference is who
/// sends the Continue: the receiver, by <see cref="KiResume"/>, not the processor itself.
/// </summary>
/// <remarks>
/// Reusable: a processor has at most one frame waiting on a hop (a waiting frame blocks its
/// processor), so one instance per processor and kind of hop suffices and a hop allocates nothing.
/// (A second hop asked for while the first is in flight, by a caller that did not await the
/// first, gets an instance of its own: it is queued on the frame until the first finished.)
/// The receiver must read what it needs before it calls <see cref="KiResume"/>: the same instance
/// carries the processor's next hop.
/// </remarks>
internal abstract class KiHop
{
    protected KiHop(Processor processor) => Processor = processor;

    /// <summary>The processor whose routine waits.</summary>
    public Processor Processor { get; }

    /// <summary>The charge the routine owed when it hopped: the Continue comes this much later in virtual time.</summary>
    public long DelayNanoseconds { get; internal set; }

    /// <summary>The actor the hop is told to.</summary>
    public IActorRef Target { get; set; } = null!;

    /// <summary>The next hop in its processor's free list (hops are pooled per processor, taken and given back on its turns).</summary>
    internal KiHop? NextFree;

    /// <summary>Resumes the waiting routine once its charge is paid; <paramref name="receiver"/> is the Continue's sender.</summary>
    /// <param name="receiver">The actor that got the hop.</param>
    public void KiResume(IActorRef receiver) => Processor.KiResumeFromHop(DelayNanoseconds, receiver);
}

/// <summary>
/// What awaiting a hop returns: never completes at once; <c>UnsafeOnCompleted</c> suspends the
/// running frame and tells the hop to its <see cref="KiHop.Target"/>. Allocation-free.
/// </summary>
/// <remarks>Await it at once, exactly once; it is bound to the processor that made it. One field: it is copied into the awaiting routine's pooled box.</remarks>
internal readonly struct KiHopAwaitable : ICriticalNotifyCompletion
{
    private readonly KiHop _hop;

    public KiHopAwaitable(KiHop hop) => _hop = hop;

    /// <summary>Always false: a hop always goes through the target actor.</summary>
    public bool IsCompleted => false;

    public KiHopAwaitable GetAwaiter() => this;

    public void GetResult()
    {
    }

    public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

    public void UnsafeOnCompleted(Action continuation) => _hop.Processor.KiSuspendForHop(_hop, _hop.Target, continuation);
}

internal sealed partial class Processor
{
    /// <summary>
    /// The I/O manager's free IoCallDriver hop messages of this processor (a list through <see cref="KiHop.NextFree"/>;
    /// one in steady state, made on first use; more while a DPC's hop overtakes a hop whose routine has not resumed yet).
    /// </summary>
    internal KiHop? IoCallDriverHop;

    /// <summary>
    /// The IRP whose dispatch routine the running frame is in without having suspended since the
    /// I/O manager called it (set by the I/O manager around the synchronous part of the call): an
    /// IoCallDriver of that IRP from there runs the next driver's dispatch routine at once, in the
    /// same slice, as NT runs it inside IoCallDriver on the same thread at the same IRQL.
    /// </summary>
    internal object? IoDispatchingIrp;

    /// <summary>The I/O manager's view of this processor (a <c>KeIoProcessor</c>, made on first use).</summary>
    internal object? IoView;

    /// <summary>
    /// A hop: the running frame stores its continuation and waits (Yielded, a Continue pending, as
    /// after a yield) while <paramref name="target"/> gets <paramref name="hop"/>; the charge the
    /// frame owes rides along, and the target's <see cref="KiHop.KiResume"/> sends the Continue
    /// after it in virtual time. With no <paramref name="target"/> (IoCallDriver's hop: no actor
    /// admits it) the processor sends itself the Continue after the charge: one delivery. Called from
    /// the routine's await, on this processor.
    /// </summary>
    public void KiSuspendForHop(KiHop hop, IActorRef? target, Action continuation)
    {
        var frame = Top ?? throw new KernelInvariantException($"Processor {Number}: a hop with no running routine.");
        if (frame.State != FrameState.Running && KiDeferIfSuspended(frame, KiSuspension.Hop, continuation, new KiDeferredSuspension { Hop = hop, Target = target }))
        {
            return; // the caller did not await an earlier call: this hop is told once that one finished
        }
        frame.LastSuspension = KiSuspension.Hop;
        frame.SuspendIrql = Irql;
        frame.HopCallerModule = frame.Module;
        frame.HopCallerRoutine = frame.RoutineName;
        frame.Continuation = continuation;
        hop.DelayNanoseconds = frame.PendingChargeNs;
        frame.PendingChargeNs = 0;
        frame.State = FrameState.Yielded;
        // Set before the Tell: on the concurrent dispatcher the target may resume us at once; the
        // Continue then waits in our mailbox until this turn ends.
        _continuePending = true;
        if (target is null)
        {
            // No actor admits this hop (IoCallDriver's): the processor's own Continue after the charge, as after a yield.
            KiResumeFromHop(hop.DelayNanoseconds, Self);
            return;
        }
        target.Tell(hop, Self);
    }

    /// <summary>The target of a hop resumes this processor's waiting frame <paramref name="delayNs"/> later (any thread).</summary>
    internal void KiResumeFromHop(long delayNs, IActorRef sender)
    {
        if (_deterministic && delayNs > 0)
        {
            Machine.System.Scheduler.ScheduleTellOnce(delayNs, Self, KiContinue.Instance, sender);
        }
        else
        {
            // Concurrent dispatcher: the cost is accounted, not waited for (as ScheduleContinue).
            Self.Tell(KiContinue.Instance, sender);
        }
    }
}
