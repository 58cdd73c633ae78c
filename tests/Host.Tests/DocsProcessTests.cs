namespace ActorKernel.Host.Tests;

/// <summary>Issue 17 ("docs drift"): what docs/first-hour.md shows is what the host prints.</summary>
[Trait("Area", "Host")]
public sealed class DocsProcessTests
{
    /// <summary>A file of the repository the host under test was built from (its docs are the ones it must match).</summary>
    private static string RepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(HostProcess.HostDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ActorKernel.sln")))
            {
                return Path.Combine(dir.FullName, relative);
            }
        }
        throw new FileNotFoundException("the repository root (ActorKernel.sln) was not found above the host's folder");
    }

    /// <summary>The fenced blocks of <paramref name="markdown"/> after <paramref name="heading"/>, in order.</summary>
    private static List<(string Info, string Body)> Blocks(string markdown, string heading)
    {
        var lines = markdown[markdown.IndexOf(heading, StringComparison.Ordinal)..].Split('\n');
        var blocks = new List<(string, string)>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("```", StringComparison.Ordinal))
            {
                continue;
            }
            var info = lines[i][3..].Trim();
            var body = new List<string>();
            for (i++; i < lines.Length && !lines[i].StartsWith("```", StringComparison.Ordinal); i++)
            {
                body.Add(lines[i]);
            }
            blocks.Add((info, string.Join("\n", body)));
        }
        return blocks;
    }

    [Fact]
    public void First_hour_validate_example_prints_exactly_the_errors_the_guide_shows()
    {
        var blocks = Blocks(File.ReadAllText(RepositoryFile(Path.Combine("docs", "first-hour.md"))), "## 6.");
        var scenario = blocks.First(b => b.Info == "json").Body;
        var expected = blocks.First(b => b.Info.Length == 0).Body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var folder = TempDirectory.Create();
        File.WriteAllText(Path.Combine(folder, "mine.json"), scenario);
        var result = HostProcess.Run(["validate", "mine.json"], folder);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(expected, result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')));
    }

    [Fact]
    public void First_hour_own_scenario_is_valid_and_names_only_known_drivers()
    {
        var blocks = Blocks(File.ReadAllText(RepositoryFile(Path.Combine("docs", "first-hour.md"))), "## 7.");
        var scenario = blocks.First(b => b.Info == "json").Body;
        var folder = TempDirectory.Create();
        File.WriteAllText(Path.Combine(folder, "mine.json"), scenario);
        var result = HostProcess.Run(["validate", "mine.json"], folder);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public void First_hour_filter_error_text_is_what_validate_prints_for_a_driver_used_as_a_filter()
    {
        const string Sentence = "in `upperFilters` and `validate` says `";
        var guide = File.ReadAllText(RepositoryFile(Path.Combine("docs", "first-hour.md")));
        var at = guide.IndexOf(Sentence, StringComparison.Ordinal);
        Assert.True(at >= 0, "first-hour.md quotes validate's message for a driver put in upperFilters");
        var quoted = guide[(at + Sentence.Length)..].Split('`')[0];
        var folder = TempDirectory.Create();
        File.WriteAllText(Path.Combine(folder, "mine.json"), """
            { "name": "mine", "devices": [ { "name": "disk0", "type": "root-device", "irq": 5 } ],
              "drivers": [ { "name": "ramdisk", "device": "disk0", "upperFilters": ["ramdisk"] } ] }
            """);
        var result = HostProcess.Run(["validate", "mine.json"], folder);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("mine.json: " + quoted, result.StandardError, StringComparison.Ordinal);
    }
}
