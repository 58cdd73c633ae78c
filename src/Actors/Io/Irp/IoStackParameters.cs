namespace ActorKernel.Actors;

/// <summary>
/// IO_STACK_LOCATION.Parameters: one union, read through the view of the request's major function.
/// As in <c>wdm.h</c> (x64), the views share four pointer-sized slots, so <c>Read.Length</c> and
/// <c>DeviceIoControl.OutputBufferLength</c> are the same field. References (buffers, security
/// contexts) sit in parallel slots at the same positions.
/// </summary>
public sealed class IoStackParameters : IReadWriteParameters, IDeviceIoControlParameters, ICreateParameters, IOtherParameters, IStartDeviceParameters
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
