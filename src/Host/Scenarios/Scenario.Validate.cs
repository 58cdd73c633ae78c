using System.Globalization;
using System.Text.RegularExpressions;
using ActorKernel.Actors;

namespace ActorKernel.Host;

/// <summary>The scenario's semantic rules, checked against the catalog; every problem is reported, not just the first.</summary>
public sealed partial class Scenario
{
    /// <summary>The dispatchers a scenario may name.</summary>
    public static readonly IReadOnlyList<string> Dispatchers = ["deterministic", "concurrent"];

    /// <summary>The fault types a scenario may name.</summary>
    public static readonly IReadOnlyList<string> FaultTypes = ["bugcheck", "interrupt-storm", "page-out-pool", "stuck-line", "dma-error", "stop-answering", "surprise-unplug", "hot-plug", "hot-unplug", "sleep", "hibernate", "wake", "shutdown", "disk-idle"];

    /// <summary>The workload modes a scenario may name.</summary>
    public static readonly IReadOnlyList<string> Modes = ["sync", "overlapped"];

    /// <summary>The completion methods an overlapped workload may use.</summary>
    public static readonly IReadOnlyList<string> CompletionMethods = ["port", "events"];

    /// <summary>The most processors a machine may have.</summary>
    public const int MaxProcessors = 64;

    private const long MaxTransferBytes = 64L * 1024 * 1024;

    /// <summary>Checks every rule; returns every problem found (errors and warnings), in file order.</summary>
    public IReadOnlyList<ScenarioProblem> Validate(ISimulationCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var v = new Validator(this, catalog);
        v.Run();
        return v.Problems;
    }

    /// <summary>The dispatcher as an enum value; call after a clean <see cref="Validate"/>.</summary>
    public Runtime.DispatcherKind DispatcherKind =>
        Machine.Dispatcher == "concurrent" ? Runtime.DispatcherKind.Concurrent : Runtime.DispatcherKind.Deterministic;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex NamePattern();

    private sealed partial class Validator(Scenario s, ISimulationCatalog catalog)
    {
        public List<ScenarioProblem> Problems { get; } = [];

        public void Run()
        {
            if (s.Machines.Count > 0)
            {
                SeveralMachines();
                return;
            }
            Root();
            Machine();
            Devices();
            Drivers();
            Workloads();
            Faults();
            Output();
        }

        /// <summary>
        /// The <c>machines</c> form: the run's own fields here, each machine's rules by its own
        /// validation with the paths put under <c>$.machines[i]</c>, and the cables between machines.
        /// </summary>
        private void SeveralMachines()
        {
            if (!Missing(s.Name, "$.name", "a scenario name") && !NamePattern().IsMatch(s.Name!))
            {
                Error("$.name", $"name '{s.Name}' must be letters, digits, '.', '_' or '-' (it names the output folder)");
            }
            if (!Missing(s.DurationNanoseconds, "$.duration", "a duration") && s.DurationNanoseconds <= 0)
            {
                Error("$.duration", $"duration must be greater than 0, got {Duration.Format(s.DurationNanoseconds!.Value)}");
            }
            if (s.Devices.Count > 0 || s.Drivers.Count > 0 || s.Faults.Count > 0)
            {
                Error(s.Devices.Count > 0 ? "$.devices" : s.Drivers.Count > 0 ? "$.drivers" : "$.faults",
                    "with a machines section, devices, drivers, workloads and faults belong to each machine");
            }
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < s.Machines.Count; i++)
            {
                var m = s.Machines[i];
                var path = F($"$.machines[{i}]");
                if (!Missing(m.Name, path + ".name", "a machine name"))
                {
                    if (!NamePattern().IsMatch(m.Name!))
                    {
                        Error(path + ".name", $"machine name '{m.Name}' must be letters, digits, '.', '_' or '-'");
                    }
                    else if (!names.Add(m.Name!))
                    {
                        Error(path + ".name", $"machine name '{m.Name}' is used twice");
                    }
                }
                foreach (var p in m.Validate(catalog))
                {
                    Problems.Add(p with { Path = Under(path, p.Path) });
                }
            }
            Cables();
            Output();
        }

        /// <summary>A nic's <c>link</c> naming <c>machine/device</c> is a cable to another machine's nic.</summary>
        private void Cables()
        {
            for (var i = 0; i < s.Machines.Count; i++)
            {
                var m = s.Machines[i];
                for (var j = 0; j < m.Devices.Count; j++)
                {
                    var d = m.Devices[j];
                    if (d.Parameter("link")?.Text is not { } link || !link.Contains('/', StringComparison.Ordinal))
                    {
                        continue;
                    }
                    var path = F($"$.machines[{i}].devices[{j}].parameters.link");
                    var cut = link.IndexOf('/', StringComparison.Ordinal);
                    var (machineName, deviceName) = (link[..cut], link[(cut + 1)..]);
                    var other = s.Machines.FirstOrDefault(x => x.Name == machineName);
                    var peer = other?.FindDevice(deviceName);
                    if (other is null)
                    {
                        Error(path, $"no machine named '{machineName}' (machines: {string.Join(", ", s.Machines.Select(x => x.Name))})");
                    }
                    else if (ReferenceEquals(other, m))
                    {
                        Error(path, $"'{link}' is on this machine: name the device alone");
                    }
                    else if (peer is null)
                    {
                        Error(path, $"machine '{machineName}' has no device named '{deviceName}'");
                    }
                    else if (peer.Type != d.Type)
                    {
                        Error(path, $"a {d.Type} links to another {d.Type}; '{link}' is a '{peer.Type}'");
                    }
                    else if (d.Type != "nic")
                    {
                        Error(path, $"only a nic is cabled to another machine; '{d.Name}' is a '{d.Type}'");
                    }
                    else if (peer.Parameter("link")?.Text is { Length: > 0 } back && back != m.Name + "/" + d.Name)
                    {
                        Error(path, $"'{link}' is already linked to '{back}'; a cable has two ends");
                    }
                }
            }
        }

        private static string Under(string prefix, string path) => path.StartsWith('$') ? prefix + path[1..] : path;

        private void Error(string path, string message) => Problems.Add(new ScenarioProblem(s.Source, path, message));

        private void Warn(string path, string message) => Problems.Add(new ScenarioProblem(s.Source, path, message, ProblemSeverity.Warning));

        private bool Missing(object? value, string path, string what)
        {
            if (value is not null)
            {
                return false;
            }
            if (!s.ReportedPaths.Contains(path))
            {
                Error(path, $"{what} is required");
            }
            return true;
        }

        private static string Known(IEnumerable<string> names)
        {
            var list = names.ToList();
            return list.Count == 0 ? "none registered" : string.Join(", ", list);
        }

        private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

        private void Root()
        {
            if (!Missing(s.Name, "$.name", "a scenario name") && !NamePattern().IsMatch(s.Name!))
            {
                Error("$.name", $"name '{s.Name}' must be letters, digits, '.', '_' or '-' (it names the output folder)");
            }
            if (!Missing(s.DurationNanoseconds, "$.duration", "a duration") && s.DurationNanoseconds <= 0)
            {
                Error("$.duration", $"duration must be greater than 0, got {Duration.Format(s.DurationNanoseconds!.Value)}");
            }
            if (s.Devices.Count == 0 && !s.ReportedPaths.Contains("$.devices"))
            {
                Error("$.devices", "at least one device is required");
            }
        }

        private void Machine()
        {
            var m = s.Machine;
            if (!Missing(m.Processors, "$.machine.processors", "machine.processors") && m.Processors is < 1 or > MaxProcessors)
            {
                Error("$.machine.processors", F($"processors must be in 1..{MaxProcessors}, got {m.Processors}"));
            }
            if (!Missing(m.Dispatcher, "$.machine.dispatcher", "machine.dispatcher") && !Dispatchers.Contains(m.Dispatcher!))
            {
                Error("$.machine.dispatcher", $"unknown dispatcher '{m.Dispatcher}' (known: {Known(Dispatchers)})");
            }
            Missing(m.Seed, "$.machine.seed", "machine.seed");
            if (!Missing(m.TimeScale, "$.machine.timeScale", "machine.timeScale") && !(m.TimeScale > 0 && m.TimeScale <= 1e6))
            {
                Error("$.machine.timeScale", F($"timeScale must be greater than 0 and at most 1000000, got {m.TimeScale}"));
            }
            if (m.InterruptStormOverflow is < 1)
            {
                Error("$.machine.interruptStormOverflow", F($"interruptStormOverflow must be 1 or more, got {m.InterruptStormOverflow}"));
            }
            if (m.InterruptStormPeriods is < 1)
            {
                Error("$.machine.interruptStormPeriods", F($"interruptStormPeriods must be 1 or more, got {m.InterruptStormPeriods}"));
            }
            foreach (var (name, ns) in m.CostModel)
            {
                var path = $"$.machine.costModel.{name}";
                if (catalog.FindCost(name) is null)
                {
                    Error(path, $"unknown cost-model entry '{name}' (known: {Known(catalog.CostModel.Select(c => c.Name))})");
                }
                else if (ns is < 0)
                {
                    Error(path, $"a cost must be 0 or more, got {Duration.Format(ns.Value)}");
                }
            }
        }

        private void Devices()
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < s.Devices.Count; i++)
            {
                var d = s.Devices[i];
                var path = F($"$.devices[{i}]");
                if (!Missing(d.Name, path + ".name", "a device name") && !seen.Add(d.Name!))
                {
                    Error(path + ".name", $"device name '{d.Name}' is used twice");
                }
                if (Missing(d.Type, path + ".type", "a device type"))
                {
                    continue;
                }
                var type = catalog.FindDeviceType(d.Type!);
                if (type is null)
                {
                    Error(path + ".type", $"unknown device type '{d.Type}' (known: {Known(catalog.DeviceTypes.Select(t => t.Name))})");
                    continue;
                }
                if (!Missing(d.Irq, path + ".irq", "an IRQ line") && (d.Irq < type.MinIrq || d.Irq > type.MaxIrq))
                {
                    Error(path + ".irq", F($"IRQ {d.Irq} is out of range {type.MinIrq}..{type.MaxIrq} for device type '{type.Name}'"));
                }
                Parameters(d, type, path + ".parameters");
            }
        }

        private void Parameters(DeviceSpec d, DeviceTypeDescriptor type, string path)
        {
            foreach (var (name, value) in d.Parameters)
            {
                var p = type.FindParameter(name);
                if (p is null)
                {
                    Error($"{path}.{name}", $"unknown parameter '{name}' for device type '{type.Name}' (known: {Known(type.Parameters.Select(x => x.Name))})");
                    continue;
                }
                ParameterValueRule(p, value, $"{path}.{name}");
            }
            foreach (var p in type.Parameters.Where(p => p.Required && d.Parameter(p.Name) is null))
            {
                Error($"{path}.{p.Name}", $"parameter '{p.Name}' is required for device type '{type.Name}' ({p.Description})");
            }
        }

        private void ParameterValueRule(ParameterDescriptor p, ParameterValue value, string path)
        {
            double? number = null;
            switch (p.Kind)
            {
                case ParameterKind.Duration:
                    if (!value.IsString || !Duration.TryParseNanoseconds(value.Text, out var ns))
                    {
                        Error(path, $"expected {Duration.ExpectedForm}, got {value.Text}");
                        return;
                    }
                    number = ns;
                    break;
                case ParameterKind.Integer when value.Number is { } n && n == Math.Floor(n):
                case ParameterKind.Number when value.Number is not null:
                    number = value.Number;
                    break;
                case ParameterKind.Boolean when value.Boolean is not null:
                case ParameterKind.String when value.IsString:
                    return;
                default:
                    Error(path, $"expected {p.Kind.ToString().ToLowerInvariant()} for '{p.Name}', got {value.Text}");
                    return;
            }
            string Show(double x) => p.Kind == ParameterKind.Duration ? Duration.Format((long)x) : x.ToString(CultureInfo.InvariantCulture);
            if ((p.Minimum is { } min && number < min) || (p.Maximum is { } max && number > max))
            {
                var range = $"{(p.Minimum is { } lo ? Show(lo) : "-inf")}..{(p.Maximum is { } hi ? Show(hi) : "inf")}";
                Error(path, $"'{p.Name}' must be in {range}, got {Show(number!.Value)}");
            }
        }

        private void Drivers()
        {
            var bound = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < s.Drivers.Count; i++)
            {
                var d = s.Drivers[i];
                var path = F($"$.drivers[{i}]");
                DriverDescriptor? driver = null;
                if (!Missing(d.Name, path + ".name", "a driver name"))
                {
                    driver = catalog.FindDriver(d.Name!);
                    if (driver is null)
                    {
                        Error(path + ".name", $"unknown driver '{d.Name}' (known: {Known(catalog.Drivers.Select(x => x.Name))})");
                    }
                }
                if (!Missing(d.Device, path + ".device", "the device the driver binds to"))
                {
                    var device = s.FindDevice(d.Device!);
                    if (device is null)
                    {
                        Error(path + ".device", $"no device named '{d.Device}' (devices: {Known(s.Devices.Select(x => x.Name ?? "?"))})");
                    }
                    else if (!bound.Add(d.Device!))
                    {
                        Error(path + ".device", $"device '{d.Device}' already has a function driver; put extra drivers in upperFilters or lowerFilters");
                    }
                    else if (driver is not null && device.Type is not null && !driver.DeviceTypes.Contains(device.Type))
                    {
                        Error(path + ".device", $"driver '{driver.Name}' cannot drive device '{device.Name}' of type '{device.Type}' (it drives: {Known(driver.DeviceTypes)})");
                    }
                }
                Filters(d.UpperFilters, path + ".upperFilters");
                Filters(d.LowerFilters, path + ".lowerFilters");
                Filters(d.ClassUpperFilters, path + ".classUpperFilters");
                Filters(d.ClassLowerFilters, path + ".classLowerFilters");
                if (d.Verifier.ForceIrqlChecking == true && d.Verifier.Enabled == false)
                {
                    Error(path + ".verifier.forceIrqlChecking", "forceIrqlChecking needs the verifier enabled (\"enabled\": true)");
                }
                if ((d.Verifier.SpecialPool == true || d.Verifier.PoolTracking == true) && d.Verifier.Enabled == false)
                {
                    Error(path + (d.Verifier.SpecialPool == true ? ".verifier.specialPool" : ".verifier.poolTracking"), "specialPool and poolTracking need the verifier enabled (\"enabled\": true)");
                }
            }
            for (var index = 0; index < s.Devices.Count; index++)
            {
                var device = s.Devices[index];
                if (device.Name is not null && !bound.Contains(device.Name))
                {
                    Warn(F($"$.devices[{index}]"), catalog.FindDeviceType(device.Type ?? "") is { WiresInterrupt: true }
                        ? $"no driver binds to device '{device.Name}'; nobody connects an ISR, so its interrupts go unclaimed"
                        : $"no driver binds to device '{device.Name}'; it stays idle");
                }
            }
        }

        private void Filters(IList<string> filters, string path)
        {
            for (var i = 0; i < filters.Count; i++)
            {
                if (catalog.FindFilter(filters[i]) is null)
                {
                    Error(F($"{path}[{i}]"), $"unknown filter '{filters[i]}' (known: {Known(catalog.Filters.Select(x => x.Name))})");
                }
            }
        }
    }
}
