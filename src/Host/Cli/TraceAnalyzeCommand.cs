using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorKernel.Host;

/// <summary><c>trace analyze</c> and <c>trace diff</c>: read, analyse, write the report.</summary>
internal static class TraceAnalyzeCommand
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static int Run(string[] files, string format, string? output, int top, TextWriter stdout, TextWriter stderr)
    {
        if (!TryRead(files, stderr, out var file))
        {
            return ExitCodes.BadInput;
        }
        var analysis = TraceAnalysis.Of(file!, Math.Max(1, top));
        var text = format switch
        {
            "json" => JsonSerializer.Serialize(analysis, Json) + Environment.NewLine,
            "html" => TraceHtmlReport.Render(analysis, string.Join(", ", files.Select(Path.GetFileName))),
            _ => TraceTextReport.Render(analysis),
        };
        if (output is null)
        {
            stdout.Write(text);
        }
        else
        {
            try
            {
                var dir = Path.GetDirectoryName(Path.GetFullPath(output));
                if (dir is not null)
                {
                    Directory.CreateDirectory(dir);
                }
                File.WriteAllText(output, text, new UTF8Encoding(false));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"{output}: cannot write the report: {e.Message}");
                return ExitCodes.BadInput;
            }
            stdout.WriteLine($"{output}: {analysis.Requests} request(s), {analysis.Spans} span(s) analysed");
        }
        return ExitCodes.Success;
    }

    public static int Diff(string a, string b, string format, TextWriter stdout, TextWriter stderr)
    {
        if (!TryRead([a], stderr, out var fa) || !TryRead([b], stderr, out var fb))
        {
            return ExitCodes.BadInput;
        }
        var before = TraceAnalysis.Of(fa!, 5);
        var after = TraceAnalysis.Of(fb!, 5);
        var devices = before.Devices.Select(d => (d.Device, d.Major)).Union(after.Devices.Select(d => (d.Device, d.Major)))
            .OrderBy(k => k.Device, StringComparer.Ordinal).ThenBy(k => k.Major, StringComparer.Ordinal)
            .Select(k => new
            {
                k.Device,
                k.Major,
                Before = before.Devices.FirstOrDefault(d => (d.Device, d.Major) == k)?.Latency,
                After = after.Devices.FirstOrDefault(d => (d.Device, d.Major) == k)?.Latency,
            }).ToList();
        var layers = before.Layers.Select(l => (l.Driver, l.Kind, l.Major)).Union(after.Layers.Select(l => (l.Driver, l.Kind, l.Major)))
            .OrderBy(k => k.Driver, StringComparer.Ordinal).ThenBy(k => k.Kind, StringComparer.Ordinal).ThenBy(k => k.Major, StringComparer.Ordinal)
            .Select(k => new
            {
                k.Driver,
                k.Kind,
                k.Major,
                Before = before.Layers.FirstOrDefault(l => (l.Driver, l.Kind, l.Major) == k),
                After = after.Layers.FirstOrDefault(l => (l.Driver, l.Kind, l.Major) == k),
            }).ToList();
        if (format == "json")
        {
            stdout.WriteLine(JsonSerializer.Serialize(new { Devices = devices, Layers = layers.Select(l => new { l.Driver, l.Kind, l.Major, Before = l.Before?.Inclusive, After = l.After?.Inclusive, ExclusiveBeforeNs = l.Before?.ExclusiveNs ?? 0, ExclusiveAfterNs = l.After?.ExclusiveNs ?? 0 }) }, Json));
            return ExitCodes.Success;
        }
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"trace diff: A = {a}, B = {b}");
        sb.AppendLine();
        sb.AppendLine("Request latency by device and major function (p50 / p95 / p99, A -> B)");
        foreach (var d in devices)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"  {d.Device,-28} {d.Major,-24} p50 {Us(d.Before?.P50Ns)} -> {Us(d.After?.P50Ns)} {Delta(d.Before?.P50Ns, d.After?.P50Ns)}  p95 {Us(d.Before?.P95Ns)} -> {Us(d.After?.P95Ns)} {Delta(d.Before?.P95Ns, d.After?.P95Ns)}  p99 {Us(d.Before?.P99Ns)} -> {Us(d.After?.P99Ns)} {Delta(d.Before?.P99Ns, d.After?.P99Ns)}  n {d.Before?.Count ?? 0} -> {d.After?.Count ?? 0}");
        }
        sb.AppendLine();
        sb.AppendLine("Time by layer (own time, A -> B; p50 of the routine)");
        foreach (var l in layers)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"  {l.Driver,-16} {l.Kind,-10} {l.Major,-24} own {Us(l.Before?.ExclusiveNs)} -> {Us(l.After?.ExclusiveNs)} {Delta(l.Before?.ExclusiveNs, l.After?.ExclusiveNs)}  p50 {Us(l.Before?.Inclusive.P50Ns)} -> {Us(l.After?.Inclusive.P50Ns)}");
        }
        stdout.Write(sb.ToString());
        return ExitCodes.Success;
    }

    internal static string Us(long? ns) => ns is { } v ? (v / 1000.0).ToString("0.000", CultureInfo.InvariantCulture) + " us" : "-";

    private static string Delta(long? a, long? b) => a is > 0 && b is { } after ? ((after - a.Value) * 100.0 / a.Value).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + "%" : "";

    private static bool TryRead(IEnumerable<string> files, TextWriter stderr, out TraceFile? file)
    {
        file = null;
        foreach (var f in files)
        {
            if (!File.Exists(f))
            {
                stderr.WriteLine($"{f}: no such file");
                return false;
            }
        }
        try
        {
            file = TraceFile.Read(files);
            return true;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException or OverflowException)
        {
            stderr.WriteLine(e.Message);
            return false;
        }
    }
}
