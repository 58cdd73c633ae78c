using ActorKernel.Actors;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.RamDisk;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.IoManager;

[Trait("Area", "IoManager")]
public sealed class UnloadTests
{
    [Fact]
    public void Unloading_the_RAM_disk_deletes_its_device_link_and_driver_name()
    {
        using var bed = new IoTestBed();
        var bus = bed.LoadDriver(RootBus.ServiceName, RootBus.ImageName, RootBus.DriverEntry);
        var pdo = RootBus.CreatePdo(bus, "Pdo0");
        var ramdisk = bed.LoadDriver(RamDisk.ServiceName, RamDisk.ImageName, RamDisk.DriverEntry);
        IoTestBed.Run(ramdisk.DriverExtension.AddDevice!(ramdisk, pdo));

        Assert.Equal(NtStatus.Success, IoTestBed.Run(bed.Io.UnloadDriverAsync(ramdisk)));

        Assert.True(ramdisk.Unloaded);
        Assert.Empty(ramdisk.DeviceObjects);
        Assert.Null(pdo.AttachedDevice);
        Assert.Equal(NtStatus.ObjectNameNotFound, bed.Io.Objects.Lookup("\\Driver\\RamDisk", out _));
        Assert.Equal(NtStatus.ObjectNameNotFound, IoTestBed.Run(NtCreateFile(bed.Io, "\\??\\RamDisk0", KProcessorMode.KernelMode, true, false)).Status);
        Assert.DoesNotContain(ramdisk, bed.Io.Drivers);
    }

    [Fact]
    public void A_driver_without_DriverUnload_cannot_be_unloaded()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Sticky", _ => { });

        Assert.Equal(NtStatus.InvalidDeviceRequest, IoTestBed.Run(bed.Io.UnloadDriverAsync(driver)));
        Assert.False(driver.Unloaded);
    }

    [Fact]
    public void Completion_routine_of_a_driver_unloaded_with_its_irp_still_pending_bugchecks_0xCE()
    {
        using var bed = new IoTestBed();
        var stack = new PendingStack(bed);
        // Top's unload forgets the IRP it passed down with a completion routine.
        stack.Top.DriverObject.DriverUnload = _ => ValueTask.CompletedTask;
        var irp = bed.NewIrp(stack.Top, IrpMajorFunction.Read);
        IoTestBed.Run(IoCallDriver(stack.Top, irp));
        var topRoutine = irp.StackAt(2).CompletionRoutine!;
        IoTestBed.Run(bed.Io.UnloadDriverAsync(stack.Top.DriverObject));

        var crash = Assert.Throws<BugCheckException>(() => stack.CompleteHeldAtDispatch(NtStatus.Success));

        Assert.Equal(BugCheckCode.DriverUnloadedWithoutCancellingPendingOperations, crash.Code);
        Assert.Equal(bed.Io.RoutineAddress(topRoutine), crash.Parameter1);
        Assert.Equal(["MidComplete"], stack.Completions.Select(c => c.Name));
    }
}
