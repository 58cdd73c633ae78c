using System.Globalization;
using ActorKernel.Actors;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Host;

internal sealed partial class KernelSimulation
{
    /// <summary>
    /// The machine the scenario describes: processors, seed, dispatcher, costs, and per hardware model
    /// (a device type with a <see cref="DeviceTypeDescriptor.Hardware"/> builder) its device and interrupt line.
    /// </summary>
    /// <remarks>
    /// Models that sit on a bus (<see cref="PlacedHardwareConfig"/>) get their
    /// line here, with its trigger, and go to <paramref name="placed"/> for the build step to place.
    /// </remarks>
    internal static MachineOptions BuildOptions(SimulationContext context, ISimulationCatalog catalog, Costs costs, List<PlacedHardwareConfig> placed)
    {
        var scenario = context.Scenario;
        var lines = new List<InterruptLineConfig>();
        var devices = new List<DeviceConfig>();
        var vectors = new HashSet<int>();
        foreach (var d in scenario.Devices)
        {
            if (catalog.FindDeviceType(d.Type!)?.Hardware is not { } build)
            {
                continue; // no hardware below (a root-enumerated PDO)
            }
            var line = d.Irq!.Value;
            var irql = (byte)(d.Parameter(KernelCatalog.IrqlParameter)?.Number ?? KernelCatalog.DefaultDeviceIrql);
            var config = build(d);
            var trigger = config is PlacedHardwareConfig bus ? bus.Trigger : InterruptTrigger.Edge;
            lines.Add(new InterruptLineConfig(line, Vector(irql, line, vectors), irql, (ulong)(d.Parameter(KernelCatalog.AffinityParameter)?.Number ?? 0), trigger));
            if (config is PlacedHardwareConfig p)
            {
                placed.Add(p);
            }
            else
            {
                devices.Add(config);
            }
        }
        return new MachineOptions
        {
            Name = F($"kernel{context.BootIndex}"),
            Processors = scenario.Machine.Processors ?? 1,
            Seed = context.Seed,
            Dispatcher = context.Dispatcher,
            CostModel = new KernelCostModel
            {
                InterruptDispatchNs = costs["interruptDispatch"],
                DpcDispatchNs = costs["dpcDispatch"],
                ContextSwitchNs = costs["contextSwitch"],
                IrqlChangeNs = costs["irqlChange"],
                DpcQueueNs = costs["dpcQueue"],
                SpinLockNs = costs["spinLock"],
                TimerNs = costs["kernelTimer"],
                DispatcherObjectNs = costs["dispatcherObject"],
                ClockTickNs = costs["clockTick"],
                DefaultCallNs = costs["kernelCall"],
            },
            ClockLine = KernelCatalog.ClockLine,
            InterruptLines = lines,
            Devices = devices,
            // Driver Verifier's force IRQL checking, per image of a verified stack.
            CheckedBuild = scenario.Machine.CheckedBuild == true,
            ForceIrqlCheckingModules = [.. scenario.Drivers.Where(d => d.Verifier.ForceIrqlChecking == true).SelectMany(ImagesOf).Distinct(StringComparer.Ordinal)],
        };
    }

    /// <summary>The image names of a scenario driver's stack (function driver and filters).</summary>
    internal static IEnumerable<string> ImagesOf(DriverSpec spec) =>
        new[] { spec.Name! }.Concat(spec.UpperFilters).Concat(spec.LowerFilters).Concat(spec.ClassUpperFilters).Concat(spec.ClassLowerFilters).Select(name => ScenarioRegistry.Find(name)?.Image).OfType<string>();

    /// <summary>An x64-style vector: its IRQL is vector / 16, so take a free slot in the IRQL's block of 16.</summary>
    private static int Vector(byte irql, int line, HashSet<int> used)
    {
        for (var i = 0; i < 16; i++)
        {
            var vector = (irql << 4) | ((line + i) & 0xF);
            if (used.Add(vector))
            {
                return vector;
            }
        }
        throw new InvalidOperationException(F($"more than 16 devices at IRQL {irql}"));
    }

    /// <summary>
    /// Planted faults of this boot (those before the boot are not replayed): a requested bugcheck, an
    /// interrupt storm on a hardware model's line, pageable memory paged out.
    /// </summary>
    private void ScheduleFaults()
    {
        foreach (var fault in _context.Scenario.Faults)
        {
            var at = fault.AtNanoseconds!.Value - _context.BootNanoseconds;
            // A fault at the boot instant after a crash is the one that caused it: not replayed.
            if (at < 0 || (at == 0 && _context.BootIndex > 0) || at >= _bootEndNs || IsPowerOnFault(fault))
            {
                continue;
            }
            switch (fault.Type)
            {
                case "bugcheck":
                    // The crash the user asked for: raised on the scenario's behalf, as NT raises MANUALLY_INITIATED_CRASH for
                    // a keyboard or debugger request, so its dump blames no driver of the device (the frame's module is the injector).
                    var code = (BugCheckCode)fault.Code!.Value;
                    ulong P(int i) => i < fault.Parameters.Count ? fault.Parameters[i] : 0;
                    var injected = F($"the scenario's fault {FaultPath(fault)} (bugcheck at {Duration.Format(fault.AtNanoseconds!.Value)}{(fault.Device is { } named ? " on " + named : "")})");
                    Machine.System.Scheduler.ScheduleOnce(At(at), () =>
                    {
                        _injectedBugCheck = injected;
                        Machine.RunRoutine(0, FaultInjection, InjectedBugCheckRoutine, () => throw KeBugCheckEx(code, P(0), P(1), P(2), P(3)), Irql.DispatchLevel);
                    });
                    break;
                case "interrupt-storm" when _context.Scenario.FindDevice(fault.Device ?? "") is { Irq: { } line }:
                    var gap = Math.Max(1, (long)(1e9 / (fault.Rate ?? 1)));
                    var end = Math.Min(_bootEndNs, at + (fault.DurationNanoseconds ?? 0));
                    ScheduleStorm(line, at, gap, end);
                    break;
                case "stuck-line" or "dma-error" or "stop-answering" or "surprise-unplug":
                    ScheduleHardwareFault(fault, at);
                    break;
                case "page-out-pool":
                    Machine.System.Scheduler.ScheduleOnce(At(at), () => Machine.Memory.MmTrimAllPageablePages());
                    break;
                default:
                    ScheduleTimelineEvent(fault, at); // KernelSimulation.Timeline.cs: hot plug, power
                    break;
            }
        }
    }

    /// <summary>The module a scenario's injected bugcheck runs in: the scenario, not a driver.</summary>
    internal static readonly KernelModule FaultInjection = new("scenario");

    /// <summary>The routine name of an injected bugcheck (the dump's faulting routine).</summary>
    internal const string InjectedBugCheckRoutine = "InjectedBugCheck";

    // Which fault raised the injected bugcheck of this boot, for the crash report.
    private string? _injectedBugCheck;

    /// <summary>The fault's JSON path, <c>$.faults[0]</c>.</summary>
    private string FaultPath(FaultSpec fault) => F($"$.faults[{_context.Scenario.Faults.IndexOf(fault)}]");

    /// <summary>The storm: the device's line is asserted every <paramref name="gap"/> from <paramref name="at"/> to <paramref name="end"/>, as a faulty device would.</summary>
    private void ScheduleStorm(int line, long at, long gap, long end) =>
        Machine.System.Scheduler.ScheduleOnce(At(at - Machine.NowNanoseconds), () =>
        {
            if (Machine.IsBugChecked || _stopped)
            {
                return;
            }
            Machine.RaiseInterrupt(line);
            if (at + gap < end)
            {
                ScheduleStorm(line, at + gap, gap, end);
            }
        });

    private static TimeSpan At(long ns) => TimeSpan.FromTicks(Math.Max(0, ns) / 100);
}
