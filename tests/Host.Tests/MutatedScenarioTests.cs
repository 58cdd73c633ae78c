using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace ActorKernel.Host.Tests;

/// <summary>
/// Issue 17, acceptance 2: mutated scenario files (type changes, deletions, duplications, huge
/// numbers, deep nesting, random bytes) fed to <c>validate</c> and <c>run --duration 1ms</c>. Every
/// one ends with exit code 0, 1 or 2 and a message, never a stack trace or an internal error, each
/// within a time bound. Thousands go through the verbs' own code in-process (the scenario check
/// <c>validate</c> uses; <see cref="CommandLine.InvokeAsync"/> for runs); a handful run as processes.
/// </summary>
[Trait("Area", "Host")]
[Collection("Console")]
public sealed class MutatedScenarioTests
{
    private const int Seed = 20261207;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static List<string> Originals()
    {
        var folder = Path.Combine(HostProcess.HostDirectory, "scenarios");
        return [.. Directory.GetFiles(folder, "*.json").Where(f => !f.EndsWith(".schema.json", StringComparison.Ordinal)).Order(StringComparer.Ordinal).Select(File.ReadAllText)];
    }

    /// <summary>One mutation of <paramref name="text"/>, chosen by <paramref name="random"/>.</summary>
    internal static string Mutate(string text, Random random)
    {
        var kind = random.Next(7);
        if (kind == 6)
        {
            // Random bytes over a random slice (often not UTF-8, rarely still JSON).
            var bytes = Encoding.UTF8.GetBytes(text);
            var start = random.Next(bytes.Length);
            var length = Math.Min(bytes.Length - start, 1 + random.Next(16));
            random.NextBytes(bytes.AsSpan(start, length));
            return Encoding.UTF8.GetString(bytes);
        }
        JsonNode root;
        try
        {
            root = JsonNode.Parse(text, documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true })!;
        }
        catch (System.Text.Json.JsonException)
        {
            return text + "}";
        }
        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        var target = nodes[random.Next(nodes.Count)];
        switch (kind)
        {
            case 0: // type change
                Replace(target, random.Next(5) switch
                {
                    0 => JsonValue.Create("text"),
                    1 => JsonValue.Create(random.Next(-5, 5)),
                    2 => new JsonArray(),
                    3 => new JsonObject(),
                    _ => JsonValue.Create(random.Next(2) == 0),
                });
                break;
            case 1: // deletion
                if (target.Parent is JsonObject o)
                {
                    o.Remove(target.GetPropertyName());
                }
                else if (target.Parent is JsonArray a)
                {
                    a.Remove(target);
                }
                break;
            case 2: // duplication
                if (target.Parent is JsonArray array)
                {
                    array.Add(target.DeepClone());
                }
                else if (target is JsonObject obj && obj.Count > 0)
                {
                    var first = obj.First();
                    obj[first.Key + "Copy"] = first.Value?.DeepClone();
                }
                break;
            case 3: // huge numbers
                Replace(target, random.Next(4) switch
                {
                    0 => JsonValue.Create(1e308),
                    1 => JsonValue.Create(long.MaxValue),
                    2 => JsonValue.Create(-1e18),
                    _ => JsonValue.Create(4294967296.5),
                });
                break;
            case 4: // deep nesting
                JsonNode deep = JsonValue.Create(1);
                for (var i = 0; i < 20 + random.Next(200); i++)
                {
                    deep = random.Next(2) == 0 ? new JsonArray(deep) : new JsonObject { ["x"] = deep };
                }
                Replace(target, deep);
                break;
            default: // a string where a name is expected
                Replace(target, JsonValue.Create(new string('d', random.Next(1, 300))));
                break;
        }
        return root.ToJsonString();
    }

    private static void Collect(JsonNode node, List<JsonNode> nodes)
    {
        nodes.Add(node);
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, child) in o.ToList())
                {
                    if (child is not null)
                    {
                        Collect(child, nodes);
                    }
                }
                break;
            case JsonArray a:
                foreach (var child in a.ToList())
                {
                    if (child is not null)
                    {
                        Collect(child, nodes);
                    }
                }
                break;
        }
    }

    private static void Replace(JsonNode target, JsonNode replacement)
    {
        switch (target.Parent)
        {
            case JsonObject o:
                o[target.GetPropertyName()] = replacement;
                break;
            case JsonArray a:
                a[a.IndexOf(target)] = replacement;
                break;
        }
    }

    [Fact]
    public async Task Three_thousand_mutated_scenarios_are_validated_with_a_message_and_never_an_exception()
    {
        using var host = HostFactory.Build([]);
        var check = host.Services.GetRequiredService<ScenarioCheck>();
        var random = new Random(Seed);
        var originals = Originals();
        var folder = TempDirectory.Create();
        var valid = 0;
        for (var n = 0; n < 3_000; n++)
        {
            var text = Mutate(originals[n % originals.Count], random);
            if (random.Next(4) == 0)
            {
                text = Mutate(text, random); // some get two mutations
            }
            var file = Path.Combine(folder, "m.json");
            File.WriteAllText(file, text);
            var task = Task.Run(() => check.Check(file));
            Assert.True(await Task.WhenAny(task, Task.Delay(Bound)) == task, $"mutation {n} was not validated within {Bound}:\n{text}");
            var (scenario, runner, problems) = await task;
            if (scenario is null || runner is null)
            {
                // What validate prints and exits 2 with: at least one error, each naming a path and saying what is wrong.
                var errors = problems.Where(p => p.Severity == ProblemSeverity.Error).ToList();
                Assert.True(errors.Count > 0, $"mutation {n}: rejected without an error:\n{text}");
                Assert.All(errors, p => Assert.True(p.Path.StartsWith('$') && p.Message.Length > 0, $"mutation {n}: {p}"));
            }
            else
            {
                valid++;
            }
        }
        Assert.InRange(valid, 1, 2_999); // the mutations reach both outcomes
    }

    [Fact]
    public async Task A_hundred_mutated_scenarios_run_for_1ms_through_the_run_verb_and_exit_0_1_or_2_without_a_stack_trace()
    {
        var random = new Random(Seed + 1);
        var originals = Originals();
        var folder = TempDirectory.Create();
        var (savedOut, savedError) = (Console.Out, Console.Error);
        var codes = new List<int>();
        try
        {
            for (var n = 0; n < 100; n++)
            {
                var text = Mutate(originals[n % originals.Count], random);
                var file = Path.Combine(folder, $"m{n}.json");
                File.WriteAllText(file, text);
                var (output, error) = (new StringWriter(), new StringWriter());
                Console.SetOut(output);
                Console.SetError(error);
                var run = CommandLine.InvokeAsync(["--set", "Run:Progress=None", "--set", "Run:DrainTimeout=00:00:02", "run", file, "--duration", "1ms", "--out", Path.Combine(folder, $"out{n}")]);
                var finished = await Task.WhenAny(run, Task.Delay(Bound));
                Assert.True(finished == run, $"mutation {n} did not finish within {Bound}:\n{text}");
                var code = await run;
                codes.Add(code);
                Assert.True(code is 0 or 1 or 2, $"mutation {n}: exit {code}\n{error}\n{text}");
                Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);
                Assert.True(code == 0 || error.ToString().Trim().Length > 0 || output.ToString().Contains("exit code 1", StringComparison.Ordinal), $"mutation {n}: exit {code} without a message");
            }
        }
        finally
        {
            Console.SetOut(savedOut);
            Console.SetError(savedError);
        }
        Assert.Contains(2, codes);
        Assert.Contains(0, codes);
    }

    [Fact]
    public void A_handful_of_mutated_scenarios_as_real_processes_exit_0_1_or_2_without_a_stack_trace()
    {
        var random = new Random(Seed + 2);
        var originals = Originals();
        var folder = TempDirectory.Create();
        for (var n = 0; n < 2; n++)
        {
            var file = Path.Combine(folder, $"p{n}.json");
            File.WriteAllText(file, Mutate(originals[(n * 5) % originals.Count], random));
            foreach (var args in new[] { new[] { "validate", file }, ["run", file, "--duration", "1ms", "--out", Path.Combine(folder, $"out{n}")] })
            {
                var result = HostProcess.Run(args);
                Assert.True(result.ExitCode is 0 or 1 or 2, result.ToString());
                Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
            }
        }
    }
}
