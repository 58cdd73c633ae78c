using ActorKernel.Actors;
using ActorKernel.Drivers.FileSystem;
using ActorKernel.Drivers.Storage;
using ActorKernel.Drivers.Storage.Class;
using ActorKernel.Drivers.Volume;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorKernel.Host.Tests.Stacks;

/// <summary>
/// Issue 19, acceptance 1 for the storage stack: the shipped <c>storage-fs</c> scenario, run by the
/// host's runner, has the PnP manager build two block controllers' port/miniport stacks, the LUN
/// stacks disk.sys attaches to, the partitions, the striped volume on its root PDO and akfs.sys as a
/// system-start file system; format.exe and fsinit.exe work from user mode (the volume mounted
/// through its VPB) and the scenario's program reads back what it writes in a file, every read checked.
/// </summary>
[Trait("Area", "Stacks")]
public sealed class StorageFsScenarioTests
{
    private const string Adapter0 = @"PCI\VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00\00";
    private const string Adapter1 = @"PCI\VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00\08";

    private const string Tree = """
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
              Stack = BlkMini > pci
              Resource = Memory 0xE0000000-0xE000007F exclusive
              Resource = IRQ 11 shared
              DevNode SCSI\Disk&Ven_AKSIM&Prod_BLOCKDISK&Rev_1000\0&0&000000
                State = DeviceNodeStarted (0x308)
                Service = disk (Class DiskDrive)
                Stack = disk > BlkMini
                DevNode STORAGE\Partition\Harddisk0Partition1
                  State = DeviceNodeStarted (0x308)
                  Stack = disk
            DevNode PCI\VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00\08
              State = DeviceNodeStarted (0x308)
              Service = BlkMini (Class SCSIAdapter)
              Stack = BlkMini > pci
              Resource = Memory 0xE0001000-0xE000107F exclusive
              Resource = IRQ 10 shared
              DevNode SCSI\Disk&Ven_AKSIM&Prod_BLOCKDISK&Rev_1000\1&0&000000
                State = DeviceNodeStarted (0x308)
                Service = disk (Class DiskDrive)
                Stack = disk > BlkMini
                DevNode STORAGE\Partition\Harddisk1Partition1
                  State = DeviceNodeStarted (0x308)
                  Stack = disk
          DevNode Root\STRIPE\0000
            State = DeviceNodeStarted (0x308)
            Service = stripe (Class Volume)
            Stack = stripe > PnpManager
          DevNode Root\LEGACY_AKFS\0000
            State = DeviceNodeStarted (0x308)
            Service = akfs
            Stack = PnpManager

        """;

    private static List<DeviceObject> StackOf(DeviceNode node)
    {
        var stack = new List<DeviceObject>();
        for (var d = node.PhysicalDeviceObject; d is not null; d = d.AttachedDevice)
        {
            stack.Add(d);
        }
        return stack;
    }

    [Fact]
    public void The_storage_fs_scenario_builds_every_stack_mounts_akfs_on_the_volume_and_the_file_workload_reads_back_what_it_wrote()
    {
        using var host = HostFactory.Build([]);
        var (scenario, runner, problems) = host.Services.GetRequiredService<ScenarioCheck>().Check("storage-fs");
        Assert.True(scenario is not null && runner is not null, string.Join("\n", problems));
        Assert.DoesNotContain(problems, p => p.Severity == ProblemSeverity.Warning);
        var context = new SimulationContext(scenario!, scenario!.Machine.Seed!.Value, scenario.DispatcherKind, scenario.DurationNanoseconds!.Value, 0, 0,
            host.Services.GetRequiredService<ILoggerFactory>());
        using var simulation = runner!.Boot(context);
        var machine = (KernelSimulation)simulation;
        var pnp = machine.Pnp!;

        Assert.Equal(Tree.Replace("\r\n", "\n", StringComparison.Ordinal), pnp.DumpDeviceTree());
        Assert.Contains("akfs = akfs.sys, 1\n", machine.RegistryText, StringComparison.Ordinal);
        Assert.Contains("STRIPE = stripe, Volume\n", machine.RegistryText, StringComparison.Ordinal);

        for (var disk = 0; disk < 2; disk++)
        {
            // The adapter: pci.sys's PDO, the port's FDO.
            var adapter = StackOf(pnp.FindDeviceNode(disk == 0 ? Adapter0 : Adapter1)!);
            Assert.Equal([Drivers.Bus.Pci.ServiceName, BlkMiniport.ServiceName], adapter.Select(d => d.DriverObject.ServiceName));
            Assert.IsType<StorageAdapter>(adapter[1].DeviceExtension);
            // The LUN: the port's PDO (unnamed), disk.sys's FDO \Device\HarddiskN\DR0.
            var lunNode = pnp.FindDeviceNode(FormattableString.Invariant($@"SCSI\Disk&Ven_AKSIM&Prod_BLOCKDISK&Rev_1000\{disk}&0&000000"))!;
            var lun = StackOf(lunNode);
            Assert.Equal([BlkMiniport.ServiceName, DiskClass.ServiceName], lun.Select(d => d.DriverObject.ServiceName));
            Assert.IsType<StorageLun>(lun[0].DeviceExtension);
            Assert.StartsWith(@"\Device\0", lun[0].Name, StringComparison.Ordinal); // a PDO's generated name (\Device\0000000N)
            Assert.Equal(FormattableString.Invariant($@"\Device\Harddisk{disk}\DR{disk}"), lun[1].Name);
            // The partition: disk.sys's raw PDO, alone in its stack.
            var partition = StackOf(pnp.FindDeviceNode(FormattableString.Invariant($@"STORAGE\Partition\Harddisk{disk}Partition1"))!);
            Assert.Equal([FormattableString.Invariant($@"\Device\Harddisk{disk}\Partition1")], partition.Select(d => d.Name));
            Assert.Equal(DiskClass.ServiceName, partition[0].DriverObject.ServiceName);
        }
        // The volume: the root PDO, stripe.sys's FDO with the VPB akfs mounted; its members are the partitions' devices.
        var volume = StackOf(pnp.FindDeviceNode(@"Root\STRIPE\0000")!);
        Assert.Equal([PnpManager.RootDriverServiceName, StripeVolume.ServiceName], volume.Select(d => d.DriverObject.ServiceName));
        Assert.Equal(@"\Device\StripeVolume0", volume[1].Name);
        Assert.Equal([@"\Device\Harddisk0\Partition1", @"\Device\Harddisk1\Partition1"], volume[1].GetExtension<StripeExtension>().Members.Select(m => m.Name));
        var vpb = volume[1].Vpb!;
        Assert.True((vpb.Flags & VpbFlags.Mounted) != 0, "fsinit.exe's first open mounted the volume");
        // The file system: its CDO \Akfs (registered) and the VDO the VPB points at, both akfs.sys's, on its legacy node.
        var akfs = machine.Io.Drivers.Single(d => d.ServiceName == Akfs.ServiceName);
        Assert.Contains(machine.Io.DiskFileSystems, d => d.Name == Akfs.ControlDeviceName && d.DriverObject == akfs);
        Assert.Same(akfs, vpb.DeviceObject!.DriverObject);
        Assert.Equal(DeviceType.DiskFileSystem, vpb.DeviceObject.DeviceType);
        var vcb = vpb.DeviceObject.GetExtension<AkfsVcb>();
        Assert.Same(volume[1], vcb.TargetDevice);
        Assert.NotNull(pnp.FindDeviceNode(PnpManager.LegacyInstancePath(Akfs.ServiceName)));
        // The workload opens its file on the volume, through the file system.
        Assert.Equal(@"\??\StripeVolume0\data\workload.bin", machine.Targets.Single(t => t.Device.Name == "vol0").OpenName);

        var status = SimulationStatus.Running;
        for (var slices = 0; status == SimulationStatus.Running && slices < 10_000; slices++)
        {
            status = simulation.Advance(10_000_000, TimeSpan.FromMinutes(1), CancellationToken.None);
        }
        Assert.Equal(SimulationStatus.Finished, status);
        var result = simulation.Complete();
        Assert.Null(result.Crash);
        Assert.Empty(result.Violations);
        Assert.Contains(@"format.exe \??\StripeVolume0 /FS:akfs /A:65536: done", result.Notes);
        Assert.Contains(result.Notes, n => n.StartsWith(Drivers.FileSystem.Programs.AkfsFileWorkload.Succeeded, StringComparison.Ordinal));
        var files = result.Workloads.Single();
        Assert.Equal(0, files.Failed);
        Assert.True(files.Reads > 0 && files.Writes > 0);
        // Every successful read was checked byte for byte against what the program wrote there.
        Assert.Equal(files.Reads, result.Counters.Single(c => c.Key == "workloads.files.verified").Value);
    }
}
