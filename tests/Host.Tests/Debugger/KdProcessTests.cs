using System.Text.RegularExpressions;

namespace ActorKernel.Host.Tests.Debugger;

[Trait("Area", "Debugger")]
public sealed partial class KdProcessTests
{
    [Fact]
    public void Kd_on_a_planted_bugs_replay_file_names_the_driver_the_routine_and_the_IRP()
    {
        var dir = TempDirectory.Create();
        var stress = HostProcess.Run(["stress", "zoo.double-complete", "--seeds", "200", "--out", "out"], dir);
        Assert.True(stress.ExitCode == 1, stress.ToString());
        var replay = Directory.GetFiles(Path.Combine(dir, "out"), "*.replay.json").Single();

        var analyze = HostProcess.Run(["kd", "--replay", replay, "-c", "!analyze -v"], dir);
        Assert.True(analyze.ExitCode == 0, analyze.ToString());
        var irp = IrpAddress().Match(analyze.StandardOutput).Groups[1].Value;
        Assert.NotEmpty(irp);

        var kd = HostProcess.Run(["kd", "--replay", replay, "-c", "!analyze -v; !irp " + irp], dir);
        Assert.True(kd.ExitCode == 0, kd.ToString());
        var text = kd.StandardOutput;
        Assert.Contains("MULTIPLE_IRP_COMPLETE_REQUESTS (44)", text, StringComparison.Ordinal);
        Assert.Contains("Probably caused by : zoodoublecomplete.sys ( zoodoublecomplete!CancelRoutine )", text, StringComparison.Ordinal);
        Assert.Contains("0: kd> !irp " + irp, text, StringComparison.Ordinal);
        Assert.Contains("Irp is active with 1 stacks 3 is current (= 0x" + irp.Replace("`", "", StringComparison.Ordinal) + ")", text, StringComparison.Ordinal);
        Assert.Contains("Irp is completed.  Pending has been returned", text, StringComparison.Ordinal);
        Assert.Contains("\\Driver\\ZooDoubleComplete", text, StringComparison.Ordinal);
        Assert.Contains("PendingReturned = 01  Cancel = 01", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Kd_on_the_hosts_crash_dump_of_the_planted_bugcheck_names_the_driver_routine_and_its_pending_IRPs()
    {
        var dir = TempDirectory.Create();
        var run = HostProcess.Run(["run", "planted-bugcheck", "--duration", "300ms", "--out", "out"], dir);
        var dump = Path.Combine(dir, "out", "crash-001.dmp.json");
        Assert.True(File.Exists(dump), run.ToString());

        var kd = HostProcess.Run(["kd", "--dump", dump, "-c", "!analyze -v; !irpfind; !devstack fffffa80`01000c00"], dir);
        Assert.True(kd.ExitCode == 0, kd.ToString());
        var text = kd.StandardOutput;
        Assert.Contains("DRIVER_IRQL_NOT_LESS_OR_EQUAL (d1)", text, StringComparison.Ordinal);
        Assert.Contains("Arg2: 00000000`00000002, IRQL at time of reference", text, StringComparison.Ordinal);
        Assert.Contains("Probably caused by : plantflt.sys ( plantflt!PlantReadComplete )", text, StringComparison.Ordinal);
        Assert.Matches(@"IRPs found", text);
        Assert.Matches(@"> fffffa80`01000c00 \\Driver\\PlantFlt", text);
        Assert.Matches(@"  fffffa80`01000800 \\Driver\\IntEcho", text);
    }

    [Fact]
    public void Kd_on_a_scenario_stops_at_a_breakpoint_on_a_drivers_dispatch_routine_and_k_shows_the_frame_stack()
    {
        var kd = HostProcess.Run(["kd", "--scenario", "planted-bugcheck", "-c", "bp plantflt!PlantRead; g; k"]);
        Assert.True(kd.ExitCode == 0, kd.ToString());
        var text = kd.StandardOutput.ReplaceLineEndings("\n");
        Assert.Contains("0: kd> g\nBreakpoint 0 hit\nplantflt!PlantRead:\n", text, StringComparison.Ordinal);
        Assert.Contains("00 plantflt!PlantRead                                 Routine   PASSIVE_LEVEL   Running\n01 traffic!traffic#0 ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Kd_has_help_naming_its_targets()
    {
        var help = HostProcess.Run(["kd", "--help"]);
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("actorkernel kd", help.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("--dump", help.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("--replay", help.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("--scenario", help.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void Kd_with_a_file_that_is_not_a_dump_exits_2()
    {
        var dir = TempDirectory.Create();
        File.WriteAllText(Path.Combine(dir, "x.json"), "{\"hello\": 1}");
        var kd = HostProcess.Run(["kd", "--dump", "x.json", "-c", "lm"], dir);
        Assert.Equal(2, kd.ExitCode);
        Assert.Contains("not a crash dump", kd.StandardError, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"IRP_ADDRESS:  ([0-9a-f]{8}`[0-9a-f]{8})")]
    private static partial Regex IrpAddress();
}
