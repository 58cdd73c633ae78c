using ActorKernel.Actors;

namespace ActorKernel.Conformance.Tests.IoManager;

[Trait("Area", "IoManager")]
public sealed class ObjectNamespaceTests
{
    private sealed class FakeDevice : KernelObject
    {
        public override string ObjectTypeName => "Device";
    }

    [Fact]
    public void Boot_namespace_has_Device_Driver_and_GLOBAL_directories()
    {
        var objects = new ObjectNamespace();

        var names = objects.List("\\").Select(o => o.Name!).ToArray();

        Assert.Equal(["\\Device", "\\Driver", "\\GLOBAL??", "\\ObjectTypes"], names);
    }

    [Fact]
    public void Lookup_is_case_insensitive_and_returns_the_inserted_object()
    {
        var objects = new ObjectNamespace();
        var device = new FakeDevice();

        Assert.Equal(NtStatus.Success, objects.Insert("\\Device\\RamDisk0", device));

        Assert.Equal(NtStatus.Success, objects.Lookup("\\device\\RAMDISK0", out var found));
        Assert.Same(device, found);
        Assert.Equal("\\Device\\RamDisk0", device.Name);
    }

    [Fact]
    public void Inserting_a_taken_name_returns_STATUS_OBJECT_NAME_COLLISION()
    {
        var objects = new ObjectNamespace();
        objects.Insert("\\Device\\Serial0", new FakeDevice());

        Assert.Equal(NtStatus.ObjectNameCollision, objects.Insert("\\Device\\SERIAL0", new FakeDevice()));
    }

    [Fact]
    public void Missing_leaf_is_NAME_NOT_FOUND_and_missing_directory_is_PATH_NOT_FOUND()
    {
        var objects = new ObjectNamespace();

        Assert.Equal(NtStatus.ObjectNameNotFound, objects.Lookup("\\Device\\Nothing", out _));
        Assert.Equal(NtStatus.ObjectPathNotFound, objects.Lookup("\\NoSuchDir\\Nothing", out _));
        Assert.Equal(NtStatus.ObjectPathNotFound, objects.Insert("\\NoSuchDir\\X", new FakeDevice()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Device\\X")]
    [InlineData("\\Device\\\\X")]
    [InlineData("\\Device\\X\\")]
    public void Malformed_names_return_STATUS_OBJECT_NAME_INVALID(string name)
    {
        var objects = new ObjectNamespace();

        Assert.Equal(NtStatus.ObjectNameInvalid, objects.Insert(name, new FakeDevice()));
        Assert.Equal(NtStatus.ObjectNameInvalid, objects.Lookup(name, out _));
    }

    [Fact]
    public void IoCreateSymbolicLink_in_DosDevices_resolves_through_question_marks_and_GLOBAL()
    {
        var objects = new ObjectNamespace();
        var device = new FakeDevice();
        objects.Insert("\\Device\\RamDisk0", device);

        Assert.Equal(NtStatus.Success, objects.IoCreateSymbolicLink("\\DosDevices\\RamDisk", "\\Device\\RamDisk0"));

        foreach (var name in new[] { "\\??\\RamDisk", "\\GLOBAL??\\ramdisk", "\\DosDevices\\RamDisk" })
        {
            Assert.Equal(NtStatus.Success, objects.Lookup(name, out var found));
            Assert.Same(device, found);
        }
        Assert.Equal(NtStatus.ObjectNameCollision, objects.IoCreateSymbolicLink("\\??\\RamDisk", "\\Device\\Other"));
    }

    [Fact]
    public void A_link_whose_target_is_gone_resolves_to_NAME_NOT_FOUND_and_deleting_it_removes_the_name()
    {
        var objects = new ObjectNamespace();
        objects.IoCreateSymbolicLink("\\??\\Gone", "\\Device\\Gone0");

        Assert.Equal(NtStatus.ObjectNameNotFound, objects.Lookup("\\??\\Gone", out _));
        Assert.Equal(NtStatus.Success, objects.IoDeleteSymbolicLink("\\??\\Gone"));
        Assert.Equal(NtStatus.ObjectNameNotFound, objects.IoDeleteSymbolicLink("\\??\\Gone"));
    }

    [Fact]
    public void IoDeleteSymbolicLink_of_a_device_name_is_a_type_mismatch_and_leaves_the_device()
    {
        var objects = new ObjectNamespace();
        objects.Insert("\\Device\\Keep", new FakeDevice());

        Assert.Equal(NtStatus.ObjectTypeMismatch, objects.IoDeleteSymbolicLink("\\Device\\Keep"));
        Assert.Equal(NtStatus.Success, objects.Lookup("\\Device\\Keep", out _));
    }

    [Fact]
    public void A_link_loop_ends_in_NAME_NOT_FOUND_instead_of_recursing_forever()
    {
        var objects = new ObjectNamespace();
        objects.IoCreateSymbolicLink("\\??\\A", "\\??\\B");
        objects.IoCreateSymbolicLink("\\??\\B", "\\??\\A");

        Assert.Equal(NtStatus.ObjectNameNotFound, objects.Lookup("\\??\\A", out _));
    }

    [Fact]
    public void ObDereferenceObject_below_zero_bugchecks_REFERENCE_BY_POINTER()
    {
        var device = new FakeDevice { Address = 0xFFFF_8000_0000_1000 };
        device.ObReferenceObject();
        Assert.Equal(1, device.ObDereferenceObject());
        Assert.Equal(0, device.ObDereferenceObject());

        var bugcheck = Assert.Throws<BugCheckException>(() => device.ObDereferenceObject());

        Assert.Equal(BugCheckCode.ReferenceByPointer, bugcheck.Code);
        Assert.Equal(0x18u, (uint)bugcheck.Code);
        Assert.Equal(0xFFFF_8000_0000_1000UL, bugcheck.Parameter2);
    }
}
