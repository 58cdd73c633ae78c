using System.Globalization;
using ActorKernel.Actors;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Host;

internal sealed partial class KernelSimulation
{
    /// <summary>The machine the scenario describes: processors, seed, dispatcher, costs, one interrupt line and device model per device.</summary>
    internal static MachineOptions BuildOptions(SimulationContext context, Costs costs)
    {
        var scenario = context.Scenario;
        var lines = new List<InterruptLineConfig>();
        var devices = new List<DeviceConfig>();
        var vectors = new HashSet<int>();
        // Only the kernel's own device models get lines here; other runners' devices (the I/O-stack runner's) are driven by requests.
        foreach (var d in scenario.Devices.Where(d => d.Type is DemoCatalog.TimerType or DemoCatalog.InterruptSourceType))
        {
            var line = d.Irq!.Value;
            var irql = (byte)(d.Parameter(KernelCatalog.IrqlParameter)?.Number ?? KernelCatalog.DefaultDeviceIrql);
            lines.Add(new InterruptLineConfig(line, Vector(irql, line, vectors), irql, (ulong)(d.Parameter(KernelCatalog.AffinityParameter)?.Number ?? 0)));
            devices.Add(d.Type switch
            {
                DemoCatalog.TimerType => new TimerDeviceConfig(d.Name!, line, DurationParameter(d, "period", 1_000_000)),
                _ => InterruptSource(d, line),
            });
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
        };
    }

    private static InterruptSourceConfig InterruptSource(DeviceSpec d, int line)
    {
        // The kernel's interrupt source fires by itself: every latency .. latency + jitter.
        var latency = DurationParameter(d, "latency", 100_000);
        return new InterruptSourceConfig(d.Name!, line, latency, latency + DurationParameter(d, "jitter", 0));
    }

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

    private static long DurationParameter(DeviceSpec d, string name, long fallback) =>
        d.Parameter(name) is { } p && Duration.TryParseNanoseconds(p.Text, out var ns) ? ns : fallback;

    /// <summary>Planned faults of this boot (those before the boot are not replayed): bugchecks and interrupt storms.</summary>
    private void ScheduleFaults()
    {
        foreach (var fault in _context.Scenario.Faults)
        {
            var at = fault.AtNanoseconds!.Value - _context.BootNanoseconds;
            // A fault at the boot instant after a crash is the one that caused it: not replayed.
            if (at < 0 || (at == 0 && _context.BootIndex > 0) || at >= _bootEndNs)
            {
                continue;
            }
            var driver = _drivers.FirstOrDefault(d => d.Spec.Name == fault.Device).Driver;
            switch (fault.Type)
            {
                case "bugcheck":
                    var module = driver?.Module ?? KernelModule.Kernel;
                    var code = (BugCheckCode)fault.Code!.Value;
                    ulong P(int i) => i < fault.Parameters.Count ? fault.Parameters[i] : 0;
                    _machine.System.Scheduler.ScheduleOnce(At(at), () =>
                        _machine.RunRoutine(0, module, "PlantedBugCheck", () => throw KeBugCheckEx(code, P(0), P(1), P(2), P(3)), Irql.DispatchLevel));
                    break;
                case "interrupt-storm" when driver is not null:
                    var line = _drivers.First(d => d.Spec.Name == fault.Device).Spec.Irq!.Value;
                    var gap = Math.Max(1, (long)(1e9 / (fault.Rate ?? 1)));
                    var end = Math.Min(_bootEndNs, at + (fault.DurationNanoseconds ?? 0));
                    ScheduleStorm(line, at, gap, end);
                    break;
            }
        }
    }

    private void ScheduleStorm(int line, long at, long gap, long end) =>
        _machine.System.Scheduler.ScheduleOnce(At(at - _machine.NowNanoseconds), () =>
        {
            if (_machine.CrashDump is not null || _stopped)
            {
                return;
            }
            _machine.RaiseInterrupt(line);
            if (at + gap < end)
            {
                ScheduleStorm(line, at + gap, gap, end);
            }
        });

    private static TimeSpan At(long ns) => TimeSpan.FromTicks(Math.Max(0, ns) / 100);

    /// <summary>The host's view of the machine's crash dump; the dump file is the machine's own JSON.</summary>
    private CrashReport BuildCrashReport(CrashDump dump)
    {
        var device = _drivers.FirstOrDefault(d => d.Driver.Module.Name == dump.FaultingModule).Spec?.Name;
        var processors = dump.Processors.Select(p => new ProcessorCrashState(p.Number, p.Irql,
            p.Frames.Count > 0 ? F($"{p.Frames[0].Module}!{p.Frames[0].Routine}") : null,
            [.. p.HeldSpinLocks.Select(l => F($"{l.Name} ({l.Address})"))])).ToList();
        var tree = _drivers.Select(d => F($"{d.Spec.Name}: {d.Spec.Type} on IRQ {d.Spec.Irq} ({d.Driver.Module.Name})")).ToList();
        return new CrashReport(dump.Code, dump.ParameterValues, _context.BootNanoseconds + dump.TimeNs, dump.FaultingModule, device, [], processors, tree)
        {
            FaultingRoutine = dump.FaultingRoutine,
            DumpJson = dump.ToJson(),
        };
    }
}
