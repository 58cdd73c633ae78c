using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ActorKernel.Host;

/// <summary>The <c>list</c> verb: shipped scenarios with the runner each runs on, drivers and filters, device types with their IRQ range and parameters.</summary>
internal static class ListCommand
{
    public static int Write(IHost host, string what, TextWriter output)
    {
        var catalog = host.Services.GetRequiredService<ISimulationCatalog>();
        switch (what)
        {
            case "scenarios":
                var library = host.Services.GetRequiredService<ScenarioLibrary>();
                var check = host.Services.GetRequiredService<ScenarioCheck>();
                var scenarios = library.List();
                var width = scenarios.Max(s => s.Name.Length);
                foreach (var s in scenarios)
                {
                    // The runner each one runs on (every shipped scenario: the kernel), checked as 'run' would.
                    var (_, runner, problems) = check.Check(s.Name);
                    var on = runner is not null ? $"[{runner.Kind}]"
                        : string.Create(CultureInfo.InvariantCulture, $"[invalid: {problems.Count(p => p.Severity == ProblemSeverity.Error)} error(s)]");
                    output.WriteLine($"{s.Name.PadRight(width)}  {on} {s.Description}");
                    output.WriteLine($"{new string(' ', width)}  ({s.Source})");
                }
                break;
            case "drivers":
                output.WriteLine("Function drivers:");
                foreach (var d in catalog.Drivers)
                {
                    output.WriteLine($"  {d.Name}  {d.Description} (drives: {string.Join(", ", d.DeviceTypes)})");
                }
                output.WriteLine("Filter drivers:");
                foreach (var f in catalog.Filters)
                {
                    output.WriteLine($"  {f.Name}  {f.Description}");
                }
                break;
            case "devices":
                foreach (var t in catalog.DeviceTypes)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{t.Name}  {t.Description} (IRQ {t.MinIrq}..{t.MaxIrq})"));
                    foreach (var p in t.Parameters)
                    {
                        var dflt = p.Required ? "required" : $"default {p.Default}";
                        output.WriteLine($"    {p.Name} ({p.Kind.ToString().ToLowerInvariant()}, {dflt})  {p.Description}");
                    }
                }
                break;
            default:
                return ExitCodes.BadInput;
        }
        return ExitCodes.Success;
    }
}
