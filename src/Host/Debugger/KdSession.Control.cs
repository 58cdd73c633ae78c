using System.Text;

namespace ActorKernel.Host.Debugger;

/// <summary>Control in simulated time: bp, bl, bc, g, p, t on a live machine; .time and .lastevent on any target.</summary>
internal sealed partial class KdSession
{
    // A control command: on a dump or a replayed failure nothing can run, as kd says of a dump file.
    private void Control(string verb, Func<string> action, StringBuilder o)
    {
        if (_live is null)
        {
            o.Append(F($"       ^ No runnable debuggees error in '{verb}'\n"));
            return;
        }
        o.Append(action());
    }

    private string Resume(KdRunMode mode)
    {
        var text = _live!.Run(mode);
        _machine = _live.Current;
        CurrentProcessor = _machine.BugCheck?.Processor ?? _machine.Stop?.Processor ?? CurrentProcessor;
        return text;
    }

    private string ListBreakpoints()
    {
        var o = new StringBuilder();
        foreach (var bp in _live!.Breakpoints)
        {
            o.Append(bp.Describe());
        }
        return o.ToString();
    }

    // .time: the simulated clock (no wall clock: a dump of a deterministic run is the same bytes every time).
    private void Time(StringBuilder o)
    {
        var ns = _machine.TimeNs;
        var t = TimeSpan.FromTicks(ns / 100);
        o.Append(F($"Debug session time: simulated, {ns} ns since boot\n"));
        o.Append(F($"System Uptime: {t.Days} days {t.Hours}:{t.Minutes:D2}:{t.Seconds:D2}.{ns % 1_000_000_000:D9}\n"));
        var ticks = (ulong)(ns / 100);
        o.Append(F($"Interrupt time: {ticks & 0xffffffff:x8} {ticks >> 32:x8} (100 ns units, low high)\n"));
    }

    private void LastEvent(StringBuilder o)
    {
        if (_machine.BugCheck is { } bug)
        {
            o.Append(F($"Last event: Bugcheck {bug.Code:x} ({bug.Name}) on processor {bug.Processor}\n"));
            o.Append(F($"  in {KdFormat.ModuleShortName(bug.Module)}!{bug.Routine}\n"));
            return;
        }
        if (_machine.Stop is { } stop)
        {
            o.Append(F($"Last event: {stop.Event}\n  processor {stop.Processor} in {stop.Symbol}\n"));
            return;
        }
        o.Append("Last event: none recorded\n");
    }
}
