using ActorKernel.Actors;

namespace ActorKernel.Conformance.Tests.Power;

/// <summary>The rules of the power IRP's travel and what breaking them costs (issue 15, acceptance item 3).</summary>
[Trait("Area", "Pnp")]
public sealed class PowerRuleTests
{
    private const string FilterRegistry = """
        [Services]
        PwrFilt = pwrfilt.sys
        [Class SCSIAdapter]
        UpperFilters = PwrFilt
        """;

    private static PowerBed Bed(PowerFilterKind kind, NtPowerVersion version, List<string> journal, TimeSpan? timeout = null) =>
        new(new PowerManagerOptions { Version = version, PowerIrpTimeout = timeout ?? TimeSpan.FromMinutes(10) }, FilterRegistry,
            images: pnp => pnp.AddImage("pwrfilt.sys", PowerTestDrivers.Filter("pwrfilt", kind, journal)));

    private static DeviceObject FilterDevice(PowerBed bed) => bed.DiskNode.PhysicalDeviceObject.AttachedDevice!.AttachedDevice!;

    [Fact]
    public void On_Windows_XP_under_Driver_Verifier_a_filter_that_passes_a_power_IRP_without_PoStartNextPowerIrp_bugchecks_0x9F_0x500()
    {
        var journal = new List<string>();
        using var bed = Bed(PowerFilterKind.NoStartNext, NtPowerVersion.WindowsXP, journal);
        var filter = FilterDevice(bed);
        filter.DriverObject.VerifierEnabled = true; // verifier /driver pwrfilt.sys

        bed.Power.RequestSystemPowerState(SystemPowerState.PowerSystemSleeping3);
        Assert.True(bed.Machine.RunUntil(() => bed.Machine.IsBugChecked, TimeSpan.FromSeconds(10)));

        var dump = bed.Machine.CrashDump!;
        Assert.Equal(BugCheckCode.DriverPowerStateFailure, dump.Code);
        Assert.Equal([0x500UL, 0UL, filter.Address, filter.Address], dump.ParameterValues); // the filter is the top: target and culprit
        Assert.Contains("pwrfilt IRP_MN_QUERY_POWER S3", journal);
    }

    [Fact]
    public void On_Windows_10_PoStartNextPowerIrp_is_not_required_the_same_filter_sleeps_and_wakes()
    {
        var journal = new List<string>();
        using var bed = Bed(PowerFilterKind.NoStartNext, NtPowerVersion.Windows10, journal);
        FilterDevice(bed).DriverObject.VerifierEnabled = true;

        bed.SetSystemState(SystemPowerState.PowerSystemSleeping3);
        bed.SetSystemState(SystemPowerState.PowerSystemWorking);

        Assert.False(bed.Machine.IsBugChecked);
        Assert.Contains("pwrfilt IRP_MN_SET_POWER D0", journal);
    }

    [Fact]
    public void On_Windows_XP_without_the_verifier_the_filter_leaves_its_device_busy_and_the_next_power_IRP_waits_until_the_watchdog_0x9F_3()
    {
        var journal = new List<string>();
        using var bed = Bed(PowerFilterKind.NoStartNext, NtPowerVersion.WindowsXP, journal, TimeSpan.FromSeconds(5));
        bed.Power.RequestSystemPowerState(SystemPowerState.PowerSystemSleeping3);
        Assert.True(bed.Machine.RunUntil(() => bed.Machine.IsBugChecked, TimeSpan.FromSeconds(20)));

        // The query S-IRP passed the filter, which never released its device object (S and D are serialised
        // apart): the set S-IRP that follows waits in PoCallDriver at the filter for ever.
        Assert.Equal(1, journal.Count(line => line.StartsWith("pwrfilt IRP_MN_QUERY_POWER S3", StringComparison.Ordinal)));
        Assert.DoesNotContain("pwrfilt IRP_MN_SET_POWER S3", journal);
        var dump = bed.Machine.CrashDump!;
        Assert.Equal(BugCheckCode.DriverPowerStateFailure, dump.Code);
        Assert.Equal(0x3UL, dump.ParameterValues[0]);
        Assert.Equal(bed.DiskNode.PhysicalDeviceObject.Address, dump.ParameterValues[1]);
        Assert.Equal(bed.Adapter.Fdo!.Address, dump.ParameterValues[2]); // before Windows 7: the stack's FDO
    }

    [Fact]
    public void A_filter_that_holds_a_power_IRP_past_the_watchdog_timeout_bugchecks_0x9F_3_with_the_PDO_the_triage_block_and_the_IRP()
    {
        var journal = new List<string>();
        using var bed = Bed(PowerFilterKind.Stall, NtPowerVersion.Windows10, journal, TimeSpan.FromSeconds(5));
        bed.Power.RequestSystemPowerState(SystemPowerState.PowerSystemSleeping3);
        bed.Machine.RunFor(TimeSpan.FromSeconds(3));
        Assert.False(bed.Machine.IsBugChecked, "within the timeout the IRP may still be out");

        Assert.True(bed.Machine.RunUntil(() => bed.Machine.IsBugChecked, TimeSpan.FromSeconds(10)));
        var dump = bed.Machine.CrashDump!;
        Assert.Equal(BugCheckCode.DriverPowerStateFailure, dump.Code);
        Assert.Equal(0x3UL, dump.ParameterValues[0]);
        Assert.Equal(bed.DiskNode.PhysicalDeviceObject.Address, dump.ParameterValues[1]);
        Assert.NotEqual(0UL, dump.ParameterValues[2]); // nt!TRIAGE_9F_POWER
        Assert.NotEqual(bed.Adapter.Fdo!.Address, dump.ParameterValues[2]);
        Assert.NotEqual(0UL, dump.ParameterValues[3]); // the blocked IRP
        Assert.Equal(["pwrfilt IRP_MN_QUERY_POWER S3"], journal);
    }

    [Fact]
    public void PoRequestPowerIrp_refuses_a_minor_function_other_than_set_query_or_wait_wake()
    {
        using var bed = new PowerBed();
        NtStatus status = default;
        var done = false;
        bed.Machine.RunRoutine(0, KernelModule.Kernel, "caller", () =>
        {
            status = Wdm.PoRequestPowerIrp(bed.Adapter.Fdo!, PowerMinorFunction.PowerSequence, PowerState.Device(DevicePowerState.PowerDeviceD0), null, null);
            done = true;
            return ValueTask.CompletedTask;
        });
        bed.Pnp.RunUntil(() => done);
        Assert.Equal(NtStatus.InvalidParameter2, status);
    }
}
