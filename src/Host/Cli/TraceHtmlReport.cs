using System.Globalization;
using System.Net;
using System.Text;
using ActorKernel.Actors;

namespace ActorKernel.Host;

/// <summary>
/// <c>trace analyze --format html</c>: one self-contained page (no external assets) with inline SVG
/// plots: a latency histogram per device, time by layer, a per-processor timeline and the top DPC/ISR
/// offenders, then the tables of the text report. A few lines of inline script count the plots that
/// drew (body data-plots-rendered), so a headless browser can check the page.
/// </summary>
internal static class TraceHtmlReport
{
    private const int Width = 860;

    public static string Render(TraceAnalysis a, string title)
    {
        var sb = new StringBuilder();
        var plots = 0;
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>trace analyze: ").Append(E(title)).Append("</title>\n<style>")
          .Append("body{font:14px system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}")
          .Append("table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td:first-child,th:first-child{text-align:left}")
          .Append("svg.plot{display:block;margin:8px 0;background:#fafafa;border:1px solid #ddd}.flag{color:#b00;font-weight:bold}text{font:10px system-ui,sans-serif}")
          .Append("</style></head>\n<body>\n<h1>trace analyze</h1>\n<p>")
          .Append(E(title)).Append(": ").Append(a.Requests).Append(" request(s), ").Append(a.Spans).Append(" span(s), ")
          .Append(E(Us(a.EndNs - a.StartNs))).Append(" of simulated time.</p>\n");

        sb.Append("<h2>Latency histogram per device</h2>\n");
        foreach (var d in a.Devices)
        {
            sb.Append("<h3>").Append(E(d.Device)).Append(' ').Append(E(d.Major)).Append("</h3>\n");
            Histogram(sb, d);
            plots++;
        }

        sb.Append("<h2>Time by layer (own time of each driver's routines)</h2>\n");
        Bars(sb, a.Layers.OrderByDescending(l => l.ExclusiveNs).Take(20).Select(l => ($"{l.Driver} {l.Kind} {l.Major}", l.ExclusiveNs, false)).ToList(), 0);
        plots++;

        sb.Append("<h2>Per-processor timeline</h2>\n");
        Timeline(sb, a);
        plots++;

        sb.Append("<h2>Top DPC/ISR offenders (longest run; the line is Microsoft's guidance: ISR 25 us, DPC 100 us)</h2>\n");
        Bars(sb, a.Offenders.Take(12).Select(o => ($"{o.Driver} {o.Kind} {o.Routine}", o.Time.MaxNs, o.OverGuidance > 0)).ToList(), IoTraceRecorder.DpcGuidanceNs);
        plots++;

        sb.Append("<h2>Latency by device and major function</h2>\n<table><tr><th>device</th><th>major</th><th>n</th><th>p50</th><th>p95</th><th>p99</th><th>max</th><th>waited p50</th><th>ran p50</th><th>errors</th></tr>\n");
        foreach (var d in a.Devices)
        {
            Row(sb, d.Device, d.Major, N(d.Latency.Count), Us(d.Latency.P50Ns), Us(d.Latency.P95Ns), Us(d.Latency.P99Ns), Us(d.Latency.MaxNs), Us(d.WaitedP50Ns), Us(d.RanP50Ns), N(d.Errors));
        }
        sb.Append("</table>\n<h2>Latency by layer</h2>\n<table><tr><th>driver</th><th>layer</th><th>major</th><th>n</th><th>p50</th><th>p95</th><th>p99</th><th>own total</th></tr>\n");
        foreach (var l in a.Layers)
        {
            Row(sb, l.Driver, l.Kind, l.Major, N(l.Inclusive.Count), Us(l.Inclusive.P50Ns), Us(l.Inclusive.P95Ns), Us(l.Inclusive.P99Ns), Us(l.ExclusiveNs));
        }
        sb.Append("</table>\n<h2>ISR and DPC time by driver</h2>\n<table><tr><th>driver</th><th>kind</th><th>routine</th><th>n</th><th>total</th><th>p99</th><th>max</th><th>over guidance</th></tr>\n");
        foreach (var o in a.Offenders)
        {
            Row(sb, o.Driver, o.Kind, o.Routine, N(o.Time.Count), Us(o.Time.TotalNs), Us(o.Time.P99Ns), Us(o.Time.MaxNs), N(o.OverGuidance));
        }
        sb.Append("</table>\n<h2>Critical path of the slowest requests</h2>\n");
        foreach (var p in a.SlowestRequests)
        {
            sb.Append("<p>").Append(E($"{p.Name} {p.Major} on {p.Device}: {Us(p.DurationNs)} (trace {p.TraceId})")).Append("</p>\n<table><tr><th>step</th><th>kind</th><th>at</th><th>time</th></tr>\n");
            foreach (var s in p.Steps)
            {
                Row(sb, s.Name, s.Kind, "+" + Us(s.StartOffsetNs), Us(s.DurationNs));
            }
            sb.Append("</table>\n");
        }
        sb.Append("<h2>Spin-lock contention</h2>\n<table><tr><th>lock</th><th>acquisitions</th><th>contentions</th><th>spin</th></tr>\n");
        foreach (var l in a.Locks)
        {
            Row(sb, l.Lock, N(l.Acquisitions), N(l.Contentions), Us(l.SpinNs));
        }
        sb.Append("</table>\n<h2>IRQL residency per processor</h2>\n<table><tr><th>processor</th><th>IRQL</th><th>time</th><th>share</th></tr>\n");
        foreach (var r in a.Residency)
        {
            Row(sb, r.Cpu, r.Irql, Us(r.Ns), (r.Share * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%");
        }
        sb.Append("</table>\n<h2>Outliers</h2>\n<table><tr><th>device</th><th>major</th><th>latency</th><th>p50</th><th>status</th><th>trace</th></tr>\n");
        foreach (var o in a.Outliers)
        {
            Row(sb, o.Device, o.Major, Us(o.DurationNs), Us(o.P50Ns), o.Status, o.TraceId);
        }
        sb.Append("</table>\n<script>\n(function () {\n  var plots = document.querySelectorAll('svg.plot');\n  var drawn = 0;\n")
          .Append("  plots.forEach(function (p) { if (p.querySelectorAll('rect,line').length > 0 && p.getBBox().width > 0) { drawn++; } });\n")
          .Append("  document.body.setAttribute('data-plots-expected', String(").Append(plots).Append("));\n")
          .Append("  document.body.setAttribute('data-plots-rendered', String(drawn));\n})();\n</script>\n</body></html>\n");
        return sb.ToString();
    }

    private static void Histogram(StringBuilder sb, DeviceLatency d)
    {
        const int h = 100, left = 40, bottom = 26;
        var counts = d.HistogramCounts;
        var max = Math.Max(1, counts.Max());
        var bw = (Width - left - 10) / counts.Count;
        sb.Append(F($"<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{h + bottom}\" role=\"img\" aria-label=\"latency histogram\">"));
        for (var i = 0; i < counts.Count; i++)
        {
            var bar = (int)Math.Round(counts[i] * (h - 10) / (double)max);
            var label = i < SimulatedHistogram.BoundsNs.Count ? "<=" + Short(SimulatedHistogram.BoundsNs[i]) : ">" + Short(SimulatedHistogram.BoundsNs[^1]);
            sb.Append(F($"<rect x=\"{left + (i * bw) + 2}\" y=\"{h - bar}\" width=\"{bw - 4}\" height=\"{Math.Max(bar, counts[i] > 0 ? 1 : 0)}\" fill=\"#4a7fb5\"><title>{E(label)}: {counts[i]}</title></rect>"));
            sb.Append(F($"<text x=\"{left + (i * bw) + (bw / 2)}\" y=\"{h + 14}\" text-anchor=\"middle\">{E(label)}</text>"));
        }
        sb.Append(F($"<line x1=\"{left}\" y1=\"{h}\" x2=\"{Width - 10}\" y2=\"{h}\" stroke=\"#333\"/><text x=\"4\" y=\"14\">{max}</text></svg>\n"));
    }

    private static void Bars(StringBuilder sb, List<(string Label, long Ns, bool Flag)> bars, long guidanceNs)
    {
        const int row = 18, left = 330;
        var height = Math.Max(1, bars.Count) * row + 20;
        var max = Math.Max(1, Math.Max(bars.Count == 0 ? 1 : bars.Max(b => b.Ns), guidanceNs));
        sb.Append(F($"<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" role=\"img\">"));
        for (var i = 0; i < bars.Count; i++)
        {
            var (label, ns, flag) = bars[i];
            var w = (int)Math.Round(ns * (Width - left - 90) / (double)max);
            sb.Append(F($"<text x=\"4\" y=\"{(i * row) + 13}\">{E(label)}</text>"));
            sb.Append(F($"<rect x=\"{left}\" y=\"{(i * row) + 3}\" width=\"{Math.Max(1, w)}\" height=\"{row - 6}\" fill=\"{(flag ? "#c0392b" : "#4a7fb5")}\"><title>{E(Us(ns))}</title></rect>"));
            sb.Append(F($"<text x=\"{left + Math.Max(1, w) + 4}\" y=\"{(i * row) + 13}\">{E(Us(ns))}</text>"));
        }
        if (guidanceNs > 0)
        {
            foreach (var g in new[] { IoTraceRecorder.IsrGuidanceNs, guidanceNs })
            {
                var x = left + (int)Math.Round(g * (Width - left - 90) / (double)max);
                sb.Append(F($"<line x1=\"{x}\" y1=\"0\" x2=\"{x}\" y2=\"{height - 16}\" stroke=\"#b00\" stroke-dasharray=\"4 3\"/><text x=\"{x + 2}\" y=\"{height - 4}\" fill=\"#b00\">{Short(g)}</text>"));
            }
        }
        else if (bars.Count == 0)
        {
            sb.Append("<line x1=\"0\" y1=\"10\" x2=\"1\" y2=\"10\" stroke=\"#ccc\"/><text x=\"4\" y=\"14\">(none)</text>");
        }
        sb.Append("</svg>\n");
    }

    private static void Timeline(StringBuilder sb, TraceAnalysis a)
    {
        var cpus = a.Timeline.OrderBy(t => t.Machine, StringComparer.Ordinal).ThenBy(t => t.Processor).Select(t => t.Cpu).Distinct().ToList();
        if (cpus.Count == 0)
        {
            cpus.Add("CPU 0");
        }
        const int lane = 28;
        var left = Math.Max(60, (7 * cpus.Max(c => c.Length)) + 12); // room for "ws2/CPU 1" when several machines share the plot
        var span = Math.Max(1, a.Timeline.Count == 0 ? 1 : a.Timeline.Max(t => t.StartNs + t.DurationNs));
        // The first millisecond of simulated time at most, so slices stay visible.
        var window = Math.Min(span, 1_000_000);
        var height = (cpus.Count * lane) + 24;
        sb.Append(F($"<svg class=\"plot\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" role=\"img\">"));
        for (var i = 0; i < cpus.Count; i++)
        {
            sb.Append(F($"<text x=\"4\" y=\"{(i * lane) + 18}\">{E(cpus[i])}</text><line x1=\"{left}\" y1=\"{(i * lane) + lane - 2}\" x2=\"{Width - 10}\" y2=\"{(i * lane) + lane - 2}\" stroke=\"#ddd\"/>"));
        }
        foreach (var t in a.Timeline.Where(t => t.StartNs < window))
        {
            var i = cpus.IndexOf(t.Cpu);
            var x = left + (t.StartNs * (Width - left - 10) / window);
            var w = Math.Max(1, t.DurationNs * (Width - left - 10) / window);
            var (y, hh, color) = t.Kind switch
            {
                "isr" => (4, 10, "#c0392b"),
                "dpc" => (8, 12, "#e67e22"),
                "completion" => (12, 8, "#27ae60"),
                _ => (14, 10, "#4a7fb5"),
            };
            sb.Append(F($"<rect x=\"{x}\" y=\"{(i * lane) + y}\" width=\"{w}\" height=\"{hh}\" fill=\"{color}\"><title>{E(t.Name)} {E(Us(t.DurationNs))}</title></rect>"));
        }
        sb.Append(F($"<text x=\"{left}\" y=\"{height - 4}\">0</text><text x=\"{Width - 80}\" y=\"{height - 4}\">{E(Us(window))}</text></svg>\n"));
        sb.Append("<p>ISR red, DPC orange, completion green, dispatch and StartIo blue.</p>\n");
    }

    private static void Row(StringBuilder sb, params string[] cells)
    {
        sb.Append("<tr>");
        foreach (var c in cells)
        {
            sb.Append("<td>").Append(E(c)).Append("</td>");
        }
        sb.Append("</tr>\n");
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Us(long ns) => TraceAnalyzeCommand.Us(ns);

    private static string Short(long ns) => ns >= 1_000_000 ? N(ns / 1_000_000) + "ms" : N(ns / 1000) + "us";
}
