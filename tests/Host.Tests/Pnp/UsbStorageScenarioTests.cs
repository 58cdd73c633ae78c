using ActorKernel.Actors;
using ActorKernel.Drivers.Storage.Class;
using ActorKernel.Drivers.Usb;
using ActorKernel.Drivers.Usb.Hub;
using ActorKernel.Drivers.Usb.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorKernel.Host.Tests.Pnp;

/// <summary>
/// The shipped usb-storage scenario (issue 19, acceptance items 1 and 2 for the USB stack, from a
/// scenario): the runner installs usbhub on the root hub, usbstor on the hub's disk and disk.sys on
/// usbstor's LUN; a user workload reads and writes \\.\PhysicalDrive0 with every read checked; the disk
/// is pulled out of its port during the I/O.
/// </summary>
[Trait("Area", "Stacks")]
public sealed class UsbStorageScenarioTests
{
    /// <summary>The shipped scenarios these tests run.</summary>
    public static IReadOnlyList<string> Names { get; } = ["usb-storage"];

    private const string ExpectedTree = """
        DevNode HTREE\ROOT\0
          State = DeviceNodeStarted (0x308)
          Stack = PnpManager
          DevNode Root\*PNP0A03\0000
            State = DeviceNodeStarted (0x308)
            Service = pci (Class System)
            Stack = pci > PnpManager
            DevNode PCI\VEN_1234&DEV_EC00&SUBSYS_00000000&REV_00\00
              State = DeviceNodeStarted (0x308)
              Service = AkEhci (Class USB)
              Stack = AkEhci > pci
              Resource = Memory 0xE0000000-0xE000007F exclusive
              Resource = IRQ 10 shared
              DevNode USB\ROOT_HUB20\0
                State = DeviceNodeStarted (0x308)
                Service = usbhub (Class USB)
                Stack = usbhub > AkEhci
                DevNode USB\VID_1234&PID_B55B\0&0&1
                  State = DeviceNodeStarted (0x308)
                  Service = USBSTOR (Class USB)
                  Stack = USBSTOR > usbhub
                  DevNode USBSTOR\Disk&Ven_AKSIM&Prod_USB_DISK&Rev_1000\0&0&0
                    State = DeviceNodeStarted (0x308)
                    Service = disk (Class DiskDrive)
                    Stack = disk > USBSTOR

        """;

    [Fact]
    public void The_usb_storage_scenario_builds_four_stacks_through_pnp_verifies_user_io_and_survives_the_unplug()
    {
        using var host = HostFactory.Build([]);
        var (scenario, runner, problems) = host.Services.GetRequiredService<ScenarioCheck>().Check("usb-storage");
        Assert.True(scenario is not null && runner is not null, string.Join("\n", problems));
        var context = new SimulationContext(scenario!, scenario!.Machine.Seed!.Value, scenario.DispatcherKind, scenario.DurationNanoseconds!.Value, 0, 0,
            host.Services.GetRequiredService<ILoggerFactory>());
        using var simulation = runner!.Boot(context);
        var kernel = (KernelSimulation)simulation;
        var pnp = kernel.Pnp!;

        // The tree and each device stack, bottom first: whose device object is where.
        Assert.Equal(ExpectedTree.ReplaceLineEndings("\n"), pnp.DumpDeviceTree());
        var device = pnp.FindDeviceNode(@"USB\VID_1234&PID_B55B\0&0&1")!;
        var lun = Assert.Single(device.Children);
        Assert.Equal(["pci.sys", AkEhci.ImageName], Images(device.Parent!.Parent!));
        Assert.Equal([AkEhci.ImageName, UsbHub.ImageName], Images(device.Parent!));
        Assert.Equal([UsbHub.ImageName, UsbStor.ImageName], Images(device));
        Assert.Equal([UsbStor.ImageName, DiskClass.ImageName], Images(lun));
        var target = Assert.Single(kernel.Targets, t => t.Device.Name == "usbdisk0");
        Assert.Equal(@"\Device\Harddisk0\DR0", target.DeviceName);
        Assert.Equal(lun.PhysicalDeviceObject.AttachedDevice!.Name, target.DeviceName);

        while (simulation.Advance(scenario.DurationNanoseconds!.Value, TimeSpan.FromMinutes(2), CancellationToken.None) == SimulationStatus.Running)
        {
        }
        var result = simulation.Complete();

        Assert.Empty(result.Violations); // every read matched what the workload wrote
        var counters = result.Counters.Where(c => c.Key.StartsWith("workloads.", StringComparison.Ordinal)).ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
        Assert.True(counters.GetValueOrDefault("workloads.usbrw.verified") > 50, $"verified {counters.GetValueOrDefault("workloads.usbrw.verified")}");
        var workload = Assert.Single(result.Workloads);
        Assert.True(workload.Completed > 100, workload.Completed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, workload.InFlight);
        // After the unplug the requests fail with the status NT gives a removed disk, and nothing else fails.
        Assert.Equal(workload.Failed, counters.GetValueOrDefault("workloads.usbrw.failed.STATUS_NO_SUCH_DEVICE"));
        Assert.True(workload.Failed > 0);
        Assert.Equal(DeviceNodeState.RemovePendingCloses, device.State); // surprise-removed; REMOVE_DEVICE waits for the workload's handle
        Assert.Equal(DeviceNodeState.Started, device.Parent!.State);      // the hub stays
    }

    [Fact]
    public void A_traced_run_prints_the_driver_stack_of_each_read_disk_usbstor_usbhub_and_the_host_controller()
    {
        var folder = TempDirectory.Create();
        var run = HostProcess.Run(["run", "usb-storage", "--duration", "20ms", "--trace-out", "traces", "--out", "out"], folder);
        Assert.True(run.ExitCode == 0, run.ToString());

        var lines = File.ReadAllLines(Path.Combine(folder, "traces", KernelTraceSession.DriverStacksFile)).Where(l => !l.StartsWith('#')).Select(l => l.Split('\t')).ToList();
        Assert.Contains(lines, l => l[0] == "ReadFile" && l[1] == "disk.sys -> usbstor.sys -> usbhub.sys -> akehci.sys");
        Assert.Contains(lines, l => l[0] == "WriteFile" && l[1] == "disk.sys -> usbstor.sys -> usbhub.sys -> akehci.sys");
        // Every read and write took that path: no request is left with a part of it.
        Assert.All(lines.Where(l => l[0] is "ReadFile" or "WriteFile"), l => Assert.Equal("disk.sys -> usbstor.sys -> usbhub.sys -> akehci.sys", l[1]));
        Assert.Contains("Trace: driver stack of ReadFile: disk.sys -> usbstor.sys -> usbhub.sys -> akehci.sys", run.StandardOutput + run.StandardError, StringComparison.Ordinal);
    }

    private static List<string> Images(DeviceNode node)
    {
        var images = new List<string>();
        for (var d = node.PhysicalDeviceObject; d is not null; d = d.AttachedDevice)
        {
            images.Add(d.DriverObject.ImageName);
        }
        return images;
    }
}
