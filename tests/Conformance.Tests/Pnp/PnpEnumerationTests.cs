using ActorKernel.Actors;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Pnp;

/// <summary>The PnP manager enumerates the device tree from the root: issue 15, acceptance item 1 (the tree).</summary>
[Trait("Area", "Pnp")]
public sealed class PnpEnumerationTests
{
    private const string Registry = PnpBed.BaseRegistry + """

        *PNP0501\0000 = com1
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
              Stack = BlkMini > pci
              Resource = Memory 0xE0000000-0xE000007F exclusive
              Resource = IRQ 11 shared
              DevNode SCSI\Disk&Ven_AKSIM&Prod_BLOCKDISK&Rev_1000\0&0&000000
                State = DeviceNodeInitialized (0x302)
                Problem = CM_PROB_FAILED_INSTALL (Code 28), STATUS_OBJECT_NAME_NOT_FOUND (0xC0000034)
                Stack = BlkMini
            DevNode PCI\VEN_8086&DEV_100E&SUBSYS_00000000&REV_00\08
              State = DeviceNodeStarted (0x308)
              Service = AkNic (Class Net)
              Stack = AkNic > pci
              Resource = Memory 0xE0001000-0xE000107F exclusive
              Resource = IRQ 11 shared
          DevNode Root\*PNP0501\0000
            State = DeviceNodeStarted (0x308)
            Service = Serial (Class Ports)
            Stack = Serial > PnpManager
            Resource = Port 0x3F8-0x3FF exclusive
            Resource = IRQ 4 exclusive

        """;

    private static PnpBed SampleMachine(DispatcherKind dispatcher = DispatcherKind.Deterministic, int processors = 1)
    {
        var bed = new PnpBed(processors, dispatcher);
        bed.PlaceUart("com1", 0x3F8, PnpBed.Com1Line);
        bed.PlaceBlockDisk("disk0");
        bed.PlaceNic("nic0");
        bed.Enumerate(Registry);
        return bed;
    }

    [Fact]
    public void Enumeration_builds_the_expected_device_tree_from_the_root_the_pci_bus_and_a_legacy_port()
    {
        using var bed = SampleMachine();

        Assert.Equal(ExpectedTree.Replace("\r\n", "\n", StringComparison.Ordinal), bed.Pnp.DumpDeviceTree());
    }

    [Fact]
    public void On_the_concurrent_dispatcher_with_two_processors_enumeration_builds_the_same_tree()
    {
        using var bed = SampleMachine(DispatcherKind.Concurrent, processors: 2);

        Assert.Equal(ExpectedTree.Replace("\r\n", "\n", StringComparison.Ordinal), bed.Pnp.DumpDeviceTree());
    }

    [Fact]
    public void Enumeration_is_deterministic_the_same_machine_gives_the_same_tree_and_the_same_steps()
    {
        using var first = SampleMachine();
        using var second = SampleMachine();

        Assert.Equal(first.Pnp.DumpDeviceTree(), second.Pnp.DumpDeviceTree());
        Assert.Equal(first.Pnp.Log.Select(e => e.ToString()), second.Pnp.Log.Select(e => e.ToString()));
    }

    [Fact]
    public void A_new_pdo_is_asked_its_ids_capabilities_and_requirements_in_NT_order_then_started_then_enumerated()
    {
        using var bed = SampleMachine();
        var disk = bed.Node(@"PCI\VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00\00");

        var steps = bed.Steps(disk).Select(s => s[..s.IndexOf(" -> ", StringComparison.Ordinal)]).ToList();
        // Every PnP IRP starts as STATUS_NOT_SUPPORTED: a stack that handles none of it answers that (pci.sys has no boot configuration to report).
        Assert.Contains("IRP_MN_QUERY_RESOURCES -> STATUS_NOT_SUPPORTED (0xC00000BB)", bed.Steps(disk));

        // ReactOS devaction.c PiInitializeDevNode / IopCreateDeviceInstancePath, PiCallDriverAddDevice, PiStartDeviceFinal.
        Assert.Equal(
        [
            "IRP_MN_QUERY_ID BusQueryDeviceID",
            "IRP_MN_QUERY_CAPABILITIES (after enumeration)",
            "IRP_MN_QUERY_ID BusQueryInstanceID",
            "IRP_MN_QUERY_ID BusQueryHardwareIDs",
            "IRP_MN_QUERY_ID BusQueryCompatibleIDs",
            "IRP_MN_QUERY_RESOURCES",
            "IRP_MN_QUERY_RESOURCE_REQUIREMENTS",
            @"DriverEntry \Driver\BlkMini (blkmini.sys)",
            @"AddDevice \Driver\BlkMini (DeviceDriver)",
            "IRP_MN_START_DEVICE",
            "IRP_MN_QUERY_CAPABILITIES (after start)",
            "IRP_MN_QUERY_PNP_DEVICE_STATE",
            "IRP_MN_QUERY_DEVICE_RELATIONS BusRelations",
        ], steps);
    }

    [Fact]
    public void The_pci_bus_driver_reports_Windows_pci_hardware_and_compatible_ids_most_specific_first()
    {
        using var bed = SampleMachine();
        var nic = bed.Node(@"PCI\VEN_8086&DEV_100E&SUBSYS_00000000&REV_00\08");

        Assert.Equal(@"PCI\VEN_8086&DEV_100E&SUBSYS_00000000&REV_00", nic.DeviceId);
        Assert.Equal("08", nic.InstanceId); // device 1, function 0: (1 << 3) | 0
        Assert.Equal(
        [
            @"PCI\VEN_8086&DEV_100E&SUBSYS_00000000&REV_00", @"PCI\VEN_8086&DEV_100E&SUBSYS_00000000", @"PCI\VEN_8086&DEV_100E&REV_00",
            @"PCI\VEN_8086&DEV_100E", @"PCI\VEN_8086&DEV_100E&CC_020000", @"PCI\VEN_8086&DEV_100E&CC_0200",
        ], nic.HardwareIds);
        Assert.Equal(@"PCI\CC_02", nic.CompatibleIds[^1]);
        Assert.Equal(1u << 16, nic.Capabilities!.Address); // device number in the high word
    }

    [Fact]
    public void Devices_the_pnp_manager_started_are_opened_and_used_from_user_mode()
    {
        using var bed = SampleMachine();
        var process = UserProcess.Create(bed.Machine, bed.Io, "pnpuser.exe");
        Handle com = default, disk = default;
        IoResult wrote = default, read = default;
        var pattern = Enumerable.Range(0, 512).Select(i => (byte)(i * 7)).ToArray();
        var back = new byte[512];
        var done = false;
        process.CreateThread(0, "main", async () =>
        {
            com = await CreateFile(@"\\.\COM1", GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            disk = await CreateFile(@"\\.\BlkDisk0", GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = process.VirtualAlloc(4096);
            process.WriteMemory(buffer, pattern);
            wrote = await WriteFile(disk, buffer, 512, new Overlapped { Offset = 1024 });
            process.WriteMemory(buffer, new byte[512]);
            read = await ReadFile(disk, buffer, 512, new Overlapped { Offset = 1024 });
            process.ReadMemory(buffer, back);
            await CloseHandle(disk);
            await CloseHandle(com);
            done = true;
        });
        bed.RunUntil(() => done);

        Assert.True(com.IsValid, "COM1 opens: serial.sys got its port and IRQ from the PnP manager");
        Assert.True(disk.IsValid, "the block disk opens: the storage port started on the PCI device");
        Assert.True(wrote.Succeeded && read.Succeeded);
        Assert.Equal(pattern, back);
    }
}
