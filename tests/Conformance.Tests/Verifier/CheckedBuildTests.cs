using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using ActorKernel.Drivers.Zoo;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Wdm;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.Verifier;

/// <summary>
/// The checked build (MachineOptions.CheckedBuild): each service's assertion stops the machine with
/// the failed condition, the service and the calling routine (0x1E, STATUS_ASSERTION_FAILURE), and
/// the same misuse on the free build does what NT's free build does.
/// </summary>
[Trait("Area", "Verifier")]
public sealed class CheckedBuildTests
{
    private const string Dispatch = "KeGetCurrentIrql() <= DISPATCH_LEVEL";
    private static readonly KernelModule Caller = new("chkdrv.sys");

    /// <summary>A one-processor machine with an I/O manager and a device whose reads complete at once.</summary>
    private sealed class Bed : IDisposable
    {
        public Bed(bool checkedBuild)
        {
            Machine = Machine.Create(new MachineOptions
            {
                Processors = 1, ClockIntervalNs = 0, SystemWorkerThreads = 0, CheckedBuild = checkedBuild,
                InterruptLines = [new InterruptLineConfig(1, 0x50, 5)],
            });
            Io = new IoMgr();
            Io.AttachTo(Machine);
            var load = Io.LoadDriverAsync("ChkDrv", "chkdrv.sys", (driver, _) =>
            {
                driver.MajorFunction[(int)IrpMajorFunction.Read] = async (_, irp) =>
                {
                    irp.IoStatus.Status = NtStatus.Success;
                    await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                    return NtStatus.Success;
                };
                Assert.Equal(NtStatus.Success, IoCreateDevice(driver, null, "\\Device\\ChkDrv", DeviceType.Unknown, 0, false, out var device));
                device!.Flags &= ~DeviceObjectFlags.DeviceInitializing;
                return ValueTask.FromResult(NtStatus.Success);
            });
            Device = load.Result.Driver!.DeviceObjects[0];
            Machine.Start();
        }

        public Machine Machine { get; }

        public IoMgr Io { get; }

        public DeviceObject Device { get; }

        /// <summary>Runs <paramref name="body"/> as chkdrv.sys!<paramref name="routine"/> at <paramref name="irql"/> until the machine is quiet.</summary>
        public Bed Run(string routine, Func<ValueTask> body, Irql irql = Irql.PassiveLevel)
        {
            Machine.RunRoutine(0, Caller, routine, body, irql);
            Machine.System.Deterministic!.RunUntilQuiescent(1_000_000);
            return this;
        }

        public Irp ReadIrp()
        {
            var irp = IoAllocateIrp(Io, Device.StackSize, false);
            IoGetNextIrpStackLocation(irp).MajorFunction = IrpMajorFunction.Read;
            IoSetCompletionRoutine(irp, static (_, _, _) => ValueTask.FromResult(NtStatus.MoreProcessingRequired), null, true, true, true);
            return irp;
        }

        public void Dispose() => Machine.Dispose();
    }

    private static void AssertStopped(Bed bed, string condition, string routine, string callerRoutine)
    {
        var assertion = Assert.IsType<CheckedAssertion>(bed.Machine.CheckedAssertion);
        Assert.Equal((condition, routine, "chkdrv.sys", callerRoutine), (assertion.Condition, assertion.Routine, assertion.CallerModule, assertion.CallerRoutine));
        var dump = Assert.IsType<CrashDump>(bed.Machine.CrashDump);
        Assert.Equal(BugCheckCode.KmodeExceptionNotHandled, dump.Code);
        Assert.Equal(0xC0000420UL, dump.ParameterValues[0]); // STATUS_ASSERTION_FAILURE
        Assert.Equal(callerRoutine, dump.FaultingRoutine);
        Assert.Contains("*** Assertion failed: " + condition, dump.Analysis, StringComparison.Ordinal);
        Assert.Contains("ntoskrnl.exe!" + routine + ", called by chkdrv.sys!" + callerRoutine, dump.Analysis, StringComparison.Ordinal);
    }

    private static void AssertRanFree(Bed bed)
    {
        Assert.Null(bed.Machine.CheckedAssertion);
        Assert.False(bed.Machine.IsBugChecked, bed.Machine.CrashDump?.Analysis);
    }

    // ---- KeSetEvent ----

    private static Bed SetEventAtDirql(bool checkedBuild)
    {
        var bed = new Bed(checkedBuild);
        var e = new KEvent();
        KeInitializeEvent(e, EventType.NotificationEvent, false);
        return bed.Run("SetEventIsr", () => { KeSetEvent(e, 0, false); return ValueTask.CompletedTask; }, (Irql)5);
    }

    [Fact]
    public void Checked_KeSetEvent_above_DISPATCH_LEVEL_asserts_the_IRQL_naming_the_caller()
    {
        using var bed = SetEventAtDirql(checkedBuild: true);
        AssertStopped(bed, Dispatch, "KeSetEvent", "SetEventIsr");
    }

    [Fact]
    public void Free_KeSetEvent_above_DISPATCH_LEVEL_sets_the_event_without_a_stop()
    {
        using var bed = SetEventAtDirql(checkedBuild: false);
        AssertRanFree(bed);
    }

    // ---- IoCallDriver ----

    private static Bed CallDriverAtDirql(bool checkedBuild)
    {
        var bed = new Bed(checkedBuild);
        var irp = bed.ReadIrp();
        return bed.Run("CallDriverIsr", async () => await IoCallDriver(bed.Device, irp), (Irql)5);
    }

    [Fact]
    public void Checked_IoCallDriver_above_DISPATCH_LEVEL_asserts_the_IRQL()
    {
        using var bed = CallDriverAtDirql(checkedBuild: true);
        AssertStopped(bed, Dispatch, "IoCallDriver", "CallDriverIsr");
    }

    [Fact]
    public void Free_IoCallDriver_above_DISPATCH_LEVEL_calls_the_driver()
    {
        using var bed = CallDriverAtDirql(checkedBuild: false);
        AssertRanFree(bed);
    }

    // ---- IoCompleteRequest ----

    private static Bed CompleteWith(bool checkedBuild, string routine, Action<Irp> misuse, Irql irql = Irql.PassiveLevel)
    {
        var bed = new Bed(checkedBuild);
        var irp = bed.ReadIrp();
        IoSetNextIrpStackLocation(irp);
        irp.IoStatus.Status = NtStatus.Success;
        misuse(irp);
        return bed.Run(routine, async () => await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement), irql);
    }

    public static TheoryData<string, string, Irql> CompleteMisuses => new()
    {
        { "cancel-routine", "!Irp->CancelRoutine", Irql.PassiveLevel },
        { "pending", "Irp->IoStatus.Status != STATUS_PENDING", Irql.PassiveLevel },
        { "minus-one", "Irp->IoStatus.Status != 0xffffffff", Irql.PassiveLevel },
        { "dirql", Dispatch, (Irql)5 },
    };

    private static Action<Irp> CompleteMisuse(string which) => which switch
    {
        "cancel-routine" => irp => irp.ExchangeCancelRoutine(static (_, _) => ValueTask.CompletedTask),
        "pending" => irp => irp.IoStatus.Status = NtStatus.Pending,
        "minus-one" => irp => irp.IoStatus.Status = unchecked((NtStatus)0xFFFFFFFF),
        _ => _ => { },
    };

    [Theory]
    [MemberData(nameof(CompleteMisuses))]
    public void Checked_IoCompleteRequest_asserts_WRK_IopfCompleteRequest_conditions(string which, string condition, Irql irql)
    {
        using var bed = CompleteWith(checkedBuild: true, "CompleteIt", CompleteMisuse(which), irql);
        AssertStopped(bed, condition, "IoCompleteRequest", "CompleteIt");
    }

    [Theory]
    [MemberData(nameof(CompleteMisuses))]
    public void Free_IoCompleteRequest_completes_despite_the_misuse(string which, string condition, Irql irql)
    {
        _ = condition;
        using var bed = CompleteWith(checkedBuild: false, "CompleteIt", CompleteMisuse(which), irql);
        AssertRanFree(bed);
    }

    [Fact]
    public void Checked_IoCompleteRequest_twice_is_still_MULTIPLE_IRP_COMPLETE_REQUESTS_as_the_free_build_checks_first()
    {
        using var bed = new Bed(checkedBuild: true);
        var irp = IoAllocateIrp(bed.Io, 1, false);
        irp.Thread = new object(); // a requester's IRP: completion at the top finishes and frees it
        IoSetNextIrpStackLocation(irp);
        irp.IoStatus.Status = NtStatus.Success;
        bed.Run("CompleteTwice", async () =>
        {
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            irp.IoStatus.Status = NtStatus.Pending;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        });

        Assert.Null(bed.Machine.CheckedAssertion);
        Assert.Equal(BugCheckCode.MultipleIrpCompleteRequests, bed.Machine.CrashDump?.Code);
    }

    // ---- IoAllocateIrp / IoFreeIrp / IoSetCancelRoutine ----

    private static Bed AllocateIrpAtDirql(bool checkedBuild)
    {
        var bed = new Bed(checkedBuild);
        return bed.Run("AllocateIsr", () => { _ = IoAllocateIrp(bed.Io, 1, false); return ValueTask.CompletedTask; }, (Irql)5);
    }

    [Fact]
    public void Checked_IoAllocateIrp_above_DISPATCH_LEVEL_asserts_the_IRQL()
    {
        using var bed = AllocateIrpAtDirql(checkedBuild: true);
        AssertStopped(bed, Dispatch, "IoAllocateIrp", "AllocateIsr");
    }

    [Fact]
    public void Free_IoAllocateIrp_above_DISPATCH_LEVEL_allocates()
    {
        using var bed = AllocateIrpAtDirql(checkedBuild: false);
        AssertRanFree(bed);
    }

    private static Bed FreeIrpTwice(bool checkedBuild)
    {
        var bed = new Bed(checkedBuild);
        return bed.Run("FreeTwice", () =>
        {
            var irp = IoAllocateIrp(bed.Io, 1, false);
            IoFreeIrp(irp);
            IoFreeIrp(irp);
            return ValueTask.CompletedTask;
        });
    }

    [Fact]
    public void Checked_IoFreeIrp_of_a_freed_IRP_asserts_its_type()
    {
        using var bed = FreeIrpTwice(checkedBuild: true);
        AssertStopped(bed, "Irp->Type == IO_TYPE_IRP", "IoFreeIrp", "FreeTwice");
    }

    [Fact]
    public void Free_IoFreeIrp_of_a_freed_IRP_is_ignored_without_verification()
    {
        using var bed = FreeIrpTwice(checkedBuild: false);
        AssertRanFree(bed);
    }

    private static Bed SetCancelRoutineAtDirql(bool checkedBuild)
    {
        var bed = new Bed(checkedBuild);
        var irp = bed.ReadIrp();
        return bed.Run("CancelIsr", () => { _ = IoSetCancelRoutine(irp, null); return ValueTask.CompletedTask; }, (Irql)5);
    }

    [Fact]
    public void Checked_IoSetCancelRoutine_above_DISPATCH_LEVEL_asserts_the_IRQL()
    {
        using var bed = SetCancelRoutineAtDirql(checkedBuild: true);
        AssertStopped(bed, Dispatch, "IoSetCancelRoutine", "CancelIsr");
    }

    [Fact]
    public void Free_IoSetCancelRoutine_above_DISPATCH_LEVEL_exchanges_the_routine()
    {
        using var bed = SetCancelRoutineAtDirql(checkedBuild: false);
        AssertRanFree(bed);
    }

    // ---- Spin locks ----

    [Fact]
    public void Checked_KeAcquireSpinLock_above_DISPATCH_LEVEL_asserts_before_the_free_builds_IRQL_NOT_GREATER_OR_EQUAL()
    {
        var spinLock = new KSpinLock();
        using var checkedBed = new Bed(checkedBuild: true).Run("AcquireIsr", async () => await KeAcquireSpinLock(spinLock), (Irql)5);
        using var freeBed = new Bed(checkedBuild: false).Run("AcquireIsr", async () => await KeAcquireSpinLock(new KSpinLock()), (Irql)5);

        AssertStopped(checkedBed, Dispatch, "KeAcquireSpinLock", "AcquireIsr");
        Assert.Null(freeBed.Machine.CheckedAssertion);
        Assert.Equal(BugCheckCode.IrqlNotGreaterOrEqual, freeBed.Machine.CrashDump?.Code);
    }

    private static Bed ReleaseAtDirql(bool checkedBuild)
    {
        var bed = new Bed(checkedBuild);
        var spinLock = new KSpinLock();
        return bed.Run("ReleaseAtDirql", async () =>
        {
            var old = await KeAcquireSpinLock(spinLock);
            var dpcLevel = KeRaiseIrql((Irql)5);
            await KeReleaseSpinLock(spinLock, old);
            _ = dpcLevel;
        });
    }

    [Fact]
    public void Checked_KeReleaseSpinLock_above_DISPATCH_LEVEL_asserts_the_IRQL()
    {
        using var bed = ReleaseAtDirql(checkedBuild: true);
        AssertStopped(bed, "KeGetCurrentIrql() == DISPATCH_LEVEL", "KeReleaseSpinLock", "ReleaseAtDirql");
    }

    [Fact]
    public void Free_KeReleaseSpinLock_above_DISPATCH_LEVEL_releases_and_lowers_without_an_assertion()
    {
        using var bed = ReleaseAtDirql(checkedBuild: false);
        AssertRanFree(bed);
    }

    [Fact]
    public void Checked_KeReleaseSpinLock_to_a_NewIrql_above_DISPATCH_LEVEL_asserts_before_the_free_builds_IRQL_NOT_LESS_OR_EQUAL()
    {
        Bed Release(bool checkedBuild)
        {
            var spinLock = new KSpinLock();
            return new Bed(checkedBuild).Run("ReleaseHigh", async () =>
            {
                _ = await KeAcquireSpinLock(spinLock);
                await KeReleaseSpinLock(spinLock, (Irql)5);
            });
        }
        using var checkedBed = Release(checkedBuild: true);
        using var freeBed = Release(checkedBuild: false);

        AssertStopped(checkedBed, "NewIrql <= DISPATCH_LEVEL", "KeReleaseSpinLock", "ReleaseHigh");
        Assert.Null(freeBed.Machine.CheckedAssertion);
        Assert.Equal(BugCheckCode.IrqlNotLessOrEqual, freeBed.Machine.CrashDump?.Code);
    }

    // ---- KeInsertQueueDpc ----

    [Fact]
    public void Checked_KeInsertQueueDpc_of_an_uninitialized_DPC_asserts_its_routine()
    {
        using var bed = new Bed(checkedBuild: true).Run("QueueIsr", () => { KeInsertQueueDpc(new KDpc(), null, null); return ValueTask.CompletedTask; }, (Irql)5);

        AssertStopped(bed, "Dpc->DeferredRoutine != NULL", "KeInsertQueueDpc", "QueueIsr");
    }

    [Fact]
    public void Free_KeInsertQueueDpc_of_an_uninitialized_DPC_does_not_assert()
    {
        using var bed = new Bed(checkedBuild: false).Run("QueueIsr", () => { KeInsertQueueDpc(new KDpc(), null, null); return ValueTask.CompletedTask; }, (Irql)5);

        Assert.Null(bed.Machine.CheckedAssertion);
    }

    // ---- KeWaitForSingleObject ----

    private static Bed WaitInDpc(bool checkedBuild)
    {
        var bed = new Bed(checkedBuild);
        var e = new KEvent();
        KeInitializeEvent(e, EventType.NotificationEvent, true);
        var dpc = new KDpc();
        KeInitializeDpc(dpc, async (_, _, _, _) => await KeWaitForSingleObject(e, KWaitReason.Executive, KProcessorMode.KernelMode, false, -10_000), null, Caller, "WaitingDpc");
        return bed.Run("Queuer", async () =>
        {
            var old = KeRaiseIrql(Irql.DispatchLevel);
            KeInsertQueueDpc(dpc, null, null);
            await KeLowerIrql(old);
        });
    }

    [Fact]
    public void Checked_KeWaitForSingleObject_at_DISPATCH_LEVEL_with_a_non_zero_timeout_asserts_even_when_satisfied_at_once()
    {
        using var bed = WaitInDpc(checkedBuild: true);
        AssertStopped(bed, "(KeGetCurrentIrql() < DISPATCH_LEVEL) || ((KeGetCurrentIrql() == DISPATCH_LEVEL) && (Timeout != NULL) && (Timeout->QuadPart == 0))",
            "KeWaitForSingleObject", "WaitingDpc");
    }

    [Fact]
    public void Free_KeWaitForSingleObject_in_a_DPC_on_a_signalled_event_passes_as_on_NT()
    {
        using var bed = WaitInDpc(checkedBuild: false);
        AssertRanFree(bed);
    }

    // ---- ExAllocatePoolWithTag / MmProbeAndLockPages ----

    private static Bed AllocateZero(bool checkedBuild) =>
        new Bed(checkedBuild).Run("AllocateZero", () => { _ = ExAllocatePoolWithTag(PoolType.NonPagedPool, 0, 0x206B6843); return ValueTask.CompletedTask; });

    [Fact]
    public void Checked_ExAllocatePoolWithTag_of_zero_bytes_asserts_NumberOfBytes()
    {
        using var bed = AllocateZero(checkedBuild: true);
        AssertStopped(bed, "NumberOfBytes != 0", "ExAllocatePoolWithTag", "AllocateZero");
    }

    [Fact]
    public void Free_ExAllocatePoolWithTag_of_zero_bytes_does_not_stop()
    {
        using var bed = AllocateZero(checkedBuild: false);
        AssertRanFree(bed);
    }

    [Fact]
    public void Checked_MmProbeAndLockPages_of_an_MDL_built_for_nonpaged_pool_asserts_its_flags()
    {
        using var bed = new Bed(checkedBuild: true).Run("LockNonPaged", async () =>
        {
            var buffer = ExAllocatePoolWithTag(PoolType.NonPagedPool, 512, 0x206B6843);
            var mdl = IoAllocateMdl(buffer, 512)!;
            MmBuildMdlForNonPagedPool(mdl);
            await MmProbeAndLockPages(mdl, KProcessorMode.KernelMode, LockOperation.IoWriteAccess);
        });

        AssertStopped(bed, "(Mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL)) == 0", "MmProbeAndLockPages", "LockNonPaged");
    }

    [Fact]
    public void Checked_MmProbeAndLockPages_above_DISPATCH_LEVEL_asserts_the_IRQL()
    {
        using var bed = new Bed(checkedBuild: true);
        var buffer = 0UL;
        Mdl? mdl = null;
        bed.Run("Prepare", () =>
        {
            buffer = ExAllocatePoolWithTag(PoolType.NonPagedPool, 512, 0x206B6843);
            mdl = IoAllocateMdl(buffer, 512);
            return ValueTask.CompletedTask;
        });
        bed.Run("LockIsr", async () => await MmProbeAndLockPages(mdl!, KProcessorMode.KernelMode, LockOperation.IoWriteAccess), (Irql)5);

        AssertStopped(bed, Dispatch, "MmProbeAndLockPages", "LockIsr");
    }

    [Fact]
    public void The_explorer_on_the_checked_build_reports_the_failed_assertion_and_its_replay_file_reruns_it_checked()
    {
        var entry = ZooCatalog.Entries.Single(e => e.Name == "wait-at-dispatch");
        var options = new ExplorerOptions { Seed = 1, Schedules = 5, CheckedBuild = true, Shrink = false };

        var report = Explorer.Explore(entry.Scenario, options);
        var file = Explorer.ToReplayFile(entry.Scenario.Name, options, report.Failure!);
        var replay = Explorer.Replay(entry.Scenario, file);
        var free = Explorer.Replay(entry.Scenario, file with { CheckedBuild = false });

        Assert.Equal(FailureKind.Assertion, report.Failure!.Failure!.Kind);
        Assert.Equal((uint)BugCheckCode.KmodeExceptionNotHandled, report.Failure.Failure.BugCheckCode);
        Assert.StartsWith("*** Assertion failed: (KeGetCurrentIrql() < DISPATCH_LEVEL)", report.Failure.Failure.Message, StringComparison.Ordinal);
        Assert.Contains("ntoskrnl.exe!KeWaitForSingleObject", report.Failure.Failure.Message, StringComparison.Ordinal);
        Assert.True(file.CheckedBuild);
        Assert.True(replay.Reproduced);
        Assert.Equal(FailureKind.BugCheck, free.Outcome.Failure?.Kind); // the free build: ATTEMPTED_SWITCH_FROM_DPC
        Assert.Equal((uint)BugCheckCode.AttemptedSwitchFromDpc, free.Outcome.Failure?.BugCheckCode);
    }

    [Fact]
    public void A_well_behaved_read_runs_the_same_on_the_checked_build_as_on_the_free_build()
    {
        static (bool, Irp?) Read(bool checkedBuild)
        {
            using var bed = new Bed(checkedBuild);
            var irp = bed.ReadIrp();
            var status = NtStatus.Pending;
            bed.Run("Reader", async () => status = await IoCallDriver(bed.Device, irp));
            return (status == NtStatus.Success && !bed.Machine.IsBugChecked && bed.Machine.CheckedAssertion is null, null);
        }

        Assert.True(Read(checkedBuild: true).Item1);
        Assert.True(Read(checkedBuild: false).Item1);
    }
}
