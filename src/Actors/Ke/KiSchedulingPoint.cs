using System.Runtime.CompilerServices;
using ActorKernel.Runtime;

namespace ActorKernel.Actors;

/// <summary>
/// Scheduling points, in the style of Coyote's <c>SchedulingPoint</c>: the kernel services that touch
/// state shared between processors (IRP fields, cancel routines, interlocked operations, spin locks,
/// lists, dispatcher objects, DPCs and timers, device queues, remove locks, pool) call one of these
/// on entry (and IoSetCancelRoutine also on exit), and so may a driver for its own shared fields.
/// With a stress explorer attached (the stress explorer, <c>Explorer</c>) on the deterministic dispatcher, a
/// point lets the schedule switch to another processor before the caller goes on, at zero simulated
/// cost; with none attached it is one static read and a return.
/// </summary>
/// <remarks>
/// How a point switches (docs/verifier.md, "Scheduling points"): the point asks the dispatcher's
/// strategy whether the paused processor continues; if not, the dispatcher runs turns of other ready
/// actors (other processors, device objects, the interrupt controller) right there, nested in the
/// paused processor's turn, or lets virtual time run up to a stall window so another processor's next
/// slice becomes ready. So a synchronous service (IoSetCancelRoutine, KeInsertQueueDpc,
/// InterlockedIncrement) is a point without becoming awaitable and without changing any caller.
/// Points inside nested turns do nothing (one level of nesting). A point must not be placed where
/// the caller holds a .NET lock.
/// </remarks>
public static class KiSchedulingPoint
{
    /// <summary>The AppContext switch that compiles the points' body out (bench/Benchmarks' SchedulingPointCostBenchmarks only).</summary>
    internal const string RemovedSwitch = "ActorKernel.SchedulingPoints.Removed";

    // Read once at type initialisation; a static readonly bool is a constant to the tier-1 JIT, so with the
    // switch set every point is an empty method, and without it the test costs nothing. Only the cost
    // benchmark sets it (no explorer can attach then): it measures the points as shipped against no points.
    private static readonly bool s_removed = AppContext.TryGetSwitch(RemovedSwitch, out var removed) && removed;

    // Explorers attached anywhere in the process. Zero on every run without one: the whole cost of a point.
    private static int s_attached;

    [ThreadStatic]
    private static IKiFaultInjector? t_injector;

    /// <summary>A point with no particular state: another processor may act here.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Interleave()
    {
        if (!s_removed && s_attached != 0)
        {
            KiSwitch();
        }
    }

    /// <summary>A point before reading shared <paramref name="state"/>.</summary>
    /// <param name="state">The shared object read (for the reader; the explorer does not reduce by it yet).</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Read(object? state)
    {
        _ = state;
        if (!s_removed && s_attached != 0)
        {
            KiSwitch();
        }
    }

    /// <summary>A point before writing shared <paramref name="state"/>.</summary>
    /// <param name="state">The shared object written.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write(object? state)
    {
        _ = state;
        if (!s_removed && s_attached != 0)
        {
            KiSwitch();
        }
    }

    /// <summary>A point after a synchronous service wrote shared <paramref name="state"/>; returns <paramref name="result"/>.</summary>
    /// <typeparam name="T">The service's result type.</typeparam>
    /// <param name="state">The shared object written.</param>
    /// <param name="result">What the service returns.</param>
    /// <returns><paramref name="result"/>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Written<T>(object? state, T result)
    {
        _ = state;
        if (!s_removed && s_attached != 0)
        {
            KiSwitch();
        }
        return result;
    }

    /// <summary>
    /// A fault-injection point: true when the attached explorer chooses to inject <paramref name="fault"/>
    /// here (the service then fails as NT's would: pool allocation returns NULL, ...). Always false with none attached.
    /// </summary>
    /// <param name="fault">The fault that could be injected.</param>
    /// <returns>Whether to inject it.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Fault(KiFault fault) => !s_removed && s_attached != 0 && t_injector is { } injector && injector.ShouldInject(fault);

    /// <summary>
    /// A device-fault point: a driver programs <paramref name="device"/> (the HAL's register write).
    /// When the attached explorer's run registered that device for faults, the strategy decides here
    /// whether the device stops answering (device timeout) or is pulled out (surprise removal).
    /// </summary>
    /// <param name="device">The register window written (the device model).</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DeviceAccess(object? device)
    {
        if (!s_removed && s_attached != 0 && device is not null && t_injector is { } injector)
        {
            injector.DeviceAccessed(device);
        }
    }

    /// <summary>Whether the points' body was compiled out for this process (<see cref="RemovedSwitch"/>).</summary>
    internal static bool IsRemoved => s_removed;

    /// <summary>Whether an explorer is attached on this thread.</summary>
    internal static bool IsExploring => s_attached != 0 && t_injector is not null;

    /// <summary>Attaches an explorer's fault decisions to this thread (the thread that drives the deterministic dispatcher).</summary>
    internal static void KiAttach(IKiFaultInjector injector)
    {
        if (s_removed)
        {
            throw new InvalidOperationException($"The scheduling points are compiled out in this process (AppContext switch {RemovedSwitch}): no explorer can attach.");
        }
        t_injector = injector;
        Interlocked.Increment(ref s_attached);
    }

    /// <summary>Detaches this thread's explorer.</summary>
    internal static void KiDetach()
    {
        t_injector = null;
        Interlocked.Decrement(ref s_attached);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void KiSwitch()
    {
        if (Processor.CurrentOrNull is not { } processor || processor.Top is not { State: FrameState.Running } || processor.Machine.IsBugChecked
            || processor.Machine.System.Dispatcher is not DeterministicDispatcher { Strategy: not null } dispatcher)
        {
            return;
        }
        processor.KiInterleave(dispatcher);
    }
}

/// <summary>Faults the explorer can inject at a <see cref="KiSchedulingPoint.Fault"/> point.</summary>
public enum KiFault
{
    /// <summary>ExAllocatePool* returns NULL (as under Driver Verifier's low-resources simulation).</summary>
    PoolAllocation,

    /// <summary>The workload cancels an outstanding request (IoCancelIrp / CancelIo).</summary>
    Cancel,

    /// <summary>The workload closes its handle while requests are outstanding (CloseHandle).</summary>
    CloseHandle,

    /// <summary>A device model stops answering at a register write of its driver: commands are taken but never completed, no interrupt (device timeout).</summary>
    DeviceTimeout,

    /// <summary>A device model is pulled out at a register write of its driver: registers read all ones, writes are lost, it never interrupts again (surprise removal as the driver sees it).</summary>
    SurpriseRemoval,

    /// <summary>A requester thread exits with its I/O outstanding (PspExitThread's IoCancelThreadIo cancels and waits for it).</summary>
    ThreadExit,
}

/// <summary>The explorer's side of fault injection.</summary>
internal interface IKiFaultInjector
{
    /// <summary>Whether to inject <paramref name="fault"/> now (recorded in the run's fault trace).</summary>
    bool ShouldInject(KiFault fault);

    /// <summary>A driver wrote a register of <paramref name="device"/>: a device-fault point.</summary>
    void DeviceAccessed(object device);
}
