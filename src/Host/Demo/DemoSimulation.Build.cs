using ActorKernel.Actors;
using ActorKernel.Runtime;

namespace ActorKernel.Host;

/// <summary>Building the machine: device stacks bottom-up, workloads, scheduled faults.</summary>
internal sealed partial class DemoSimulation
{
    private void BuildStack(Scenario scenario, ISimulationCatalog catalog, DriverSpec driver, CostModel costs, DeterministicRandom random)
    {
        var device = scenario.FindDevice(driver.Device!)!;
        var names = new List<string>();
        names.AddRange(driver.UpperFilters.Select(f => $"{f} (upper filter)"));
        var function = names.Count;
        names.Add($"{driver.Name} (function)");
        names.AddRange(driver.LowerFilters.Select(f => $"{f} (lower filter)"));
        names.Add($"{device.Name} ({device.Type}, IRQ {device.Irq})");
        var stack = new DeviceStack(device.Name!, [.. names]) { Function = function };
        var type = catalog.FindDeviceType(device.Type!)!;
        var depth = names.Count - 1;
        var model = new DemoDeviceModel(
            device.Type!,
            LatencyNanoseconds: DurationParameter(device, type, "latency"),
            JitterNanoseconds: DurationParameter(device, type, "jitter"),
            PeriodNanoseconds: DurationParameter(device, type, "period"),
            ErrorRate: NumberParameter(device, type, "errorRate"),
            StackOverheadNanoseconds: depth * (costs["ioCallDriver"] + costs["ioCompleteRequest"]) + costs["isr"] + costs["dpc"],
            IsrNanoseconds: costs["isr"]);
        var counters = new DemoDeviceCounters();
        var deviceRandom = random.Derive("device/" + device.Name);
        var bottom = names.Count - 1;
        stack.Layers[bottom] = _system.ActorOf(Props.Create(() => new DemoDeviceActor(stack, bottom, model, _machine, deviceRandom, counters)), device.Name + ".pdo");
        for (var i = bottom - 1; i >= 0; i--)
        {
            var index = i;
            var owner = index == function ? driver.Name! : (index < function ? driver.UpperFilters[index] : driver.LowerFilters[index - function - 1]);
            stack.Layers[index] = _system.ActorOf(Props.Create(() => new StackLayerActor(stack, index, owner, _machine)), $"{device.Name}.do{index}");
        }
        _stacks.Add(stack);
        _deviceCounters.Add((device.Name!, counters));
    }

    private void StartWorkload(SimulationContext context, WorkloadSpec spec, DeterministicRandom random)
    {
        var stack = _stacks.First(s => s.Device == spec.Device);
        var stats = new WorkloadResult { Name = spec.Name!, Device = spec.Device! };
        var slots = new DemoRequest?[(int)spec.QueueDepth!.Value];
        var start = spec.StartNanoseconds ?? 0;
        var end = spec.DurationNanoseconds is { } d ? Math.Min(context.EndNanoseconds, start + d) : context.EndNanoseconds;
        var workloadRandom = random.Derive("workload/" + spec.Name);
        var actor = _system.ActorOf(Props.Create(() => new WorkloadActor(spec, stack, _machine, workloadRandom, start, end, stats, slots)), "workload." + spec.Name);
        _workloads.Add((spec, stats, actor, () => slots.Where(s => s is not null).Select(s => s!)));
    }

    private void ScheduleFaults(SimulationContext context)
    {
        foreach (var fault in context.Scenario.Faults)
        {
            var at = fault.AtNanoseconds!.Value;
            // A fault at or before a reboot's start already struck (it may be what crashed the last boot).
            if (at < context.BootNanoseconds || (context.BootIndex > 0 && at == context.BootNanoseconds) || at >= context.EndNanoseconds)
            {
                continue;
            }
            var delay = at - context.BootNanoseconds;
            switch (fault.Type)
            {
                case "bugcheck":
                    var stack = (fault.Device is null ? _stacks.FirstOrDefault() : _stacks.FirstOrDefault(s => s.Device == fault.Device)) ?? _stacks.FirstOrDefault();
                    if (stack is null)
                    {
                        _notes.Add($"bugcheck at {Duration.Format(at)}: no driver is loaded to raise it; ignored");
                        continue;
                    }
                    var p = fault.Parameters;
                    var message = new DemoMessages.PlantedBugCheck((BugCheckCode)fault.Code!.Value,
                        p.Count > 0 ? p[0] : 0, p.Count > 1 ? p[1] : 0, p.Count > 2 ? p[2] : 0, p.Count > 3 ? p[3] : 0);
                    _system.Scheduler.ScheduleTellOnce(delay, stack.Layers[stack.Function], message, null);
                    break;
                case "interrupt-storm":
                    var target = _stacks.FirstOrDefault(s => s.Device == fault.Device);
                    if (target is null)
                    {
                        _notes.Add($"interrupt-storm at {Duration.Format(at)}: device '{fault.Device}' has no driver, so its interrupts are masked; ignored");
                        continue;
                    }
                    var interval = Math.Max(1, (long)Math.Round(1e9 / fault.Rate!.Value));
                    _system.Scheduler.ScheduleTellOnce(delay, target.Layers[^1], new DemoMessages.StormStart(interval, fault.DurationNanoseconds!.Value), null);
                    break;
                default:
                    _notes.Add($"{fault.Type} at {Duration.Format(at)}: not modelled by the {DemoWorkloadRunner.KindName} runner; ignored");
                    break;
            }
        }
    }

    private static long DurationParameter(DeviceSpec device, DeviceTypeDescriptor type, string name)
    {
        var descriptor = type.FindParameter(name);
        if (descriptor is null)
        {
            return 0;
        }
        var text = device.Parameter(name)?.Text ?? descriptor.Default!;
        return Duration.TryParseNanoseconds(text, out var ns) ? ns : 0;
    }

    private static double NumberParameter(DeviceSpec device, DeviceTypeDescriptor type, string name)
    {
        var descriptor = type.FindParameter(name);
        if (descriptor is null)
        {
            return 0;
        }
        return device.Parameter(name)?.Number
            ?? double.Parse(descriptor.Default!, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The catalog's costs with the scenario's overrides.</summary>
    private sealed class CostModel(Scenario scenario, ISimulationCatalog catalog)
    {
        public long this[string name] =>
            scenario.Machine.CostModel.Where(c => c.Key == name).Select(c => c.Value).FirstOrDefault()
            ?? catalog.FindCost(name)?.DefaultNanoseconds ?? 0;
    }
}
