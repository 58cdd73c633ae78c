using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;

namespace ActorKernel.Drivers.Zoo;

/// <summary>One zoo entry: its scenario, its fixed twin's, and the failure the explorer must find.</summary>
/// <param name="Name">The entry's name (the scenario is zoo.NAME, the twin zoo.NAME.fixed).</param>
/// <param name="Bug">The classic bug, in a line.</param>
/// <param name="Scenario">The buggy driver's scenario.</param>
/// <param name="Fixed">The fixed twin's scenario.</param>
/// <param name="Expected">The failure kind the explorer must report.</param>
/// <param name="ExpectedBugCheck">The bugcheck code of the failure's crash dump (0xE2 when the explorer stopped the machine itself).</param>
public sealed record ZooEntry(string Name, string Bug, ExplorerScenario Scenario, ExplorerScenario Fixed, FailureKind Expected, BugCheckCode ExpectedBugCheck);

/// <summary>The bug zoo: classic WDM driver bugs, each with a fixed twin, as explorer scenarios.</summary>
public static class ZooCatalog
{
    /// <summary>The scenario name of an entry or its twin.</summary>
    /// <param name="entry">The entry.</param>
    /// <param name="fixedTwin">Whether the twin.</param>
    /// <returns>zoo.ENTRY or zoo.ENTRY.fixed.</returns>
    public static string Name(string entry, bool fixedTwin) => "zoo." + entry + (fixedTwin ? ".fixed" : string.Empty);

    /// <summary>Every entry.</summary>
    public static IReadOnlyList<ZooEntry> Entries { get; } =
    [
        new("cancel-race", "cancel routine set, Irp->Cancel not re-checked: a cancel before the set is lost (the read hangs)",
            CancelRaceDriver.Scenario(false), CancelRaceDriver.Scenario(true), FailureKind.Hang, BugCheckCode.ManuallyInitiatedCrash),
        new("double-complete", "the data path ignores IoSetCancelRoutine's NULL and completes an IRP the cancel routine completes too",
            DoubleCompleteDriver.Scenario(false), DoubleCompleteDriver.Scenario(true), FailureKind.BugCheck, BugCheckCode.MultipleIrpCompleteRequests),
        new("shared-counter", "a counter updated from dispatch and DPC with a plain read-modify-write loses updates",
            SharedCounterDriver.Scenario(false), SharedCounterDriver.Scenario(true), FailureKind.Invariant, BugCheckCode.ManuallyInitiatedCrash),
        new("lock-order", "two spin locks taken in opposite orders on two paths deadlock",
            LockOrderDriver.Scenario(false), LockOrderDriver.Scenario(true), FailureKind.BugCheck, BugCheckCode.DpcWatchdogViolation),
        new("lock-order-verifier", "the same inversion under Driver Verifier's deadlock detection: reported the first time the second order is seen",
            LockOrderDriver.Scenario(false, deadlockDetection: true), LockOrderDriver.Scenario(true, deadlockDetection: true), FailureKind.VerifierReport, BugCheckCode.DriverVerifierDetectedViolation),
        new("pending-without-mark", "STATUS_PENDING returned without IoMarkIrpPending",
            PendingWithoutMarkDriver.Scenario(false), PendingWithoutMarkDriver.Scenario(true), FailureKind.VerifierReport, BugCheckCode.DriverVerifierIomanagerViolation),
        new("wait-at-dispatch", "a DPC waits with no timeout on an event the device signals later",
            WaitAtDispatchDriver.Scenario(false), WaitAtDispatchDriver.Scenario(true), FailureKind.BugCheck, BugCheckCode.AttemptedSwitchFromDpc),
        new("paged-pool-in-dpc", "a DPC touches paged pool",
            PagedPoolInDpcDriver.Scenario(false), PagedPoolInDpcDriver.Scenario(true), FailureKind.BugCheck, BugCheckCode.DriverIrqlNotLessOrEqual),
        new("queue-ignores-cancel", "reads queued with no cancel routine: cancel (CancelIo, close, thread exit) hangs",
            QueueIgnoresCancelDriver.Scenario(false), QueueIgnoresCancelDriver.Scenario(true), FailureKind.Hang, BugCheckCode.ManuallyInitiatedCrash),
        new("remove-lock-leak", "a remove lock not released on an error path: removal hangs",
            RemoveLockLeakDriver.Scenario(false), RemoveLockLeakDriver.Scenario(true), FailureKind.Hang, BugCheckCode.ManuallyInitiatedCrash),
        new("pool-leak", "pool leaked on an error path, found at unload by pool tracking",
            PoolLeakDriver.Scenario(false), PoolLeakDriver.Scenario(true), FailureKind.VerifierReport, BugCheckCode.DriverVerifierDetectedViolation),
        new("dpc-requeue", "a DPC re-queues itself forever: the processor never leaves DISPATCH_LEVEL",
            DpcRequeueDriver.Scenario(false), DpcRequeueDriver.Scenario(true), FailureKind.BugCheck, BugCheckCode.DpcWatchdogViolation),
        new("unload-with-timer", "a driver unloads with its periodic timer still set: KeCheckForTimer finds it when the image goes",
            UnloadWithTimerDriver.Scenario(false), UnloadWithTimerDriver.Scenario(true), FailureKind.BugCheck, BugCheckCode.TimerOrDpcInvalid),
        new("touch-after-call", "the IRP touched after IoCallDriver handed it to a lower driver that completed it (I/O verification: the IRP is in special pool)",
            TouchAfterCallDriver.Scenario(false), TouchAfterCallDriver.Scenario(true), FailureKind.BugCheck, BugCheckCode.DriverPageFaultInFreedSpecialPool),
    ];

    private const string VerifySuffix = "+verify=";

    /// <summary>Finds a scenario (buggy or fixed) by name, with the drivers <see cref="WithVerify"/> named in it verified.</summary>
    /// <param name="name">zoo.ENTRY or zoo.ENTRY.fixed, optionally followed by +verify=IMAGE,IMAGE.</param>
    /// <returns>The scenario, or null.</returns>
    public static ExplorerScenario? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var at = name.IndexOf(VerifySuffix, StringComparison.Ordinal);
        var baseName = at < 0 ? name : name[..at];
        var found = Entries.SelectMany(e => new[] { e.Scenario, e.Fixed }).FirstOrDefault(s => string.Equals(s.Name, baseName, StringComparison.OrdinalIgnoreCase));
        return found is null || at < 0 ? found : WithVerify(found, name[(at + VerifySuffix.Length)..].Split(','));
    }

    /// <summary>
    /// The scenario with Driver Verifier (special pool, pool tracking, I/O verification) on the given
    /// images (<c>stress --verify</c>); its name carries them (zoo.NAME+verify=IMAGE,...) so a replay
    /// file finds the same scenario.
    /// </summary>
    /// <param name="scenario">A zoo scenario.</param>
    /// <param name="images">Image names ("x.sys"; ".sys" is added when missing).</param>
    /// <returns>The verified scenario.</returns>
    public static ExplorerScenario WithVerify(ExplorerScenario scenario, IEnumerable<string> images)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(images);
        string[] list = [.. images.Where(i => i.Length > 0).Select(i => i.EndsWith(".sys", StringComparison.OrdinalIgnoreCase) ? i.ToLowerInvariant() : i.ToLowerInvariant() + ".sys").Distinct(StringComparer.Ordinal)];
        if (list.Length == 0)
        {
            return scenario;
        }
        return new ExplorerScenario(scenario.Name + VerifySuffix + string.Join(',', list), run => ZooBed.WithVerification(list, () => scenario.Body(run)));
    }
}
