using ActorKernel.Actors;
using ActorKernel.Drivers.Toaster;
using static ActorKernel.Actors.Kernel32;

namespace ActorKernel.Conformance.Tests.Stacks.Toaster;

/// <summary>
/// A toaster stack's removal as its drivers see it, driven by the I/O manager's removal
/// (<c>IoManager.IopRemoveDevice</c>: QUERY_REMOVE, then REMOVE down the stack) because this PnP
/// manager does not yet remove a child its bus reports missing: every filter and toaster.sys leave the
/// stack; the PDO stays while the toaster is plugged in and goes once the bus reported it missing.
/// </summary>
[Trait("Area", "Stacks")]
public sealed class ToasterRemovalTests
{
    [Fact]
    public void Removing_a_plugged_in_toaster_takes_down_filters_and_function_device_and_keeps_the_pdo_on_the_bus()
    {
        using var bed = new ToasterBed();
        bed.Run(async () => await bed.PlugIn(1));
        var pdo = bed.Pnp.Node(ToasterBed.ToasterInstance(1)).PhysicalDeviceObject;

        Assert.Equal(NtStatus.Success, Remove(bed, pdo));

        Assert.Null(pdo.AttachedDevice); // every filter and the toaster FDO detached
        Assert.Equal([1u], bed.BusExtension.PresentSerialNumbers);
        Assert.False(pdo.DeletePending, "the PDO stays while the toaster is on the bus");
        Assert.False(pdo.GetExtension<BusEnumPdoExtension>().Started);
        Assert.Equal(Win32Error.FileNotFound, OpenError(bed, @"\\.\Toaster0"));
    }

    [Fact]
    public void Removing_a_toaster_the_bus_reported_missing_deletes_its_pdo()
    {
        using var bed = new ToasterBed();
        bed.Run(async () => await bed.PlugIn(1, 2));
        var pdo = bed.Pnp.Node(ToasterBed.ToasterInstance(1)).PhysicalDeviceObject;
        bed.Run(async () =>
        {
            var bus = await CreateFile(@"\\.\BusEnum0", GenericAccess.GenericRead, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            await bed.Control(bus, ToasterCodes.IoctlBusEnumUnplugHardware, ToasterCodes.UnplugHardware(1));
            await CloseHandle(bus);
        });

        if (!pdo.DeletePending)
        {
            // A PnP manager that removes a child missing from BusRelations has done this already (issue 15, removal).
            Assert.Equal(NtStatus.Success, Remove(bed, pdo));
        }

        Assert.True(pdo.DeletePending, "IoDeleteDevice on the PDO after its removal");
        Assert.DoesNotContain(pdo, bed.Bus.PhysicalDeviceObject.AttachedDevice!.DriverObject.DeviceObjects);
        Assert.Equal([2u], bed.BusExtension.PresentSerialNumbers);
    }

    private static NtStatus Remove(ToasterBed bed, DeviceObject pdo)
    {
        NtStatus? status = null;
        bed.Pnp.Machine.CreateSystemThread(0, KernelModule.Kernel, "PnpRemove", async _ => status = await bed.Pnp.Io.IopRemoveDevice(pdo));
        bed.Pnp.RunUntil(() => status is not null);
        return status!.Value;
    }

    private static Win32Error OpenError(ToasterBed bed, string name)
    {
        Win32Error error = default;
        bed.Run(async () =>
        {
            var handle = await CreateFile(name, GenericAccess.GenericRead, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            error = handle.IsValid ? Win32Error.Success : GetLastError();
        });
        return error;
    }
}
