using System.Globalization;
using System.Text.Json;
using ActorKernel.Actors;

namespace ActorKernel.Host;

/// <summary>
/// Reads a scenario file into a <see cref="Scenario"/>, collecting every structural problem (bad
/// JSON with its line and position, unknown properties, values of the wrong kind) with its JSON
/// path instead of stopping at the first. Semantic rules are <see cref="Scenario.Validate"/>'s job.
/// </summary>
public sealed partial class ScenarioReader
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>The properties each object of a scenario file may have, by section (root, machine, device, driver, verifier, workload, mix, size, fault, output).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> KnownProperties = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["root"] = ["$schema", "name", "description", "kind", "duration", "machine", "devices", "drivers", "workloads", "faults", "output", "machines"],
        ["machines"] = ["name", "machine", "devices", "drivers", "workloads", "faults"],
        ["machine"] = ["processors", "dispatcher", "seed", "timeScale", "costModel", "interruptStormOverflow", "interruptStormPeriods", "checkedBuild"],
        ["device"] = ["name", "type", "irq", "parameters"],
        ["driver"] = ["name", "device", "upperFilters", "lowerFilters", "verifier", "classUpperFilters", "classLowerFilters"],
        ["verifier"] = ["enabled", "forceIrqlChecking", "specialPool", "poolTracking"],
        ["workload"] = ["name", "device", "mix", "size", "queueDepth", "rate", "thinkTime", "start", "duration", "mode", "completion", "requests"],
        ["mix"] = ["read", "write", "ioctl"],
        ["size"] = ["min", "max"],
        ["fault"] = ["at", "type", "device", "code", "parameters", "rate", "duration", "count"],
        ["output"] = ["directory", "summaryFile", "crashDumps", "rebootOnCrash", "maxCrashes"],
    };

    private readonly string _source;
    private readonly List<ScenarioProblem> _problems = [];
    private Scenario _scenario = new();

    private ScenarioReader(string source) => _source = source;

    /// <summary>Reads <paramref name="json"/>; the scenario is null only when the text is not JSON at all.</summary>
    public static (Scenario? Scenario, IReadOnlyList<ScenarioProblem> Problems) Read(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        var reader = new ScenarioReader(source);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException e)
        {
            var line = (e.LineNumber ?? 0) + 1;
            var position = (e.BytePositionInLine ?? 0) + 1;
            var message = e.Message;
            var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0)
            {
                message = message[..cut];
            }
            reader._problems.Add(new ScenarioProblem(source, "$",
                string.Create(CultureInfo.InvariantCulture, $"invalid JSON at line {line}, position {position}: {message}")));
            return (null, reader._problems);
        }
        using (document)
        {
            reader._scenario = new Scenario { Source = source, ContentHash = Scenario.HashOf(json) };
            reader.ReadRoot(document.RootElement);
            foreach (var p in reader._problems)
            {
                reader._scenario.ReportedPaths.Add(p.Path);
            }
            return (reader._scenario, reader._problems);
        }
    }

    private void ReadRoot(JsonElement root)
    {
        if (!ExpectObject(root, "$"))
        {
            return;
        }
        CheckKnown(root, "$", KnownProperties["root"]);
        var s = _scenario;
        s.Name = String(root, "name", "$", s.Name);
        s.Description = String(root, "description", "$", s.Description);
        s.Kind = String(root, "kind", "$", s.Kind);
        s.DurationNanoseconds = DurationValue(root, "duration", "$", s.DurationNanoseconds);
        if (Property(root, "machine", "$", JsonValueKind.Object) is { } machine)
        {
            ReadMachine(machine, "$.machine");
        }
        ReadArray(root, "devices", "$", ReadDevice);
        ReadArray(root, "drivers", "$", ReadDriver);
        ReadArray(root, "workloads", "$", ReadWorkload);
        ReadArray(root, "faults", "$", ReadFault);
        if (Property(root, "output", "$", JsonValueKind.Object) is { } output)
        {
            ReadOutput(output, "$.output");
        }
        ReadArray(root, "machines", "$", ReadMachineEntry);
        foreach (var m in s.Machines)
        {
            // The run's duration, dispatcher and time scale are one for all machines; each its own processors and costs.
            m.DurationNanoseconds = s.DurationNanoseconds;
            m.Machine.Dispatcher = s.Machine.Dispatcher;
            m.Machine.Seed = s.Machine.Seed;
            m.Machine.TimeScale = s.Machine.TimeScale;
            foreach (var w in m.Workloads)
            {
                s.Workloads.Add(new WorkloadSpec { Name = m.Name + "/" + w.Name, Device = m.Name + "/" + w.Device });
            }
        }
    }

    /// <summary>One entry of <c>machines</c>: read as a scenario of its own, its problems at their paths under <paramref name="path"/>.</summary>
    private void ReadMachineEntry(JsonElement e, string path)
    {
        CheckKnown(e, path, KnownProperties["machines"]);
        var root = _scenario;
        var machine = new Scenario { Source = root.Source, ContentHash = root.ContentHash, Name = String(e, "name", path, null) };
        var before = _problems.Count;
        _scenario = machine;
        try
        {
            if (Property(e, "machine", path, JsonValueKind.Object) is { } m)
            {
                ReadMachine(m, path + ".machine");
            }
            ReadArray(e, "devices", path, ReadDevice);
            ReadArray(e, "drivers", path, ReadDriver);
            ReadArray(e, "workloads", path, ReadWorkload);
            ReadArray(e, "faults", path, ReadFault);
        }
        finally
        {
            _scenario = root;
        }
        // The machine's own validation speaks of "$.devices[0]...": what the reader reported is not reported again.
        for (var i = before; i < _problems.Count; i++)
        {
            if (_problems[i].Path.StartsWith(path, StringComparison.Ordinal))
            {
                machine.ReportedPaths.Add("$" + _problems[i].Path[path.Length..]);
            }
        }
        root.Machines.Add(machine);
    }

    private void ReadMachine(JsonElement e, string path)
    {
        CheckKnown(e, path, KnownProperties["machine"]);
        var m = _scenario.Machine;
        m.Processors = IntValue(e, "processors", path, m.Processors);
        m.Dispatcher = String(e, "dispatcher", path, m.Dispatcher);
        m.Seed = SeedValue(e, "seed", path, m.Seed);
        m.TimeScale = NumberValue(e, "timeScale", path, m.TimeScale);
        m.InterruptStormOverflow = IntValue(e, "interruptStormOverflow", path, m.InterruptStormOverflow);
        m.InterruptStormPeriods = IntValue(e, "interruptStormPeriods", path, m.InterruptStormPeriods);
        m.CheckedBuild = BoolValue(e, "checkedBuild", path, m.CheckedBuild);
        if (Property(e, "costModel", path, JsonValueKind.Object) is { } costs)
        {
            foreach (var entry in costs.EnumerateObject())
            {
                var entryPath = $"{path}.costModel.{entry.Name}";
                m.CostModel.Add(new(entry.Name, ParseDuration(entry.Value, entryPath)));
            }
        }
    }

    private void ReadDevice(JsonElement e, string path)
    {
        CheckKnown(e, path, KnownProperties["device"]);
        var d = new DeviceSpec
        {
            Name = String(e, "name", path, null),
            Type = String(e, "type", path, null),
            Irq = IntValue(e, "irq", path, null),
        };
        if (Property(e, "parameters", path, JsonValueKind.Object) is { } parameters)
        {
            foreach (var p in parameters.EnumerateObject())
            {
                ParameterValue? value = p.Value.ValueKind switch
                {
                    JsonValueKind.String => new ParameterValue(p.Value.GetString()!, true, null, null),
                    JsonValueKind.Number => new ParameterValue(p.Value.GetRawText(), false, p.Value.GetDouble(), null),
                    JsonValueKind.True or JsonValueKind.False => new ParameterValue(p.Value.GetRawText(), false, null, p.Value.GetBoolean()),
                    _ => null,
                };
                if (value is null)
                {
                    Problem($"{path}.parameters.{p.Name}", $"expected a string, number or boolean, got {Describe(p.Value)}");
                    continue;
                }
                d.Parameters.Add(new(p.Name, value));
            }
        }
        _scenario.Devices.Add(d);
    }

    private void ReadDriver(JsonElement e, string path)
    {
        CheckKnown(e, path, KnownProperties["driver"]);
        var d = new DriverSpec
        {
            Name = String(e, "name", path, null),
            Device = String(e, "device", path, null),
        };
        ReadStrings(e, "upperFilters", path, d.UpperFilters);
        ReadStrings(e, "lowerFilters", path, d.LowerFilters);
        ReadStrings(e, "classUpperFilters", path, d.ClassUpperFilters);
        ReadStrings(e, "classLowerFilters", path, d.ClassLowerFilters);
        if (Property(e, "verifier", path, JsonValueKind.Object) is { } verifier)
        {
            var vpath = path + ".verifier";
            CheckKnown(verifier, vpath, KnownProperties["verifier"]);
            d.Verifier.Enabled = BoolValue(verifier, "enabled", vpath, d.Verifier.Enabled);
            d.Verifier.ForceIrqlChecking = BoolValue(verifier, "forceIrqlChecking", vpath, d.Verifier.ForceIrqlChecking);
            d.Verifier.SpecialPool = BoolValue(verifier, "specialPool", vpath, d.Verifier.SpecialPool);
            d.Verifier.PoolTracking = BoolValue(verifier, "poolTracking", vpath, d.Verifier.PoolTracking);
        }
        _scenario.Drivers.Add(d);
    }

    private void ReadWorkload(JsonElement e, string path)
    {
        CheckKnown(e, path, KnownProperties["workload"]);
        var w = new WorkloadSpec
        {
            Name = String(e, "name", path, null),
            Device = String(e, "device", path, null),
        };
        if (Property(e, "mix", path, JsonValueKind.Object) is { } mix)
        {
            var mpath = path + ".mix";
            CheckKnown(mix, mpath, KnownProperties["mix"]);
            w.Read = NumberValue(mix, "read", mpath, 0.0);
            w.Write = NumberValue(mix, "write", mpath, 0.0);
            w.Ioctl = NumberValue(mix, "ioctl", mpath, 0.0);
        }
        if (e.TryGetProperty("size", out var size))
        {
            var spath = path + ".size";
            if (size.ValueKind == JsonValueKind.Number)
            {
                w.MinSize = w.MaxSize = LongOf(size, spath);
            }
            else if (size.ValueKind == JsonValueKind.Object)
            {
                CheckKnown(size, spath, KnownProperties["size"]);
                w.MinSize = LongValue(size, "min", spath, w.MinSize);
                w.MaxSize = LongValue(size, "max", spath, w.MinSize);
            }
            else
            {
                Problem(spath, $"expected a size in bytes or {{ \"min\": N, \"max\": N }}, got {Describe(size)}");
                w.MinSize = w.MaxSize = null;
            }
        }
        w.QueueDepth = LongValue(e, "queueDepth", path, w.QueueDepth);
        w.Rate = NumberValue(e, "rate", path, null);
        w.ThinkTimeNanoseconds = DurationValue(e, "thinkTime", path, w.ThinkTimeNanoseconds);
        w.StartNanoseconds = DurationValue(e, "start", path, w.StartNanoseconds);
        w.DurationNanoseconds = DurationValue(e, "duration", path, null);
        w.Mode = String(e, "mode", path, w.Mode);
        w.Completion = String(e, "completion", path, w.Completion);
        w.Requests = LongValue(e, "requests", path, null);
        _scenario.Workloads.Add(w);
    }

    private void ReadFault(JsonElement e, string path)
    {
        CheckKnown(e, path, KnownProperties["fault"]);
        var f = new FaultSpec
        {
            AtNanoseconds = DurationValue(e, "at", path, null),
            Type = String(e, "type", path, null),
            Device = String(e, "device", path, null),
            Rate = NumberValue(e, "rate", path, null),
            DurationNanoseconds = DurationValue(e, "duration", path, null),
            Count = IntValue(e, "count", path, null),
        };
        if (e.TryGetProperty("code", out var code))
        {
            f.Code = ParseBugCheckCode(code, path + ".code");
        }
        if (Property(e, "parameters", path, JsonValueKind.Array) is { } parameters)
        {
            var i = 0;
            foreach (var p in parameters.EnumerateArray())
            {
                var ppath = string.Create(CultureInfo.InvariantCulture, $"{path}.parameters[{i++}]");
                if (ParseUInt64(p) is { } value)
                {
                    f.Parameters.Add(value);
                }
                else
                {
                    Problem(ppath, $"expected a 64-bit unsigned number (e.g. 42 or \"0xfffff80000001000\"), got {Describe(p)}");
                }
            }
        }
        _scenario.Faults.Add(f);
    }

    private void ReadOutput(JsonElement e, string path)
    {
        CheckKnown(e, path, KnownProperties["output"]);
        var o = _scenario.Output;
        o.Directory = String(e, "directory", path, o.Directory);
        o.SummaryFile = String(e, "summaryFile", path, o.SummaryFile);
        o.CrashDumps = BoolValue(e, "crashDumps", path, o.CrashDumps);
        o.RebootOnCrash = BoolValue(e, "rebootOnCrash", path, o.RebootOnCrash);
        o.MaxCrashes = LongValue(e, "maxCrashes", path, o.MaxCrashes);
    }

    private uint? ParseBugCheckCode(JsonElement code, string path)
    {
        if (ParseUInt64(code) is { } number && number <= uint.MaxValue)
        {
            return (uint)number;
        }
        if (code.ValueKind == JsonValueKind.String)
        {
            var name = code.GetString()!;
            foreach (var known in BugCheckCatalog.KnownCodes.OrderBy(c => (uint)c))
            {
                if (string.Equals(known.GetName(), name, StringComparison.OrdinalIgnoreCase))
                {
                    return (uint)known;
                }
            }
            Problem(path, $"unknown bugcheck '{name}': expected a code such as 0xD1 or a name such as DRIVER_IRQL_NOT_LESS_OR_EQUAL");
            return null;
        }
        Problem(path, $"expected a bugcheck code (0x0..0xFFFFFFFF) or name, got {Describe(code)}");
        return null;
    }

    private static ulong? ParseUInt64(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Number)
        {
            return e.TryGetUInt64(out var v) ? v : null;
        }
        if (e.ValueKind == JsonValueKind.String)
        {
            var s = e.GetString()!.Trim();
            if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                return ulong.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex) ? hex : null;
            }
            return ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var dec) ? dec : null;
        }
        return null;
    }
}
