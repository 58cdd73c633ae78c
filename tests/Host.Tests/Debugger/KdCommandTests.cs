using System.Text.RegularExpressions;
using ActorKernel.Actors.Verifier;
using ActorKernel.Drivers.Zoo;
using ActorKernel.Host.Debugger;

namespace ActorKernel.Host.Tests.Debugger;

/// <summary>
/// The zoo failures the commands are checked on, each found by the explorer, replayed to its failure
/// (the live deterministic machine, captured where it stopped) and written as a crash dump and read back.
/// </summary>
public sealed class KdTargets : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kd-").FullName;
    private readonly Dictionary<string, (KdMachine Live, KdMachine Dump)> _targets = new(StringComparer.Ordinal);

    /// <summary>The live machine and its dump for a zoo scenario (found once, shared by the tests).</summary>
    internal (KdMachine Live, KdMachine Dump) Get(string scenario)
    {
        lock (_targets)
        {
            if (!_targets.TryGetValue(scenario, out var target))
            {
                var found = ZooCatalog.Find(scenario)!;
                var report = Explorer.Explore(found, new ExplorerOptions { Schedules = 200, ReplayDirectory = _directory });
                Assert.NotNull(report.ReplayPath);
                var (live, result) = KdTarget.Replay(found, ReplayFile.Load(report.ReplayPath!));
                Assert.True(result.Reproduced);
                var dumpPath = Path.Combine(_directory, scenario + ".dmp.json");
                KdTarget.WriteDump(live, dumpPath);
                target = (live, KdTarget.OpenDump(dumpPath));
                _targets[scenario] = target;
            }
            return target;
        }
    }

    /// <inheritdoc />
    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

[Trait("Area", "Debugger")]
public sealed partial class KdCommandTests(KdTargets targets) : IClassFixture<KdTargets>
{
    private const string DoubleComplete = "zoo.double-complete";
    private const string LockOrder = "zoo.lock-order";

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var key in KdExpected.Output.Keys)
        {
            var bar = key.IndexOf('|', StringComparison.Ordinal);
            data.Add(key[..bar], key[(bar + 1)..]);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Command_prints_the_same_expected_text_on_the_live_machine_and_on_its_crash_dump(string scenario, string command)
    {
        var (live, dump) = targets.Get(scenario);
        var onLive = new KdSession(live).Execute(command);
        var onDump = new KdSession(dump).Execute(command);
        Assert.Equal(onLive, onDump);
        Assert.Equal(KdExpected.Output[scenario + "|" + command].ReplaceLineEndings("\n"), Normalise(onLive).TrimEnd('\n'));
    }

    [Fact]
    public void Analyze_names_the_bugcheck_its_IRP_parameter_the_faulting_driver_and_routine()
    {
        var (live, _) = targets.Get(DoubleComplete);
        var irp = live.BugCheck!.Parameters[0].Value;
        var text = new KdSession(live).Execute("!analyze -v");
        Assert.Contains("MULTIPLE_IRP_COMPLETE_REQUESTS (44)", text, StringComparison.Ordinal);
        Assert.Contains("Arg1: " + KdFormat.Address(irp) + ", Address of the IRP", text, StringComparison.Ordinal);
        Assert.Contains("IRP_ADDRESS:  " + KdFormat.Address(irp), text, StringComparison.Ordinal);
        Assert.Contains("Probably caused by : zoodoublecomplete.sys ( zoodoublecomplete!CancelRoutine )", text, StringComparison.Ordinal);
        Assert.Contains(live.Irps, i => i.Address == irp && i.Cancel && i.PendingReturned);
    }

    [Fact]
    public void Locks_names_each_spin_lock_owner_and_the_processor_spinning_on_it()
    {
        var (live, _) = targets.Get(LockOrder);
        var text = new KdSession(live).Execute("!locks");
        Assert.Matches("QueueLock\\)  held by processor 0", text);
        Assert.Matches("Processor 1 spins on QueueLock", text);
        Assert.Matches("HardwareLock\\)  held by processor 1", text);
        Assert.Matches("Processor 0 spins on HardwareLock", text);
    }

    [Fact]
    public void Processor_switch_changes_the_prompt_and_the_stack_k_shows()
    {
        // The lock-order deadlock: one processor spins in DispatchRead, the other in DispatchWrite; kd starts on the one that bugchecked.
        var (live, _) = targets.Get(LockOrder);
        var session = new KdSession(live);
        var first = session.Prompt[0] - '0';
        var other = 1 - first;
        var routines = new[] { "zoolockorder!DispatchRead", "zoolockorder!DispatchWrite" };
        var firstStack = session.Execute("k");
        var firstRoutine = Assert.Single(routines, r => firstStack.Contains(r, StringComparison.Ordinal));
        Assert.Equal("", session.Execute($"~{other}s"));
        Assert.Equal($"{other}: kd> ", session.Prompt);
        Assert.Contains(Assert.Single(routines, r => r != firstRoutine), session.Execute("k"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("!frob", "No export frob found")]
    [InlineData("!irp nothex", "Couldn't resolve error at 'nothex'")]
    [InlineData("!devstack \\Device\\Missing", "Couldn't resolve error at '\\Device\\Missing'")]
    [InlineData("!drvobj NoSuchDriver 7", "Driver object NoSuchDriver not found")]
    [InlineData("!irql 7", "invalid processor number")]
    [InlineData("frob", "Syntax error in 'frob'")]
    public void Unknown_commands_and_bad_addresses_get_the_debuggers_error_not_an_exception(string command, string error)
    {
        var (live, _) = targets.Get(DoubleComplete);
        Assert.Contains(error, new KdSession(live).Execute(command), StringComparison.Ordinal);
    }

    [Fact]
    public void Commands_separated_by_semicolons_run_in_order()
    {
        var (live, _) = targets.Get(DoubleComplete);
        var text = new KdSession(live).Execute(".bugcheck; lm");
        Assert.True(text.IndexOf("Bugcheck code 00000044", StringComparison.Ordinal) < text.IndexOf("start             end", StringComparison.Ordinal));
    }

    [Fact]
    public void Shell_prompts_keeps_history_and_quits()
    {
        var dir = Directory.CreateTempSubdirectory("kd-shell-").FullName;
        try
        {
            var (live, _) = targets.Get(DoubleComplete);
            var dump = Path.Combine(dir, "x.dmp.json");
            KdTarget.WriteDump(live, dump);
            var output = new StringWriter();
            var code = KdCommand.Run(dump, null, null, new StringReader(".help\nlm\n!!\nhistory\nq\n"), output, new StringWriter());
            Assert.Equal(0, code);
            var text = output.ToString();
            Assert.Contains("0: kd> ", text, StringComparison.Ordinal);
            Assert.Contains("!analyze -v", text, StringComparison.Ordinal);
            Assert.Equal(2, Regex.Matches(text, "start             end").Count);
            Assert.Contains("   1  .help\n   2  lm\n   3  lm\n", text.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_missing_target_or_two_targets_exit_2()
    {
        var error = new StringWriter();
        Assert.Equal(2, KdCommand.Run(null, null, "lm", TextReader.Null, TextWriter.Null, error));
        Assert.Equal(2, KdCommand.Run("missing.dmp.json", null, "lm", TextReader.Null, TextWriter.Null, error));
        Assert.Equal(2, KdCommand.Run("a", "b", "lm", TextReader.Null, TextWriter.Null, error));
    }

    [Fact]
    public void Irp_marks_the_current_location_and_spells_the_completion_routines_invoke_flags()
    {
        var (live, _) = targets.Get(DoubleComplete);
        // A read held by the lower driver: the filter above set its completion routine with InvokeOnSuccess|Error|Cancel (0xe0).
        var irp = new KdIrp(0xfffffa8001234000, 2, 1, 0x103, "STATUS_PENDING", 0, false, false, "lower!CancelQueuedRead", 0x900, "UserMode", "NtReadFile", false,
        [
            new KdStackLocation(1, 3, 0, 0, 0xe1, 0xfffffa8001000400, "\\Driver\\Lower", null, "filter!ReadComplete", "FilterExtension", [0x200, 0, 0, 0]),
            new KdStackLocation(2, 3, 0, 0, 0, 0xfffffa8001000800, "\\Driver\\Filter", null, null, null, [0x200, 0, 0, 0]),
        ]);
        var text = new KdSession(live with { Irps = [irp] }).Execute("!irp fffffa80`01234000").ReplaceLineEndings("\n");
        Assert.Contains("Irp is active with 2 stacks 1 is current (= 0xfffffa8001234000)\n No Mdl: No System Buffer: Requester NtReadFile:  Irp stack trace. \n", text, StringComparison.Ordinal);
        Assert.Contains(">[IRP_MJ_READ(3), N/A(0)]\n            0 e1 fffffa80`01000400 00000000`00000000 filter!ReadComplete-FilterExtension    Success Error Cancel pending\n", text, StringComparison.Ordinal);
        Assert.Contains(" [IRP_MJ_READ(3), N/A(0)]\n            0  0 fffffa80`01000800", text, StringComparison.Ordinal);
        Assert.Contains("IoStatus.Status = STATUS_PENDING", text, StringComparison.Ordinal);
        Assert.Contains("CancelRoutine = lower!CancelQueuedRead", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Timer_lists_set_timers_by_due_time_in_interrupt_time_with_their_DPC()
    {
        var (live, _) = targets.Get(DoubleComplete);
        KdTimer[] timers =
        [
            new(0xffff800000002000, "NotificationTimer", 1_000_000, 0, 0xffff800000002100, "serial!SerialReadTimeout"),
            new(0xffff800000002200, "SynchronizationTimer", 5_000_000_000, 10_000_000, null, null),
        ];
        var text = new KdSession(live with { Timers = timers }).Execute("!timer");
        Assert.Contains("  ffff8000`00002000  00002710 00000000           0  NotificationTimer    ffff8000`00002100 serial!SerialReadTimeout", text, StringComparison.Ordinal);
        Assert.Contains("  ffff8000`00002200  02faf080 00000000          10  SynchronizationTimer (no DPC)", text, StringComparison.Ordinal);
        Assert.Contains("Total Timers: 2", text, StringComparison.Ordinal);
    }

    // Addresses differ only by allocation; the null address is kept, it means something.
    internal static string Normalise(string text)
    {
        text = Address().Replace(text, "ADDR");
        text = DumpAddress().Replace(text, "ADDR");
        return PlainAddress().Replace(text, "ADDR");
    }

    [GeneratedRegex("(?<![0-9a-fA-F])(?!00000000`00000000)[0-9a-f]{8}`[0-9a-f]{8}")]
    private static partial Regex Address();

    [GeneratedRegex("0x[0-9A-F]{16}")]
    private static partial Regex DumpAddress();

    [GeneratedRegex("(?<![0-9a-fA-F`])[0-9a-f]{16}(?![0-9a-fA-F`])")]
    private static partial Regex PlainAddress();
}
