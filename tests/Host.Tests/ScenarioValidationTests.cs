using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace ActorKernel.Host.Tests;

[Trait("Area", "Host")]
public sealed class ScenarioValidationTests
{
    internal const string Valid = """
        {
          // comments and trailing commas are allowed
          "name": "unit",
          "duration": "1s",
          "machine": { "processors": 2, "dispatcher": "deterministic", "seed": 5 },
          "devices": [
            { "name": "timer0", "type": "timer", "irq": 8, "parameters": { "period": "100us" } },
            { "name": "nic0", "type": "interrupt-source", "irq": 11, "parameters": { "latency": "50us" } },
          ],
          "drivers": [
            { "name": "interrupt-echo", "device": "timer0" },
            { "name": "interrupt-echo", "device": "nic0", "upperFilters": ["counting-filter"], "verifier": { "enabled": true } },
          ],
          "workloads": [
            { "name": "w", "device": "nic0", "mix": { "read": 0.5, "write": 0.5 }, "size": { "min": 1, "max": 10 }, "queueDepth": 4 },
          ],
          "faults": [ { "at": "500ms", "type": "interrupt-storm", "device": "nic0", "rate": 1000, "duration": "10ms" } ],
        }
        """;

    internal static ISimulationCatalog Catalog { get; } =
        new ServiceCollection().AddKernelSimulation().AddSampleDrivers().BuildServiceProvider().GetRequiredService<ISimulationCatalog>();

    internal static IReadOnlyList<ScenarioProblem> Problems(string json)
    {
        var (scenario, problems) = ScenarioReader.Read(json, "unit.json");
        return scenario is null ? problems : [.. problems, .. scenario.Validate(Catalog)];
    }

    private static string Mutate(Action<JsonNode> change)
    {
        var node = JsonNode.Parse(Valid, documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true })!;
        change(node);
        return node.ToJsonString();
    }

    [Fact]
    public void A_valid_scenario_has_no_problems() => Assert.Empty(Problems(Valid));

    [Fact]
    public void The_embedded_default_scenario_is_valid_without_warnings()
    {
        var problems = Problems(ScenarioLibrary.DefaultScenarioJson());
        Assert.Empty(problems);
    }

    [Fact]
    public void Every_shipped_scenario_is_valid()
    {
        var files = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "scenarios"), "*.json").Where(f => !f.EndsWith(".schema.json", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var errors = Problems(File.ReadAllText(file)).Where(p => p.Severity == ProblemSeverity.Error).ToList();
            Assert.True(errors.Count == 0, $"{file}: {string.Join("\n", errors)}");
        }
    }

    public static TheoryData<string, string, string> Broken => new()
    {
        { """{"devices":[{},{"irq":40}]}""", "$.devices[1].irq", "IRQ 40 is out of range 1..23 for device type 'interrupt-source'" },
        { """{"drivers":[{"name":"ramdsk"}]}""", "$.drivers[0].name", "unknown driver 'ramdsk' (known: akndis, aknic, block-storage, busenum, interrupt-echo, proseware-robot, ramdisk, root-bus, serial, sioctl, stripe, toaster, usb-host-controller, usb-storage)" },
        { """{"workloads":[{"queueDepth":-3}]}""", "$.workloads[0].queueDepth", "queueDepth must be ≥ 1, got -3" },
        { """{"machine":{"processors":0}}""", "$.machine.processors", "processors must be in 1..64, got 0" },
        { """{"machine":{"processors":65}}""", "$.machine.processors", "processors must be in 1..64, got 65" },
        { """{"machine":{"dispatcher":"fast"}}""", "$.machine.dispatcher", "unknown dispatcher 'fast' (known: deterministic, concurrent)" },
        { """{"devices":[{"type":"disk"}]}""", "$.devices[0].type", "unknown device type 'disk' (known: block-disk, interrupt-source, nic, root-device, striped-volume, timer, toaster, toaster-bus, uart, usb-host-controller, usb-mass-storage)" },
        { """{"workloads":[{"mix":{"read":0.5,"write":0.2}}]}""", "$.workloads[0].mix", "read + write + ioctl must sum to 1, got 0.7" },
        { """{"duration":"soon"}""", "$.duration", "expected a duration such as 500ms" },
        { """{"duration":"0s"}""", "$.duration", "duration must be greater than 0" },
        { """{"workloads":[{"queuedepth":4}]}""", "$.workloads[0].queuedepth", "unknown property 'queuedepth' (did you mean 'queueDepth'?)" },
        { """{"drivers":[{},{"upperFilters":["nope"]}]}""", "$.drivers[1].upperFilters[0]", "unknown filter 'nope' (known: afterthought, clslower, clsupper, counting-filter, devlower, devupper, leaky-filter, planted-bug)" },
        { """{"devices":[{"parameters":{"period":"10ns"}}]}""", "$.devices[0].parameters.period", "'period' must be in 1us..1h, got 10ns" },
        { """{"devices":[{"parameters":{"speed":3}}]}""", "$.devices[0].parameters.speed", "unknown parameter 'speed' for device type 'timer'" },
        { """{"workloads":[{"device":"disk9"}]}""", "$.workloads[0].device", "no device named 'disk9'" },
        { """{"faults":[{"type":"meteor"}]}""", "$.faults[0].type", "unknown fault type 'meteor' (known: bugcheck, interrupt-storm, page-out-pool, stuck-line, dma-error, stop-answering, surprise-unplug, hot-plug, hot-unplug, sleep, hibernate, wake, shutdown, disk-idle)" },
        { """{"faults":[{"type":"bugcheck","code":"KERNEL_OOPS"}]}""", "$.faults[0].code", "unknown bugcheck 'KERNEL_OOPS'" },
        { """{"faults":[{"type":"bugcheck"}]}""", "$.faults[0].code", "a bugcheck code is required" },
        { """{"devices":[{},{"name":"timer0"}]}""", "$.devices[1].name", "device name 'timer0' is used twice" },
        { """{"workloads":[{"rate":10,"thinkTime":"1ms"}]}""", "$.workloads[0].thinkTime", "give either rate or thinkTime, not both" },
        { """{"drivers":[{},{"verifier":{"enabled":false,"forceIrqlChecking":true}}]}""", "$.drivers[1].verifier.forceIrqlChecking", "forceIrqlChecking needs the verifier enabled" },
        { """{"machine":{"costModel":{"teleport":"1us"}}}""", "$.machine.costModel.teleport", "unknown cost-model entry 'teleport' (known: clockTick, contextSwitch, dispatcherObject, dpc, dpcDispatch, dpcQueue, interruptDispatch, ioCallDriver, ioCompleteRequest, irqlChange, isr, kernelCall, kernelTimer, spinLock, spinLockHold)" },
        { """{"machine":{"seed":-1}}""", "$.machine.seed", "expected a seed" },
        { """{"workloads":[{"mode":"async"}]}""", "$.workloads[0].mode", "unknown mode 'async' (known: sync, overlapped)" },
        { """{"workloads":[{"completion":"apc"}]}""", "$.workloads[0].completion", "unknown completion 'apc' (known: port, events)" },
        { """{"workloads":[{"requests":0}]}""", "$.workloads[0].requests", "requests must be ≥ 1, got 0" },
        { """{"drivers":[{},{"device":"timer0"}]}""", "$.drivers[1].device", "device 'timer0' already has a function driver" },
        { """{"workloads":[{"size":{"min":10,"max":1}}]}""", "$.workloads[0].size.max", "max must be in 10..67108864" },
        { """{"output":{"summaryFile":"a/b.json"}}""", "$.output.summaryFile", "summaryFile must be a plain file name" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void A_broken_field_is_reported_with_its_json_path_and_what_was_expected(string patch, string path, string message)
    {
        var json = Mutate(root => Merge(root, JsonNode.Parse(patch)!));
        var problems = Problems(json);
        Assert.Contains(problems, p => p.Severity == ProblemSeverity.Error && p.Path == path && p.Message.Contains(message, StringComparison.Ordinal)
            && p.ToString().StartsWith("unit.json: " + path + ": ", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_is_reported_not_just_the_first()
    {
        var json = Mutate(root =>
        {
            root["machine"]!["processors"] = 0;
            root["devices"]![1]!["irq"] = 99;
            root["workloads"]![0]!["queueDepth"] = 0;
            root["drivers"]![0]!["name"] = "nosuch";
            root["duration"] = "forever";
        });
        var paths = Problems(json).Where(p => p.Severity == ProblemSeverity.Error).Select(p => p.Path).ToHashSet();
        Assert.Superset(new HashSet<string> { "$.machine.processors", "$.devices[1].irq", "$.workloads[0].queueDepth", "$.drivers[0].name", "$.duration" }, paths);
    }

    [Fact]
    public void Problems_are_ordered_as_their_places_appear_in_the_file()
    {
        ScenarioProblem P(string path) => new("f", path, "m");
        var sorted = ProblemOrder.Sort([P("$.workloads[0].zz"), P("$.devices[10].irq"), P("$.machine.processors"), P("$.devices[2].name"), P("$.devices[2].irq"), P("$")]);
        Assert.Equal(["$", "$.machine.processors", "$.devices[2].name", "$.devices[2].irq", "$.devices[10].irq", "$.workloads[0].zz"], sorted.Select(p => p.Path));
    }

    [Fact]
    public void Invalid_json_reports_line_and_position()
    {
        var problems = Problems("{\n  \"name\": \"x\",\n  \"devices\": [ }\n}");
        var problem = Assert.Single(problems);
        Assert.Equal("$", problem.Path);
        Assert.Contains("invalid JSON at line 3, position 16", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_value_kind_is_reported_once_not_again_as_missing()
    {
        var json = Mutate(root => root["devices"]![0]!["irq"] = "zero");
        var problems = Problems(json).Where(p => p.Path == "$.devices[0].irq").ToList();
        var problem = Assert.Single(problems);
        Assert.Equal("expected a whole number, got \"zero\"", problem.Message);
    }

    [Fact]
    public void A_device_without_a_driver_is_a_warning_not_an_error()
    {
        var json = Mutate(root => ((JsonArray)root["drivers"]!).RemoveAt(0));
        var problem = Assert.Single(Problems(json));
        Assert.Equal(ProblemSeverity.Warning, problem.Severity);
        Assert.Equal("$.devices[0]", problem.Path);
    }

    [Fact]
    public void A_bugcheck_code_may_be_a_name_or_a_number()
    {
        var byName = Mutate(root => root["faults"] = JsonNode.Parse("""[{"at":"1ms","type":"bugcheck","code":"DRIVER_IRQL_NOT_LESS_OR_EQUAL"}]"""));
        var byNumber = Mutate(root => root["faults"] = JsonNode.Parse("""[{"at":"1ms","type":"bugcheck","code":"0xD1","parameters":[1,"0x2"]}]"""));
        Assert.Empty(Problems(byName));
        Assert.Empty(Problems(byNumber));
        Assert.Equal(0xD1u, ScenarioReader.Read(byName, "x").Scenario!.Faults[0].Code);
        Assert.Equal([1UL, 2UL], ScenarioReader.Read(byNumber, "x").Scenario!.Faults[0].Parameters);
    }

    [Fact]
    public void An_unknown_kind_names_the_known_runners()
    {
        var (scenario, _) = ScenarioReader.Read(Mutate(root => root["kind"] = "demo-workload"), "unit.json");
        var selector = new ScenarioRunnerSelector([new KernelRunner(Catalog)]);
        Assert.Null(selector.Select(scenario!, out var problem));
        Assert.Equal("$.kind", problem!.Path);
        Assert.Equal("unknown kind 'demo-workload' (known: kernel)", problem.Message);
    }

    [Fact]
    public void Without_a_kind_the_runner_that_accepts_the_scenario_is_chosen()
    {
        var (scenario, _) = ScenarioReader.Read(Valid, "unit.json");
        var selector = new ScenarioRunnerSelector([new KernelRunner(Catalog)]);
        Assert.Equal("kernel", selector.Select(scenario!, out _)!.Kind);
    }

    /// <summary>Merges <paramref name="patch"/> into <paramref name="target"/>; arrays merge element by element.</summary>
    private static void Merge(JsonNode target, JsonNode patch)
    {
        if (patch is JsonObject patchObject)
        {
            foreach (var (key, value) in patchObject.ToList())
            {
                if (value is JsonObject or JsonArray && target[key] is { } existing && existing.GetValueKind() == value.GetValueKind())
                {
                    Merge(existing, value);
                }
                else
                {
                    target[key] = value?.DeepClone();
                }
            }
        }
        else if (patch is JsonArray patchArray && target is JsonArray targetArray)
        {
            for (var i = 0; i < patchArray.Count; i++)
            {
                var value = patchArray[i]!;
                if (i < targetArray.Count && value is JsonObject && targetArray[i] is JsonObject)
                {
                    Merge(targetArray[i]!, value);
                }
                else if (i < targetArray.Count)
                {
                    targetArray[i] = value.DeepClone();
                }
                else
                {
                    targetArray.Add(value.DeepClone());
                }
            }
        }
    }
}
