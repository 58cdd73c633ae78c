using ActorKernel.Actors;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Host;

internal sealed partial class KernelSimulation
{
    private readonly Dictionary<string, PlacedHardware> _hardware = new(StringComparer.Ordinal);

    /// <summary>
    /// The bus-placed models of the scenario (block disks, UARTs, NICs): each built on the machine,
    /// placed on PCI or at its legacy ports with its line, then the cables between them.
    /// </summary>
    private void PlaceHardware(IReadOnlyList<PlacedHardwareConfig> configs)
    {
        foreach (var config in configs)
        {
            _hardware.Add(config.Name, config.Place(Machine));
            if (config.Link is { } remote && remote.Contains('/', StringComparison.Ordinal) && _machineName is not null)
            {
                _cables?.Plug(_machineName + "/" + config.Name, remote, _hardware[config.Name]); // a cable to another machine's nic
            }
        }
        foreach (var config in configs)
        {
            // One cable per pair: connect from the end whose name sorts first.
            if (config.Link is { } peer && _hardware.TryGetValue(peer, out var other) && string.CompareOrdinal(config.Name, peer) < 0)
            {
                var self = _hardware[config.Name];
                if (config is NicConfig)
                {
                    NetworkAdapter.Connect(self.Actor, other.Actor);
                }
                else
                {
                    Uart16550.ConnectNullModem(self.Actor, other.Actor);
                }
            }
        }
    }

    /// <summary>
    /// A controller fault at the first boot's instant 0 is the hardware's state at power-on: applied
    /// before the PnP manager starts the device, so its driver meets it in IRP_MN_START_DEVICE (a
    /// controller that does not answer fails its start: CM_PROB_FAILED_START).
    /// </summary>
    private bool IsPowerOnFault(FaultSpec fault) =>
        _context.BootIndex == 0 && fault.AtNanoseconds == 0 && fault.Type is "dma-error" or "stop-answering" or "surprise-unplug"
        && fault.Device is not null && _hardware.ContainsKey(fault.Device);

    /// <summary>The power-on faults (<see cref="IsPowerOnFault"/>), before the stacks are built.</summary>
    private void ApplyPowerOnFaults()
    {
        foreach (var fault in _context.Scenario.Faults.Where(IsPowerOnFault))
        {
            var model = (BlockController)_hardware[fault.Device!].Model;
            model.InjectFault(fault.Type switch
            {
                "dma-error" => BlockControllerFault.DmaError,
                "stop-answering" => BlockControllerFault.StopAnswering,
                _ => BlockControllerFault.SurpriseUnplug,
            }, (int)(fault.Count ?? 1));
        }
    }

    /// <summary>A device fault of placed hardware at <paramref name="at"/> (relative to now): the controller's, or a line stuck asserted.</summary>
    private void ScheduleHardwareFault(FaultSpec fault, long at)
    {
        if (fault.Device is null || !_hardware.TryGetValue(fault.Device, out var hardware))
        {
            return;
        }
        Action strike = fault.Type switch
        {
            "stuck-line" => () => Machine.InjectInterruptFault(hardware.Config.Line, InterruptFault.StuckAsserted),
            "dma-error" => () => ((BlockController)hardware.Model).InjectFault(BlockControllerFault.DmaError, (int)(fault.Count ?? 1)),
            "stop-answering" => () => ((BlockController)hardware.Model).InjectFault(BlockControllerFault.StopAnswering),
            "surprise-unplug" => () => ((BlockController)hardware.Model).InjectFault(BlockControllerFault.SurpriseUnplug),
            _ => () => { },
        };
        Machine.System.Scheduler.ScheduleOnce(At(at), () =>
        {
            if (!Machine.IsBugChecked && !_stopped)
            {
                strike();
            }
        });
    }

    /// <summary>
    /// At the boot's end, requests that wait for the outside world (a read for a frame or a byte that
    /// no one sends) are cancelled, as the I/O manager cancels an exiting thread's IRPs: a nic's or
    /// uart's driver completes them STATUS_CANCELLED from its cancel-safe queue.
    /// </summary>
    private void ScheduleCancelOfWaitingReceives()
    {
        var waiting = _targets.Where(t => t.Device.Type is HardwareCatalog.NicType or HardwareCatalog.UartType).Select(t => t.DeviceName).ToHashSet(StringComparer.Ordinal);
        if (waiting.Count == 0)
        {
            return;
        }
        Machine.System.Scheduler.ScheduleOnce(At(_bootEndNs - Machine.NowNanoseconds), () =>
        {
            if (Machine.IsBugChecked || _stopped)
            {
                return;
            }
            var irps = Io.GetStuckRequests()
                .Where(s => !s.Finished && s.Irp.OriginalFileObject?.DeviceObject.Name is { } d && waiting.Contains(d))
                .Select(s => s.Irp).ToList();
            if (irps.Count > 0)
            {
                Machine.RunRoutine(0, KernelModule.Kernel, "IopCancelWaitingReceives", async () =>
                {
                    foreach (var irp in irps)
                    {
                        await IoCancelIrp(irp);
                    }
                }, Irql.PassiveLevel);
            }
        });
    }
}
