using ActorKernel.Host.Debugger;
using ActorKernel.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorKernel.Host.Tests.Debugger;

/// <summary>A shipped scenario booted under the debugger, with the host that built it (disposed together).</summary>
internal sealed class KdBootedScenario : IDisposable
{
    private readonly IHost _host;

    public KdBootedScenario(string scenario = "planted-bugcheck")
    {
        _host = HostFactory.Build([]);
        Target = KdScenario.Boot(_host.Services.GetRequiredService<ScenarioCheck>(), _host.Services.GetRequiredService<ILoggerFactory>(), scenario, null, out var problems)
            ?? throw new InvalidOperationException(string.Join("\n", problems));
        Session = new KdSession(Target);
    }

    public KdLiveTarget Target { get; }

    public KdSession Session { get; }

    /// <summary>The stopped machine written as a dump and read back.</summary>
    public KdSession Dump()
    {
        var path = Path.Combine(TempDirectory.Create(), "stop.dmp.json");
        KdTarget.WriteDump(Session.Machine, path);
        return new KdSession(KdTarget.OpenDump(path));
    }

    public void Dispose()
    {
        Target.Dispose();
        _host.Dispose();
    }
}

[Trait("Area", "Debugger")]
public sealed class KdControlTests
{
    // planted-bugcheck: plantflt.sys filters intecho.sys; the PnP manager builds the stack at boot, and the first read reaches PlantRead 14401 ns after boot.
    private const string AtPlantRead = "bp plantflt!PlantRead /mj IRP_MJ_READ; g";

    public static TheoryData<string, string> Stops() => new()
    {
        { "k", """
 # Call Site                                          Kind      IRQL            State
00 plantflt!PlantRead                                 Routine   PASSIVE_LEVEL   Running
01 traffic!traffic#0                                  Thread    PASSIVE_LEVEL   Running
""" },
        { ".time", """
Debug session time: simulated, 14401 ns since boot
System Uptime: 0 days 0:00:00.000014401
Interrupt time: 00000090 00000000 (100 ns units, low high)
""" },
        { ".lastevent", """
Last event: Breakpoint 0 hit
  processor 0 in plantflt!PlantRead
""" },
        { "!irpfind", """
Searching the I/O manager's IRP list (tag 'Irp ')...

  Irp              [ Requester ]        irpStack: (Mj,Mn)   DevObj            [Driver]
ADDR [NtReadFile (overlapped)] irpStack: ( 3, 0)  ADDR [\Driver\PlantFlt]

1 IRPs found
""" },
        { "!process 0 0", """
**** NT ACTIVE PROCESS DUMP ****
PROCESS ADDR
    SessionId: none  Cid: 0004    Peb: 00000000  ParentCid: 0000
    ObjectTable: ADDR  HandleCount: 0.  Threads: 0.
    Image: System

PROCESS ADDR
    SessionId: 0  Cid: 0008    Peb: 00000000  ParentCid: 0004
    ObjectTable: ADDR  HandleCount: 2.  Threads: 1.
    Image: traffic.exe
""" },
        { "!thread", """
THREAD ADDR  Cid 0008.0004  Teb: ADDR Win32Thread: 00000000`00000000 RUNNING on processor 0
Owning Process            ADDR       Image:         traffic.exe
Start Address traffic!traffic#0
Priority 8  BasePriority 8  Affinity processor 0
 # Call Site                                          Kind      IRQL            State
00 plantflt!PlantRead                                 Routine   PASSIVE_LEVEL   Running
01 traffic!traffic#0                                  Thread    PASSIVE_LEVEL   Running
""" },
        { "!handle", """
PROCESS ADDR
    SessionId: 0  Cid: 0008    Peb: 00000000  ParentCid: 0004
    ObjectTable: ADDR  HandleCount: 2.  Threads: 1.
    Image: traffic.exe

Handle table at ADDR with 2 entries in use

0004: Object: ADDR  GrantedAccess: 0012019f
Object: ADDR  Type: File
    ObjectHeader: ADDR
        PointerCount: 3
        Name: \Device\IntEcho0

0008: Object: ADDR  GrantedAccess: 001f0003
Object: ADDR  Type: IoCompletion
    ObjectHeader: ADDR
        PointerCount: 2
        Name: (unnamed)
""" },
    };

    [Theory]
    [MemberData(nameof(Stops))]
    public void A_breakpoint_on_a_dispatch_routine_stops_the_machine_there_live_and_on_a_dump_of_the_stop(string command, string expected)
    {
        using var booted = new KdBootedScenario();
        var hit = booted.Session.Execute(AtPlantRead);
        Assert.StartsWith("Breakpoint 0 hit\nplantflt!PlantRead:\n    Irp ", hit, StringComparison.Ordinal);
        var live = booted.Session.Execute(command);
        Assert.Equal(live, booted.Dump().Execute(command));
        Assert.Equal(expected.ReplaceLineEndings("\n"), KdCommandTests.Normalise(live).TrimEnd('\n'));
    }

    [Fact]
    public void Every_processor_stays_frozen_while_the_machine_is_stopped()
    {
        using var booted = new KdBootedScenario();
        booted.Session.Execute(AtPlantRead);
        var before = booted.Session.Execute(".time; !stacks; !irpfind");
        // Commands read the machine; none of them runs it: time and every processor's frames stand still.
        booted.Session.Execute("bl; lm; !devnode 0 1; !pcr 1; k");
        Assert.Equal(before, booted.Session.Execute(".time; !stacks; !irpfind"));
    }

    [Fact]
    public void A_condition_on_the_major_function_and_a_kernel_service_breakpoint_stop_only_on_matching_IRPs()
    {
        using var booted = new KdBootedScenario();
        var hit = booted.Session.Execute("bp nt!IoCallDriver /mj IRP_MJ_WRITE; g");
        Assert.StartsWith("Breakpoint 0 hit\nnt!IoCallDriver:\n    (calls plantflt!PlantPass)\n    Irp ", hit, StringComparison.Ordinal);
        Assert.Contains(" IRP_MJ_WRITE to ", hit, StringComparison.Ordinal);
        Assert.StartsWith(" # Call Site                                          Kind      IRQL            State\n00 nt!IoCallDriver ", booted.Session.Execute("k"), StringComparison.Ordinal);
        Assert.Equal(" 0 e 0001 nt!IoCallDriver /mj IRP_MJ_WRITE\n", booted.Session.Execute("bl"));
        var next = booted.Session.Execute("bc 0; bp /1 intecho!IntEchoReadWrite /dev \\Device\\IntEcho0; g");
        Assert.StartsWith("Breakpoint 1 hit\nintecho!IntEchoReadWrite:\n", next, StringComparison.Ordinal);
        Assert.Equal("", booted.Session.Execute("bl")); // /1: cleared after its hit
    }

    [Fact]
    public void A_breakpoint_on_an_ISR_stops_at_its_DIRQL_and_one_on_a_DPC_at_DISPATCH_LEVEL()
    {
        using var booted = new KdBootedScenario();
        Assert.StartsWith("Breakpoint 0 hit\nintecho!IntEchoIsr:\n", booted.Session.Execute("bp /1 intecho!IntEchoIsr; g"), StringComparison.Ordinal);
        var isr = booted.Session.Execute("k");
        Assert.Matches(@"\n00 intecho!IntEchoIsr +Isr +DIRQL\(\d+\) +Running\n", isr);
        var dpc = booted.Session.Execute("bp /1 intecho!IntEchoDpcForIsr; g");
        Assert.StartsWith("Breakpoint 1 hit\nintecho!IntEchoDpcForIsr:\n", dpc, StringComparison.Ordinal);
        Assert.Matches(@"\n00 intecho!IntEchoDpcForIsr +Dpc +DISPATCH_LEVEL +Running\n", booted.Session.Execute("k"));
    }

    [Fact]
    public void P_steps_to_the_next_routine_and_t_to_the_next_scheduling_point()
    {
        using var booted = new KdBootedScenario();
        booted.Session.Execute(AtPlantRead);
        // PlantRead passes the read down: intecho's dispatch runs nested inside PlantRead's IoCallDriver, in the turn
        // that stopped at PlantRead (a turn is atomic), so the next routine p reaches is the next one after that turn.
        Assert.StartsWith("plantflt!PlantPass:\n", booted.Session.Execute("p"), StringComparison.Ordinal);
        Assert.Contains("00 plantflt!PlantPass", booted.Session.Execute("k"), StringComparison.Ordinal);
        var step = booted.Session.Execute("t");
        Assert.StartsWith("Scheduling point in ", step, StringComparison.Ordinal);
        var routine = step["Scheduling point in ".Length..step.IndexOf(" on processor", StringComparison.Ordinal)];
        Assert.Contains("00 " + routine, booted.Session.Execute("k"), StringComparison.Ordinal);
        Assert.Contains("Last event: Scheduling point in " + routine, booted.Session.Execute(".lastevent"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_commands_on_the_same_scenario_and_seed_print_the_same_bytes()
    {
        const string Commands = "bp intecho!IntEchoReadWrite; g; g; t; t; p; k; .time; !irpfind; !stacks";
        using var first = new KdBootedScenario();
        using var second = new KdBootedScenario();
        Assert.Equal(first.Session.Execute(Commands), second.Session.Execute(Commands));
    }

    [Fact]
    public void Go_with_breakpoints_reaches_the_same_bugcheck_at_the_same_simulated_time_as_the_run_without_a_debugger()
    {
        using var booted = new KdBootedScenario();
        booted.Session.Execute("bp plantflt!PlantRead; g; g; p; t; bc *");
        var fatal = booted.Session.Execute("g");
        Assert.Contains("*** Fatal System Error: 0x000000d1", fatal, StringComparison.Ordinal);

        using var host = HostFactory.Build([]);
        var (scenario, runner, _) = host.Services.GetRequiredService<ScenarioCheck>().Check("planted-bugcheck");
        var context = new SimulationContext(scenario!, scenario!.Machine.Seed!.Value, DispatcherKind.Deterministic, scenario.DurationNanoseconds!.Value, 0, 0,
            host.Services.GetRequiredService<ILoggerFactory>());
        using var plain = (KernelSimulation)runner!.Boot(context);
        plain.Machine.RunUntil(() => plain.Machine.IsBugChecked, TimeSpan.FromSeconds(2));
        Assert.Equal(plain.Machine.CrashDump!.TimeNs, booted.Session.Machine.TimeNs);
        Assert.Contains("Last event: Bugcheck d1 (DRIVER_IRQL_NOT_LESS_OR_EQUAL)", booted.Session.Execute(".lastevent"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("g")]
    [InlineData("bp nt!IoCallDriver")]
    [InlineData("t")]
    public void Control_commands_on_a_dump_get_kds_no_runnable_debuggees_error(string command)
    {
        using var booted = new KdBootedScenario();
        Assert.Equal($"       ^ No runnable debuggees error in '{command.Split(' ')[0]}'\n", booted.Dump().Execute(command));
    }

    [Theory]
    [InlineData("bp", "Syntax error in 'bp'")]
    [InlineData("bp nt!KeFrobnicate", "Couldn't resolve error at 'nt!KeFrobnicate'")]
    [InlineData("bp plantflt!PlantRead /mj IRP_MJ_FROB", "Couldn't resolve error at 'IRP_MJ_FROB'")]
    [InlineData("bc 7", "Breakpoint 7 does not exist")]
    public void Bad_breakpoints_get_the_debuggers_error(string command, string error)
    {
        using var booted = new KdBootedScenario();
        Assert.Contains(error, booted.Session.Execute(command), StringComparison.Ordinal);
    }
}

/// <summary>!errlog: the I/O error log read from a stopped machine and from its dump.</summary>
[Trait("Area", "Debugger")]
public sealed class KdErrorLogTests
{
    [Fact]
    public void Errlog_lists_each_packet_with_its_code_status_driver_message_and_dump_data_live_and_from_the_dump()
    {
        using var booted = new KdBootedScenario();
        Assert.EndsWith("FinalStat\n(no entries)\n", booted.Session.Execute("!errlog"), StringComparison.Ordinal);

        var device = booted.Target.Io[0].Drivers.SelectMany(d => d.DeviceObjects).First(d => d.Name is not null);
        var packet = ActorKernel.Actors.Wdm.IoAllocateErrorLogEntry(device, ActorKernel.Actors.IoErrorLogPacket.MinimumSize)!;
        packet.ErrorCode = ActorKernel.Actors.IoErrorLogCode.Timeout;
        packet.FinalStatus = ActorKernel.Actors.NtStatus.IoTimeout;
        packet.UniqueErrorValue = 0x2A;
        packet.DumpData[0] = 10;
        packet.DumpDataSize = sizeof(uint);
        ActorKernel.Actors.Wdm.IoWriteErrorLogEntry(packet);
        booted.Target.Recapture();

        var live = new KdSession(booted.Target).Execute("!errlog");
        var lines = live.Split('\n');
        Assert.Matches(@"^[0-9a-f]{8}`[0-9a-f]{8}  [0-9a-f]{8}`[0-9a-f]{8}  [0-9a-f]{8}`[0-9a-f]{8} +0  c0040009   0000002a   c00000b5$", lines[1]);
        Assert.Equal(F($"        {device.DriverObject}  at {Duration.Format(booted.Target.Current.TimeNs)}: The device, {device.Name}, did not respond within the timeout period."), lines[2]);
        Assert.Equal("        DumpData: 0000000a", lines[3]);
        var path = Path.Combine(TempDirectory.Create(), "errlog.dmp.json");
        KdTarget.WriteDump(booted.Target.Current, path);
        Assert.Equal(live, new KdSession(KdTarget.OpenDump(path)).Execute("!errlog"));
    }

    private static string F(FormattableString s) => FormattableString.Invariant(s);
}
