using System.Globalization;
using System.Text;

namespace ActorKernel.Host;

/// <summary><c>trace analyze</c>'s text tables.</summary>
internal static class TraceTextReport
{
    public static string Render(TraceAnalysis a)
    {
        var sb = new StringBuilder();
        void Line(FormattableString s) => sb.AppendLine(s.ToString(CultureInfo.InvariantCulture));
        static string Us(long ns) => TraceAnalyzeCommand.Us(ns);

        Line($"{a.Requests} request(s), {a.Spans} span(s), {Us(a.EndNs - a.StartNs)} of simulated time");
        sb.AppendLine();
        sb.AppendLine("Request latency by device and major function");
        Line($"  {"device",-28} {"major",-24} {"n",7} {"p50",12} {"p95",12} {"p99",12} {"max",12} {"waited p50",12} {"ran p50",12} {"errors",6}");
        foreach (var d in a.Devices)
        {
            Line($"  {d.Device,-28} {d.Major,-24} {d.Latency.Count,7} {Us(d.Latency.P50Ns),12} {Us(d.Latency.P95Ns),12} {Us(d.Latency.P99Ns),12} {Us(d.Latency.MaxNs),12} {Us(d.WaitedP50Ns),12} {Us(d.RanP50Ns),12} {d.Errors,6}");
        }
        sb.AppendLine();
        sb.AppendLine("Latency by layer (each routine's time; own = without the routines it called)");
        Line($"  {"driver",-16} {"layer",-10} {"major",-24} {"n",7} {"p50",12} {"p95",12} {"p99",12} {"own total",14}");
        foreach (var l in a.Layers)
        {
            Line($"  {l.Driver,-16} {l.Kind,-10} {l.Major,-24} {l.Inclusive.Count,7} {Us(l.Inclusive.P50Ns),12} {Us(l.Inclusive.P95Ns),12} {Us(l.Inclusive.P99Ns),12} {Us(l.ExclusiveNs),14}");
        }
        sb.AppendLine();
        sb.AppendLine("ISR and DPC time by driver (Microsoft's guidance: ISR <= 25 us, DPC <= 100 us; '!' marks routines over it)");
        Line($"  {"driver",-16} {"kind",-4} {"routine",-28} {"n",7} {"total",12} {"p99",12} {"max",12} {"over",6}");
        foreach (var o in a.Offenders)
        {
            Line($"  {o.Driver,-16} {o.Kind,-4} {o.Routine,-28} {o.Time.Count,7} {Us(o.Time.TotalNs),12} {Us(o.Time.P99Ns),12} {Us(o.Time.MaxNs),12} {o.OverGuidance,6}{(o.OverGuidance > 0 ? " !" : "")}");
        }
        sb.AppendLine();
        sb.AppendLine("Critical path of the slowest requests");
        foreach (var p in a.SlowestRequests)
        {
            Line($"  {p.Name} {p.Major} on {p.Device}: {Us(p.DurationNs)} (trace {p.TraceId})");
            foreach (var s in p.Steps)
            {
                Line($"    +{Us(s.StartOffsetNs),12} {Us(s.DurationNs),12}  {s.Kind,-10} {s.Name}");
            }
        }
        sb.AppendLine();
        sb.AppendLine("Spin-lock contention");
        if (a.Locks.Count == 0)
        {
            sb.AppendLine("  (no spin-lock metrics in the input)");
        }
        foreach (var l in a.Locks)
        {
            Line($"  {l.Lock,-32} acquisitions {l.Acquisitions,9} contentions {l.Contentions,9} spin {Us(l.SpinNs),12}");
        }
        sb.AppendLine();
        sb.AppendLine("IRQL residency per processor");
        if (a.Residency.Count == 0)
        {
            sb.AppendLine("  (no IRQL metrics in the input)");
        }
        foreach (var r in a.Residency)
        {
            Line($"  {r.Cpu,-7} {r.Irql,-16} {Us(r.Ns),14} {r.Share * 100,7:0.0}%");
        }
        sb.AppendLine();
        sb.AppendLine("Outliers (over 3x the p50 of their device and major function, and at or above its p99)");
        if (a.Outliers.Count == 0)
        {
            sb.AppendLine("  (none)");
        }
        foreach (var o in a.Outliers)
        {
            Line($"  {o.Device,-28} {o.Major,-24} {Us(o.DurationNs),12} (p50 {Us(o.P50Ns)}) {o.Status} trace {o.TraceId}");
        }
        return sb.ToString();
    }
}
