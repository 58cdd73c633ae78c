using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.IoManager;

[Trait("Area", "IoManager")]
public sealed class DeviceObjectTests
{
    [Fact]
    public void IoCreateDevice_with_a_name_inserts_it_in_the_namespace_with_DO_DEVICE_INITIALIZING_and_DO_DEVICE_HAS_NAME()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Named", _ => { });
        var extension = new object();

        var status = IoCreateDevice(driver, extension, "\\Device\\Named0", DeviceType.Disk, DeviceCharacteristics.RemovableMedia, true, out var device);

        Assert.Equal(NtStatus.Success, status);
        Assert.Equal(NtStatus.Success, bed.Io.Objects.Lookup<DeviceObject>("\\Device\\Named0", out var found));
        Assert.Same(device, found);
        Assert.Equal(DeviceObjectFlags.DeviceInitializing | DeviceObjectFlags.DeviceHasName | DeviceObjectFlags.Exclusive, device!.Flags);
        Assert.Equal((DeviceType.Disk, (sbyte)1, true), (device.DeviceType, device.StackSize, device.Exclusive));
        Assert.Same(extension, device.DeviceExtension);
        Assert.Same(device, Assert.Single(driver.DeviceObjects));
        Assert.Same(driver, bed.Io.Objects.Lookup<DriverObject>("\\Driver\\Named", out var d) == NtStatus.Success ? d : null);
    }

    [Fact]
    public void IoCreateDevice_with_a_taken_name_returns_STATUS_OBJECT_NAME_COLLISION()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Twice", _ => { });
        IoCreateDevice(driver, null, "\\Device\\Same", DeviceType.Unknown, 0, false, out _);

        Assert.Equal(NtStatus.ObjectNameCollision, IoCreateDevice(driver, null, "\\Device\\Same", DeviceType.Unknown, 0, false, out var second));
        Assert.Null(second);
    }

    [Fact]
    public void IoAttachDeviceToDeviceStack_attaches_to_the_top_and_makes_StackSize_one_more_than_below()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Stack", _ => { });
        var pdo = bed.CreateDevice(driver);
        var fdo = bed.CreateDevice(driver);
        var filter = bed.CreateDevice(driver);

        Assert.Same(pdo, IoAttachDeviceToDeviceStack(fdo, pdo));
        Assert.Same(fdo, IoAttachDeviceToDeviceStack(filter, pdo));

        Assert.Equal(((sbyte)1, (sbyte)2, (sbyte)3), (pdo.StackSize, fdo.StackSize, filter.StackSize));
        Assert.Equal((fdo, filter, (DeviceObject?)null), (pdo.AttachedDevice, fdo.AttachedDevice, filter.AttachedDevice));
        Assert.Equal(((DeviceObject?)null, pdo, fdo), (pdo.AttachedTo, fdo.AttachedTo, filter.AttachedTo));
    }

    [Fact]
    public void IoGetAttachedDeviceReference_returns_the_top_of_the_stack_with_one_more_reference()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Ref", _ => { });
        var pdo = bed.CreateDevice(driver);
        var top = bed.CreateDevice(driver, attachTo: pdo);
        var before = top.PointerCount;

        Assert.Same(top, IoGetAttachedDeviceReference(pdo));

        Assert.Equal(before + 1, top.PointerCount);
        top.ObDereferenceObject();
        Assert.Equal(before, top.PointerCount);
    }

    [Fact]
    public void IoDetachDevice_and_IoDeleteDevice_take_the_device_out_of_its_stack_and_the_namespace()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Leaving", _ => { });
        var pdo = bed.CreateDevice(driver);
        var fdo = bed.CreateDevice(driver, "\\Device\\Leaving0", attachTo: pdo);

        IoDetachDevice(pdo);
        IoDeleteDevice(fdo);

        Assert.Null(pdo.AttachedDevice);
        Assert.Null(fdo.AttachedTo);
        Assert.True(fdo.DeletePending);
        Assert.Equal(NtStatus.ObjectNameNotFound, bed.Io.Objects.Lookup("\\Device\\Leaving0", out _));
        Assert.Same(pdo, Assert.Single(driver.DeviceObjects));
        Assert.Equal(NtStatus.ObjectNameNotFound, IoTestBed.Run(NtCreateFile(bed.Io, "\\Device\\Leaving0", KProcessorMode.KernelMode, true, false)).Status);
    }

    [Fact]
    public void IoDeleteDevice_twice_bugchecks_0xC9_0x240_with_verification_on()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Twice", _ => { }, verify: true);
        var device = bed.CreateDevice(driver);
        IoDeleteDevice(device);

        var crash = Assert.Throws<BugCheckException>(() => IoDeleteDevice(device));

        Assert.Equal((BugCheckCode.DriverVerifierIomanagerViolation, (ulong)IoVerifierViolation.DeleteDeviceTwice, device.Address), (crash.Code, crash.Parameter1, crash.Parameter4));
    }

    [Fact]
    public void An_exclusive_device_refuses_a_second_open_with_STATUS_ACCESS_DENIED()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Excl", d => d.MajorFunction[(int)IrpMajorFunction.Create] = async (dev, irp) =>
        {
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        });
        IoCreateDevice(driver, null, "\\Device\\Excl0", DeviceType.Unknown, 0, true, out var device);
        device!.Flags &= ~DeviceObjectFlags.DeviceInitializing;

        Assert.Equal(NtStatus.Success, IoTestBed.Run(NtCreateFile(bed.Io, "\\Device\\Excl0", KProcessorMode.KernelMode, true, false)).Status);
        Assert.Equal(NtStatus.AccessDenied, IoTestBed.Run(NtCreateFile(bed.Io, "\\Device\\Excl0", KProcessorMode.KernelMode, true, false)).Status);
    }
}
