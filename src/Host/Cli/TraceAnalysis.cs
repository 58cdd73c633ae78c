using ActorKernel.Actors;

namespace ActorKernel.Host;

/// <summary>Latency statistics of a set of durations (nanoseconds), percentiles by nearest rank.</summary>
internal sealed record LatencyStats(long Count, long P50Ns, long P95Ns, long P99Ns, long MaxNs, long TotalNs)
{
    public static LatencyStats Of(List<long> values)
    {
        if (values.Count == 0)
        {
            return new LatencyStats(0, 0, 0, 0, 0, 0);
        }
        values.Sort();
        return new LatencyStats(values.Count, Rank(values, 0.50), Rank(values, 0.95), Rank(values, 0.99), values[^1], values.Sum());
    }

    private static long Rank(List<long> sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
}

/// <summary>Requests of one device and major function: latency, and how much of it they waited versus ran.</summary>
internal sealed record DeviceLatency(string Device, string Major, LatencyStats Latency, long Errors, long WaitedP50Ns, long RanP50Ns, IReadOnlyList<long> HistogramCounts);

/// <summary>One layer: a driver's routines of one kind for one major function (their own time, without what they called).</summary>
internal sealed record LayerTime(string Driver, string Kind, string Major, LatencyStats Inclusive, long ExclusiveNs);

/// <summary>ISRs or DPCs of one driver against Microsoft's guidance (ISR 25 us, DPC 100 us).</summary>
internal sealed record RoutineOffender(string Driver, string Kind, string Routine, LatencyStats Time, long OverGuidance, long GuidanceNs);

/// <summary>One step of a request's critical path: a routine's own time, or the time the request waited inside a span.</summary>
internal sealed record PathStep(string Name, string Kind, long StartOffsetNs, long DurationNs);

/// <summary>A slow request and the chain of steps that decided its end.</summary>
internal sealed record CriticalPath(string TraceId, string Name, string Device, string Major, long DurationNs, IReadOnlyList<PathStep> Steps);

/// <summary>A spin lock's contention.</summary>
internal sealed record LockContention(string Lock, long Acquisitions, long Contentions, long SpinNs);

/// <summary>Time one processor spent at one IRQL; <paramref name="Machine"/> is "" when the input holds one machine.</summary>
internal sealed record IrqlResidency(string Machine, long Processor, string Irql, long Ns, double Share)
{
    /// <summary>The processor as the reports name it: <c>CPU 1</c>, or <c>ws2/CPU 1</c> when several machines are in the input.</summary>
    public string Cpu => TraceAnalysis.OnMachine(Machine, "CPU " + Processor.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>A request far above its peers (over 3x the p50 of its device and major function, and in the top 1%).</summary>
internal sealed record Outlier(string TraceId, string Device, string Major, long DurationNs, long P50Ns, string Status);

/// <summary>One routine on one processor, for the timeline plot; <paramref name="Machine"/> is "" when the input holds one machine.</summary>
internal sealed record TimelineSlice(string Machine, long Processor, string Name, string Kind, long StartNs, long DurationNs)
{
    /// <summary>The processor's lane: <c>CPU 1</c>, or <c>ws2/CPU 1</c> when several machines are in the input.</summary>
    public string Cpu => TraceAnalysis.OnMachine(Machine, "CPU " + Processor.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

/// <summary>Everything <c>trace analyze</c> reports.</summary>
internal sealed record TraceAnalysis(
    long Spans,
    long Requests,
    long StartNs,
    long EndNs,
    IReadOnlyList<DeviceLatency> Devices,
    IReadOnlyList<LayerTime> Layers,
    IReadOnlyList<RoutineOffender> Offenders,
    IReadOnlyList<CriticalPath> SlowestRequests,
    IReadOnlyList<LockContention> Locks,
    IReadOnlyList<IrqlResidency> Residency,
    IReadOnlyList<Outlier> Outliers,
    IReadOnlyList<TimelineSlice> Timeline)
{
    private static readonly string[] RequestRoots = ["user", "service", "request"];
    private static readonly string[] Routines = ["dispatch", "startio", "isr", "dpc", "completion", "cancel", "timer"];

    /// <summary>
    /// <paramref name="name"/> qualified by its machine (<c>ws2/\Device\Nic0</c>, the scenario's own notation for
    /// another machine's device) when <paramref name="machine"/> is not "".
    /// </summary>
    public static string OnMachine(string machine, string name) => machine.Length == 0 ? name : machine + "/" + name;

    /// <summary>Analyses <paramref name="file"/>; <paramref name="top"/> bounds the lists of slowest requests and offenders.</summary>
    /// <remarks>
    /// Input from several machines (two-machine runs, a collector's file) keeps them apart: each machine's devices,
    /// drivers, locks and processors are their own rows, named <c>machine/name</c>. One machine's names stay bare.
    /// </remarks>
    public static TraceAnalysis Of(TraceFile file, int top)
    {
        var spans = file.Spans;
        var severalMachines = spans.Select(s => s.Machine).Concat(file.Metrics.Select(m => m.Machine)).Distinct(StringComparer.Ordinal).Skip(1).Any();
        string MachineOf(string machine) => severalMachines ? machine : "";
        string DeviceOf(TraceFileSpan r) => OnMachine(MachineOf(r.Machine), r.Text(TraceAttributes.Device) ?? "(none)");
        string DriverOf(TraceFileSpan s) => OnMachine(MachineOf(s.Machine), s.Text(TraceAttributes.DriverImage) ?? "(kernel)");
        var children = new Dictionary<(string, string), List<TraceFileSpan>>();
        foreach (var s in spans)
        {
            if (s.ParentSpanId.Length > 0)
            {
                var key = (s.TraceId, s.ParentSpanId);
                if (!children.TryGetValue(key, out var list))
                {
                    children[key] = list = [];
                }
                list.Add(s);
            }
        }
        List<TraceFileSpan> ChildrenOf(TraceFileSpan s) => children.TryGetValue((s.TraceId, s.SpanId), out var l) ? l : [];
        // A routine's own time: less the routines it called, as far as they ran inside it (a DPC is the child of the ISR
        // that queued it, but runs after it).
        long Exclusive(TraceFileSpan s) => Math.Max(0, s.DurationNs - ChildrenOf(s).Where(c => Routines.Contains(c.Category))
            .Sum(c => Math.Max(0, Math.Min(c.EndNs, s.EndNs) - Math.Max(c.StartNs, s.StartNs))));

        var roots = spans.Where(s => s.ParentSpanId.Length == 0 && RequestRoots.Contains(s.Category)).ToList();
        var start = spans.Count == 0 ? 0 : spans.Min(s => s.StartNs);
        var end = spans.Count == 0 ? 0 : spans.Max(s => s.EndNs);

        var devices = roots.GroupBy(r => (Device: DeviceOf(r), Major: r.Text(TraceAttributes.MajorFunction) ?? "(none)"))
            .OrderBy(g => g.Key.Device, StringComparer.Ordinal).ThenBy(g => g.Key.Major, StringComparer.Ordinal)
            .Select(g =>
            {
                var latency = LatencyStats.Of(g.Select(r => r.DurationNs).ToList());
                var histogram = new long[SimulatedHistogram.BoundsNs.Count + 1];
                foreach (var r in g)
                {
                    var i = 0;
                    while (i < SimulatedHistogram.BoundsNs.Count && r.DurationNs > SimulatedHistogram.BoundsNs[i])
                    {
                        i++;
                    }
                    histogram[i]++;
                }
                return new DeviceLatency(g.Key.Device, g.Key.Major, latency, g.Count(r => IsError(r)),
                    LatencyStats.Of(g.Select(r => r.Number(TraceAttributes.WaitedNs) ?? 0).ToList()).P50Ns,
                    LatencyStats.Of(g.Select(r => r.Number(TraceAttributes.RanNs) ?? 0).ToList()).P50Ns, histogram);
            }).ToList();

        var routines = spans.Where(s => Routines.Contains(s.Category)).ToList();
        var layers = routines.GroupBy(s => (Driver: DriverOf(s), Kind: s.Category, Major: s.Text(TraceAttributes.MajorFunction) ?? "-"))
            .OrderBy(g => g.Key.Driver, StringComparer.Ordinal).ThenBy(g => g.Key.Kind, StringComparer.Ordinal).ThenBy(g => g.Key.Major, StringComparer.Ordinal)
            .Select(g => new LayerTime(g.Key.Driver, g.Key.Kind, g.Key.Major, LatencyStats.Of(g.Select(s => s.DurationNs).ToList()), g.Sum(Exclusive)))
            .ToList();

        var offenders = routines.Where(s => s.Category is "isr" or "dpc")
            .GroupBy(s => (Driver: DriverOf(s), Kind: s.Category, Routine: s.Text(TraceAttributes.Function) ?? s.Name))
            .Select(g =>
            {
                var guidance = g.Key.Kind == "isr" ? IoTraceRecorder.IsrGuidanceNs : IoTraceRecorder.DpcGuidanceNs;
                return new RoutineOffender(g.Key.Driver, g.Key.Kind, g.Key.Routine, LatencyStats.Of(g.Select(s => s.DurationNs).ToList()), g.Count(s => s.DurationNs > guidance), guidance);
            })
            .OrderByDescending(o => o.OverGuidance).ThenByDescending(o => o.Time.TotalNs).ThenBy(o => o.Driver, StringComparer.Ordinal).ThenBy(o => o.Routine, StringComparer.Ordinal)
            .ToList();

        var slowest = roots.OrderByDescending(r => r.DurationNs).ThenBy(r => r.TraceId, StringComparer.Ordinal).Take(top)
            .Select(r => new CriticalPath(r.TraceId, r.Name, DeviceOf(r), r.Text(TraceAttributes.MajorFunction) ?? "(none)", r.DurationNs,
                PathOf(r, ChildrenOf))).ToList();

        var locks = file.Metrics.Where(m => m.Name.StartsWith("nt.spinlock.", StringComparison.Ordinal))
            .GroupBy(m => OnMachine(MachineOf(m.Machine), m.Attributes.TryGetValue("nt.spinlock", out var n) ? Convert.ToString(n, System.Globalization.CultureInfo.InvariantCulture)! : "?"))
            .Select(g => new LockContention(g.Key, Sum(g, "nt.spinlock.acquisitions"), Sum(g, "nt.spinlock.contentions"), Sum(g, "nt.spinlock.spin_time")))
            .OrderByDescending(l => l.SpinNs).ThenByDescending(l => l.Contentions).ThenBy(l => l.Lock, StringComparer.Ordinal).ToList();

        var residencyPoints = file.Metrics.Where(m => m.Name == "nt.irql.residency").ToList();
        var residency = residencyPoints
            .GroupBy(m => (Machine: MachineOf(m.Machine), Processor: m.Attributes.TryGetValue(TraceAttributes.Processor, out var p) && p is long n ? n : 0))
            .OrderBy(g => g.Key.Machine, StringComparer.Ordinal).ThenBy(g => g.Key.Processor)
            .SelectMany(g =>
            {
                var total = Math.Max(1, g.Sum(m => m.Value));
                return g.Select(m => new IrqlResidency(g.Key.Machine, g.Key.Processor, m.Attributes.TryGetValue(TraceAttributes.IrqlName, out var i) ? (string)i : "?", (long)m.Value, m.Value / total));
            }).ToList();

        var outliers = new List<Outlier>();
        foreach (var g in roots.GroupBy(r => (Device: DeviceOf(r), Major: r.Text(TraceAttributes.MajorFunction) ?? "(none)")))
        {
            var stats = LatencyStats.Of(g.Select(r => r.DurationNs).ToList());
            outliers.AddRange(g.Where(r => r.DurationNs > 3 * stats.P50Ns && r.DurationNs >= stats.P99Ns && stats.Count >= 2)
                .Select(r => new Outlier(r.TraceId, g.Key.Device, g.Key.Major, r.DurationNs, stats.P50Ns, r.Text(TraceAttributes.Status) ?? "?")));
        }
        outliers = [.. outliers.OrderByDescending(o => o.DurationNs).ThenBy(o => o.TraceId, StringComparer.Ordinal).Take(Math.Max(top, 1) * 4)];

        var timeline = routines.Where(s => s.Number(TraceAttributes.Processor) is not null)
            .OrderBy(s => s.StartNs).ThenBy(s => s.SpanId, StringComparer.Ordinal).Take(20_000)
            .Select(s => new TimelineSlice(MachineOf(s.Machine), s.Number(TraceAttributes.Processor)!.Value, s.Name, s.Category, s.StartNs - start, s.DurationNs)).ToList();

        return new TraceAnalysis(spans.Count, roots.Count, start, end, devices, layers, offenders, slowest, locks, residency, outliers, timeline);
    }

    private static long Sum(IEnumerable<TraceFileMetric> points, string name) => (long)points.Where(m => m.Name == name).Sum(m => m.Value);

    private static bool IsError(TraceFileSpan s) => s.Text(TraceAttributes.StatusCode) is { Length: 10 } code && (code[2] is 'C' or 'c');

    /// <summary>
    /// The critical path, from the end back: inside each span, the child that ended last before the
    /// cursor is on the path; the time between children is the span's own (running, for a routine,
    /// waiting, for the request and the system service).
    /// </summary>
    private static List<PathStep> PathOf(TraceFileSpan root, Func<TraceFileSpan, List<TraceFileSpan>> childrenOf)
    {
        var steps = new List<PathStep>();
        void Walk(TraceFileSpan span, long limit)
        {
            var cursor = Math.Min(span.EndNs, limit);
            var kids = childrenOf(span).OrderByDescending(c => c.EndNs).ThenByDescending(c => c.StartNs).ToList();
            var own = new List<PathStep>();
            foreach (var child in kids)
            {
                if (child.StartNs >= cursor || child.EndNs <= span.StartNs)
                {
                    continue;
                }
                var childEnd = Math.Min(child.EndNs, cursor);
                if (cursor > childEnd)
                {
                    own.Add(Self(span, childEnd, cursor - childEnd));
                }
                Walk(child, childEnd);
                cursor = Math.Max(span.StartNs, child.StartNs);
            }
            if (cursor > span.StartNs)
            {
                own.Add(Self(span, span.StartNs, cursor - span.StartNs));
            }
            steps.AddRange(own);
        }
        PathStep Self(TraceFileSpan span, long from, long duration)
        {
            // The request's own spans hold no routine: their time is the I/O manager's work or the request waiting (device, queue, wake-up).
            var waiting = span.Category is "user" or "service" or "request";
            return new PathStep(waiting ? span.Name + " (I/O manager or waiting)" : span.Name, waiting ? "wait" : span.Category, from - root.StartNs, duration);
        }
        Walk(root, root.EndNs);
        steps.Sort(static (a, b) => a.StartOffsetNs.CompareTo(b.StartOffsetNs));
        // Adjacent waits in the service and in the user call are one wait.
        var merged = new List<PathStep>();
        foreach (var s in steps.Where(s => s.DurationNs > 0))
        {
            if (merged.Count > 0 && merged[^1].Kind == "wait" && s.Kind == "wait" && merged[^1].StartOffsetNs + merged[^1].DurationNs == s.StartOffsetNs)
            {
                merged[^1] = merged[^1] with { DurationNs = merged[^1].DurationNs + s.DurationNs };
            }
            else
            {
                merged.Add(s);
            }
        }
        return merged;
    }
}
