using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;

namespace ActorKernel.Host;

/// <summary>
/// <c>run --trace-out DIR</c> and the <c>trace</c> verb: <c>trace analyze FILE...</c> (latency by
/// layer, ISR/DPC time by driver against Microsoft's guidance, critical paths, spin-lock contention,
/// IRQL residency, outliers; as text, JSON or a self-contained HTML report) and <c>trace diff A B</c>.
/// </summary>
internal static class TraceCommand
{
    /// <summary>The run's <c>--trace-out DIR</c> option.</summary>
    public static Option<string?> TraceOutOption() => new("--trace-out")
    {
        Description = "Trace every request and write traces.otlp.jsonl, metrics.otlp.jsonl and trace.chrome.json (Perfetto) into DIR",
        HelpName = "DIR",
    };

    /// <summary><paramref name="configure"/>, then (when <paramref name="directory"/> is given) the tracing output folder.</summary>
    public static Action<IServiceCollection>? WithTraceOut(Action<IServiceCollection>? configure, string? directory) =>
        directory is null ? configure : services =>
        {
            configure?.Invoke(services);
            var full = Path.GetFullPath(directory);
            services.PostConfigure<KernelTracingOptions>(o => o.OutputDirectory = full);
        };

    /// <summary>The <c>trace</c> command.</summary>
    public static Command Build()
    {
        var files = new Argument<string[]>("FILE") { Description = "OTLP-JSON trace files (traces.otlp.jsonl of a run, or a collector's file exporter output)", Arity = ArgumentArity.OneOrMore };
        var format = new Option<string>("--format") { Description = "text (default), json or html", HelpName = "text|json|html", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json", "html");
        var output = new Option<string?>("--output", "-o") { Description = "Write the report to FILE instead of stdout", HelpName = "FILE" };
        var top = new Option<int>("--top") { Description = "How many slowest requests and offenders to list", DefaultValueFactory = _ => 5 };
        var analyze = new Command("analyze", "Where the time went: latency by layer, ISR/DPC time by driver, critical paths, contention, IRQL residency, outliers");
        analyze.Arguments.Add(files);
        analyze.Options.Add(format);
        analyze.Options.Add(output);
        analyze.Options.Add(top);
        analyze.SetAction(p => TraceAnalyzeCommand.Run(p.GetValue(files)!, p.GetValue(format)!, p.GetValue(output), p.GetValue(top), Console.Out, Console.Error));

        var a = new Argument<string>("A") { Description = "The baseline trace file" };
        var b = new Argument<string>("B") { Description = "The trace file to compare" };
        var diffFormat = new Option<string>("--format") { Description = "text (default) or json", HelpName = "text|json", DefaultValueFactory = _ => "text" };
        diffFormat.AcceptOnlyFromAmong("text", "json");
        var diff = new Command("diff", "Compare two runs layer by layer: p50/p95/p99 per driver and major function, ISR/DPC time");
        diff.Arguments.Add(a);
        diff.Arguments.Add(b);
        diff.Options.Add(diffFormat);
        diff.SetAction(p => TraceAnalyzeCommand.Diff(p.GetValue(a)!, p.GetValue(b)!, p.GetValue(diffFormat)!, Console.Out, Console.Error));

        var trace = new Command("trace", "Analyse exported traces (OTLP-JSON)");
        trace.Subcommands.Add(analyze);
        trace.Subcommands.Add(diff);
        return trace;
    }
}
