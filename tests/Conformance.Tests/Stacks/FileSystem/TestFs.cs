/*++

Module Name:

    TestFs.cs (testfs<tag>.sys)

Abstract:

    A small disk file system for the conformance tests of the I/O manager's file-system support:
    it registers a FILE_DEVICE_DISK_FILE_SYSTEM control device, recognizes a volume by the signature
    "TESTFS" + its tag in sector 0 (IRP_MN_MOUNT_VOLUME), and keeps its directory tree in memory
    (FCBs deriving from FSRTL_COMMON_FCB_HEADER) while file data lives on the volume: file n owns the
    64 KiB at n * 64 KiB. Cached reads and writes go through the cache manager (CcCopyRead /
    CcCopyWrite; the cache's pages come back as IRP_PAGING_IO | IRP_NOCACHE reads and writes);
    FsRtlCopyRead / FsRtlCopyWrite are its fast I/O.

    Left out: on-disk metadata (the tree is lost at dismount), byte-range locks, oplocks, EAs,
    security, short names, timestamps that move, dismount and verify.

Environment:

    Kernel mode, PASSIVE_LEVEL (every routine runs in the requester's thread).

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Stacks.FileSystem;

/// <summary>The FCB: one file or directory (FsContext of its file objects).</summary>
internal sealed class TestFcb : FsRtlCommonFcbHeader
{
    public TestFcb(string name, bool directory, TestFcb? parent, int slot, long id)
    {
        Name = name;
        IsDirectory = directory;
        Parent = parent;
        Slot = slot;
        FileId = id;
        AllocationSize = directory ? 0 : TestFs.SlotSize;
    }

    public string Name { get; set; }

    public bool IsDirectory { get; }

    public TestFcb? Parent { get; set; }

    public List<TestFcb> Children { get; } = [];

    /// <summary>The file's extent on the volume (its slot × 64 KiB); 0 for a directory.</summary>
    public int Slot { get; }

    public long FileId { get; }

    public FileAttribute Attributes { get; set; } = FileAttribute.Archive;

    public ShareAccess ShareAccess { get; } = new();

    public SectionObjectPointers SectionObjectPointers { get; } = new();

    public int OpenCount { get; set; }

    public bool DeletePending { get; set; }

    public string FullPath => Parent is null ? "\\" : (Parent.Parent is null ? "" : Parent.FullPath) + "\\" + Name;
}

/// <summary>The CCB: one open (FsContext2): the directory enumeration's expression and position.</summary>
internal sealed class TestCcb
{
    public string? Pattern { get; set; }

    public int Index { get; set; }

    public bool Queried { get; set; }

    public bool DeleteOnClose { get; set; }
}

/// <summary>The volume device object's extension: the mounted volume.</summary>
internal sealed class TestFsVolume(Vpb vpb, DeviceObject target)
{
    public Vpb Vpb { get; } = vpb;

    /// <summary>The top of the storage stack (Parameters.MountVolume.DeviceObject).</summary>
    public DeviceObject Target { get; } = target;

    public TestFcb Root { get; } = new("", directory: true, null, 0, 1);

    public bool[] SlotsInUse { get; } = new bool[TestFs.MaximumSlots + 1];

    public long NextFileId { get; set; } = 2;
}

/// <summary>One IRP the file system's volume device received, as the tests check them.</summary>
/// <param name="Major">The major function.</param>
/// <param name="FileName">FILE_OBJECT.FileName at the time.</param>
/// <param name="Device">The device it was sent to.</param>
/// <param name="Flags">Irp-&gt;Flags (IRP_PAGING_IO, IRP_NOCACHE...).</param>
/// <param name="Offset">Parameters.Read/Write.ByteOffset (reads and writes).</param>
/// <param name="MdlWithFrames">Irp-&gt;MdlAddress is an MDL with page frames (DMA-able), not a managed one.</param>
internal sealed record TestFsRequest(IrpMajorFunction Major, string FileName, DeviceObject Device, IrpFlags Flags, long Offset, bool MdlWithFrames = false);

/// <summary>testfs&lt;tag&gt;.sys.</summary>
internal sealed partial class TestFs(string tag, List<string> mountLog)
{
    public const int SlotSize = 64 * 1024;

    public const int MaximumSlots = 14;

    public string Tag { get; } = tag;

    public string ImageName => "testfs" + Tag.ToLowerInvariant() + ".sys";

    /// <summary>The signature a volume this file system recognizes has at byte 0.</summary>
    public byte[] Signature => System.Text.Encoding.ASCII.GetBytes("TESTFS" + Tag);

    /// <summary>Every IRP_MN_MOUNT_VOLUME of every test file system sharing the list, as "tag:recognized|unrecognized".</summary>
    public List<string> MountLog { get; } = mountLog;

    public List<TestFsRequest> Requests { get; } = [];

    public DriverObject? Driver { get; private set; }

    public DeviceObject? ControlDevice { get; private set; }

    /// <summary>DriverEntry: the control device, the dispatch table, FAST_IO_DISPATCH, IoRegisterFileSystem.</summary>
    public ValueTask<NtStatus> DriverEntry(DriverObject driverObject, string registryPath)
    {
        _ = registryPath;
        Driver = driverObject;
        var status = IoCreateDevice(driverObject, null, "\\Device\\TestFs" + Tag, DeviceType.DiskFileSystem, 0, false, out var control);
        if (!status.IsSuccess())
        {
            return ValueTask.FromResult(status);
        }
        ControlDevice = control;
        driverObject.MajorFunction[(int)IrpMajorFunction.Create] = TestFsCreate;
        driverObject.MajorFunction[(int)IrpMajorFunction.Close] = TestFsClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Cleanup] = TestFsCleanup;
        driverObject.MajorFunction[(int)IrpMajorFunction.Read] = TestFsReadWrite;
        driverObject.MajorFunction[(int)IrpMajorFunction.Write] = TestFsReadWrite;
        driverObject.MajorFunction[(int)IrpMajorFunction.QueryInformation] = TestFsQueryInformation;
        driverObject.MajorFunction[(int)IrpMajorFunction.SetInformation] = TestFsSetInformation;
        driverObject.MajorFunction[(int)IrpMajorFunction.DirectoryControl] = TestFsDirectoryControl;
        driverObject.MajorFunction[(int)IrpMajorFunction.FlushBuffers] = TestFsFlush;
        driverObject.MajorFunction[(int)IrpMajorFunction.FileSystemControl] = TestFsFileSystemControl;
        driverObject.FastIoDispatch = new FastIoDispatch
        {
            FastIoCheckIfPossible = (_, _, _, _, _, _, _, _) => true,
            FastIoRead = FsRtlCopyRead,
            FastIoWrite = FsRtlCopyWrite,
            FastIoQueryBasicInfo = TestFsFastQueryBasicInfo,
        };
        IoRegisterFileSystem(control!);
        return ValueTask.FromResult(NtStatus.Success);
    }

    private static async ValueTask<NtStatus> Complete(Irp irp, NtStatus status, ulong information = 0)
    {
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = information;
        await IoCompleteRequest(irp, PriorityBoost.IoDiskIncrement);
        return status;
    }

    private void Log(DeviceObject device, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        lock (Requests)
        {
            Requests.Add(new TestFsRequest(stack.MajorFunction, stack.FileObject?.FileName ?? "", device, irp.Flags,
                stack.MajorFunction is IrpMajorFunction.Read or IrpMajorFunction.Write ? stack.Parameters.Read.ByteOffset : 0,
                irp.MdlAddress is { IsManaged: false, PageCount: > 0 } mdl && mdl.Pfns[0] != 0));
        }
    }

    /// <summary>IRP_MJ_FILE_SYSTEM_CONTROL: IRP_MN_MOUNT_VOLUME on the control device (read sector 0, recognize, create the volume device).</summary>
    private async ValueTask<NtStatus> TestFsFileSystemControl(DeviceObject deviceObject, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        if (deviceObject != ControlDevice || stack.MinorFunction != (byte)FileSystemControlMinorFunction.MountVolume)
        {
            return await Complete(irp, NtStatus.InvalidDeviceRequest);
        }
        var vpb = stack.Parameters.MountVolume.Vpb!;
        var target = stack.Parameters.MountVolume.DeviceObject!;
        var sector = new byte[512];
        var status = await TestFsVolumeIo(target, IrpMajorFunction.Read, sector, 0);
        var recognized = status.IsSuccess() && sector.AsSpan(0, Signature.Length).SequenceEqual(Signature);
        lock (MountLog)
        {
            MountLog.Add(Tag + (recognized ? ":recognized" : ":unrecognized"));
        }
        if (!recognized)
        {
            return await Complete(irp, NtStatus.UnrecognizedVolume);
        }
        status = IoCreateDevice(Driver!, new TestFsVolume(vpb, target), null, DeviceType.DiskFileSystem, 0, false, out var volumeDevice);
        if (!status.IsSuccess())
        {
            return await Complete(irp, status);
        }
        volumeDevice!.Vpb = vpb;
        vpb.DeviceObject = volumeDevice;
        vpb.VolumeLabel = "TESTFS" + Tag;
        vpb.SerialNumber = 0x1234_0000u + Tag[0];
        volumeDevice.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return await Complete(irp, NtStatus.Success);
    }

    /// <summary>A synchronous read or write of the volume (IoBuildSynchronousFsdRequest to the storage stack).</summary>
    internal static async ValueTask<NtStatus> TestFsVolumeIo(DeviceObject target, IrpMajorFunction major, byte[] buffer, long offset)
    {
        var done = new KEvent();
        KeInitializeEvent(done, EventType.NotificationEvent, false);
        var iosb = new IoStatusBlock();
        var irp = IoBuildSynchronousFsdRequest(major, target, new UserBuffer(0, buffer), (uint)buffer.Length, offset, new KEventSignal(done), iosb)!;
        var status = await IoCallDriver(target, irp);
        if (status == NtStatus.Pending)
        {
            await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            status = iosb.Status;
        }
        return status;
    }

    private bool TestFsFastQueryBasicInfo(FileObject fileObject, bool wait, out FileBasicInformation buffer, IoStatusBlock ioStatus, DeviceObject deviceObject)
    {
        _ = wait;
        _ = deviceObject;
        if (fileObject.FsContext is not TestFcb fcb)
        {
            buffer = default;
            return false;
        }
        buffer = BasicOf(fcb);
        ioStatus.Status = NtStatus.Success;
        ioStatus.Information = FileBasicInformation.Size;
        return true;
    }

    private static FileBasicInformation BasicOf(TestFcb fcb) =>
        new(fcb.FileId, fcb.FileId, fcb.FileId, fcb.FileId, fcb.IsDirectory ? FileAttribute.Directory : fcb.Attributes);
}
