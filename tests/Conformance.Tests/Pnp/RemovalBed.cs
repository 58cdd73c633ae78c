using ActorKernel.Actors;
using ActorKernel.Drivers.Storage;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Pnp;

/// <summary>
/// What the removal, hot-plug and interface tests add to <see cref="PnpBed"/>: a block disk whose
/// commands take long enough that 32 reads are all at the controller when it is pulled, user processes,
/// the PCI unplug, and a journaling filter that can veto IRP_MN_QUERY_REMOVE_DEVICE and handles
/// IRP_MN_REMOVE_DEVICE as a WDK filter does.
/// </summary>
internal static class RemovalBed
{
    /// <summary>The instance path pci.sys gives the block controller in slot N.</summary>
    public static string DiskPath(int slot) => FormattableString.Invariant($@"PCI\VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00\{slot << 3:X2}");

    /// <summary>The user-mode form of the disk interface of the controller in slot N (what CreateFile opens).</summary>
    public static string DiskInterface(int slot) =>
        FormattableString.Invariant($@"\\?\PCI#VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00#{slot << 3:X2}#{{53f56307-b6bf-11d0-94f2-00a0c91efb8b}}");

    /// <summary>A block controller on PCI whose every command takes 10 ms (command overhead), INTA# on the shared line.</summary>
    public static BlockController PlaceSlowDisk(this PnpBed bed, string name, int slot = -1)
    {
        var options = new BlockControllerOptions { CommandOverheadNs = 10_000_000 };
        var controller = new BlockController(options, new MemoryDiskImage(2048), bed.Machine.Hal.Platform.Memory, bed.Machine.CreateInterruptPin(PnpBed.PciLine));
        controller.Attach(bed.Machine.System, name);
        bed.Machine.Hal.Platform.PlacePciDevice(name, new PciDeviceDefinition(0x1234, 0xB10C, 0x01, 0x80, 0x00, [new PciBarDefinition(PciBarKind.Memory32, controller)]), PnpBed.PciLine, slot);
        return controller;
    }

    /// <summary>The card is pulled: the controller loses power (registers read all ones) and the slot empties (Presence Detect Changed).</summary>
    public static void Unplug(this PnpBed bed, string name, BlockController controller)
    {
        controller.InjectFault(BlockControllerFault.SurpriseUnplug);
        Assert.True(bed.Machine.Hal.Platform.UnplugPciDevice(name));
    }

    /// <summary>Starts <paramref name="main"/> as the main thread of a new process; <paramref name="done"/> tells when it returned.</summary>
    public static UserProcess StartProcess(this PnpBed bed, Func<UserProcess, ValueTask> main, out Func<bool> done)
    {
        var process = UserProcess.Create(bed.Machine, bed.Io, "app.exe");
        var finished = false;
        process.CreateThread(0, "main", async () =>
        {
            await main(process);
            finished = true;
        });
        done = () => Volatile.Read(ref finished);
        return process;
    }

    /// <summary>Runs <paramref name="main"/> in a new process to its end.</summary>
    public static UserProcess RunProcess(this PnpBed bed, Func<UserProcess, ValueTask> main)
    {
        var process = bed.StartProcess(main, out var done);
        bed.RunUntil(done);
        return process;
    }

    /// <summary>The blkmini.sys driver object, or null once it is unloaded.</summary>
    public static DriverObject? BlkMini(this PnpBed bed) => bed.Io.Drivers.FirstOrDefault(d => d.ServiceName == BlkMiniport.ServiceName);

    /// <summary>The PnP IRPs the manager sent a node, by minor name, in order (other steps left out).</summary>
    public static List<string> PnpIrps(this PnpBed bed, string instancePath) =>
        [.. bed.Pnp.Log.Where(e => e.Node.InstancePath == instancePath && e.What.StartsWith("IRP_MN_", StringComparison.Ordinal)
            && !e.What.StartsWith("IRP_MN_QUERY_ID", StringComparison.Ordinal) && !e.What.StartsWith("IRP_MN_QUERY_CAPABILITIES", StringComparison.Ordinal)
            && !e.What.StartsWith("IRP_MN_QUERY_RESOURCE", StringComparison.Ordinal) && !e.What.StartsWith("IRP_MN_QUERY_PNP_DEVICE_STATE", StringComparison.Ordinal))
            .Select(e => e.What.Split(' ')[0])];
}

internal sealed class VetoFilterExtension
{
    public DeviceObject? Lower { get; set; }

    public IoRemoveLock RemoveLock { get; } = new();
}

/// <summary>
/// An upper filter that journals the removal IRPs it sees (<c>NAME IRP_MN_...</c>), fails
/// IRP_MN_QUERY_REMOVE_DEVICE with <see cref="NtStatus.DeviceBusy"/> while <see cref="Veto"/> is set,
/// and on IRP_MN_REMOVE_DEVICE waits on its remove lock, passes the IRP down, detaches and deletes.
/// </summary>
internal sealed class VetoFilter(string name, List<string> journal)
{
    public bool Veto { get; set; }

    /// <summary>Answer IRP_MN_QUERY_PNP_DEVICE_STATE with PNP_DEVICE_FAILED (the hardware broke while running).</summary>
    public bool ReportFailed { get; set; }

    public ValueTask<NtStatus> DriverEntry(DriverObject driverObject, string registryPath)
    {
        _ = registryPath;
        for (var i = 0; i < DriverObject.MajorFunctionCount; i++)
        {
            driverObject.MajorFunction[i] = PassDown;
        }
        driverObject.MajorFunction[(int)IrpMajorFunction.Pnp] = Pnp;
        driverObject.DriverUnload = _ =>
        {
            Note("DriverUnload");
            return ValueTask.CompletedTask;
        };
        driverObject.DriverExtension.AddDevice = (driver, pdo) =>
        {
            var extension = new VetoFilterExtension();
            var status = IoCreateDevice(driver, extension, null, pdo.DeviceType, 0, false, out var filter);
            if (!status.IsSuccess())
            {
                return ValueTask.FromResult(status);
            }
            IoInitializeRemoveLock(extension.RemoveLock, 0x6F746556, 0, 0);
            extension.Lower = IoAttachDeviceToDeviceStack(filter!, pdo);
            filter!.Flags |= extension.Lower!.Flags & (DeviceObjectFlags.BufferedIo | DeviceObjectFlags.DirectIo);
            filter.Flags &= ~DeviceObjectFlags.DeviceInitializing;
            return ValueTask.FromResult(NtStatus.Success);
        };
        return ValueTask.FromResult(NtStatus.Success);
    }

    private static async ValueTask<NtStatus> PassDown(DeviceObject device, Irp irp)
    {
        var extension = device.GetExtension<VetoFilterExtension>();
        var status = IoAcquireRemoveLock(extension.RemoveLock, irp);
        if (!status.IsSuccess())
        {
            irp.IoStatus.Status = status;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return status;
        }
        IoSkipCurrentIrpStackLocation(irp);
        status = await IoCallDriver(extension.Lower!, irp);
        IoReleaseRemoveLock(extension.RemoveLock, irp);
        return status;
    }

    private async ValueTask<NtStatus> Pnp(DeviceObject device, Irp irp)
    {
        var extension = device.GetExtension<VetoFilterExtension>();
        var minor = (PnpMinorFunction)IoGetCurrentIrpStackLocation(irp).MinorFunction;
        switch (minor)
        {
            case PnpMinorFunction.QueryPnpDeviceState when ReportFailed:
                irp.IoStatus.Information |= (ulong)PnpDeviceState.Failed;
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.QueryRemoveDevice when Veto:
                Note("IRP_MN_QUERY_REMOVE_DEVICE -> STATUS_DEVICE_BUSY");
                irp.IoStatus.Status = NtStatus.DeviceBusy;
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return NtStatus.DeviceBusy;
            case PnpMinorFunction.RemoveDevice:
                Note("IRP_MN_REMOVE_DEVICE");
                _ = IoAcquireRemoveLock(extension.RemoveLock, irp);
                await IoReleaseRemoveLockAndWait(extension.RemoveLock, irp);
                irp.IoStatus.Status = NtStatus.Success;
                IoSkipCurrentIrpStackLocation(irp);
                var status = await IoCallDriver(extension.Lower!, irp);
                IoDetachDevice(extension.Lower!);
                IoDeleteDevice(device);
                return status;
            case PnpMinorFunction.QueryRemoveDevice:
            case PnpMinorFunction.CancelRemoveDevice:
            case PnpMinorFunction.SurpriseRemoval:
                Note(minor switch
                {
                    PnpMinorFunction.QueryRemoveDevice => "IRP_MN_QUERY_REMOVE_DEVICE",
                    PnpMinorFunction.CancelRemoveDevice => "IRP_MN_CANCEL_REMOVE_DEVICE",
                    _ => "IRP_MN_SURPRISE_REMOVAL",
                });
                irp.IoStatus.Status = NtStatus.Success;
                break;
        }
        return await PassDown(device, irp);
    }

    private void Note(string what)
    {
        lock (journal)
        {
            journal.Add(name + " " + what);
        }
    }
}
