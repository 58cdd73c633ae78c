using ActorKernel.Actors;

namespace ActorKernel.Conformance.Tests.IoManager;

[Trait("Area", "IoManager")]
public sealed class DeviceInterfaceTests
{
    private static readonly Guid DiskClass = new("53f56307-b6bf-11d0-94f2-00a0c91efb8b");

    private sealed class FakeDevice : KernelObject
    {
        public override string ObjectTypeName => "Device";
    }

    [Fact]
    public void IoRegisterDeviceInterface_names_the_instance_from_instance_id_and_class_guid()
    {
        var interfaces = new DeviceInterfaces(new ObjectNamespace());

        var status = interfaces.IoRegisterDeviceInterface("ROOT\\RamDisk\\0000", "\\Device\\00000001", DiskClass, null, out var link);

        Assert.Equal(NtStatus.Success, status);
        Assert.Equal("\\??\\ROOT#RAMDISK#0000#{53f56307-b6bf-11d0-94f2-00a0c91efb8b}", link);
    }

    [Fact]
    public void A_registered_interface_opens_only_once_enabled()
    {
        var objects = new ObjectNamespace();
        var pdo = new FakeDevice();
        objects.Insert("\\Device\\00000001", pdo);
        var interfaces = new DeviceInterfaces(objects);
        interfaces.IoRegisterDeviceInterface("ROOT\\RAMDISK\\0000", "\\Device\\00000001", DiskClass, null, out var link);

        Assert.Equal(NtStatus.ObjectNameNotFound, objects.Lookup(link, out _));
        Assert.Empty(interfaces.IoGetDeviceInterfaces(DiskClass));

        Assert.Equal(NtStatus.Success, interfaces.IoSetDeviceInterfaceState(link, enable: true));

        Assert.Equal(NtStatus.Success, objects.Lookup(link, out var opened));
        Assert.Same(pdo, opened);
        Assert.Equal([link], interfaces.IoGetDeviceInterfaces(DiskClass));
    }

    [Fact]
    public void Enabling_twice_is_STATUS_OBJECT_NAME_EXISTS_and_disabling_twice_is_NAME_NOT_FOUND()
    {
        var interfaces = new DeviceInterfaces(new ObjectNamespace());
        interfaces.IoRegisterDeviceInterface("ROOT\\X\\0000", "\\Device\\X", DiskClass, null, out var link);

        Assert.Equal(NtStatus.Success, interfaces.IoSetDeviceInterfaceState(link, true));
        Assert.Equal(NtStatus.ObjectNameExists, interfaces.IoSetDeviceInterfaceState(link, true));
        Assert.True(NtStatus.ObjectNameExists.IsInformation());
        Assert.Equal(NtStatus.Success, interfaces.IoSetDeviceInterfaceState(link, false));
        Assert.Equal(NtStatus.ObjectNameNotFound, interfaces.IoSetDeviceInterfaceState(link, false));
        Assert.Empty(interfaces.IoGetDeviceInterfaces(DiskClass));
    }

    [Fact]
    public void A_reference_string_with_a_path_separator_is_STATUS_INVALID_PARAMETER()
    {
        var interfaces = new DeviceInterfaces(new ObjectNamespace());

        Assert.Equal(NtStatus.InvalidParameter, interfaces.IoRegisterDeviceInterface("ROOT\\X\\0000", "\\Device\\X", DiskClass, "a\\b", out _));
    }
}
