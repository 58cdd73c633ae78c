using ActorKernel.Actors;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Processors.ProcessorFixture;

namespace ActorKernel.Conformance.Tests.Interrupts;

/// <summary>The INT rules of docs/conformance.md ("Interrupts and ISRs"): interrupt dispatch as NT does it.</summary>
[Trait("Area", "Conformance")]
public sealed class InterruptRuleTests
{
    private const int LevelLine = 3;
    private const int LevelVector = 0x70;

    /// <summary>One processor (or more), no clock unless asked, line 1 (edge, DIRQL 5) and line 3 (level, DIRQL 6).</summary>
    private static Machine CreateLevel(int processors = 1, long clockNs = 0, string[]? verified = null, ulong levelAffinity = 0) =>
        Machine.Create(new MachineOptions
        {
            Processors = processors,
            Seed = 7,
            ClockIntervalNs = clockNs,
            SystemWorkerThreads = 0,
            ForceIrqlCheckingModules = verified ?? [],
            InterruptLines =
            [
                new InterruptLineConfig(DeviceLine, DeviceVector, 5),
                new InterruptLineConfig(LevelLine, LevelVector, 6, levelAffinity, InterruptTrigger.Level),
            ],
        });

    private static KInterrupt ConnectLevel(Machine machine, KServiceRoutine isr, string name, bool share = false, object? context = null)
    {
        Assert.Equal(NtStatus.Success, machine.IoConnectInterrupt(out var interrupt, Driver, isr, context, null, LevelVector, (Irql)6, (Irql)6,
            KInterruptMode.LevelSensitive, share, 0, name));
        return interrupt!;
    }

    // INT-001
    [Fact]
    public void ISR_returning_at_a_changed_IRQL_under_Driver_Verifier_bugchecks_0xC4_0x111_with_ISR_and_both_IRQLs()
    {
        using var verified = Machine.Create(new MachineOptions
        {
            Processors = 1,
            ClockIntervalNs = 0,
            SystemWorkerThreads = 0,
            ForceIrqlCheckingModules = [Driver.Name],
            InterruptLines = [new InterruptLineConfig(DeviceLine, DeviceVector, 5)],
        });
        Connect(verified, (_, _) =>
        {
            KeRaiseIrql((Irql)9); // and never lowered
            return ValueTask.FromResult(true);
        }, name: "RaisingIsr");
        RaiseAt(verified, DeviceLine, 100);
        Run(verified);

        var dump = Assert.IsType<CrashDump>(verified.CrashDump);
        Assert.Equal(BugCheckCode.DriverVerifierDetectedViolation, dump.Code);
        Assert.Equal([0x111UL, verified.RoutineAddress(Driver, "RaisingIsr"), 5UL, 9UL], dump.ParameterValues);
        Assert.Equal("RaisingIsr", dump.FaultingRoutine);
    }

    // INT-002
    [Fact]
    public void Unverified_ISR_returning_at_a_raised_IRQL_is_lowered_at_interrupt_exit_and_the_next_ISR_enters_at_its_DIRQL()
    {
        using var machine = CreateLevel();
        var seen = new List<Irql>();
        ConnectLevel(machine, (_, _) => { KeRaiseIrql((Irql)9); return ValueTask.FromResult(false); }, "RaisingIsr", share: true);
        ConnectLevel(machine, (_, _) => { seen.Add(KeGetCurrentIrql()); return ValueTask.FromResult(true); }, "SecondIsr", share: true);
        machine.InjectInterruptFault(LevelLine, InterruptFault.Spurious);
        machine.RunRoutine(0, Driver, "After", async () =>
        {
            await KeCompute(10_000);
            seen.Add(KeGetCurrentIrql());
        });
        Run(machine);

        Assert.Null(machine.CrashDump);
        Assert.Equal([(Irql)6, Irql.PassiveLevel], seen);
    }

    // INT-003
    [Fact]
    public void Latched_shared_vector_calls_every_ISR_on_the_chain_and_walks_it_again_until_a_pass_nobody_claims()
    {
        using var machine = Create();
        var log = new List<string>();
        var firstPending = 1;
        var thirdPending = 1;
        Connect(machine, (_, _) => { log.Add("first"); return ValueTask.FromResult(firstPending-- > 0); }, share: true, name: "FirstIsr");
        Connect(machine, (_, _) => { log.Add("second"); return ValueTask.FromResult(false); }, share: true, name: "SecondIsr");
        Connect(machine, (_, _) => { log.Add("third"); return ValueTask.FromResult(thirdPending-- > 0); }, share: true, name: "ThirdIsr");
        RaiseAt(machine, DeviceLine, 100);
        Run(machine);

        Assert.Null(machine.CrashDump);
        Assert.Equal(["first", "second", "third", "first", "second", "third"], log);
    }

    // INT-004
    [Fact]
    public void Level_sensitive_shared_vector_stops_at_the_first_ISR_that_claims()
    {
        using var machine = CreateLevel();
        var log = new List<string>();
        ConnectLevel(machine, (_, _) => { log.Add("first"); return ValueTask.FromResult(false); }, "FirstIsr", share: true);
        ConnectLevel(machine, (_, _) => { log.Add("second"); return ValueTask.FromResult(true); }, "SecondIsr", share: true);
        ConnectLevel(machine, (_, _) => { log.Add("third"); return ValueTask.FromResult(true); }, "ThirdIsr", share: true);
        machine.InjectInterruptFault(LevelLine, InterruptFault.Spurious);
        Run(machine);

        Assert.Equal(["first", "second"], log);
    }

    // INT-005
    [Fact]
    public void Unclaimed_level_interrupt_that_keeps_firing_bugchecks_HARDWARE_INTERRUPT_STORM_with_ISR_context_object_and_1()
    {
        using var machine = CreateLevel(clockNs: 10_000);
        machine.InterruptStormOverflow = 8;
        machine.InterruptStormPeriods = 3;
        machine.InterruptStormPeriodTicks = 1;
        var context = new KEvent();
        var calls = 0;
        var interrupt = ConnectLevel(machine, (_, _) => { calls++; return ValueTask.FromResult(false); }, "DeafIsr", context: context);
        machine.Start();
        machine.InjectInterruptFault(LevelLine, InterruptFault.StuckAsserted);
        Assert.True(machine.RunUntil(() => machine.IsBugChecked, TimeSpan.FromMilliseconds(10)));

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.HardwareInterruptStorm, dump.Code);
        Assert.Equal("0x000000F2", dump.BugCheckCode);
        Assert.Equal([machine.RoutineAddress(Driver, "DeafIsr"), context.Address, interrupt.Address, 1UL], dump.ParameterValues);
        Assert.NotEqual(0UL, context.Address);
        Assert.True(calls >= 24, $"the storm is 3 overflowed periods of 8 unclaimed interrupts ({calls} calls)");
    }

    // INT-005 (chained)
    [Fact]
    public void Storm_on_a_chained_level_vector_names_the_first_ISR_of_the_chain_and_4th_parameter_2()
    {
        using var machine = CreateLevel(clockNs: 10_000);
        machine.InterruptStormOverflow = 4;
        machine.InterruptStormPeriods = 2;
        machine.InterruptStormPeriodTicks = 1;
        var first = ConnectLevel(machine, (_, _) => ValueTask.FromResult(false), "FirstIsr", share: true);
        ConnectLevel(machine, (_, _) => ValueTask.FromResult(false), "SecondIsr", share: true);
        machine.Start();
        machine.InjectInterruptFault(LevelLine, InterruptFault.StuckAsserted);
        Assert.True(machine.RunUntil(() => machine.IsBugChecked, TimeSpan.FromMilliseconds(10)));

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.HardwareInterruptStorm, dump.Code);
        Assert.Equal([machine.RoutineAddress(Driver, "FirstIsr"), 0UL, first.Address, 2UL], dump.ParameterValues);
    }

    // INT-006
    [Fact]
    public void Level_interrupt_still_asserted_when_the_ISR_returns_is_taken_again_until_the_device_deasserts()
    {
        using var machine = CreateLevel();
        var pin = machine.CreateInterruptPin(LevelLine);
        var pending = 3;
        var calls = 0;
        ConnectLevel(machine, (_, _) =>
        {
            calls++;
            if (--pending == 0)
            {
                pin.Deassert(); // the device's last event acknowledged: it drops the line
            }
            return ValueTask.FromResult(true);
        }, "DeviceIsr");
        pin.Assert();
        Run(machine);

        Assert.Equal(3, calls);
        Assert.Null(machine.CrashDump);
    }

    // INT-007
    [Fact]
    public void Spurious_interrupt_nobody_claims_is_dismissed_without_a_bugcheck()
    {
        using var machine = CreateLevel();
        var calls = 0;
        ConnectLevel(machine, (_, _) => { calls++; return ValueTask.FromResult(false); }, "DeafIsr");
        machine.InjectInterruptFault(LevelLine, InterruptFault.Spurious);
        Run(machine);

        Assert.Equal(1, calls);
        Assert.Null(machine.CrashDump);
        Assert.Equal(1, machine.GetStatistics().Processors[0].UnclaimedInterrupts);
    }

    // INT-008
    [Fact]
    public void IoConnectInterrupt_with_a_ProcessorEnableMask_naming_no_processor_fails_with_STATUS_INVALID_PARAMETER()
    {
        using var machine = Create(processors: 2);
        NtStatus? status = null;
        KInterrupt? interrupt = null;
        machine.RunRoutine(0, Driver, "Connector", () =>
        {
            status = IoConnectInterrupt(out interrupt, (_, _) => ValueTask.FromResult(true), null, null, DeviceVector, (Irql)5, (Irql)5,
                KInterruptMode.Latched, false, 0b1100, false);
            return ValueTask.CompletedTask;
        });
        Run(machine);

        Assert.Equal(NtStatus.InvalidParameter, status);
        Assert.Null(interrupt);
    }

    // INT-009
    [Fact]
    public void IoConnectInterrupt_sharing_a_vector_with_an_interrupt_of_the_other_mode_fails_with_STATUS_INVALID_PARAMETER()
    {
        using var machine = Create();
        Connect(machine, (_, _) => ValueTask.FromResult(true), share: true, mode: KInterruptMode.Latched);
        var status = machine.IoConnectInterrupt(out var second, Driver, (_, _) => ValueTask.FromResult(true), null, null, DeviceVector, (Irql)5, (Irql)5,
            KInterruptMode.LevelSensitive, true, 0);
        Assert.Equal(NtStatus.InvalidParameter, status);
        Assert.Null(second);
    }

    // INT-010
    [Fact]
    public void IoConnectInterrupt_with_SynchronizeIrql_below_Irql_fails_with_STATUS_INVALID_PARAMETER()
    {
        using var machine = Create();
        var status = machine.IoConnectInterrupt(out var interrupt, Driver, (_, _) => ValueTask.FromResult(true), null, null, DeviceVector, (Irql)6, (Irql)5,
            KInterruptMode.Latched, false, 0);
        Assert.Equal(NtStatus.InvalidParameter, status);
        Assert.Null(interrupt);
    }

    // INT-011
    [Fact]
    public void ISR_runs_at_the_interrupt_objects_SynchronizeIrql_holding_its_spin_lock()
    {
        using var machine = Create();
        Irql? seen = null;
        var lockHeld = false;
        KInterrupt? interrupt = null;
        Assert.Equal(NtStatus.Success, machine.IoConnectInterrupt(out interrupt, Driver, (self, _) =>
        {
            seen = KeGetCurrentIrql();
            lockHeld = self.SpinLock.OwnerProcessor == 0;
            return ValueTask.FromResult(true);
        }, null, null, DeviceVector, (Irql)5, (Irql)7, KInterruptMode.Latched, false, 0, "SyncIsr"));
        RaiseAt(machine, DeviceLine, 100);
        Run(machine);

        Assert.Equal((Irql)7, seen);
        Assert.True(lockHeld);
        Assert.Equal(-1, interrupt!.SpinLock.OwnerProcessor);
    }

    // INT-012
    [Fact]
    public void DPC_queued_by_an_ISR_runs_at_DISPATCH_LEVEL_on_the_processor_that_took_the_interrupt()
    {
        using var machine = Create(processors: 2, line1Affinity: 0b10);
        var dpc = new KDpc();
        (int Processor, Irql Irql)? ran = null;
        KeInitializeDpc(dpc, (_, _, _, _) =>
        {
            ran = (KeGetCurrentProcessorNumber(), KeGetCurrentIrql());
            return ValueTask.CompletedTask;
        }, null, Driver);
        Connect(machine, (_, _) => ValueTask.FromResult(KeInsertQueueDpc(dpc, null, null)), name: "QueuingIsr");
        RaiseAt(machine, DeviceLine, 100);
        Run(machine);

        Assert.Equal((1, Irql.DispatchLevel), ran);
    }

    // INT-013
    [Fact]
    public void After_IoDisconnectInterrupt_the_ISR_is_no_longer_called()
    {
        using var machine = Create();
        var calls = 0;
        var interrupt = Connect(machine, (_, _) => { calls++; return ValueTask.FromResult(true); }, name: "GoneIsr");
        RaiseAt(machine, DeviceLine, 100);
        Run(machine);
        machine.RunRoutine(0, Driver, "Disconnector", () =>
        {
            IoDisconnectInterrupt(interrupt);
            return ValueTask.CompletedTask;
        });
        Run(machine);
        RaiseAt(machine, DeviceLine, 100);
        Run(machine);

        Assert.Equal(1, calls);
        Assert.Null(machine.CrashDump);
    }

    // INT-014
    [Fact]
    public void Stuck_level_line_nobody_is_connected_to_is_masked_and_does_not_hang_the_machine()
    {
        using var machine = CreateLevel();
        machine.InjectInterruptFault(LevelLine, InterruptFault.StuckAsserted);
        Run(machine);

        Assert.Null(machine.CrashDump);
        Assert.Equal(1, machine.GetStatistics().Processors[0].UnclaimedInterrupts);
    }
}
