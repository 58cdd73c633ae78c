using Microsoft.Extensions.Options;

namespace ActorKernel.Host;

/// <summary>A scenario that ships with the host.</summary>
/// <param name="Name">What <c>run NAME</c> takes.</param>
/// <param name="Source">Its file, or <c>embedded:default</c>.</param>
/// <param name="Description">Its description, or the problem that keeps it from loading.</param>
public sealed record ShippedScenario(string Name, string Source, string Description);

/// <summary>
/// Finds scenarios: the embedded default, the shipped ones in the scenarios folder next to the
/// host, or any file path. <c>run</c> and <c>validate</c> take either a path or a shipped name.
/// </summary>
public sealed class ScenarioLibrary(IOptions<ScenarioOptions> options)
{
    /// <summary>The name of the scenario that runs when none is given.</summary>
    public const string DefaultName = "default";

    /// <summary>The resource name of the embedded default scenario.</summary>
    public const string DefaultResource = "ActorKernel.Host.Scenarios.default.json";

    /// <summary>The folder of shipped scenarios.</summary>
    public string Directory
    {
        get
        {
            var d = options.Value.Directory;
            return Path.IsPathRooted(d) ? d : Path.Combine(AppContext.BaseDirectory, d);
        }
    }

    /// <summary>The embedded default scenario's text.</summary>
    public static string DefaultScenarioJson()
    {
        using var stream = typeof(ScenarioLibrary).Assembly.GetManifestResourceStream(DefaultResource)
            ?? throw new InvalidOperationException($"The embedded resource {DefaultResource} is missing from the host assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Every shipped scenario, the default first, then by name.</summary>
    public IReadOnlyList<ShippedScenario> List()
    {
        var list = new List<ShippedScenario> { Describe(DefaultName, "embedded:" + DefaultName, DefaultScenarioJson()) };
        if (System.IO.Directory.Exists(Directory))
        {
            foreach (var file in System.IO.Directory.GetFiles(Directory, "*.json").Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileNameWithoutExtension(file);
                if (name.EndsWith(".schema", StringComparison.Ordinal) || name == DefaultName)
                {
                    continue;
                }
                list.Add(Describe(name, Path.GetRelativePath(AppContext.BaseDirectory, file).Replace('\\', '/'), File.ReadAllText(file)));
            }
        }
        return list;
    }

    /// <summary>
    /// Loads <paramref name="reference"/>: null or <c>default</c> for the embedded default, an existing
    /// file path, or the name of a shipped scenario. Structural problems come back with the scenario.
    /// </summary>
    public (Scenario? Scenario, IReadOnlyList<ScenarioProblem> Problems) Load(string? reference)
    {
        if (reference is null || reference == DefaultName)
        {
            return ScenarioReader.Read(DefaultScenarioJson(), "embedded:" + DefaultName);
        }
        if (File.Exists(reference))
        {
            return ReadFile(reference, reference);
        }
        if (System.IO.Directory.Exists(reference))
        {
            return (null, [new ScenarioProblem(reference, "$", "is a folder, not a scenario file; name a .json file in it or a shipped scenario (see 'list scenarios')")]);
        }
        var shipped = Path.Combine(Directory, reference + ".json");
        if (reference.IndexOfAny(['/', '\\']) < 0 && !reference.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && File.Exists(shipped))
        {
            // Named relative to the host, so summaries do not depend on where the host is installed.
            return ReadFile(shipped, Path.GetRelativePath(AppContext.BaseDirectory, shipped).Replace('\\', '/'));
        }
        var names = List().Select(s => s.Name).ToList();
        var near = NearMiss.Find(Path.GetFileNameWithoutExtension(reference), names);
        return (null, [new ScenarioProblem(reference, "$", $"no such file, and no shipped scenario of that name ({(near is null ? "" : $"did you mean '{near}'? ")}shipped: {string.Join(", ", names)})")]);
    }

    /// <summary>The largest scenario file the host reads (validation is linear in the size; docs/scenarios.md documents the limit).</summary>
    public const long MaxFileBytes = 16L * 1024 * 1024;

    private static (Scenario?, IReadOnlyList<ScenarioProblem>) ReadFile(string path, string source)
    {
        string text;
        try
        {
            var length = new FileInfo(path).Length;
            if (length > MaxFileBytes)
            {
                return (null, [new ScenarioProblem(source, "$", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"the file is {length:N0} bytes; scenario files are limited to {MaxFileBytes:N0} bytes (16 MiB)"))]);
            }
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, [new ScenarioProblem(source, "$", $"cannot read the file: {e.Message}")]);
        }
        return ScenarioReader.Read(text, source);
    }

    private static ShippedScenario Describe(string name, string source, string json)
    {
        var (scenario, problems) = ScenarioReader.Read(json, source);
        var description = scenario?.Description ?? problems.FirstOrDefault()?.Message ?? "";
        return new ShippedScenario(name, source, description);
    }
}
