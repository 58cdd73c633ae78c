using System.Text.Json;

namespace ActorKernel.Host.Tests;

/// <summary>The JSON Schema in docs/ describes exactly what the reader accepts, and scenarios/ holds the same copy.</summary>
[Trait("Area", "Host")]
public sealed class SchemaTests
{
    private static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ActorKernel.sln")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new InvalidOperationException("ActorKernel.sln not found above the test folder");
        }
    }

    [Fact]
    public void The_schema_lists_exactly_the_properties_the_reader_accepts()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot, "docs", "scenario.schema.json")));
        foreach (var (section, known) in ScenarioReader.KnownProperties)
        {
            var node = section == "root" ? schema.RootElement : schema.RootElement.GetProperty("$defs").GetProperty(section);
            var properties = node.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
            Assert.Equal(known.Order(StringComparer.Ordinal), properties);
            Assert.False(node.GetProperty("additionalProperties").GetBoolean(), $"{section}: unknown properties are errors in the reader, so the schema forbids them too");
        }
    }

    [Fact]
    public void The_copy_of_the_schema_in_scenarios_matches_docs()
    {
        var docs = File.ReadAllText(Path.Combine(RepositoryRoot, "docs", "scenario.schema.json"));
        var copy = File.ReadAllText(Path.Combine(RepositoryRoot, "scenarios", "scenario.schema.json"));
        Assert.Equal(docs, copy);
    }
}
