using System.Text.RegularExpressions;
using ActorKernel.Host.Debugger;

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

        var kd = HostProcess.Run(["kd", "--dump", dump, "-c", "!analyze -v; !irpfind; !devstack fffffa80`01001000"], dir);
        Assert.True(kd.ExitCode == 0, kd.ToString());
        var text = kd.StandardOutput;
        Assert.Contains("DRIVER_IRQL_NOT_LESS_OR_EQUAL (d1)", text, StringComparison.Ordinal);
        Assert.Contains("Arg2: 00000000`00000002, IRQL at time of reference", text, StringComparison.Ordinal);
        Assert.Contains("Probably caused by : plantflt.sys ( plantflt!PlantReadComplete )", text, StringComparison.Ordinal);
        Assert.Matches(@"IRPs found", text);
        // The stack the PnP manager built: the filter, the function device, the root enumerator's PDO.
        Assert.Matches(@"> fffffa80`01001000 \\Driver\\PlantFlt", text);
        Assert.Matches(@"  fffffa80`01000e00 \\Driver\\IntEcho", text);
        Assert.Matches(@"  fffffa80`01000800 \\Driver\\PnpManager", text);
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
    public void Kd_attached_to_a_running_host_lists_the_device_tree_and_an_attach_without_the_token_is_refused()
    {
        var dir = TempDirectory.Create();
        using var host = StartDebugHost(dir, out var endpoint, out var token);
        Assert.StartsWith("127.0.0.1:", endpoint, StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{32}$", token);

        var kd = HostProcess.Run(["kd", "--attach", endpoint, "--token", token, "-c", "!devnode 0 1; lm"], dir);
        Assert.True(kd.ExitCode == 0, kd.ToString());
        var text = kd.StandardOutput.ReplaceLineEndings("\n");
        Assert.Contains("0: kd> !devnode 0 1\nDumping IopRootDeviceNode (= ffffc000`00010000)\n", text, StringComparison.Ordinal);
        // The PnP manager's tree (PnpDump): sioctl.sys is a legacy driver, loaded at boot with a device node of its own.
        Assert.Contains("DevNode HTREE\\ROOT\\0\n  State = DeviceNodeStarted (0x308)\n  Stack = PnpManager\n  DevNode Root\\LEGACY_SIOCTL\\0000\n    State = DeviceNodeStarted (0x308)\n    Service = SIoctl\n", text, StringComparison.Ordinal);
        Assert.Contains("   sioctl     (deferred)  sioctl.sys", text, StringComparison.Ordinal);

        var missing = HostProcess.Run(["kd", "--attach", endpoint, "-c", "!devnode 0 1"], dir);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("attach refused by " + endpoint + ": no token given", missing.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("DevNode", missing.StandardOutput, StringComparison.Ordinal);

        var wrong = HostProcess.Run(["kd", "--attach", endpoint, "--token", new string('0', 32), "-c", "lm"], dir);
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("attach refused by " + endpoint + ": wrong token", wrong.StandardError, StringComparison.Ordinal);

        // Ctrl+C ends the run: drained, summary written, exit 0 (a hang here is what CI once saw).
        host.Signal(HostProcess.SigInt);
        var result = host.WaitForExit(HostProcess.Patience);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("stopped", Summary.Read(Path.Combine(dir, "out")).GetProperty("stopReason").GetString());
    }

    [Fact]
    public void Twenty_attaches_in_a_row_to_a_running_host_each_see_the_run_advance_and_Ctrl_C_still_ends_it_with_its_summary()
    {
        var dir = TempDirectory.Create();
        using var host = StartDebugHost(dir, out var endpoint, out var token);

        var last = -1L;
        for (var attach = 0; attach < 20; attach++)
        {
            // Each attach is a new session that captures the whole machine, as kd --attach -c does.
            using (var kd = KdListener.Connect(endpoint, token, out var refused))
            {
                Assert.True(kd is not null, refused);
                var text = kd.Execute("!devnode 0 1; lm; !irpfind; !process 0 0; !stacks; !timer; !poolused; .time");
                Assert.Contains("DevNode Root\\LEGACY_SIOCTL\\0000", text, StringComparison.Ordinal);
                var now = SimulatedTime(text);
                Assert.True(now >= last, $"attach {attach}: the clock went back from {last} to {now} ns");
                last = now;
            }
            // The run goes on after the session: a later capture sees the clock past this one (polled, one slice each).
            using var check = KdListener.Connect(endpoint, token, out var again);
            Assert.True(check is not null, again);
            var advanced = false;
            for (var poll = 0; poll < 1_000 && !advanced; poll++)
            {
                advanced = SimulatedTime(check.Execute(".time")) > last;
            }
            Assert.True(advanced, $"attach {attach}: the run stopped advancing at {last} ns of simulated time\n{host.StandardError}");
        }

        host.Signal(HostProcess.SigInt);
        var result = host.WaitForExit(HostProcess.Patience);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Stop requested", result.StandardError, StringComparison.Ordinal);
        var summary = Summary.Read(Path.Combine(dir, "out"));
        Summary.AssertConsistent(summary);
        Assert.Equal("stopped", summary.GetProperty("stopReason").GetString());
        Assert.True(summary.GetProperty("simulatedNanoseconds").GetInt64() >= last, "the summary covers the time kd saw");
    }

    /// <summary>
    /// Starts <c>run ioctl --debug</c> for 600 s and reads the endpoint and token it prints. Short slices
    /// (1 ms of simulated time): kd's commands are served at slice ends, a few ms of wall time apart even
    /// on a loaded machine.
    /// </summary>
    private static HostProcess StartDebugHost(string dir, out string endpoint, out string token)
    {
        var host = HostProcess.Start(["--set", "Run:SimulatedSlice=00:00:00.001", "run", "ioctl", "--duration", "600s", "--debug", "--out", "out"], dir);
        try
        {
            Assert.True(host.WaitForLog("kd: debugger listening on ", HostProcess.Patience), host.StandardError);
            var listening = Listening().Match(host.StandardError);
            Assert.True(listening.Success, host.StandardError);
            (endpoint, token) = (listening.Groups[1].Value, listening.Groups[2].Value);
            return host;
        }
        catch
        {
            host.Dispose(); // the host does not outlive a failed start
            throw;
        }
    }

    private static long SimulatedTime(string kdTime) =>
        long.Parse(SimulatedClock().Match(kdTime).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Kd_attaches_to_loopback_endpoints_only()
    {
        var kd = HostProcess.Run(["kd", "--attach", "10.1.2.3:4000", "--token", "x", "-c", "lm"]);
        Assert.Equal(2, kd.ExitCode);
        Assert.Contains("loopback endpoint only", kd.StandardError, StringComparison.Ordinal);
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

    [GeneratedRegex(@"kd: debugger listening on (127\.0\.0\.1:[0-9]+) \(loopback only\); attach with: actorkernel kd --attach [^ ]+ --token ([0-9a-f]+)")]
    private static partial Regex Listening();

    [GeneratedRegex(@"Debug session time: simulated, ([0-9]+) ns since boot")]
    private static partial Regex SimulatedClock();

    [GeneratedRegex(@"IRP_ADDRESS:  ([0-9a-f]{8}`[0-9a-f]{8})")]
    private static partial Regex IrpAddress();
}
