/*++

Module Name:

    UsbdStatus.cs

Abstract:

    USBD_STATUS (usb.h): the status the host controller's port driver writes into
    UrbHeader.Status. Bits 31..30 are the state (00 success, 01 pending, 11 error/halted, 10 error
    without halting the endpoint); the rest say what went wrong. The IRP that carried the URB
    completes with the NTSTATUS the port maps it to (UsbdStatusExtensions.ToNtStatus).

Environment:

    Kernel mode.

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.Usb;

/// <summary>USBD_STATUS_* (usb.h), real values.</summary>
public enum UsbdStatus : uint
{
    /// <summary>USBD_STATUS_SUCCESS (0x00000000).</summary>
    Success = 0x00000000,

    /// <summary>USBD_STATUS_PENDING (0x40000000): the URB is at the controller.</summary>
    Pending = 0x40000000,

    /// <summary>USBD_STATUS_CRC (0xC0000001).</summary>
    Crc = 0xC0000001,

    /// <summary>USBD_STATUS_BTSTUFF (0xC0000002).</summary>
    BtStuff = 0xC0000002,

    /// <summary>USBD_STATUS_DATA_TOGGLE_MISMATCH (0xC0000003).</summary>
    DataToggleMismatch = 0xC0000003,

    /// <summary>USBD_STATUS_STALL_PID (0xC0000004): the endpoint answered STALL; it is halted until reset.</summary>
    StallPid = 0xC0000004,

    /// <summary>USBD_STATUS_DEV_NOT_RESPONDING (0xC0000005): no handshake (a timeout on the bus).</summary>
    DevNotResponding = 0xC0000005,

    /// <summary>USBD_STATUS_DATA_OVERRUN (0xC0000008): the device sent more than the buffer holds (babble).</summary>
    DataOverrun = 0xC0000008,

    /// <summary>USBD_STATUS_DATA_UNDERRUN (0xC0000009): a short packet without USBD_SHORT_TRANSFER_OK.</summary>
    DataUnderrun = 0xC0000009,

    /// <summary>USBD_STATUS_XACT_ERROR (0xC0000011).</summary>
    XactError = 0xC0000011,

    /// <summary>USBD_STATUS_BABBLE_DETECTED (0xC0000012).</summary>
    BabbleDetected = 0xC0000012,

    /// <summary>USBD_STATUS_ENDPOINT_HALTED (0xC0000030): the pipe is halted from an earlier error.</summary>
    EndpointHalted = 0xC0000030,

    /// <summary>USBD_STATUS_NO_MEMORY (0x80000100).</summary>
    NoMemory = 0x80000100,

    /// <summary>USBD_STATUS_INVALID_URB_FUNCTION (0x80000200).</summary>
    InvalidUrbFunction = 0x80000200,

    /// <summary>USBD_STATUS_INVALID_PARAMETER (0x80000300).</summary>
    InvalidParameter = 0x80000300,

    /// <summary>USBD_STATUS_ERROR_BUSY (0x80000400).</summary>
    ErrorBusy = 0x80000400,

    /// <summary>USBD_STATUS_REQUEST_FAILED (0x80000500).</summary>
    RequestFailed = 0x80000500,

    /// <summary>USBD_STATUS_INVALID_PIPE_HANDLE (0x80000600).</summary>
    InvalidPipeHandle = 0x80000600,

    /// <summary>USBD_STATUS_NO_BANDWIDTH (0x80000700).</summary>
    NoBandwidth = 0x80000700,

    /// <summary>USBD_STATUS_INTERNAL_HC_ERROR (0x80000800).</summary>
    InternalHcError = 0x80000800,

    /// <summary>USBD_STATUS_ERROR_SHORT_TRANSFER (0x80000900).</summary>
    ErrorShortTransfer = 0x80000900,

    /// <summary>USBD_STATUS_NOT_SUPPORTED (0xC0000E00).</summary>
    NotSupported = 0xC0000E00,

    /// <summary>USBD_STATUS_INSUFFICIENT_RESOURCES (0xC0001000).</summary>
    InsufficientResources = 0xC0001000,

    /// <summary>USBD_STATUS_SET_CONFIG_FAILED (0xC0002000).</summary>
    SetConfigFailed = 0xC0002000,

    /// <summary>USBD_STATUS_BUFFER_TOO_SMALL (0xC0003000).</summary>
    BufferTooSmall = 0xC0003000,

    /// <summary>USBD_STATUS_INTERFACE_NOT_FOUND (0xC0004000).</summary>
    InterfaceNotFound = 0xC0004000,

    /// <summary>USBD_STATUS_TIMEOUT (0xC0006000).</summary>
    Timeout = 0xC0006000,

    /// <summary>USBD_STATUS_DEVICE_GONE (0xC0007000): the device was detached; the URB never ran or was cut off.</summary>
    DeviceGone = 0xC0007000,

    /// <summary>USBD_STATUS_CANCELED (0xC0010000): the IRP was cancelled or the pipe aborted.</summary>
    Canceled = 0xC0010000,
}

/// <summary>USBD_SUCCESS / USBD_PENDING / USBD_ERROR / USBD_HALTED and the port's map to NTSTATUS.</summary>
public static class UsbdStatusExtensions
{
    /// <summary>USBD_SUCCESS(Status): bits 31..30 are 00.</summary>
    /// <param name="status">The status.</param>
    /// <returns>Whether it is a success.</returns>
    public static bool IsSuccess(this UsbdStatus status) => ((uint)status >> 30) == 0;

    /// <summary>USBD_PENDING(Status): bits 31..30 are 01.</summary>
    /// <param name="status">The status.</param>
    /// <returns>Whether the URB is still at the controller.</returns>
    public static bool IsPending(this UsbdStatus status) => ((uint)status >> 30) == 1;

    /// <summary>USBD_ERROR(Status): bit 31 set.</summary>
    /// <param name="status">The status.</param>
    /// <returns>Whether it is an error.</returns>
    public static bool IsError(this UsbdStatus status) => ((uint)status & 0x80000000) != 0;

    /// <summary>USBD_HALTED(Status): bits 31..30 are 11 (the endpoint is halted until a pipe reset).</summary>
    /// <param name="status">The status.</param>
    /// <returns>Whether the endpoint halted.</returns>
    public static bool IsHalted(this UsbdStatus status) => ((uint)status >> 30) == 3;

    /// <summary>
    /// The NTSTATUS the port completes the URB's IRP with (usbport's USBD-to-NT map): success to
    /// STATUS_SUCCESS; INSUFFICIENT_RESOURCES and NO_MEMORY to STATUS_INSUFFICIENT_RESOURCES;
    /// INVALID_URB_FUNCTION, INVALID_PARAMETER, INVALID_PIPE_HANDLE to STATUS_INVALID_PARAMETER;
    /// NOT_SUPPORTED to STATUS_NOT_SUPPORTED; DEVICE_GONE to STATUS_NO_SUCH_DEVICE; CANCELED to
    /// STATUS_CANCELLED; TIMEOUT to STATUS_IO_TIMEOUT; anything else (a STALL, a transaction error) to
    /// STATUS_UNSUCCESSFUL, the client reading the URB's own status for the cause.
    /// </summary>
    /// <param name="status">The URB's status.</param>
    /// <returns>The IRP's status.</returns>
    public static NtStatus ToNtStatus(this UsbdStatus status) => status switch
    {
        _ when status.IsSuccess() => NtStatus.Success,
        UsbdStatus.Pending => NtStatus.Pending,
        UsbdStatus.InsufficientResources or UsbdStatus.NoMemory => NtStatus.InsufficientResources,
        UsbdStatus.InvalidUrbFunction or UsbdStatus.InvalidParameter or UsbdStatus.InvalidPipeHandle => NtStatus.InvalidParameter,
        UsbdStatus.NotSupported => NtStatus.NotSupported,
        UsbdStatus.DeviceGone => NtStatus.NoSuchDevice,
        UsbdStatus.Canceled => NtStatus.Cancelled,
        UsbdStatus.Timeout => NtStatus.IoTimeout,
        _ => NtStatus.Unsuccessful,
    };
}
