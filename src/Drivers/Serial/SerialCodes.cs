using ActorKernel.Actors;

namespace ActorKernel.Drivers.Serial;

/// <summary>The serial port's control codes and records (ntddser.h), shared with the requester.</summary>
public static class SerialCodes
{
    /// <summary>IOCTL_SERIAL_SET_BAUD_RATE (function 1): input SERIAL_BAUD_RATE.</summary>
    public static readonly IoControlCode SetBaudRate = Code(1);

    /// <summary>IOCTL_SERIAL_SET_LINE_CONTROL (3): input SERIAL_LINE_CONTROL.</summary>
    public static readonly IoControlCode SetLineControl = Code(3);

    /// <summary>IOCTL_SERIAL_SET_TIMEOUTS (7): input SERIAL_TIMEOUTS.</summary>
    public static readonly IoControlCode SetTimeouts = Code(7);

    /// <summary>IOCTL_SERIAL_GET_TIMEOUTS (8): output SERIAL_TIMEOUTS.</summary>
    public static readonly IoControlCode GetTimeouts = Code(8);

    /// <summary>IOCTL_SERIAL_PURGE (19): input a ULONG of SERIAL_PURGE_* flags.</summary>
    public static readonly IoControlCode Purge = Code(19);

    /// <summary>IOCTL_SERIAL_GET_BAUD_RATE (20): output SERIAL_BAUD_RATE.</summary>
    public static readonly IoControlCode GetBaudRate = Code(20);

    /// <summary>IOCTL_SERIAL_GET_LINE_CONTROL (21): output SERIAL_LINE_CONTROL.</summary>
    public static readonly IoControlCode GetLineControl = Code(21);

    /// <summary>IOCTL_SERIAL_GET_COMMSTATUS (27): output SERIAL_STATUS; reading it clears the error word.</summary>
    public static readonly IoControlCode GetCommStatus = Code(27);

    /// <summary>SERIAL_ERROR_BREAK.</summary>
    public const uint ErrorBreak = 0x01;

    /// <summary>SERIAL_ERROR_FRAMING.</summary>
    public const uint ErrorFraming = 0x02;

    /// <summary>SERIAL_ERROR_OVERRUN: the UART's receiver overran (a character lost in hardware).</summary>
    public const uint ErrorOverrun = 0x04;

    /// <summary>SERIAL_ERROR_QUEUEOVERRUN: the driver's receive buffer was full (a character lost in software).</summary>
    public const uint ErrorQueueOverrun = 0x08;

    /// <summary>SERIAL_ERROR_PARITY.</summary>
    public const uint ErrorParity = 0x10;

    /// <summary>SERIAL_PURGE_TXABORT.</summary>
    public const uint PurgeTxAbort = 0x1;

    /// <summary>SERIAL_PURGE_RXABORT.</summary>
    public const uint PurgeRxAbort = 0x2;

    /// <summary>SERIAL_PURGE_TXCLEAR.</summary>
    public const uint PurgeTxClear = 0x4;

    /// <summary>SERIAL_PURGE_RXCLEAR.</summary>
    public const uint PurgeRxClear = 0x8;

    /// <summary>MAXULONG in SERIAL_TIMEOUTS.ReadIntervalTimeout (with both totals 0: return at once with what is buffered).</summary>
    public const uint MaxUlong = uint.MaxValue;

    /// <summary>sizeof(SERIAL_TIMEOUTS): five ULONGs.</summary>
    public const int TimeoutsSize = 20;

    /// <summary>sizeof(SERIAL_STATUS): four ULONGs and two BOOLEANs, padded to 20.</summary>
    public const int StatusSize = 20;

    private static IoControlCode Code(ushort function) => IoControlCode.CtlCode(DeviceType.SerialPort, function, TransferMethod.MethodBuffered, IoctlAccess.FileAnyAccess);
}

/// <summary>SERIAL_TIMEOUTS, in milliseconds.</summary>
/// <param name="ReadIntervalTimeout">Longest gap between two received characters once the first came.</param>
/// <param name="ReadTotalTimeoutMultiplier">Per requested byte.</param>
/// <param name="ReadTotalTimeoutConstant">Added to the multiplier × length.</param>
/// <param name="WriteTotalTimeoutMultiplier">Per byte written (not modelled: writes end when the UART has taken the bytes).</param>
/// <param name="WriteTotalTimeoutConstant">Added to it (not modelled).</param>
public readonly record struct SerialTimeouts(uint ReadIntervalTimeout, uint ReadTotalTimeoutMultiplier, uint ReadTotalTimeoutConstant,
    uint WriteTotalTimeoutMultiplier, uint WriteTotalTimeoutConstant)
{
    /// <summary>Encodes the record as the driver receives it.</summary>
    /// <returns>20 bytes.</returns>
    public byte[] ToBytes()
    {
        var bytes = new byte[SerialCodes.TimeoutsSize];
        BitConverter.TryWriteBytes(bytes.AsSpan(0), ReadIntervalTimeout);
        BitConverter.TryWriteBytes(bytes.AsSpan(4), ReadTotalTimeoutMultiplier);
        BitConverter.TryWriteBytes(bytes.AsSpan(8), ReadTotalTimeoutConstant);
        BitConverter.TryWriteBytes(bytes.AsSpan(12), WriteTotalTimeoutMultiplier);
        BitConverter.TryWriteBytes(bytes.AsSpan(16), WriteTotalTimeoutConstant);
        return bytes;
    }

    /// <summary>Decodes the record.</summary>
    /// <param name="bytes">At least 20 bytes.</param>
    /// <returns>The timeouts.</returns>
    public static SerialTimeouts FromBytes(ReadOnlySpan<byte> bytes) => new(BitConverter.ToUInt32(bytes), BitConverter.ToUInt32(bytes[4..]),
        BitConverter.ToUInt32(bytes[8..]), BitConverter.ToUInt32(bytes[12..]), BitConverter.ToUInt32(bytes[16..]));
}
