namespace ActorKernel.Actors;

/// <summary>
/// IO_STACK_LOCATION.Parameters: one union, read through the view of the request's major function.
/// As in <c>wdm.h</c> (x64), the views share four pointer-sized slots, so <c>Read.Length</c> and
/// <c>DeviceIoControl.OutputBufferLength</c> are the same field. References (buffers, security
/// contexts) sit in parallel slots at the same positions.
/// </summary>
public sealed class IoStackParameters : IReadWriteParameters, IDeviceIoControlParameters, ICreateParameters, IOtherParameters, IStartDeviceParameters,
    IQueryFileParameters, ISetFileParameters, IQueryDirectoryParameters, IMountVolumeParameters, IFileSystemControlParameters
{
    private ulong _slot0;
    private ulong _slot1;
    private ulong _slot2;
    private ulong _slot3;
    private object? _ref0;
    private object? _ref1;
    private object? _ref2;
    private object? _ref3;

    /// <summary>Parameters.Read (IRP_MJ_READ).</summary>
    public IReadWriteParameters Read => this;

    /// <summary>Parameters.Write (IRP_MJ_WRITE): the same layout as Read.</summary>
    public IReadWriteParameters Write => this;

    /// <summary>Parameters.DeviceIoControl (IRP_MJ_DEVICE_CONTROL, IRP_MJ_INTERNAL_DEVICE_CONTROL).</summary>
    public IDeviceIoControlParameters DeviceIoControl => this;

    /// <summary>Parameters.Create (IRP_MJ_CREATE).</summary>
    public ICreateParameters Create => this;

    /// <summary>Parameters.Others: four untyped arguments (PnP, power and internal requests).</summary>
    public IOtherParameters Others => this;

    /// <summary>Parameters.StartDevice (IRP_MN_START_DEVICE): the raw and translated resources.</summary>
    public IStartDeviceParameters StartDevice => this;

    /// <summary>Parameters.QueryFile (IRP_MJ_QUERY_INFORMATION).</summary>
    public IQueryFileParameters QueryFile => this;

    /// <summary>Parameters.SetFile (IRP_MJ_SET_INFORMATION).</summary>
    public ISetFileParameters SetFile => this;

    /// <summary>Parameters.QueryDirectory (IRP_MJ_DIRECTORY_CONTROL / IRP_MN_QUERY_DIRECTORY).</summary>
    public IQueryDirectoryParameters QueryDirectory => this;

    /// <summary>Parameters.MountVolume (IRP_MJ_FILE_SYSTEM_CONTROL / IRP_MN_MOUNT_VOLUME).</summary>
    public IMountVolumeParameters MountVolume => this;

    /// <summary>Parameters.VerifyVolume (IRP_MN_VERIFY_VOLUME): the same layout as MountVolume.</summary>
    public IMountVolumeParameters VerifyVolume => this;

    /// <summary>Parameters.FileSystemControl (IRP_MJ_FILE_SYSTEM_CONTROL / IRP_MN_USER_FS_REQUEST): the layout of DeviceIoControl.</summary>
    public IFileSystemControlParameters FileSystemControl => this;

    uint IReadWriteParameters.Length { get => (uint)_slot0; set => _slot0 = value; }

    uint IReadWriteParameters.Key { get => (uint)_slot1; set => _slot1 = value; }

    long IReadWriteParameters.ByteOffset { get => (long)_slot2; set => _slot2 = (ulong)value; }

    uint IDeviceIoControlParameters.OutputBufferLength { get => (uint)_slot0; set => _slot0 = value; }

    uint IDeviceIoControlParameters.InputBufferLength { get => (uint)_slot1; set => _slot1 = value; }

    IoControlCode IDeviceIoControlParameters.IoControlCode { get => new((uint)_slot2); set => _slot2 = value.Value; }

    UserBuffer? IDeviceIoControlParameters.Type3InputBuffer { get => _ref3 as UserBuffer; set => _ref3 = value; }

    object? ICreateParameters.SecurityContext { get => _ref0; set => _ref0 = value; }

    uint ICreateParameters.Options { get => (uint)_slot1; set => _slot1 = value; }

    ushort ICreateParameters.FileAttributes { get => (ushort)_slot2; set => _slot2 = (_slot2 & ~0xFFFFUL) | value; }

    ushort ICreateParameters.ShareAccess { get => (ushort)(_slot2 >> 16); set => _slot2 = (_slot2 & ~0xFFFF0000UL) | ((ulong)value << 16); }

    uint ICreateParameters.EaLength { get => (uint)_slot3; set => _slot3 = value; }

    CmResourceList? IStartDeviceParameters.AllocatedResources { get => _ref0 as CmResourceList; set => _ref0 = value; }

    CmResourceList? IStartDeviceParameters.AllocatedResourcesTranslated { get => _ref1 as CmResourceList; set => _ref1 = value; }

    uint IQueryFileParameters.Length { get => (uint)_slot0; set => _slot0 = value; }

    FileInformationClass IQueryFileParameters.FileInformationClass { get => (FileInformationClass)(uint)_slot1; set => _slot1 = (uint)value; }

    uint ISetFileParameters.Length { get => (uint)_slot0; set => _slot0 = value; }

    FileInformationClass ISetFileParameters.FileInformationClass { get => (FileInformationClass)(uint)_slot1; set => _slot1 = (uint)value; }

    FileObject? ISetFileParameters.FileObject { get => _ref2 as FileObject; set => _ref2 = value; }

    bool ISetFileParameters.ReplaceIfExists { get => (_slot3 & 0xFF) != 0; set => _slot3 = (_slot3 & ~0xFFUL) | (value ? 1UL : 0UL); }

    bool ISetFileParameters.AdvanceOnly { get => (_slot3 & 0xFF) != 0; set => _slot3 = (_slot3 & ~0xFFUL) | (value ? 1UL : 0UL); }

    uint IQueryDirectoryParameters.Length { get => (uint)_slot0; set => _slot0 = value; }

    string? IQueryDirectoryParameters.FileName { get => _ref1 as string; set => _ref1 = value; }

    FileInformationClass IQueryDirectoryParameters.FileInformationClass { get => (FileInformationClass)(uint)_slot2; set => _slot2 = (uint)value; }

    uint IQueryDirectoryParameters.FileIndex { get => (uint)_slot3; set => _slot3 = value; }

    Vpb? IMountVolumeParameters.Vpb { get => _ref0 as Vpb; set => _ref0 = value; }

    DeviceObject? IMountVolumeParameters.DeviceObject { get => _ref1 as DeviceObject; set => _ref1 = value; }

    uint IFileSystemControlParameters.OutputBufferLength { get => (uint)_slot0; set => _slot0 = value; }

    uint IFileSystemControlParameters.InputBufferLength { get => (uint)_slot1; set => _slot1 = value; }

    IoControlCode IFileSystemControlParameters.FsControlCode { get => new((uint)_slot2); set => _slot2 = value.Value; }

    UserBuffer? IFileSystemControlParameters.Type3InputBuffer { get => _ref3 as UserBuffer; set => _ref3 = value; }

    object? IOtherParameters.Argument1 { get => _ref0; set => _ref0 = value; }

    object? IOtherParameters.Argument2 { get => _ref1; set => _ref1 = value; }

    object? IOtherParameters.Argument3 { get => _ref2; set => _ref2 = value; }

    object? IOtherParameters.Argument4 { get => _ref3; set => _ref3 = value; }

    internal void CopyFrom(IoStackParameters source)
    {
        _slot0 = source._slot0;
        _slot1 = source._slot1;
        _slot2 = source._slot2;
        _slot3 = source._slot3;
        _ref0 = source._ref0;
        _ref1 = source._ref1;
        _ref2 = source._ref2;
        _ref3 = source._ref3;
    }

    internal void Clear()
    {
        _slot0 = _slot1 = _slot2 = _slot3 = 0;
        _ref0 = _ref1 = _ref2 = _ref3 = null;
    }
}

/// <summary>Parameters.Read / Parameters.Write.</summary>
public interface IReadWriteParameters
{
    /// <summary>Bytes to transfer.</summary>
    uint Length { get; set; }

    /// <summary>Byte-range lock key.</summary>
    uint Key { get; set; }

    /// <summary>Starting byte offset on the device or in the file.</summary>
    long ByteOffset { get; set; }
}

/// <summary>Parameters.DeviceIoControl.</summary>
public interface IDeviceIoControlParameters
{
    /// <summary>Length of the output buffer.</summary>
    uint OutputBufferLength { get; set; }

    /// <summary>Length of the input buffer.</summary>
    uint InputBufferLength { get; set; }

    /// <summary>The I/O control code.</summary>
    IoControlCode IoControlCode { get; set; }

    /// <summary>METHOD_NEITHER: the requester's input buffer, valid only in the requester's context.</summary>
    UserBuffer? Type3InputBuffer { get; set; }
}

/// <summary>Parameters.Create.</summary>
public interface ICreateParameters
{
    /// <summary>IO_SECURITY_CONTEXT of the open.</summary>
    object? SecurityContext { get; set; }

    /// <summary>Create disposition (high byte) and options (low 24 bits).</summary>
    uint Options { get; set; }

    /// <summary>File attributes.</summary>
    ushort FileAttributes { get; set; }

    /// <summary>Share access.</summary>
    ushort ShareAccess { get; set; }

    /// <summary>Length of the extended-attribute buffer.</summary>
    uint EaLength { get; set; }
}

/// <summary>Parameters.Others.</summary>
public interface IOtherParameters
{
    /// <summary>Argument1.</summary>
    object? Argument1 { get; set; }

    /// <summary>Argument2.</summary>
    object? Argument2 { get; set; }

    /// <summary>Argument3.</summary>
    object? Argument3 { get; set; }

    /// <summary>Argument4.</summary>
    object? Argument4 { get; set; }
}

/// <summary>Parameters.StartDevice (IRP_MN_START_DEVICE).</summary>
public interface IStartDeviceParameters
{
    /// <summary>AllocatedResources: the raw (bus-relative) resources, or null for a device with none.</summary>
    CmResourceList? AllocatedResources { get; set; }

    /// <summary>AllocatedResourcesTranslated: the resources as the processor reaches them (ports, physical addresses, system vector and DIRQL).</summary>
    CmResourceList? AllocatedResourcesTranslated { get; set; }
}

/// <summary>Parameters.QueryFile (IRP_MJ_QUERY_INFORMATION): the structure goes into Irp-&gt;AssociatedIrp.SystemBuffer.</summary>
public interface IQueryFileParameters
{
    /// <summary>Length: the bytes of the system buffer.</summary>
    uint Length { get; set; }

    /// <summary>FileInformationClass: which structure is asked for.</summary>
    FileInformationClass FileInformationClass { get; set; }
}

/// <summary>Parameters.SetFile (IRP_MJ_SET_INFORMATION): the structure is in Irp-&gt;AssociatedIrp.SystemBuffer.</summary>
public interface ISetFileParameters
{
    /// <summary>Length: the bytes of the structure.</summary>
    uint Length { get; set; }

    /// <summary>FileInformationClass: which structure it is.</summary>
    FileInformationClass FileInformationClass { get; set; }

    /// <summary>FileObject: the target directory's file object of a rename or link (null here: see FileRenameInformation).</summary>
    FileObject? FileObject { get; set; }

    /// <summary>ReplaceIfExists (FileRenameInformation, FileLinkInformation).</summary>
    bool ReplaceIfExists { get; set; }

    /// <summary>AdvanceOnly (FileEndOfFileInformation from the cache manager's lazy writer: only move ValidDataLength forward); the same byte as ReplaceIfExists.</summary>
    bool AdvanceOnly { get; set; }
}

/// <summary>Parameters.QueryDirectory (IRP_MN_QUERY_DIRECTORY): the entries go into Irp-&gt;UserBuffer's system buffer.</summary>
public interface IQueryDirectoryParameters
{
    /// <summary>Length: the bytes of the buffer.</summary>
    uint Length { get; set; }

    /// <summary>FileName: the search expression (<c>*</c>, <c>*.txt</c>, a name), or null to keep the one of the first query on this handle.</summary>
    string? FileName { get; set; }

    /// <summary>FileInformationClass: the layout of the entries.</summary>
    FileInformationClass FileInformationClass { get; set; }

    /// <summary>FileIndex: where to start with SL_INDEX_SPECIFIED.</summary>
    uint FileIndex { get; set; }
}

/// <summary>Parameters.MountVolume / Parameters.VerifyVolume.</summary>
public interface IMountVolumeParameters
{
    /// <summary>Vpb: the volume's VPB (the file system sets its DeviceObject, label and serial number).</summary>
    Vpb? Vpb { get; set; }

    /// <summary>DeviceObject: the top of the storage device's stack, where the file system reads its boot sector.</summary>
    DeviceObject? DeviceObject { get; set; }
}

/// <summary>Parameters.FileSystemControl (IRP_MN_USER_FS_REQUEST / IRP_MN_KERNEL_CALL): the layout of DeviceIoControl.</summary>
public interface IFileSystemControlParameters
{
    /// <summary>OutputBufferLength.</summary>
    uint OutputBufferLength { get; set; }

    /// <summary>InputBufferLength.</summary>
    uint InputBufferLength { get; set; }

    /// <summary>FsControlCode (FSCTL_*, encoded like an IOCTL).</summary>
    IoControlCode FsControlCode { get; set; }

    /// <summary>Type3InputBuffer (METHOD_NEITHER).</summary>
    UserBuffer? Type3InputBuffer { get; set; }
}
