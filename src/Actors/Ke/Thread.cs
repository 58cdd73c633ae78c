using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

/// <summary>A thread's start routine (WDM <c>KSTART_ROUTINE</c>); runs at PASSIVE_LEVEL.</summary>
/// <param name="startContext">The context given at creation.</param>
public delegate ValueTask KStartRoutine(object? startContext);

/// <summary>Thread states (a subset of WDM <c>KTHREAD_STATE</c>).</summary>
public enum KThreadState
{
    /// <summary>Created, never run.</summary>
    Initialized,

    /// <summary>In a processor's ready queue.</summary>
    Ready,

    /// <summary>On a processor's frame stack.</summary>
    Running,

    /// <summary>Blocked in a KeWaitFor* call.</summary>
    Waiting,

    /// <summary>Its start routine returned; the thread object is signaled.</summary>
    Terminated,
}

/// <summary>
/// A system thread (WDM <c>KTHREAD</c>): runs its start routine at PASSIVE_LEVEL on one processor,
/// with a priority (0..31, higher runs first) and a quantum. A thread is a dispatcher object,
/// signaled when it terminates.
/// </summary>
public sealed class KThread : KDispatcherObject
{
    internal KThread(string name, KernelModule module, KStartRoutine startRoutine, object? startContext, int priority, Processor processor)
    {
        Name = name;
        Module = module;
        StartRoutine = startRoutine;
        StartContext = startContext;
        Priority = Math.Clamp(priority, 0, 31);
        Processor = processor;
    }

    /// <summary>The thread's name (its start routine's, by default).</summary>
    public string Name { get; }

    /// <summary>The module that created it.</summary>
    public KernelModule Module { get; }

    /// <summary>Scheduling priority, 0..31.</summary>
    public int Priority { get; internal set; }

    /// <summary>Its state.</summary>
    public KThreadState State { get; internal set; } = KThreadState.Initialized;

    /// <summary>The process the thread belongs to (whose user space it sees); null for a system thread.</summary>
    public AddressSpace? Process { get; internal init; }

    /// <summary>The user-mode half of a thread of a user process (its TEB: last error, last status, the process); null for a system thread.</summary>
    public Teb? Teb { get; internal init; }

    /// <summary>The process whose address space is current for the thread: its own, or the one it attached to (KeStackAttachProcess).</summary>
    public AddressSpace? CurrentProcess { get; internal set; }

    /// <summary>The processor it runs on (threads stay on the processor they were created on).</summary>
    public int ProcessorNumber => Processor!.Number;

    internal KStartRoutine StartRoutine { get; }

    internal object? StartContext { get; }

    internal Processor? Processor;

    /// <summary>KTHREAD.InitialStack for crash dumps: a fake top-of-stack in system PTE space, one 32 KiB stack per object address.</summary>
    internal ulong KiInitialStack(Machine machine) => MmLayout.SystemPteBase + ((EnsureAddress(machine) - MmLayout.SystemRangeStart) >> 6) * 0x8000 + 0x6000;

    internal bool Started;
    internal Action? Continuation;
    internal ValueTask Task;
    internal long QuantumStartNs;

    // Suspensions queued behind a call the thread's routine did not await (see Processor.KiDeferIfSuspended), while it is off the processor.
    internal KiDeferredSuspension? DeferredHead;
    internal KiDeferredSuspension? DeferredTail;

    // Set while a registered wait of the thread is queued behind a call it did not await: who did not await it.
    internal KernelModule? WaitBehindCallModule;
    internal string? WaitBehindCallRoutine;

    // The module and routine the thread's frame was attributed to when it left the processor (a work item, a nested call).
    internal KernelModule? FrameModule;
    internal string? FrameRoutine;

    /// <summary>The IRQL the thread had when it left the processor (it may be preempted or wait at APC_LEVEL); restored when it runs again.</summary>
    internal Irql SavedIrql;

    // Wait state, guarded by Machine.DispatcherLock.
    internal KDispatcherObject[] WaitObjects = [];
    internal WaitType WaitKind;
    internal NtStatus WaitStatus;
    internal long WaitGeneration;
    internal bool WaitSatisfied;
    internal bool Blocked;

    // KQUEUE state, guarded by Machine.DispatcherLock: whether the thread's wait is a KeRemoveQueue (WaitReason WrQueue),
    // and the entry handed to it.
    internal bool WaitingOnQueue;
    internal object? QueueEntry;

    /// <summary>The queue the thread is associated with (KTHREAD.Queue: it removed an entry from it), or null. Guarded by the dispatcher lock.</summary>
    public KQueue? Queue { get; internal set; }
}

public static partial class Wdm
{
    /// <summary>
    /// PsCreateSystemThread (kernel form): creates a system thread running <paramref name="startRoutine"/> at
    /// PASSIVE_LEVEL on the current processor, owned by the calling routine's module, at priority 8.
    /// </summary>
    /// <remarks>IRQL == PASSIVE_LEVEL.</remarks>
    public static NtStatus PsCreateSystemThread(out KThread thread, KStartRoutine startRoutine, object? startContext,
        [CallerArgumentExpression(nameof(startRoutine))] string name = "")
    {
        ArgumentNullException.ThrowIfNull(startRoutine);
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.ContextSwitchNs);
        thread = processor.Machine.CreateSystemThread(processor.Number, processor.Top!.Module, KiRoutineName(name, startRoutine.Method.Name), startRoutine, startContext);
        return NtStatus.Success;
    }

    /// <summary>KeSetPriorityThread: sets the thread's priority; returns the old one.</summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static int KeSetPriorityThread(KThread thread, int priority)
    {
        ArgumentNullException.ThrowIfNull(thread);
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.DispatcherObjectNs);
        lock (processor.Machine.DispatcherLock)
        {
            var old = thread.Priority;
            thread.Priority = Math.Clamp(priority, 0, 31);
            return old;
        }
    }

    /// <summary>KeGetCurrentThread: the running thread, or null in an ISR/DPC with no thread under it.</summary>
    /// <remarks>Any IRQL.</remarks>
    public static KThread? KeGetCurrentThread() => Processor.Current.KiCurrentThread;
}

public sealed partial class Machine
{
    /// <summary>Creates a system thread on <paramref name="processor"/> and makes it ready.</summary>
    public KThread CreateSystemThread(int processor, KernelModule module, string name, KStartRoutine startRoutine, object? startContext = null, int priority = 8)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(processor);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(processor, _processors.Length);
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(startRoutine);
        var thread = new KThread(name, module, startRoutine, startContext, priority, _processors[processor]);
        thread.EnsureAddress(this);
        _processors[processor].KiReadyThread(thread, front: false);
        return thread;
    }

    /// <summary>
    /// Creates a thread of a user process (PspCreateThread for a user thread): it runs at PASSIVE_LEVEL on
    /// <paramref name="processor"/> with <paramref name="process"/>'s address space current, and carries <paramref name="teb"/>.
    /// </summary>
    internal KThread KiCreateUserThread(int processor, AddressSpace process, Teb teb, KernelModule module, string name, KStartRoutine startRoutine, int priority)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(processor);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(processor, _processors.Length);
        var thread = new KThread(name, module, startRoutine, null, priority, _processors[processor]) { Process = process, CurrentProcess = process, Teb = teb };
        thread.EnsureAddress(this);
        _processors[processor].KiReadyThread(thread, front: false);
        return thread;
    }
}
