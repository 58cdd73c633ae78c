using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace ActorKernel.Host;

/// <summary>
/// Checks the host's configuration before any verb runs: every key under the host's sections
/// (<c>Run</c>, <c>Scenarios</c>) must be a setting, every <c>--set</c> key must fall in a known
/// section, and an enumeration's value must be one of its names. Problems name the key, where it
/// came from, the allowed values and the near miss ("did you mean").
/// </summary>
internal static class ConfigurationCheck
{
    /// <summary>The sections the host reads, with the options type bound to each.</summary>
    private static readonly (string Section, Type Options)[] HostSections =
    [
        (RunOptions.Section, typeof(RunOptions)),
        (ScenarioOptions.Section, typeof(ScenarioOptions)),
    ];

    /// <summary>Sections --set may name besides the host's own (logging levels).</summary>
    private static readonly string[] OtherSections = ["Logging"];

    /// <summary>Every problem found, one line each ("configuration: ...").</summary>
    public static List<string> Problems(IConfiguration configuration, IReadOnlyList<string> settings)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(settings);
        var problems = new List<string>();
        var sections = HostSections.Select(s => s.Section).Concat(OtherSections).ToList();
        foreach (var setting in settings)
        {
            var key = setting[..Math.Max(0, setting.IndexOf('=', StringComparison.Ordinal))];
            var section = key.Split(':')[0];
            if (!sections.Contains(section, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"configuration: --set {key}: unknown section '{section}'{NearMiss.Hint(section, sections)}");
            }
        }
        foreach (var (section, options) in HostSections)
        {
            var properties = options.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToList();
            var names = properties.Select(p => p.Name).ToList();
            foreach (var child in configuration.GetSection(section).GetChildren())
            {
                var property = properties.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
                if (property is null)
                {
                    problems.Add($"configuration: unknown setting '{section}:{child.Key}' ({Origin(settings, section, child.Key)}){NearMiss.Hint(child.Key, names).Replace("known: ", $"settings of {section}: ", StringComparison.Ordinal)}");
                }
                else if (property.PropertyType.IsEnum && child.Value is { } value && !Enum.TryParse(property.PropertyType, value, ignoreCase: true, out _))
                {
                    var allowed = Enum.GetNames(property.PropertyType);
                    problems.Add($"configuration: {section}:{property.Name} = '{value}' is not allowed ({Origin(settings, section, child.Key)}){NearMiss.Hint(value, allowed).Replace("known: ", "allowed: ", StringComparison.Ordinal)}");
                }
            }
        }
        return problems;
    }

    private static string Origin(IReadOnlyList<string> settings, string section, string key) =>
        settings.Any(s => s.StartsWith($"{section}:{key}=", StringComparison.OrdinalIgnoreCase)) ? "from --set"
            : $"from appsettings.json ({Path.Combine(AppContext.BaseDirectory, "appsettings.json")}) or an {HostFactory.EnvironmentPrefix}{section}__{key} environment variable";
}
