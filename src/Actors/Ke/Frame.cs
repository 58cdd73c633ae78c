using ActorKernel.Hardware;

namespace ActorKernel.Actors;

/// <summary>What a frame on a processor's stack runs.</summary>
public enum FrameKind : byte
{
    /// <summary>A routine queued with <see cref="Machine.RunRoutine"/> at DISPATCH_LEVEL or above.</summary>
    Routine,

    /// <summary>The interrupt service routines of one vector, at its DIRQL.</summary>
    Isr,

    /// <summary>A deferred procedure call at DISPATCH_LEVEL.</summary>
    Dpc,

    /// <summary>A thread at PASSIVE_LEVEL/APC_LEVEL.</summary>
    Thread,
}

/// <summary>Where a frame is in its life.</summary>
internal enum FrameState : byte
{
    /// <summary>Can run (start or continue) as soon as nothing above it wants the processor.</summary>
    Ready,

    /// <summary>Its slice is running now.</summary>
    Running,

    /// <summary>Paused at a yield point; a Continue message is on its way.</summary>
    Yielded,

    /// <summary>Spinning on a spin lock another processor holds.</summary>
    Spinning,

    /// <summary>A thread frame whose thread started a wait; to be taken off the processor.</summary>
    Blocked,

    /// <summary>The routine returned; the frame pops once its last charge is paid.</summary>
    Completing,
}

/// <summary>
/// One entry of a processor's frame stack: the routine it runs, the IRQL it runs at and the IRQL
/// to go back to, its owning module, its async continuation and its time account. Frames are
/// pooled per processor (a stack slot is reused), so taking an interrupt allocates nothing.
/// </summary>
internal sealed class Frame
{
    public Frame(Processor processor) => Processor = processor;

    public Processor Processor { get; }

    public FrameKind Kind;
    public FrameState State;

    /// <summary>The IRQL the routine was started at.</summary>
    public Irql Irql;

    /// <summary>The processor's IRQL before this frame was pushed; restored when it pops.</summary>
    public Irql ReturnIrql;

    public KernelModule Module = KernelModule.Kernel;

    /// <summary>The process whose user space is current (memory context); null = none (a system thread).</summary>
    public AddressSpace? Process;

    // The simulated code address of Module!RoutineName, cached for the memory services (keyed by the pair, which EnterModule may change).
    public KernelModule? CodeAddressModule;
    public string? CodeAddressRoutine;
    public ulong CodeAddress;
    public string RoutineName = "";
    public bool Started;
    public Action? Continuation;
    public ValueTask Task;
    public ValueTask<bool> BoolTask;

    /// <summary>Cost charged by non-yielding services since the last yield; paid at the next yield or at the end.</summary>
    public long PendingChargeNs;

    /// <summary>Everything charged to this frame (its own time, not that of frames that preempted it).</summary>
    public long ChargedNs;

    public long StartNs;

    // Spinning.
    public KSpinLock? SpinningOn;

    /// <summary>The trace span of the ISR or DPC running in this frame, when something listens (<see cref="IoTrace"/>).</summary>
    public System.Diagnostics.Activity? TraceActivity;

    /// <summary>What <see cref="TraceActivity"/> reports; valid while <see cref="TraceListened"/>.</summary>
    public IoRoutineEvent TraceEvent;

    /// <summary>Whether a routine start was reported for this frame and its end is still owed.</summary>
    public bool Traced;

    /// <summary>Whether that start went to a listener or observer (<see cref="TraceEvent"/> built), not only to the recorder.</summary>
    public bool TraceListened;

    /// <summary>The recorder's record of the ISR or DPC in this frame while it runs (<see cref="IoTraceRecorder"/>): kept on the frame, so start and end find it without a search.</summary>
    internal KernelRoutineTrace? TraceRoutine;
    public volatile bool Granted;
    public long SpinStartNs;

    /// <summary>Which spin of its processor this is, so a watchdog armed for an earlier spin of a reused frame is ignored.</summary>
    public long SpinId;

    /// <summary>When the spin fires the DPC watchdog (concurrent dispatcher: the processor's one watchdog sweeps against it).</summary>
    public long SpinDeadlineNs;

    // Isr.
    public InterruptRequest? Interrupt;
    public KInterrupt[]? Chain;
    public int ChainIndex;
    public bool Claimed;

    /// <summary>Whether an ISR of the current walk of a latched chain claimed the interrupt (WRK walks again until a pass nobody claims).</summary>
    public bool ClaimedInPass;

    /// <summary>The IRQL the running ISR was entered at: it must return at it.</summary>
    public Irql IsrIrql;

    // Dpc.
    public KDpc? Dpc;
    public object? DpcArgument1;
    public object? DpcArgument2;

    // Thread.
    public KThread? Thread;

    // Routine.
    public Func<ValueTask>? Routine;

    // How the frame last suspended, at which IRQL, and (a hop) who called IoCallDriver: what a suspension asked for
    // before that one finished is checked against (Processor.KiDeferIfSuspended).
    public KiSuspension LastSuspension;
    public Irql SuspendIrql;
    public KernelModule? HopCallerModule;
    public string? HopCallerRoutine;

    // Suspensions the routine asked for while already suspended (a call it did not await), applied in order once that one finished.
    // Newest slice first, FIFO within a slice: what a dispatch routine reached by an un-awaited call asks for goes before what its
    // caller asked for after the call (in NT the dispatch routine ran inside IoCallDriver). Cursor: this slice's last insert (null: the head).
    public KiDeferredSuspension? DeferredHead;
    public KiDeferredSuspension? DeferredTail;
    public KiDeferredSuspension? DeferredCursor;

    // An IRQL change queued behind a call not awaited: the IRQL the routine now sees (Processor.KiRoutineIrql).
    public bool DeferredIrqlQueued;
    public Irql DeferredIrql;

    public void Reset(FrameKind kind, Irql irql, Irql returnIrql, KernelModule module, string routineName, long now)
    {
        Kind = kind;
        State = FrameState.Ready;
        Irql = irql;
        ReturnIrql = returnIrql;
        Module = module;
        RoutineName = routineName;
        Started = false;
        Continuation = null;
        Task = default;
        BoolTask = default;
        PendingChargeNs = 0;
        ChargedNs = 0;
        StartNs = now;
        SpinningOn = null;
        Granted = false;
        TraceActivity = null;
        Traced = false;
        TraceListened = false;
        TraceRoutine = null;
        Interrupt = null;
        Chain = null;
        ChainIndex = 0;
        Claimed = false;
        ClaimedInPass = false;
        Dpc = null;
        DpcArgument1 = null;
        DpcArgument2 = null;
        Thread = null;
        Routine = null;
        Process = null;
        LastSuspension = KiSuspension.None;
        HopCallerModule = null;
        HopCallerRoutine = null;
        DeferredHead = null;
        DeferredTail = null;
        DeferredCursor = null;
        DeferredIrqlQueued = false;
    }

    public void Clear()
    {
        Continuation = null;
        Task = default;
        BoolTask = default;
        Interrupt = null;
        Chain = null;
        Dpc = null;
        DpcArgument1 = null;
        DpcArgument2 = null;
        Thread = null;
        Routine = null;
        SpinningOn = null;
        Process = null;
        HopCallerModule = null;
        HopCallerRoutine = null;
        DeferredHead = null;
        DeferredTail = null;
        DeferredCursor = null;
        DeferredIrqlQueued = false;
    }
}
