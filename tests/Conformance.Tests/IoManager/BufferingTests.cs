using System.Text;
using ActorKernel.Actors;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Ioctl;
using ActorKernel.Drivers.RamDisk;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.IoManager;

[Trait("Area", "IoManager")]
public sealed class BufferingTests
{
    private static readonly byte[] Input = Encoding.ASCII.GetBytes("This String is from User Application; using METHOD_x\0");

    private static FileObject OpenSioctl(IoTestBed bed)
    {
        bed.LoadDriver(Sioctl.ServiceName, Sioctl.ImageName, Sioctl.DriverEntry);
        var (status, file) = IoTestBed.Run(NtCreateFile(bed.Io, SioctlCodes.DosDeviceName, KProcessorMode.UserMode, true, true));
        Assert.Equal(NtStatus.Success, status);
        return file!;
    }

    public static TheoryData<string> Methods => ["buffered", "in-direct", "out-direct", "neither"];

    private static IoControlCode CodeOf(string method) => method switch
    {
        "buffered" => SioctlCodes.MethodBuffered,
        "in-direct" => SioctlCodes.MethodInDirect,
        "out-direct" => SioctlCodes.MethodOutDirect,
        _ => SioctlCodes.MethodNeither,
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public void Each_METHOD_moves_the_input_to_the_driver_and_the_reply_to_the_output_buffer(string method)
    {
        using var bed = new IoTestBed();
        var file = OpenSioctl(bed);
        var output = new byte[100];
        var iosb = new IoStatusBlock();

        var status = IoTestBed.Run(NtDeviceIoControlFile(file, iosb, CodeOf(method),
            new UserBuffer(0x10000, Input), (uint)Input.Length, new UserBuffer(0x20000, output), (uint)output.Length));

        Assert.Equal(NtStatus.Success, status);
        Assert.Equal((ulong)SioctlCodes.Reply.Length, iosb.Information);
        Assert.Equal(SioctlCodes.Reply, output[..SioctlCodes.Reply.Length]);
        Assert.All(output[SioctlCodes.Reply.Length..], b => Assert.Equal(0, b));
        Assert.Equal(Input, file.DeviceObject.GetExtension<SioctlExtension>().LastInput);
    }

    [Fact]
    public void METHOD_BUFFERED_copies_back_only_Information_bytes_of_the_system_buffer()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Shorty", d =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Create] = async (dev, irp) =>
            {
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return NtStatus.Success;
            };
            d.MajorFunction[(int)IrpMajorFunction.DeviceControl] = async (dev, irp) =>
            {
                irp.SystemBuffer.AsSpan().Fill(0xAA);
                irp.IoStatus.Information = 3;
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return NtStatus.Success;
            };
        });
        bed.CreateDevice(driver, "\\Device\\Shorty");
        var (_, file) = IoTestBed.Run(NtCreateFile(bed.Io, "\\Device\\Shorty", KProcessorMode.KernelMode, true, true));
        var output = new byte[8];
        var code = IoControlCode.CtlCode(DeviceType.Unknown, 0x800, TransferMethod.MethodBuffered, IoctlAccess.FileAnyAccess);

        IoTestBed.Run(NtDeviceIoControlFile(file!, new IoStatusBlock(), code, null, 0, new UserBuffer(0x20000, output), 8));

        Assert.Equal(new byte[] { 0xAA, 0xAA, 0xAA, 0, 0, 0, 0, 0 }, output);
    }

    [Fact]
    public void Direct_io_hands_the_driver_a_locked_MDL_of_the_callers_buffer_and_unlocks_it_at_completion()
    {
        using var bed = new IoTestBed();
        var bus = bed.LoadDriver(RootBus.ServiceName, RootBus.ImageName, RootBus.DriverEntry);
        var pdo = RootBus.CreatePdo(bus, "Pdo0");
        var ramdisk = bed.LoadDriver(RamDisk.ServiceName, RamDisk.ImageName, RamDisk.DriverEntryWith(new RamDiskOptions(8192, DirectIo: true)));
        IoTestBed.Run(ramdisk.DriverExtension.AddDevice!(ramdisk, pdo));
        var (_, file) = IoTestBed.Run(NtCreateFile(bed.Io, "\\??\\RamDisk0", KProcessorMode.KernelMode, true, true));
        Mdl? seen = null;
        var inner = ramdisk.MajorFunction[(int)IrpMajorFunction.Write];
        ramdisk.MajorFunction[(int)IrpMajorFunction.Write] = (dev, irp) =>
        {
            seen = irp.MdlAddress;
            Assert.Null(irp.SystemBuffer);
            Assert.Equal(MdlFlags.PagesLocked, seen!.Flags & (MdlFlags.PagesLocked | MdlFlags.WriteOperation));
            return inner(dev, irp);
        };
        var data = new byte[] { 1, 2, 3, 4, 5 };

        var status = IoTestBed.Run(NtWriteFile(file!, new IoStatusBlock(), new UserBuffer(0x4_1003, data), 5, 100));

        Assert.Equal(NtStatus.Success, status);
        Assert.Equal((0x4_1003UL, 3u, 5u), (MmGetMdlVirtualAddress(seen!), MmGetMdlByteOffset(seen!), MmGetMdlByteCount(seen!)));
        Assert.Equal(MdlFlags.None, seen!.Flags & MdlFlags.PagesLocked);
        Assert.Equal(data, ramdisk.DeviceObjects[0].GetExtension<RamDiskExtension>().Image.AsSpan(100, 5).ToArray());
    }

    [Fact]
    public void IOCTL_requiring_write_access_on_a_read_only_handle_fails_with_STATUS_ACCESS_DENIED_before_dispatch()
    {
        using var bed = new IoTestBed();
        bed.LoadDriver(Sioctl.ServiceName, Sioctl.ImageName, Sioctl.DriverEntry);
        var (_, file) = IoTestBed.Run(NtCreateFile(bed.Io, SioctlCodes.NtDeviceName, KProcessorMode.UserMode, true, false));
        var code = IoControlCode.CtlCode(SioctlCodes.SioctlType, 0x902, TransferMethod.MethodBuffered, IoctlAccess.FileWriteAccess);
        var dispatchesBefore = bed.Trace.Started.Count;

        var status = IoTestBed.Run(NtDeviceIoControlFile(file!, new IoStatusBlock(), code, new UserBuffer(0x10000, Input), (uint)Input.Length, null, 0));

        Assert.Equal(NtStatus.AccessDenied, status);
        Assert.Equal(dispatchesBefore, bed.Trace.Started.Count);
    }

    [Fact]
    public void User_mode_IOCTL_whose_buffer_is_shorter_than_its_length_fails_with_STATUS_ACCESS_VIOLATION_before_dispatch()
    {
        using var bed = new IoTestBed();
        var file = OpenSioctl(bed);
        var dispatchesBefore = bed.Trace.Started.Count;

        var status = IoTestBed.Run(NtDeviceIoControlFile(file, new IoStatusBlock(), SioctlCodes.MethodBuffered,
            new UserBuffer(0x10000, Input), 4096, new UserBuffer(0x20000, new byte[64]), 64));

        Assert.Equal(NtStatus.AccessViolation, status);
        Assert.Equal(dispatchesBefore, bed.Trace.Started.Count);
    }

    [Fact]
    public void IoBuildDeviceIoControlRequest_sets_up_METHOD_BUFFERED_and_completion_fills_the_status_block()
    {
        using var bed = new IoTestBed();
        bed.LoadDriver(Sioctl.ServiceName, Sioctl.ImageName, Sioctl.DriverEntry);
        Assert.Equal(NtStatus.Success, bed.Io.Objects.Lookup<DeviceObject>(SioctlCodes.NtDeviceName, out var device));
        var output = new byte[64];
        var iosb = new IoStatusBlock();
        var done = new IoCompletionEvent();
        var irp = IoBuildDeviceIoControlRequest(SioctlCodes.MethodBuffered, device!, new UserBuffer(0x10000, Input), (uint)Input.Length,
            new UserBuffer(0x20000, output), 64, false, done, iosb)!;
        var location = IoGetNextIrpStackLocation(irp);
        Assert.Equal((IrpMajorFunction.DeviceControl, (uint)Input.Length, 64u), (location.MajorFunction, location.Parameters.DeviceIoControl.InputBufferLength, location.Parameters.DeviceIoControl.OutputBufferLength));
        Assert.Equal(64, irp.SystemBuffer!.Length);

        Assert.Equal(NtStatus.Success, IoTestBed.Run(IoCallDriver(device!, irp)));

        Assert.True(done.IsSignaled);
        Assert.Equal((NtStatus.Success, (ulong)SioctlCodes.Reply.Length), (iosb.Status, iosb.Information));
        Assert.Equal(SioctlCodes.Reply, output[..SioctlCodes.Reply.Length]);
    }
}
