using ActorKernel.Actors;

namespace ActorKernel.Host;

// The USB disks of a scenario (docs/stacks-usb.md, "Hub and mass storage"): the hub reports a disk only
// after its port's connect change and reset, so the boot waits for each usb-storage disk's stacks
// (bounded in simulated time) before the workloads look for their targets; a workload on a USB disk opens
// disk.sys's device on the disk's LUN.
internal sealed partial class KernelSimulation
{
    // How long the boot waits for a hub to report and the PnP manager to start a USB disk (a port reset takes 10 ms).
    private static readonly TimeSpan UsbDiskSettle = TimeSpan.FromSeconds(1);

    /// <summary>Runs the machine until every usb-storage disk's LUN has a started disk on it, or the settle time passed.</summary>
    private void WaitForUsbDisks(IReadOnlyList<ScenarioDeviceKey> keys)
    {
        var usb = keys.Where(k => k.Spec.Name == UsbStorageCatalog.UsbStorageDriver).ToList();
        if (usb.Count == 0 || Pnp is not { } pnp)
        {
            return;
        }
        bool Ready() => pnp.IsIdle && usb.All(k => UsbDiskNode(pnp.FindDeviceNode(k.InstancePath)) is { State: DeviceNodeState.Started or DeviceNodeState.Removed } or { Problem: not CmProblem.None });
        if (Machine.System.Deterministic is { } deterministic)
        {
            Machine.RunUntil(() => Ready() || Machine.IsBugChecked, UsbDiskSettle);
            deterministic.RunForNanoseconds((100 - (Machine.NowNanoseconds % 100)) % 100); // end on a 100 ns tick, as BuildStacks does
        }
        else
        {
            for (var waited = 0; waited < 1_000 && !Ready() && !Machine.IsBugChecked; waited++)
            {
                _changed.Wait(TimeSpan.FromMilliseconds(1));
            }
        }
    }

    /// <summary>The LUN's node (usbstor's PDO, disk.sys on it) under the USB disk's node, or null.</summary>
    private static DeviceNode? UsbDiskNode(DeviceNode? device) => device?.Children.FirstOrDefault();

    /// <summary>
    /// A usb-storage disk as a workload target: its layers are the device's stack and the LUN's (usbhub.sys,
    /// usbstor.sys; usbstor.sys, disk.sys); its name disk.sys's <c>\Device\HarddiskN\DR0</c>; its size the medium's.
    /// </summary>
    private IoTarget UsbDiskTarget(ScenarioDeviceKey key, DeviceNode? node)
    {
        var layers = new List<string>();
        var lun = UsbDiskNode(node);
        DeviceObject? top = null;
        foreach (var n in new[] { node, lun })
        {
            for (var d = n?.PhysicalDeviceObject; d is not null; d = d.AttachedDevice)
            {
                layers.Add(d.DriverObject.ImageName);
                top = d;
            }
        }
        var size = (long)(key.Device.Parameter("size")?.Number ?? 4_194_304) / HardwareCatalog.SectorSize * HardwareCatalog.SectorSize;
        var started = node is { State: DeviceNodeState.Started } && lun is { State: DeviceNodeState.Started };
        var problem = started ? (CmProblem?)null : node is null || lun is null ? CmProblem.FailedInstall : lun.Problem != CmProblem.None ? lun.Problem : node.Problem;
        return new IoTarget(key.Device, key.Spec.Name!, lun is null ? "" : top?.Name ?? "", size, layers) { Pdo = node?.PhysicalDeviceObject, Problem = problem };
    }
}
