/*++

Module Name:

    Pci.cs

Abstract:

    The PCI bus driver (pci.sys). Its FDO sits on the PDO of the PCI host bridge (*PNP0A03, a
    root-enumerated device); when the PnP manager asks for BusRelations it scans the bus's 32 slots
    through configuration space (a slot whose VendorID reads 0xFFFF is empty) and reports one PDO per
    function it finds. Each PDO answers IRP_MN_QUERY_ID with the PCI identifiers Windows uses
    ("Identifiers for PCI Devices": PCI\VEN_v(4)&DEV_d(4)&SUBSYS_s(4)n(4)&REV_r(2) and the more
    general forms), IRP_MN_QUERY_CAPABILITIES with its bus address, and
    IRP_MN_QUERY_RESOURCE_REQUIREMENTS with the decoders the firmware programmed: each BAR (its size
    found the way PCI specifies: write all ones, read the mask back, restore) and the routed INTx#
    line (level-sensitive, shareable). IRP_MN_START_DEVICE turns decoding and bus mastering on.

    Hot plug: while the bus is started, a slot's Presence Detect Changed makes pci.sys call
    IoInvalidateDeviceRelations; a function gone from its slot is left out of the next BusRelations
    and its PDO is deleted at IRP_MN_REMOVE_DEVICE (a present one keeps its PDO).

    Left out: moving BARs (the requirements are the boot configuration), bridges and other buses,
    multi-function devices, the parent ID prefix in instance IDs, BUS_INTERFACE_STANDARD, power.

Environment:

    Kernel mode, PASSIVE_LEVEL (every PnP IRP comes from the PnP manager's thread).

--*/

using System.Buffers.Binary;
using System.Globalization;
using ActorKernel.Actors;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Bus;

/// <summary>The FDO's extension: the bus and the PDOs made so far, by device number.</summary>
public sealed class PciFdoExtension
{
    /// <summary>The device below (the host bridge's PDO).</summary>
    public DeviceObject? Lower { get; internal set; }

    /// <summary>The bus number (0).</summary>
    public uint BusNumber { get; internal set; }

    /// <summary>The child PDOs by device number (null: empty slot or not seen yet).</summary>
    internal DeviceObject?[] Children { get; } = new DeviceObject?[32];

    /// <summary>The host bridge's PDO (what IoInvalidateDeviceRelations names when a slot changes).</summary>
    internal DeviceObject? Pdo { get; set; }

    /// <summary>The hot-plug handler subscribed to the bus's Presence Detect Changed while the FDO is started.</summary>
    internal Action<int>? HotPlugHandler { get; set; }
}

/// <summary>A child PDO's extension: where the function sits and its identification registers.</summary>
public sealed class PciPdoExtension
{
    /// <summary>The bus number.</summary>
    public uint BusNumber { get; init; }

    /// <summary>The device number (slot).</summary>
    public int Device { get; init; }

    /// <summary>VendorID.</summary>
    public ushort VendorId { get; init; }

    /// <summary>DeviceID.</summary>
    public ushort DeviceId { get; init; }

    /// <summary>RevisionID.</summary>
    public byte RevisionId { get; init; }

    /// <summary>ProgIf.</summary>
    public byte ProgIf { get; init; }

    /// <summary>SubClass.</summary>
    public byte SubClass { get; init; }

    /// <summary>BaseClass.</summary>
    public byte BaseClass { get; init; }

    /// <summary>SubVendorID.</summary>
    public ushort SubVendorId { get; init; }

    /// <summary>SubSystemID.</summary>
    public ushort SubSystemId { get; init; }

    /// <summary>PCI_SLOT_NUMBER.u.AsULONG.</summary>
    public uint SlotNumber => PciSlotNumber.Make(Device);

    /// <summary>The last BusRelations left the PDO out (its slot is empty): IRP_MN_REMOVE_DEVICE deletes it.</summary>
    public bool ReportedMissing { get; internal set; }
}

/// <summary>The PCI bus driver (<c>pci.sys</c>).</summary>
public static partial class Pci
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "pci";

    /// <summary>The image name.</summary>
    public const string ImageName = "pci.sys";

    /// <summary>The hardware ID of the PCI host bridge (the PnP ID of a PCI bus).</summary>
    public const string HostBridgeId = "*PNP0A03";

    private const uint PciInvalidVendorId = 0xFFFF;

    /// <summary>DriverEntry.</summary>
    /// <param name="driverObject">The driver object.</param>
    /// <param name="registryPath">The service key (unused).</param>
    /// <returns>STATUS_SUCCESS.</returns>
    public static ValueTask<NtStatus> DriverEntry(DriverObject driverObject, string registryPath)
    {
        _ = registryPath;
        driverObject.MajorFunction[(int)IrpMajorFunction.Pnp] = PciDispatchPnp;
        driverObject.MajorFunction[(int)IrpMajorFunction.Power] = PciDispatchPower;
        driverObject.MajorFunction[(int)IrpMajorFunction.Create] = PciDispatchKeepOrPass;
        driverObject.MajorFunction[(int)IrpMajorFunction.Close] = PciDispatchKeepOrPass;
        // Not a WMI provider: the FDO passes WMI IRPs down, a PDO completes them with the status they came with.
        driverObject.MajorFunction[(int)IrpMajorFunction.SystemControl] = PciDispatchKeepOrPass;
        driverObject.DriverExtension.AddDevice = PciAddDevice;
        driverObject.DriverUnload = static _ => ValueTask.CompletedTask; // nothing is kept per driver
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>AddDevice: the bus FDO over the host bridge's PDO.</summary>
    private static ValueTask<NtStatus> PciAddDevice(DriverObject driverObject, DeviceObject pdo)
    {
        var extension = new PciFdoExtension();
        var status = IoCreateDevice(driverObject, extension, null, DeviceType.BusExtender, 0, false, out var fdo);
        if (!status.IsSuccess())
        {
            return ValueTask.FromResult(status);
        }
        extension.Lower = IoAttachDeviceToDeviceStack(fdo!, pdo);
        extension.Pdo = pdo;
        fdo!.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return ValueTask.FromResult(NtStatus.Success);
    }

    private static ValueTask<NtStatus> PciDispatchPnp(DeviceObject deviceObject, Irp irp) =>
        deviceObject.DeviceExtension is PciFdoExtension fdo ? PciFdoPnp(deviceObject, fdo, irp) : PciPdoPnp(deviceObject, deviceObject.GetExtension<PciPdoExtension>(), irp);

    /// <summary>The FDO: START after the host bridge started; BusRelations from a scan of the slots; the rest passed down.</summary>
    private static async ValueTask<NtStatus> PciFdoPnp(DeviceObject deviceObject, PciFdoExtension fdo, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        switch ((PnpMinorFunction)stack.MinorFunction)
        {
            case PnpMinorFunction.StartDevice:
                irp.IoStatus.Status = NtStatus.Success;
                var status = await IoForwardIrpSynchronously(fdo.Lower!, irp) ? irp.IoStatus.Status : NtStatus.InvalidDeviceRequest;
                if (status.IsSuccess())
                {
                    PciEnableHotPlug(deviceObject, fdo);
                }
                irp.IoStatus.Status = status;
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return status;
            case PnpMinorFunction.RemoveDevice:
                PciDisableHotPlug(deviceObject, fdo);
                // The bus goes, and its children with it: their stacks were removed first; their PDOs go now.
                for (var child = 0; child < fdo.Children.Length; child++)
                {
                    if (fdo.Children[child] is { DeletePending: false } pdo)
                    {
                        IoDeleteDevice(pdo);
                    }
                    fdo.Children[child] = null;
                }
                irp.IoStatus.Status = NtStatus.Success;
                IoSkipCurrentIrpStackLocation(irp);
                var removed = await IoCallDriver(fdo.Lower!, irp);
                IoDetachDevice(fdo.Lower!);
                IoDeleteDevice(deviceObject);
                return removed;
            case PnpMinorFunction.QueryRemoveDevice:
            case PnpMinorFunction.CancelRemoveDevice:
            case PnpMinorFunction.SurpriseRemoval:
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.QueryDeviceRelations when stack.Parameters.QueryDeviceRelations.Type == DeviceRelationType.BusRelations:
                var children = new List<DeviceObject>();
                Span<byte> vendor = stackalloc byte[2];
                for (var device = 0; device < fdo.Children.Length; device++)
                {
                    var slot = PciSlotNumber.Make(device);
                    if (HalGetBusDataByOffset(BusDataType.PciConfiguration, fdo.BusNumber, slot, vendor, 0) != 2
                        || BinaryPrimitives.ReadUInt16LittleEndian(vendor) == PciInvalidVendorId)
                    {
                        if (fdo.Children[device] is { } gone)
                        {
                            // The card left the slot: it is no longer reported, and its PDO goes at IRP_MN_REMOVE_DEVICE.
                            gone.GetExtension<PciPdoExtension>().ReportedMissing = true;
                            fdo.Children[device] = null;
                        }
                        continue;
                    }
                    fdo.Children[device] ??= PciCreatePdo(deviceObject.DriverObject, fdo.BusNumber, device);
                    var child = fdo.Children[device]!;
                    child.ObReferenceObject(); // the PnP manager drops it, or keeps it for a new device node
                    children.Add(child);
                }
                irp.IoStatus.InformationPointer = new DeviceRelations(children);
                irp.IoStatus.Status = NtStatus.Success;
                break;
        }
        IoSkipCurrentIrpStackLocation(irp);
        return await IoCallDriver(fdo.Lower!, irp);
    }

    /// <summary>A child PDO for the function in <paramref name="device"/>, its identification read from configuration space.</summary>
    private static DeviceObject PciCreatePdo(DriverObject driverObject, uint bus, int device)
    {
        var slot = PciSlotNumber.Make(device);
        Span<byte> header = stackalloc byte[0x30];
        HalGetBusDataByOffset(BusDataType.PciConfiguration, bus, slot, header, 0);
        var extension = new PciPdoExtension
        {
            BusNumber = bus,
            Device = device,
            VendorId = BinaryPrimitives.ReadUInt16LittleEndian(header[(int)PciConfigOffset.VendorId..]),
            DeviceId = BinaryPrimitives.ReadUInt16LittleEndian(header[(int)PciConfigOffset.DeviceId..]),
            RevisionId = header[(int)PciConfigOffset.RevisionId],
            ProgIf = header[(int)PciConfigOffset.ProgIf],
            SubClass = header[(int)PciConfigOffset.SubClass],
            BaseClass = header[(int)PciConfigOffset.BaseClass],
            SubVendorId = BinaryPrimitives.ReadUInt16LittleEndian(header[(int)PciConfigOffset.SubsystemVendorId..]),
            SubSystemId = BinaryPrimitives.ReadUInt16LittleEndian(header[(int)PciConfigOffset.SubsystemId..]),
        };
        var status = IoCreateDevice(driverObject, extension, null, DeviceType.BusExtender, DeviceCharacteristics.AutogeneratedDeviceName, false, out var pdo);
        if (!status.IsSuccess())
        {
            throw new InvalidOperationException($"IoCreateDevice for a PCI PDO failed: {status.ToDisplayString()}");
        }
        pdo!.Flags |= DeviceObjectFlags.BusEnumeratedDevice;
        pdo.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return pdo;
    }

    /// <summary>A child PDO: IDs, capabilities, requirements and start; every other request completes with the status it came with.</summary>
    private static async ValueTask<NtStatus> PciPdoPnp(DeviceObject deviceObject, PciPdoExtension pdo, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        switch ((PnpMinorFunction)stack.MinorFunction)
        {
            case PnpMinorFunction.QueryId:
                if (PciQueryId(pdo, stack.Parameters.QueryId.IdType) is { } id)
                {
                    irp.IoStatus.InformationPointer = id;
                    irp.IoStatus.Status = NtStatus.Success;
                }
                break;
            case PnpMinorFunction.QueryCapabilities:
                if (stack.Parameters.DeviceCapabilities.Capabilities is { } capabilities)
                {
                    capabilities.Address = (uint)pdo.Device << 16; // device number in the high word, function 0 in the low
                    capabilities.UiNumber = (uint)pdo.Device;
                    capabilities.UniqueId = false;             // the slot is unique only on this bus
                }
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.QueryResourceRequirements:
                irp.IoStatus.InformationPointer = PciQueryRequirements(pdo);
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.StartDevice:
                Span<byte> command = stackalloc byte[2];
                HalGetBusDataByOffset(BusDataType.PciConfiguration, pdo.BusNumber, pdo.SlotNumber, command, (uint)PciConfigOffset.Command);
                var value = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(command) | (ushort)(PciCommand.IoSpace | PciCommand.MemorySpace | PciCommand.BusMaster));
                BinaryPrimitives.WriteUInt16LittleEndian(command, value);
                HalSetBusDataByOffset(BusDataType.PciConfiguration, pdo.BusNumber, pdo.SlotNumber, command, (uint)PciConfigOffset.Command);
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.QueryRemoveDevice:
            case PnpMinorFunction.CancelRemoveDevice:
            case PnpMinorFunction.SurpriseRemoval:
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.RemoveDevice:
                // A bus driver deletes a child's PDO only once the child is physically gone (it was left
                // out of the last BusRelations); otherwise the PDO stays while the function is in its slot.
                irp.IoStatus.Status = NtStatus.Success;
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                if (pdo.ReportedMissing)
                {
                    IoDeleteDevice(deviceObject);
                }
                return NtStatus.Success;
        }
        var status = irp.IoStatus.Status;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    /// <summary>
    /// Hot plug: while the bus is started, the slots' Presence Detect Changed (the hot-plug controller's
    /// interrupt) makes pci.sys tell the PnP manager its children changed, from a routine at
    /// DISPATCH_LEVEL as the interrupt's DPC would (IoInvalidateDeviceRelations, BusRelations).
    /// </summary>
    private static void PciEnableHotPlug(DeviceObject fdoDevice, PciFdoExtension fdo)
    {
        if (fdo.HotPlugHandler is not null || fdoDevice.DriverObject.Manager.Machine is not { } machine)
        {
            return;
        }
        var module = fdoDevice.DriverObject.Module;
        var pdo = fdo.Pdo!;
        fdo.HotPlugHandler = _ => machine.RunRoutine(0, module, "PciPresenceDetectChanged", () =>
        {
            IoInvalidateDeviceRelations(pdo, DeviceRelationType.BusRelations);
            return ValueTask.CompletedTask;
        }, Irql.DispatchLevel);
        machine.Hal.Platform.Pci.PresenceDetectChanged += fdo.HotPlugHandler;
    }

    private static void PciDisableHotPlug(DeviceObject fdoDevice, PciFdoExtension fdo)
    {
        if (fdo.HotPlugHandler is { } handler && fdoDevice.DriverObject.Manager.Machine is { } machine)
        {
            machine.Hal.Platform.Pci.PresenceDetectChanged -= handler;
        }
        fdo.HotPlugHandler = null;
    }

    /// <summary>The identifiers of "Identifiers for PCI Devices", most specific first.</summary>
    private static object? PciQueryId(PciPdoExtension p, BusQueryIdType type)
    {
        var ven = string.Create(CultureInfo.InvariantCulture, $"PCI\\VEN_{p.VendorId:X4}");
        var dev = string.Create(CultureInfo.InvariantCulture, $"{ven}&DEV_{p.DeviceId:X4}");
        var subsys = string.Create(CultureInfo.InvariantCulture, $"&SUBSYS_{p.SubSystemId:X4}{p.SubVendorId:X4}");
        var rev = string.Create(CultureInfo.InvariantCulture, $"&REV_{p.RevisionId:X2}");
        var ccss = string.Create(CultureInfo.InvariantCulture, $"CC_{p.BaseClass:X2}{p.SubClass:X2}");
        var ccsspp = string.Create(CultureInfo.InvariantCulture, $"{ccss}{p.ProgIf:X2}");
        var cc = string.Create(CultureInfo.InvariantCulture, $"CC_{p.BaseClass:X2}");
        return type switch
        {
            BusQueryIdType.DeviceId => dev + subsys + rev,
            BusQueryIdType.HardwareIds => new[] { dev + subsys + rev, dev + subsys, dev + rev, dev, dev + "&" + ccsspp, dev + "&" + ccss },
            BusQueryIdType.CompatibleIds => new[] { dev + rev, dev, ven + "&" + ccsspp, ven + "&" + ccss, ven, "PCI\\" + ccsspp, "PCI\\" + ccss, "PCI\\" + cc },
            BusQueryIdType.InstanceId => string.Create(CultureInfo.InvariantCulture, $"{(p.Device << 3) | 0:X2}"),
            _ => null,
        };
    }

    /// <summary>
    /// The boot configuration as requirements: each implemented BAR at the address firmware gave it,
    /// its length the BAR's size (aligned to it), and the routed interrupt line, shareable and
    /// level-sensitive as PCI INTx# is.
    /// </summary>
    private static IoResourceRequirementsList PciQueryRequirements(PciPdoExtension p)
    {
        var descriptors = new List<IoResourceDescriptor>();
        Span<byte> bytes = stackalloc byte[4];
        Span<byte> ones = [0xFF, 0xFF, 0xFF, 0xFF];
        for (var bar = 0; bar < 6; bar++)
        {
            var offset = (uint)PciConfigOffset.Bar0 + (uint)(4 * bar);
            HalGetBusDataByOffset(BusDataType.PciConfiguration, p.BusNumber, p.SlotNumber, bytes, offset);
            var original = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
            HalSetBusDataByOffset(BusDataType.PciConfiguration, p.BusNumber, p.SlotNumber, ones, offset);
            HalGetBusDataByOffset(BusDataType.PciConfiguration, p.BusNumber, p.SlotNumber, bytes, offset);
            var mask = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, original);
            HalSetBusDataByOffset(BusDataType.PciConfiguration, p.BusNumber, p.SlotNumber, bytes, offset);
            if (mask == 0)
            {
                continue; // not implemented
            }
            var io = (original & 0x1) != 0;
            var size = ~(mask & (io ? ~0x3u : ~0xFu)) + 1;
            var address = original & (io ? ~0x3u : ~0xFu);
            descriptors.Add(io
                ? IoResourceDescriptor.FixedPort(address, size) with { Alignment = size }
                : IoResourceDescriptor.FixedMemory(address, size) with { Alignment = size, Flags = (original & 0x8) != 0 ? CmResourceFlags.MemoryPrefetchable : CmResourceFlags.None });
        }
        Span<byte> interrupt = stackalloc byte[2];
        HalGetBusDataByOffset(BusDataType.PciConfiguration, p.BusNumber, p.SlotNumber, interrupt, (uint)PciConfigOffset.InterruptLine);
        if (interrupt[1] != 0 && interrupt[0] != 0xFF)
        {
            descriptors.Add(IoResourceDescriptor.Interrupt(interrupt[0], CmShareDisposition.Shared, latched: false));
        }
        return new IoResourceRequirementsList(InterfaceType.PciBus, p.BusNumber, p.SlotNumber, [new IoResourceList(descriptors)]);
    }

    /// <summary>Power, create and close: a PDO completes them with the status they came with; the FDO passes them down.</summary>
    private static async ValueTask<NtStatus> PciDispatchKeepOrPass(DeviceObject deviceObject, Irp irp)
    {
        if (deviceObject.DeviceExtension is PciFdoExtension fdo)
        {
            IoSkipCurrentIrpStackLocation(irp);
            return await IoCallDriver(fdo.Lower!, irp);
        }
        var status = irp.IoStatus.Status;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }
}
