using ActorKernel.Actors;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Power;

/// <summary>System power transitions: issue 15, acceptance item 3 (S3 and back, S5).</summary>
[Trait("Area", "Pnp")]
public sealed class PowerSystemTests
{
    [Fact]
    public void S3_and_back_requests_issued_during_sleep_are_held_and_complete_after_resume_with_data_intact()
    {
        using var bed = new PowerBed();
        var before = PowerBed.Pattern(4096, 1);
        bed.WriteSectors(0, before);

        bed.SetSystemState(SystemPowerState.PowerSystemSleeping3);
        Assert.True(bed.Disk.PoweredOff, "the controller is in D3hot while the machine sleeps");
        Assert.Equal(DevicePowerState.PowerDeviceD3, bed.Adapter.DevicePower);
        Assert.Equal(0, bed.Disk.DirtySectors);

        // Four user threads: each reads back what was written before sleep, then writes and reads its own sector.
        var reads = new byte[4][];
        var own = new byte[4][];
        var threads = new List<Func<bool>>();
        for (var t = 0; t < 4; t++)
        {
            var index = t;
            threads.Add(bed.UserThread($"sleeper{t}", async (disk, buffer) =>
            {
                var read = await ReadFile(disk, buffer, 1024, new Overlapped { Offset = (index * 1024) });
                Assert.True(read.Succeeded, read.ToString());
                reads[index] = new byte[1024];
                bed.Process.ReadMemory(buffer, reads[index]);
                var data = PowerBed.Pattern(512, 10 + index);
                bed.Process.WriteMemory(buffer, data);
                Assert.True((await WriteFile(disk, buffer, 512, new Overlapped { Offset = (8192 + (index * 512)) })).Succeeded);
                bed.Process.WriteMemory(buffer, new byte[512]);
                Assert.True((await ReadFile(disk, buffer, 512, new Overlapped { Offset = (8192 + (index * 512)) })).Succeeded);
                own[index] = new byte[512];
                bed.Process.ReadMemory(buffer, own[index]);
            }));
        }
        bed.Machine.RunFor(TimeSpan.FromMilliseconds(200));
        Assert.All(threads, done => Assert.False(done(), "no request completes while the machine sleeps"));
        Assert.Equal(4, bed.Adapter.HeldRequests);

        bed.SetSystemState(SystemPowerState.PowerSystemWorking);
        bed.Pnp.RunUntil(() => threads.All(done => done()));

        Assert.False(bed.Disk.PoweredOff);
        Assert.Equal(1, bed.Adapter.PowerUps);
        for (var t = 0; t < 4; t++)
        {
            Assert.Equal(before.AsSpan(t * 1024, 1024).ToArray(), reads[t]);
            Assert.Equal(PowerBed.Pattern(512, 10 + t), own[t]);
        }
    }

    [Fact]
    public void Going_to_sleep_children_get_their_system_IRPs_before_their_bus_and_on_wake_the_bus_comes_first()
    {
        using var bed = new PowerBed(nic: true);
        bed.SetSystemState(SystemPowerState.PowerSystemSleeping3);
        bed.SetSystemState(SystemPowerState.PowerSystemWorking);

        var systemIrps = bed.Power.Log.Where(e => e.What.StartsWith("IRP_MN_", StringComparison.Ordinal) && e.What.Split(' ')[1].StartsWith('S'))
            .Select(e => $"{e.Device.Split('\\')[0]}:{e.What[..e.What.IndexOf(" ->", StringComparison.Ordinal)]}").ToList();
        // Queries for everyone first, then sets; leaves (the disk, the NIC) before the PCI bus going down, the bus first coming up.
        Assert.Equal(
        [
            "PCI:IRP_MN_QUERY_POWER S3", "PCI:IRP_MN_QUERY_POWER S3", "Root:IRP_MN_QUERY_POWER S3",
            "PCI:IRP_MN_SET_POWER S3", "PCI:IRP_MN_SET_POWER S3", "Root:IRP_MN_SET_POWER S3",
            "Root:IRP_MN_SET_POWER S0", "PCI:IRP_MN_SET_POWER S0", "PCI:IRP_MN_SET_POWER S0",
        ], systemIrps);
        // The disk's S-IRP completes only after the D-IRP its policy owner asked for (PoRequestPowerIrp).
        var disk = bed.Power.Log.Where(e => e.Device == PowerBed.DiskPath).Select(e => e.What).ToList();
        Assert.True(disk.IndexOf("IRP_MN_SET_POWER D3 -> STATUS_SUCCESS (0x00000000)") < disk.IndexOf("IRP_MN_SET_POWER S3 -> STATUS_SUCCESS (0x00000000)"), string.Join("\n", disk));
        Assert.True(disk.IndexOf("IRP_MN_SET_POWER D0 -> STATUS_SUCCESS (0x00000000)") < disk.IndexOf("IRP_MN_SET_POWER S0 -> STATUS_SUCCESS (0x00000000)"), string.Join("\n", disk));
    }

    [Fact]
    public void S5_sends_IRP_MJ_SHUTDOWN_to_every_registered_stack_last_registered_first_before_the_S5_IRPs_then_the_machine_stops()
    {
        var journal = new List<string>();
        using var bed = new PowerBed(nic: true, extraRegistry: """
            [Services]
            ShutFilt = shutfilt.sys
            [Class SCSIAdapter]
            UpperFilters = ShutFilt
            [Class Net]
            UpperFilters = ShutFilt
            """, images: pnp => pnp.AddImage("shutfilt.sys", PowerTestDrivers.Filter("shutfilt", PowerFilterKind.Correct, journal)));
        var registered = bed.Power.ShutdownNotificationList.Select(d => bed.Pnp.Pnp.IopGetDeviceNode(LowestOf(d))!.InstancePath).ToList();
        Assert.Equal([@"PCI\VEN_8086&DEV_100E&SUBSYS_00000000&REV_00\08", PowerBed.DiskPath], registered); // the NIC's filter registered last

        bed.SetSystemState(SystemPowerState.PowerSystemShutdown);

        var shutdowns = journal.Select((line, i) => (line, i)).Where(x => x.line.StartsWith("IRP_MJ_SHUTDOWN", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, shutdowns.Count);
        var firstS5 = journal.FindIndex(line => line.EndsWith("IRP_MN_SET_POWER S5", StringComparison.Ordinal));
        Assert.True(shutdowns.All(s => s.i < firstS5), string.Join("\n", journal));
        var log = bed.Power.Log.Select(e => e.ToString()).ToList();
        Assert.Equal(
        [
            @"PCI\VEN_8086&DEV_100E&SUBSYS_00000000&REV_00\08 IRP_MJ_SHUTDOWN ShutFilt -> STATUS_SUCCESS (0x00000000)",
            PowerBed.DiskPath + @" IRP_MJ_SHUTDOWN ShutFilt -> STATUS_SUCCESS (0x00000000)",
        ], log.Where(l => l.Contains("IRP_MJ_SHUTDOWN", StringComparison.Ordinal)));
        Assert.True(bed.Power.IsPoweredOff);
        Assert.True(bed.Disk.PoweredOff, "S5 maps to D3: the port flushed and pci.sys took the function to D3hot");
        Assert.Equal(0, bed.Disk.DirtySectors);
    }

    [Fact]
    public void A_stack_that_fails_the_S3_query_vetoes_the_sleep_and_the_stacks_already_asked_hear_S0()
    {
        var journal = new List<string>();
        using var bed = new PowerBed(nic: true, extraRegistry: """
            [Services]
            VetoFilt = vetofilt.sys
            [Class Net]
            UpperFilters = VetoFilt
            """, images: pnp => pnp.AddImage("vetofilt.sys", PowerTestDrivers.Filter("vetofilt", PowerFilterKind.FailQuery, journal)));
        bed.Power.RequestSystemPowerState(SystemPowerState.PowerSystemSleeping3);
        bed.Pnp.RunUntil(() => bed.Power.IsIdle);

        Assert.Equal(SystemPowerState.PowerSystemWorking, bed.Power.SystemState);
        Assert.Contains(bed.Power.Log, e => e.What == "vetoed S3: the system stays in S0");
        Assert.False(bed.Disk.PoweredOff);
        Assert.DoesNotContain(bed.Power.Log, e => e.What.StartsWith("IRP_MN_SET_POWER S3", StringComparison.Ordinal));
        // The disk was asked before the NIC (tree order): it hears S0 again; so does the NIC that refused.
        Assert.Contains(bed.Power.Log, e => e.Device == PowerBed.DiskPath && e.What == "IRP_MN_SET_POWER S0 -> STATUS_SUCCESS (0x00000000)");
        Assert.Equal(["vetofilt IRP_MN_QUERY_POWER S3", "vetofilt IRP_MN_SET_POWER S0"], journal.Where(l => l.Contains(" S", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_power_cycle_is_deterministic_the_same_machine_gives_the_same_power_log_at_the_same_virtual_times()
    {
        static List<string> Cycle()
        {
            using var bed = new PowerBed(nic: true);
            bed.WriteSectors(0, PowerBed.Pattern(1024, 2));
            bed.SetSystemState(SystemPowerState.PowerSystemSleeping3);
            bed.SetSystemState(SystemPowerState.PowerSystemWorking);
            bed.SetSystemState(SystemPowerState.PowerSystemShutdown);
            return [.. bed.Power.Log.Select(e => $"{e.TimeNs} {e}")];
        }

        var first = Cycle();
        Assert.Equal(first, Cycle());
        Assert.Contains(first, line => line.EndsWith("system in S5", StringComparison.Ordinal));
    }

    private static DeviceObject LowestOf(DeviceObject device)
    {
        while (device.AttachedTo is { } lower)
        {
            device = lower;
        }
        return device;
    }
}
