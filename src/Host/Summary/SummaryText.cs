using System.Globalization;
using System.Text;

namespace ActorKernel.Host;

/// <summary>The summary as a plain-text report (summary.txt and the console); deterministic like the JSON.</summary>
internal static class SummaryText
{
    public static string Render(RunSummary s)
    {
        var b = new StringBuilder();
        Line(b, $"Scenario {s.Scenario} ({s.ScenarioHash})");
        Line(b, $"  runner {s.Runner}, {s.Dispatcher} dispatcher, seed {s.Seed}, {s.ProcessorCount} processor(s)");
        Line(b, $"  simulated {Duration.Format(s.SimulatedNanoseconds)} of {s.Duration}, stop reason: {s.StopReason}, boots {s.Boots}, crashes {s.Crashes.Count}");
        var t = s.Totals;
        Line(b, $"  requests: issued {t.Issued} = completed {t.Completed} + failed {t.Failed} + in flight {t.InFlight} ({(t.Consistent ? "consistent" : "INCONSISTENT")}); cancelled {t.Cancelled}, lost in crash {t.LostInCrash}");
        Line(b, $"  throughput: {t.RequestsPerSimulatedSecond.ToString("0.###", CultureInfo.InvariantCulture)} requests per simulated second, {t.Bytes} bytes");
        b.AppendLine();
        var devices = new List<string[]> { new[] { "device", "type", "irq", "stack", "issued", "completed", "failed", "p50", "p90", "p99", "max" } };
        devices.AddRange(s.Devices.Select(d => new[]
        {
            d.Name, d.Type, N(d.Irq), string.Join(" > ", d.Stack), N(d.Issued), N(d.Completed), N(d.Failed),
            Duration.Format(d.Latency.P50), Duration.Format(d.Latency.P90), Duration.Format(d.Latency.P99), Duration.Format(d.Latency.Max),
        }));
        if (devices.Count > 1 || s.Processors.Count == 0)
        {
            Table(b, devices);
            b.AppendLine();
        }
        var workloads = new List<string[]> { new[] { "workload", "device", "issued", "completed", "failed", "cancelled", "lost", "in flight", "req/s (sim)", "p50", "p99" } };
        workloads.AddRange(s.Workloads.Select(w => new[]
        {
            w.Name, w.Device, N(w.Issued), N(w.Completed), N(w.Failed), N(w.Cancelled), N(w.LostInCrash), N(w.InFlight),
            w.RequestsPerSimulatedSecond.ToString("0.#", CultureInfo.InvariantCulture), Duration.Format(w.Latency.P50), Duration.Format(w.Latency.P99),
        }));
        if (workloads.Count > 1 || s.Processors.Count == 0)
        {
            Table(b, workloads);
            if (s.Processors.Count > 0)
            {
                b.AppendLine();
            }
        }
        if (s.Processors.Count > 0)
        {
            var cpus = new List<string[]> { new[] { "cpu", "utilisation", "interrupts", "dpcs", "max dpc queue" } };
            cpus.AddRange(s.Processors.Select(p => new[]
            {
                N(p.Number), p.Utilisation.ToString("P1", CultureInfo.InvariantCulture), N(p.Interrupts), N(p.Dpcs), N(p.MaxDpcQueueDepth),
            }));
            Table(b, cpus);
            // IRQL residency: simulated time each processor spent at each IRQL (the levels any processor used).
            var levels = s.Processors.SelectMany(p => p.IrqlResidencyNanoseconds.Select(r => r.Key)).Distinct().ToList();
            if (levels.Count > 0)
            {
                b.AppendLine();
                Line(b, $"  IRQL residency (simulated time at each IRQL; the rest is idle)");
                var residency = new List<string[]> { new[] { "cpu" }.Concat(levels).ToArray() };
                residency.AddRange(s.Processors.Select(p => new[] { N(p.Number) }
                    .Concat(levels.Select(l => Duration.Format(p.IrqlResidencyNanoseconds.FirstOrDefault(r => r.Key == l).Value))).ToArray()));
                Table(b, residency);
            }
        }
        foreach (var c in s.Crashes)
        {
            b.AppendLine();
            Line(b, $"  CRASH (boot {c.Boot}) at {Duration.Format(c.AtNanoseconds)}: {c.Name} ({c.Code}) ({string.Join(", ", c.Parameters)})");
            var who = c.InjectedBy is { } injected ? $"injected by {injected}, no driver at fault" : $"faulting driver {c.FaultingDriver ?? "?"}{(c.FaultingRoutine is { } routine ? $" ({routine})" : "")} on {c.FaultingDevice ?? "?"}";
            Line(b, $"    {who}; {c.PendingRequests} request(s) in flight lost ({c.PendingIrps} IRP(s) held in a stack); dump {c.Dump ?? "(not written)"}");
        }
        foreach (var violation in s.Violations)
        {
            Line(b, $"  INVARIANT VIOLATED: {violation}");
        }
        foreach (var note in s.Notes)
        {
            Line(b, $"  note: {note}");
        }
        if (s.EventLog is { Count: > 0 } log)
        {
            // Event Viewer's System log, the entries drivers wrote.
            b.AppendLine();
            Line(b, $"  System event log ({log.Count} entries):");
            foreach (var e in log)
            {
                Line(b, $"    boot {e.Boot} at {Duration.Format(e.AtNanoseconds)}  {e.Source}  event {e.EventId} {e.Code}: {e.Message} ({e.FinalStatus})");
            }
        }
        foreach (var v in s.Verifier ?? [])
        {
            // !verifier's per-driver block.
            b.AppendLine();
            Line(b, $"  Driver Verifier: {v.Driver}  flags {v.Flags} ({string.Join(", ", v.Options)})  loads {v.Loads} unloads {v.Unloads}");
            Line(b, $"    pool allocations attempted {v.AllocationsAttempted}, succeeded {v.AllocationsSucceeded} (special pool {v.AllocationsSucceededSpecialPool}), failed {v.AllocationsFailed} (low resources simulation {v.AllocationsFailedDeliberately})");
            Line(b, $"    current paged {v.CurrentPagedAllocations} for {v.CurrentPagedBytes} bytes, peak {v.PeakPagedAllocations} for {v.PeakPagedBytes} bytes");
            Line(b, $"    current nonpaged {v.CurrentNonPagedAllocations} for {v.CurrentNonPagedBytes} bytes, peak {v.PeakNonPagedAllocations} for {v.PeakNonPagedBytes} bytes");
        }
        if (s.Counters.Count > 0)
        {
            b.AppendLine();
            foreach (var (name, value) in s.Counters)
            {
                Line(b, $"  {name} = {value}");
            }
        }
        b.AppendLine();
        Line(b, $"exit code {s.ExitCode}");
        return b.ToString();
    }

    public static string RenderWallClock(WallClockSummary w)
    {
        ArgumentNullException.ThrowIfNull(w);
        var b = new StringBuilder();
        Line(b, $"Wall clock (varies run to run, not part of the deterministic summary): {w.WallSeconds:0.###} s, {w.SimulatedSecondsPerWallSecond:0.###} simulated s per wall s, {w.RequestsPerWallSecond:0} requests per wall s");
        foreach (var workload in w.Workloads)
        {
            Line(b, $"  {workload.Name}: wall latency p50 {Duration.Format(workload.Latency.P50)}, p99 {Duration.Format(workload.Latency.P99)}, max {Duration.Format(workload.Latency.Max)} ({workload.Latency.Count} requests)");
        }
        return b.ToString();
    }

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static void Line(StringBuilder b, FormattableString text) => b.Append(text.ToString(CultureInfo.InvariantCulture)).Append('\n');

    private static void Table(StringBuilder b, List<string[]> rows)
    {
        var widths = new int[rows[0].Length];
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }
        for (var r = 0; r < rows.Count; r++)
        {
            b.Append("  ");
            for (var i = 0; i < rows[r].Length; i++)
            {
                // Names left, numbers right, like any report.
                var cell = i < 2 || (i == 3 && rows[0][3] == "stack") ? rows[r][i].PadRight(widths[i]) : rows[r][i].PadLeft(widths[i]);
                b.Append(cell).Append(i + 1 < rows[r].Length ? "  " : "");
            }
            b.Append('\n');
            if (r == 0)
            {
                b.Append("  ").Append(new string('-', widths.Sum() + 2 * (widths.Length - 1))).Append('\n');
            }
        }
    }
}
