using ActorKernel.Actors;
using ActorKernel.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorKernel.Host.Tests.Pnp;

/// <summary>
/// Issue 15, the runner: a scenario's stacks are built by the PnP manager from the registry the
/// scenario becomes (ScenarioRegistry), never by the host: every shipped scenario's devices stand on
/// device nodes whose stacks are what the scenario names, and a hardware scenario's tree is the
/// expected <c>!devnode</c> dump.
/// </summary>
[Trait("Area", "Pnp")]
public sealed class ScenarioDeviceTreeTests
{
    /// <summary>Every shipped scenario (<c>list scenarios</c>).</summary>
    public static TheoryData<string> Shipped()
    {
        using var host = HostFactory.Build([]);
        var data = new TheoryData<string>();
        foreach (var s in host.Services.GetRequiredService<ScenarioLibrary>().List())
        {
            data.Add(s.Name);
        }
        return data;
    }

    /// <summary>Boots <paramref name="reference"/> (a shipped name or a file) without running its workloads.</summary>
    private static (IHost Host, ISimulation Simulation) Boot(string reference)
    {
        var host = HostFactory.Build([]);
        var (scenario, runner, problems) = host.Services.GetRequiredService<ScenarioCheck>().Check(reference);
        Assert.True(scenario is not null && runner is not null, string.Join("\n", problems));
        var context = new SimulationContext(scenario!, scenario!.Machine.Seed!.Value, scenario.DispatcherKind, scenario.DurationNanoseconds!.Value, 0, 0,
            host.Services.GetRequiredService<ILoggerFactory>());
        return (host, runner!.Boot(context));
    }

    private static IReadOnlyList<KernelSimulation> Machines(ISimulation simulation) => simulation switch
    {
        KernelSimulation one => [one],
        MachinesSimulation many => [.. many.Machines.Select(m => m.Simulation)],
        _ => throw new InvalidOperationException(simulation.GetType().Name),
    };

    private static string Service(string scenarioName) => ScenarioRegistry.Find(scenarioName)!.Service;

    [Theory]
    [MemberData(nameof(Shipped))]
    public void Every_shipped_scenarios_stacks_are_the_device_nodes_stacks_the_PnP_manager_built(string name)
    {
        var (host, simulation) = Boot(name);
        using (host)
        using (simulation)
        {
            foreach (var machine in Machines(simulation))
            {
                var pnp = machine.Pnp;
                Assert.NotNull(pnp);
                Assert.True(pnp.IsIdle, "the tree settled before any program ran");
                Assert.Equal(machine.Scenario.Drivers.Count, machine.Targets.Count);
                foreach (var (spec, target) in machine.Scenario.Drivers.Zip(machine.Targets))
                {
                    var node = pnp.IopGetDeviceNode(target.Pdo!);
                    Assert.NotNull(node);
                    Assert.Equal(DeviceNodeState.Started, node.State);
                    Assert.Equal(CmProblem.None, node.Problem);
                    Assert.Null(target.Problem);
                    var function = ScenarioRegistry.Find(spec.Name!)!;
                    Assert.Equal(function.Service, node.ServiceName);
                    if (function.Legacy)
                    {
                        // A legacy driver: its node is Root\LEGACY_<SERVICE>, programs open its own named device.
                        Assert.Equal(PnpManager.LegacyInstancePath(function.Service), node.InstancePath);
                        Assert.Equal(function.Service, machine.Io.Drivers.Single(d => d.DeviceObjects.Any(o => o.Name == target.DeviceName)).ServiceName);
                        continue;
                    }
                    // The stack top first: upper filters as the scenario lists them, the function driver, the lower filters, the bus driver.
                    // The bus driver is the parent's function driver: the root enumerator, pci.sys, busenum.sys (a toaster), a USB hub.
                    var bus = node.Parent == pnp.RootDeviceNode ? PnpManager.RootDriverServiceName : node.Parent!.ServiceName ?? Drivers.Bus.Pci.ServiceName; // or the hub of a USB device
                    // Class filters (the setup class's key) stand above the device's own, upper and lower.
                    string[] expected = [.. spec.ClassUpperFilters.Select(Service), .. spec.UpperFilters.Select(Service), function.Service,
                        .. spec.ClassLowerFilters.Select(Service), .. spec.LowerFilters.Select(Service), bus!];
                    Assert.Equal(expected, node.DriverStack);
                    var stack = new List<DeviceObject>();
                    for (var d = node.PhysicalDeviceObject; d is not null; d = d.AttachedDevice)
                    {
                        stack.Add(d);
                    }
                    if (spec.Name == UsbStorageCatalog.UsbStorageDriver)
                    {
                        // usbstor.sys is also the bus of the disk's LUN: programs open disk.sys's device on the LUN's stack.
                        for (var d = Assert.Single(node.Children).PhysicalDeviceObject; d is not null; d = d.AttachedDevice)
                        {
                            stack.Add(d);
                        }
                    }
                    Assert.Equal(stack.Select(d => d.DriverObject.ImageName), target.Layers);
                    Assert.Contains(stack, d => d.Name == target.DeviceName);
                }
                // No stack of the machine stands beside the tree: every device object sits on a device node's PDO,
                // or is a legacy driver's own, and each driver was loaded once.
                foreach (var driver in machine.Io.Drivers)
                {
                    foreach (var device in driver.DeviceObjects)
                    {
                        var bottom = device;
                        while (bottom.AttachedTo is { } below)
                        {
                            bottom = below;
                        }
                        Assert.True(pnp.IopGetDeviceNode(bottom) is not null || pnp.FindDeviceNode(PnpManager.LegacyInstancePath(driver.ServiceName)) is not null,
                            $"{device} of {driver.Name} is on no device node");
                    }
                }
                Assert.Equal(machine.Io.Drivers.Count, machine.Io.Drivers.Select(d => d.ServiceName).Distinct(StringComparer.OrdinalIgnoreCase).Count());
                // An image on Driver Verifier's list (a stack with verifier.enabled) was loaded with I/O verification, and only such an image.
                Assert.All(machine.Io.Drivers, d => Assert.Equal((machine.Machine.Memory.VfGetOptions(d.ImageName) & VerifierOptions.IoVerification) != 0, d.VerifierEnabled));
            }
        }
    }

    /// <summary>Every kind of device a scenario can hold: PCI cards (pci.sys), a legacy UART, root-enumerated devices with filters, a legacy driver, a raw PDO.</summary>
    private const string TreeScenario = """
        {
          "name": "pnp-tree", "duration": "1ms",
          "machine": { "processors": 2, "seed": 15 },
          "devices": [
            { "name": "disk0", "type": "block-disk", "irq": 11 },
            { "name": "nic0", "type": "nic", "irq": 10 },
            { "name": "com1", "type": "uart", "irq": 4 },
            { "name": "ram0", "type": "root-device", "irq": 5 },
            { "name": "ram1", "type": "root-device", "irq": 6 },
            { "name": "ioctl0", "type": "root-device", "irq": 7 },
            { "name": "raw0", "type": "root-device", "irq": 9 },
            { "name": "echo0", "type": "interrupt-source", "irq": 12 }
          ],
          "drivers": [
            { "name": "block-storage", "device": "disk0", "upperFilters": ["counting-filter"] },
            { "name": "aknic", "device": "nic0" },
            { "name": "serial", "device": "com1", "lowerFilters": ["counting-filter"] },
            { "name": "ramdisk", "device": "ram0", "upperFilters": ["leaky-filter", "counting-filter"], "lowerFilters": ["counting-filter"] },
            { "name": "ramdisk", "device": "ram1" },
            { "name": "sioctl", "device": "ioctl0" },
            { "name": "root-bus", "device": "raw0" },
            { "name": "interrupt-echo", "device": "echo0" }
          ]
        }
        """;

    private const string ExpectedRegistry = """
        ; the registry of scenario pnp-tree (ActorKernel.Host ScenarioRegistry)
        [Services]
        pci = pci.sys
        BlkMini = blkmini.sys
        disk = disk.sys
        CntFilt = cntfilt.sys
        AkNic = aknic.sys
        Serial = serial.sys
        RamDisk = ramdisk.sys
        LeakyFlt = leakyflt.sys
        SIoctl = sioctl.sys, 1
        IntEcho = intecho.sys

        [Drivers]
        *PNP0A03 = pci, System
        PCI\VEN_1234&DEV_B10C = BlkMini, SCSIAdapter
        GenDisk = disk, DiskDrive
        PCI\VEN_8086&DEV_100E = AkNic, Net
        *PNP0501 = Serial, Ports
        RAMDISK = RamDisk, DiskDrive
        INTECHO = IntEcho, System

        [Device PCI\VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00\00]
        UpperFilters = CntFilt

        [Device Root\*PNP0501\0000]
        LowerFilters = CntFilt

        [Device Root\RAMDISK\0000]
        UpperFilters = CntFilt, LeakyFlt
        LowerFilters = CntFilt

        [Root]
        *PNP0A03\0000 =
        *PNP0501\0000 = com1
        RAMDISK\0000 =
        RAMDISK\0001 =
        RAWPDO\0000 = RawDeviceOK
        INTECHO\0000 =

        """;

    private const string ExpectedTree = """
        DevNode HTREE\ROOT\0
          State = DeviceNodeStarted (0x308)
          Stack = PnpManager
          DevNode Root\*PNP0A03\0000
            State = DeviceNodeStarted (0x308)
            Service = pci (Class System)
            Stack = pci > PnpManager
            DevNode PCI\VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00\00
              State = DeviceNodeStarted (0x308)
              Service = BlkMini (Class SCSIAdapter)
              Stack = CntFilt > BlkMini > pci
              Resource = Memory 0xE0000000-0xE000007F exclusive
              Resource = IRQ 11 shared
              DevNode SCSI\Disk&Ven_AKSIM&Prod_BLOCKDISK&Rev_1000\0&0&000000
                State = DeviceNodeStarted (0x308)
                Service = disk (Class DiskDrive)
                Stack = disk > BlkMini
            DevNode PCI\VEN_8086&DEV_100E&SUBSYS_00000000&REV_00\08
              State = DeviceNodeStarted (0x308)
              Service = AkNic (Class Net)
              Stack = AkNic > pci
              Resource = Memory 0xE0001000-0xE000107F exclusive
              Resource = IRQ 10 shared
          DevNode Root\*PNP0501\0000
            State = DeviceNodeStarted (0x308)
            Service = Serial (Class Ports)
            Stack = Serial > CntFilt > PnpManager
            Resource = Port 0x3F8-0x3FF exclusive
            Resource = IRQ 4 exclusive
          DevNode Root\RAMDISK\0000
            State = DeviceNodeStarted (0x308)
            Service = RamDisk (Class DiskDrive)
            Stack = LeakyFlt > CntFilt > RamDisk > CntFilt > PnpManager
          DevNode Root\RAMDISK\0001
            State = DeviceNodeStarted (0x308)
            Service = RamDisk (Class DiskDrive)
            Stack = RamDisk > PnpManager
          DevNode Root\RAWPDO\0000
            State = DeviceNodeStarted (0x308)
            Stack = PnpManager
          DevNode Root\INTECHO\0000
            State = DeviceNodeStarted (0x308)
            Service = IntEcho (Class System)
            Stack = IntEcho > PnpManager
          DevNode Root\LEGACY_SIOCTL\0000
            State = DeviceNodeStarted (0x308)
            Service = SIoctl
            Stack = PnpManager

        """;

    [Fact]
    public void A_hardware_scenario_enumerates_to_the_expected_device_tree_with_AddDevice_lower_then_function_then_upper()
    {
        var file = Path.Combine(TempDirectory.Create(), "pnp-tree.json");
        File.WriteAllText(file, TreeScenario);
        var (host, simulation) = Boot(file);
        using (host)
        using (simulation)
        {
            var pnp = ((KernelSimulation)simulation).Pnp!;
            Assert.Equal(ExpectedRegistry.ReplaceLineEndings("\n"), ((KernelSimulation)simulation).RegistryText);
            Assert.Equal(ExpectedTree.ReplaceLineEndings("\n"), pnp.DumpDeviceTree());
            // Each driver's DriverEntry ran once, before its first AddDevice; ram0's AddDevice calls ran bottom up.
            var log = pnp.Log.Select(e => e.ToString()).ToList();
            Assert.Single(log, l => l.Contains("DriverEntry \\Driver\\CntFilt", StringComparison.Ordinal));
            Assert.Single(log, l => l.Contains("DriverEntry \\Driver\\RamDisk", StringComparison.Ordinal));
            var ram0 = log.Where(l => l.StartsWith("Root\\RAMDISK\\0000 AddDevice", StringComparison.Ordinal)).ToList();
            Assert.Equal(
            [
                "Root\\RAMDISK\\0000 AddDevice \\Driver\\CntFilt (LowerFilter) -> STATUS_SUCCESS (0x00000000)",
                "Root\\RAMDISK\\0000 AddDevice \\Driver\\RamDisk (DeviceDriver) -> STATUS_SUCCESS (0x00000000)",
                "Root\\RAMDISK\\0000 AddDevice \\Driver\\CntFilt (UpperFilter) -> STATUS_SUCCESS (0x00000000)",
                "Root\\RAMDISK\\0000 AddDevice \\Driver\\LeakyFlt (UpperFilter) -> STATUS_SUCCESS (0x00000000)",
            ], ram0);
        }
    }

    [Fact]
    public void Run_devnodes_prints_the_same_tree_and_kd_devnode_shows_it_on_the_crash_dump()
    {
        var folder = TempDirectory.Create();
        File.WriteAllText(Path.Combine(folder, "pnp-tree.json"), TreeScenario);
        var run = HostProcess.Run(["run", "pnp-tree.json", "--devnodes", "--out", "out"], folder);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Device tree (!devnode 0 1) at the end of the run\n" + ExpectedTree.ReplaceLineEndings("\n"), run.StandardOutput.ReplaceLineEndings("\n"), StringComparison.Ordinal);

        var crash = HostProcess.Run(["run", "planted-bugcheck", "--duration", "300ms", "--out", "crash"], folder);
        Assert.Equal(1, crash.ExitCode);
        var kd = HostProcess.Run(["kd", "--dump", Path.Combine("crash", "crash-001.dmp.json"), "-c", "!devnode 0 1"], folder);
        Assert.True(kd.ExitCode == 0, kd.ToString());
        Assert.Contains("""
            DevNode HTREE\ROOT\0
              State = DeviceNodeStarted (0x308)
              Stack = PnpManager
              DevNode Root\INTECHO\0000
                State = DeviceNodeStarted (0x308)
                Service = IntEcho (Class System)
                Stack = PlantFlt > IntEcho > PnpManager

            """.ReplaceLineEndings("\n"), kd.StandardOutput.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_device_whose_start_fails_shows_CM_PROB_FAILED_START_in_the_summary_and_the_rest_of_the_machine_runs()
    {
        var folder = TempDirectory.Create();
        // The controller is gone at power-on: blkmini.sys's HwFindAdapter reads all ones, so IRP_MN_START_DEVICE fails.
        File.WriteAllText(Path.Combine(folder, "dead-disk.json"), """
            {
              "name": "dead-disk", "duration": "2ms",
              "machine": { "processors": 2, "seed": 3 },
              "devices": [
                { "name": "disk0", "type": "block-disk", "irq": 11 },
                { "name": "ram0", "type": "root-device", "irq": 5 }
              ],
              "drivers": [ { "name": "block-storage", "device": "disk0" }, { "name": "ramdisk", "device": "ram0", "upperFilters": ["counting-filter"] } ],
              "workloads": [
                { "name": "io", "device": "disk0", "mix": { "read": 1 }, "queueDepth": 2 },
                { "name": "ram", "device": "ram0", "mix": { "read": 0.5, "write": 0.5 }, "queueDepth": 2 }
              ],
              "faults": [ { "at": "0s", "type": "surprise-unplug", "device": "disk0" } ]
            }
            """);
        var run = HostProcess.Run(["run", "dead-disk.json", "--devnodes", "--out", "out"], folder);
        Assert.True(run.ExitCode == 0, run.ToString());
        var summary = Summary.Read(Path.Combine(folder, "out"));
        Summary.AssertConsistent(summary);
        var notes = summary.GetProperty("notes").EnumerateArray().Select(n => n.GetString()).ToList();
        Assert.Contains("device node PCI\\VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00\\00 (disk0): CM_PROB_FAILED_START (Code 10), STATUS_DEVICE_DOES_NOT_EXIST (0xC00000C0)", notes);
        Assert.Contains("workload 'io' did not start: device disk0 has CM_PROB_FAILED_START (Code 10)", notes);
        var workloads = summary.GetProperty("workloads").EnumerateArray().ToDictionary(w => w.GetProperty("name").GetString()!);
        Assert.Equal(0, workloads["io"].GetProperty("issued").GetInt64());
        Assert.True(workloads["ram"].GetProperty("completed").GetInt64() > 100, "the RAM disk's workload ran");
        Assert.Contains("      State = DeviceNodeAwaitingQueuedRemoval (0x30F)\n      Service = BlkMini (Class SCSIAdapter)\n      Problem = CM_PROB_FAILED_START (Code 10), STATUS_DEVICE_DOES_NOT_EXIST (0xC00000C0)\n",
            run.StandardOutput.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }
}
