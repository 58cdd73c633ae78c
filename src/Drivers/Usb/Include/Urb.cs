/*++

Module Name:

    Urb.cs

Abstract:

    The USB request block of usb.h: URB_FUNCTION codes, _URB_HEADER (Length, Function, Status,
    UsbdDeviceHandle, UsbdFlags) and the function-specific parts a client fills, the transfer flags,
    and the pipe and interface information SELECT_CONFIGURATION returns. In NT the URB is a union;
    here each function-specific part is a sealed class deriving from Urb, and UrbHeader is its first
    member as in the union. A client sends a URB to its PDO in Parameters.Others.Argument1 of an
    IRP_MJ_INTERNAL_DEVICE_CONTROL with IOCTL_INTERNAL_USB_SUBMIT_URB.

    A transfer's data is either TransferBufferMDL (an MDL whose pages are locked) or, when that is
    null, TransferBuffer: the system address of nonpaged memory, for which the port builds the MDL
    (as usbport does). The port moves the data by bus-master DMA into those pages.

    Left out: isochronous transfers, SELECT_INTERFACE, frame-length control, the _EX control
    transfer and chained-MDL variants, OS descriptors.

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL for submission.

--*/

namespace ActorKernel.Drivers.Usb;

/// <summary>URB_FUNCTION_* (usb.h), real values.</summary>
public enum UrbFunction : ushort
{
    /// <summary>URB_FUNCTION_SELECT_CONFIGURATION (0x0000).</summary>
    SelectConfiguration = 0x0000,

    /// <summary>URB_FUNCTION_SELECT_INTERFACE (0x0001).</summary>
    SelectInterface = 0x0001,

    /// <summary>URB_FUNCTION_ABORT_PIPE (0x0002): completes every transfer queued on the pipe with USBD_STATUS_CANCELED.</summary>
    AbortPipe = 0x0002,

    /// <summary>URB_FUNCTION_GET_CURRENT_FRAME_NUMBER (0x0007).</summary>
    GetCurrentFrameNumber = 0x0007,

    /// <summary>URB_FUNCTION_CONTROL_TRANSFER (0x0008).</summary>
    ControlTransfer = 0x0008,

    /// <summary>URB_FUNCTION_BULK_OR_INTERRUPT_TRANSFER (0x0009).</summary>
    BulkOrInterruptTransfer = 0x0009,

    /// <summary>URB_FUNCTION_ISOCH_TRANSFER (0x000A).</summary>
    IsochTransfer = 0x000A,

    /// <summary>URB_FUNCTION_GET_DESCRIPTOR_FROM_DEVICE (0x000B).</summary>
    GetDescriptorFromDevice = 0x000B,

    /// <summary>URB_FUNCTION_SET_DESCRIPTOR_TO_DEVICE (0x000C).</summary>
    SetDescriptorToDevice = 0x000C,

    /// <summary>URB_FUNCTION_SET_FEATURE_TO_DEVICE (0x000D).</summary>
    SetFeatureToDevice = 0x000D,

    /// <summary>URB_FUNCTION_SET_FEATURE_TO_INTERFACE (0x000E).</summary>
    SetFeatureToInterface = 0x000E,

    /// <summary>URB_FUNCTION_SET_FEATURE_TO_ENDPOINT (0x000F).</summary>
    SetFeatureToEndpoint = 0x000F,

    /// <summary>URB_FUNCTION_CLEAR_FEATURE_TO_DEVICE (0x0010).</summary>
    ClearFeatureToDevice = 0x0010,

    /// <summary>URB_FUNCTION_CLEAR_FEATURE_TO_INTERFACE (0x0011).</summary>
    ClearFeatureToInterface = 0x0011,

    /// <summary>URB_FUNCTION_CLEAR_FEATURE_TO_ENDPOINT (0x0012).</summary>
    ClearFeatureToEndpoint = 0x0012,

    /// <summary>URB_FUNCTION_GET_STATUS_FROM_DEVICE (0x0013).</summary>
    GetStatusFromDevice = 0x0013,

    /// <summary>URB_FUNCTION_GET_STATUS_FROM_INTERFACE (0x0014).</summary>
    GetStatusFromInterface = 0x0014,

    /// <summary>URB_FUNCTION_GET_STATUS_FROM_ENDPOINT (0x0015).</summary>
    GetStatusFromEndpoint = 0x0015,

    /// <summary>URB_FUNCTION_VENDOR_DEVICE (0x0017).</summary>
    VendorDevice = 0x0017,

    /// <summary>URB_FUNCTION_VENDOR_INTERFACE (0x0018).</summary>
    VendorInterface = 0x0018,

    /// <summary>URB_FUNCTION_VENDOR_ENDPOINT (0x0019).</summary>
    VendorEndpoint = 0x0019,

    /// <summary>URB_FUNCTION_CLASS_DEVICE (0x001A): e.g. a hub's GET_DESCRIPTOR(HUB).</summary>
    ClassDevice = 0x001A,

    /// <summary>URB_FUNCTION_CLASS_INTERFACE (0x001B): e.g. bulk-only mass storage reset, GET MAX LUN.</summary>
    ClassInterface = 0x001B,

    /// <summary>URB_FUNCTION_CLASS_ENDPOINT (0x001C).</summary>
    ClassEndpoint = 0x001C,

    /// <summary>URB_FUNCTION_SYNC_RESET_PIPE_AND_CLEAR_STALL (0x001E, formerly URB_FUNCTION_RESET_PIPE): CLEAR_FEATURE(ENDPOINT_HALT) on the device and the pipe's toggle and halt reset.</summary>
    SyncResetPipeAndClearStall = 0x001E,

    /// <summary>URB_FUNCTION_CLASS_OTHER (0x001F): a hub's port requests (GET_STATUS, SET/CLEAR_FEATURE to a port).</summary>
    ClassOther = 0x001F,

    /// <summary>URB_FUNCTION_VENDOR_OTHER (0x0020).</summary>
    VendorOther = 0x0020,

    /// <summary>URB_FUNCTION_GET_STATUS_FROM_OTHER (0x0021).</summary>
    GetStatusFromOther = 0x0021,

    /// <summary>URB_FUNCTION_CLEAR_FEATURE_TO_OTHER (0x0022).</summary>
    ClearFeatureToOther = 0x0022,

    /// <summary>URB_FUNCTION_SET_FEATURE_TO_OTHER (0x0023).</summary>
    SetFeatureToOther = 0x0023,

    /// <summary>URB_FUNCTION_GET_DESCRIPTOR_FROM_ENDPOINT (0x0024).</summary>
    GetDescriptorFromEndpoint = 0x0024,

    /// <summary>URB_FUNCTION_GET_CONFIGURATION (0x0026).</summary>
    GetConfiguration = 0x0026,

    /// <summary>URB_FUNCTION_GET_INTERFACE (0x0027).</summary>
    GetInterface = 0x0027,

    /// <summary>URB_FUNCTION_GET_DESCRIPTOR_FROM_INTERFACE (0x0028).</summary>
    GetDescriptorFromInterface = 0x0028,

    /// <summary>URB_FUNCTION_SYNC_RESET_PIPE (0x0030): the host side only (toggle, halt), no request to the device.</summary>
    SyncResetPipe = 0x0030,

    /// <summary>URB_FUNCTION_SYNC_CLEAR_STALL (0x0031): CLEAR_FEATURE(ENDPOINT_HALT) to the device only.</summary>
    SyncClearStall = 0x0031,
}

/// <summary>USBD_TRANSFER_DIRECTION_* and USBD_SHORT_TRANSFER_OK (usb.h): TransferFlags of a transfer URB.</summary>
[Flags]
public enum UsbdTransferFlags : uint
{
    /// <summary>USBD_TRANSFER_DIRECTION_OUT (0): host to device.</summary>
    DirectionOut = 0x00000000,

    /// <summary>USBD_TRANSFER_DIRECTION_IN (0x1): device to host.</summary>
    DirectionIn = 0x00000001,

    /// <summary>USBD_SHORT_TRANSFER_OK (0x2): a short packet ends an IN transfer successfully.</summary>
    ShortTransferOk = 0x00000002,

    /// <summary>USBD_START_ISO_TRANSFER_ASAP (0x4).</summary>
    StartIsoTransferAsap = 0x00000004,

    /// <summary>USBD_DEFAULT_PIPE_TRANSFER (0x8): a control transfer on the device's endpoint 0 (PipeHandle ignored).</summary>
    DefaultPipeTransfer = 0x00000008,
}

/// <summary>USBD_PIPE_TYPE (usb.h): UsbdPipeTypeControl .. UsbdPipeTypeInterrupt.</summary>
public enum UsbdPipeType
{
    /// <summary>UsbdPipeTypeControl (0).</summary>
    Control = 0,

    /// <summary>UsbdPipeTypeIsochronous (1).</summary>
    Isochronous = 1,

    /// <summary>UsbdPipeTypeBulk (2).</summary>
    Bulk = 2,

    /// <summary>UsbdPipeTypeInterrupt (3).</summary>
    Interrupt = 3,
}

/// <summary>
/// USBD_PIPE_HANDLE: opaque to the client. The port creates one per endpoint of the selected
/// configuration and resolves it back on every transfer; it dies with the configuration or the device.
/// </summary>
public sealed class UsbdPipeHandle
{
    internal UsbdPipeHandle(UsbdDeviceHandle device, UsbEndpointDescriptor endpoint)
    {
        Device = device;
        Endpoint = endpoint;
    }

    /// <summary>The device the pipe belongs to.</summary>
    public UsbdDeviceHandle Device { get; }

    /// <summary>The endpoint's descriptor.</summary>
    public UsbEndpointDescriptor Endpoint { get; }

    /// <summary>Whether the endpoint is halted (a STALL or transaction error); cleared by URB_FUNCTION_SYNC_RESET_PIPE*.</summary>
    public bool Halted { get; internal set; }

    /// <summary>The data toggle the next packet carries (the host's copy, reset with the pipe).</summary>
    internal bool DataToggle { get; set; }

    /// <summary>False once the configuration or device is gone: a transfer on it fails with USBD_STATUS_INVALID_PIPE_HANDLE.</summary>
    internal bool Open { get; set; } = true;

    /// <inheritdoc />
    public override string ToString() => $"pipe 0x{Endpoint.EndpointAddress:X2} of {Device}";
}

/// <summary>USBD_PIPE_INFORMATION (usb.h): what SELECT_CONFIGURATION returns per endpoint.</summary>
public sealed class UsbdPipeInformation
{
    /// <summary>MaximumPacketSize.</summary>
    public ushort MaximumPacketSize { get; set; }

    /// <summary>EndpointAddress (bit 7 set for IN).</summary>
    public byte EndpointAddress { get; set; }

    /// <summary>Interval.</summary>
    public byte Interval { get; set; }

    /// <summary>PipeType.</summary>
    public UsbdPipeType PipeType { get; set; }

    /// <summary>PipeHandle: what transfer URBs name.</summary>
    public UsbdPipeHandle? PipeHandle { get; set; }

    /// <summary>MaximumTransferSize: the largest transfer one URB may carry on the pipe.</summary>
    public uint MaximumTransferSize { get; set; }

    /// <summary>PipeFlags.</summary>
    public uint PipeFlags { get; set; }
}

/// <summary>USBD_INTERFACE_INFORMATION (usb.h): one interface of a SELECT_CONFIGURATION, with its pipes.</summary>
public sealed class UsbdInterfaceInformation
{
    /// <summary>InterfaceNumber (the client fills it).</summary>
    public byte InterfaceNumber { get; set; }

    /// <summary>AlternateSetting (the client fills it).</summary>
    public byte AlternateSetting { get; set; }

    /// <summary>Class.</summary>
    public byte Class { get; set; }

    /// <summary>SubClass.</summary>
    public byte SubClass { get; set; }

    /// <summary>Protocol.</summary>
    public byte Protocol { get; set; }

    /// <summary>InterfaceHandle.</summary>
    public object? InterfaceHandle { get; set; }

    /// <summary>Pipes[NumberOfPipes]: filled by the port in endpoint-descriptor order.</summary>
    public IReadOnlyList<UsbdPipeInformation> Pipes { get; set; } = [];

    /// <summary>NumberOfPipes.</summary>
    public int NumberOfPipes => Pipes.Count;
}

/// <summary>_URB_HEADER (usb.h).</summary>
public sealed class UrbHeader
{
    /// <summary>Length: sizeof the function-specific structure (informational here).</summary>
    public ushort Length { get; set; }

    /// <summary>Function.</summary>
    public UrbFunction Function { get; set; }

    /// <summary>Status: written by the port (USBD_STATUS_PENDING while at the controller).</summary>
    public UsbdStatus Status { get; set; }

    /// <summary>
    /// UsbdDeviceHandle: the device the URB is for. The hub's PDO for a port sets it to that port's
    /// device handle on the way down; null at the root hub's PDO means the root hub itself.
    /// </summary>
    public UsbdDeviceHandle? UsbdDeviceHandle { get; set; }

    /// <summary>UsbdFlags.</summary>
    public uint UsbdFlags { get; set; }
}

/// <summary>URB: the header every function-specific part starts with.</summary>
public abstract class Urb
{
    /// <summary>Creates a URB for <paramref name="function"/>.</summary>
    /// <param name="function">Hdr.Function.</param>
    /// <param name="length">Hdr.Length: sizeof the x64 structure.</param>
    protected Urb(UrbFunction function, ushort length)
    {
        UrbHeader.Function = function;
        UrbHeader.Length = length;
    }

    /// <summary>UrbHeader (Hdr).</summary>
    public UrbHeader UrbHeader { get; } = new();

    /// <summary>The port's bookkeeping for a URB at the controller (null otherwise).</summary>
    internal object? HcdContext { get; set; }
}

/// <summary>The transfer-buffer fields several URBs share (TransferBufferLength, TransferBuffer, TransferBufferMDL).</summary>
public abstract class UrbWithBuffer : Urb
{
    /// <summary>Creates the URB.</summary>
    /// <param name="function">Hdr.Function.</param>
    /// <param name="length">Hdr.Length.</param>
    protected UrbWithBuffer(UrbFunction function, ushort length)
        : base(function, length)
    {
    }

    /// <summary>TransferFlags.</summary>
    public UsbdTransferFlags TransferFlags { get; set; }

    /// <summary>TransferBufferLength: in, the buffer's size; out, the bytes actually moved.</summary>
    public uint TransferBufferLength { get; set; }

    /// <summary>TransferBuffer: a nonpaged system address, used when <see cref="TransferBufferMdl"/> is null.</summary>
    public ulong TransferBuffer { get; set; }

    /// <summary>TransferBufferMDL: the buffer's MDL (pages locked).</summary>
    public Actors.Mdl? TransferBufferMdl { get; set; }
}

/// <summary>_URB_SELECT_CONFIGURATION (URB_FUNCTION_SELECT_CONFIGURATION).</summary>
public sealed class UrbSelectConfiguration : Urb
{
    /// <summary>Creates the URB (USBD_CreateConfigurationRequestEx builds one from a configuration).</summary>
    public UrbSelectConfiguration()
        : base(UrbFunction.SelectConfiguration, 0x38)
    {
    }

    /// <summary>ConfigurationDescriptor: the whole configuration (wTotalLength bytes), or null to unconfigure the device.</summary>
    public byte[]? ConfigurationDescriptor { get; set; }

    /// <summary>ConfigurationHandle: returned by the port.</summary>
    public object? ConfigurationHandle { get; set; }

    /// <summary>Interface: one entry per interface to set up; the port fills each one's pipes.</summary>
    public IReadOnlyList<UsbdInterfaceInformation> Interfaces { get; set; } = [];
}

/// <summary>_URB_PIPE_REQUEST (ABORT_PIPE, SYNC_RESET_PIPE_AND_CLEAR_STALL, SYNC_RESET_PIPE, SYNC_CLEAR_STALL).</summary>
public sealed class UrbPipeRequest : Urb
{
    /// <summary>Creates the URB.</summary>
    /// <param name="function">One of the pipe functions.</param>
    /// <param name="pipeHandle">The pipe.</param>
    public UrbPipeRequest(UrbFunction function, UsbdPipeHandle pipeHandle)
        : base(function, 0x28)
    {
        PipeHandle = pipeHandle;
    }

    /// <summary>PipeHandle.</summary>
    public UsbdPipeHandle PipeHandle { get; set; }
}

/// <summary>_URB_CONTROL_TRANSFER (URB_FUNCTION_CONTROL_TRANSFER): a raw setup packet on endpoint 0 or a control pipe.</summary>
public sealed class UrbControlTransfer : UrbWithBuffer
{
    /// <summary>Creates the URB.</summary>
    public UrbControlTransfer()
        : base(UrbFunction.ControlTransfer, 0x88)
    {
    }

    /// <summary>PipeHandle: null (with USBD_DEFAULT_PIPE_TRANSFER) for the default pipe.</summary>
    public UsbdPipeHandle? PipeHandle { get; set; }

    /// <summary>SetupPacket[8].</summary>
    public UsbSetupPacket SetupPacket { get; set; }
}

/// <summary>_URB_BULK_OR_INTERRUPT_TRANSFER (URB_FUNCTION_BULK_OR_INTERRUPT_TRANSFER).</summary>
public sealed class UrbBulkOrInterruptTransfer : UrbWithBuffer
{
    /// <summary>Creates the URB (UsbBuildInterruptOrBulkTransferRequest fills it).</summary>
    public UrbBulkOrInterruptTransfer()
        : base(UrbFunction.BulkOrInterruptTransfer, 0x80)
    {
    }

    /// <summary>PipeHandle: a bulk or interrupt pipe from SELECT_CONFIGURATION; its direction must match TransferFlags.</summary>
    public UsbdPipeHandle? PipeHandle { get; set; }
}

/// <summary>_URB_CONTROL_DESCRIPTOR_REQUEST (GET_DESCRIPTOR_FROM_DEVICE / _INTERFACE / _ENDPOINT).</summary>
public sealed class UrbControlDescriptorRequest : UrbWithBuffer
{
    /// <summary>Creates the URB (UsbBuildGetDescriptorRequest fills it).</summary>
    /// <param name="function">GET_DESCRIPTOR_FROM_DEVICE, _FROM_INTERFACE or _FROM_ENDPOINT.</param>
    public UrbControlDescriptorRequest(UrbFunction function = UrbFunction.GetDescriptorFromDevice)
        : base(function, 0x88)
    {
        TransferFlags = UsbdTransferFlags.DirectionIn | UsbdTransferFlags.ShortTransferOk;
    }

    /// <summary>Index (the descriptor index: the low byte of wValue).</summary>
    public byte Index { get; set; }

    /// <summary>DescriptorType (the high byte of wValue).</summary>
    public UsbDescriptorType DescriptorType { get; set; }

    /// <summary>LanguageId (wIndex).</summary>
    public ushort LanguageId { get; set; }
}

/// <summary>_URB_CONTROL_VENDOR_OR_CLASS_REQUEST (VENDOR_* and CLASS_* functions): a class or vendor request with the recipient the function names.</summary>
public sealed class UrbControlVendorOrClassRequest : UrbWithBuffer
{
    /// <summary>Creates the URB.</summary>
    /// <param name="function">CLASS_DEVICE, CLASS_INTERFACE, CLASS_ENDPOINT, CLASS_OTHER or a VENDOR_ function.</param>
    public UrbControlVendorOrClassRequest(UrbFunction function)
        : base(function, 0x88)
    {
    }

    /// <summary>RequestTypeReservedBits.</summary>
    public byte RequestTypeReservedBits { get; set; }

    /// <summary>Request (bRequest).</summary>
    public byte Request { get; set; }

    /// <summary>Value (wValue).</summary>
    public ushort Value { get; set; }

    /// <summary>Index (wIndex).</summary>
    public ushort Index { get; set; }
}

/// <summary>_URB_CONTROL_FEATURE_REQUEST (SET_FEATURE_TO_* / CLEAR_FEATURE_TO_*).</summary>
public sealed class UrbControlFeatureRequest : Urb
{
    /// <summary>Creates the URB.</summary>
    /// <param name="function">A SET_FEATURE_TO_ or CLEAR_FEATURE_TO_ function.</param>
    public UrbControlFeatureRequest(UrbFunction function)
        : base(function, 0x50)
    {
    }

    /// <summary>FeatureSelector (wValue).</summary>
    public ushort FeatureSelector { get; set; }

    /// <summary>Index (wIndex: interface, endpoint address or port number).</summary>
    public ushort Index { get; set; }
}

/// <summary>_URB_CONTROL_GET_STATUS_REQUEST (GET_STATUS_FROM_*): two status bytes (four for a port: wPortStatus, wPortChange).</summary>
public sealed class UrbControlGetStatusRequest : UrbWithBuffer
{
    /// <summary>Creates the URB.</summary>
    /// <param name="function">A GET_STATUS_FROM_ function.</param>
    public UrbControlGetStatusRequest(UrbFunction function)
        : base(function, 0x88)
    {
        TransferFlags = UsbdTransferFlags.DirectionIn;
    }

    /// <summary>Index (wIndex).</summary>
    public ushort Index { get; set; }
}
