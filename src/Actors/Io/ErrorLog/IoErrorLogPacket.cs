namespace ActorKernel.Actors;

/// <summary>
/// IO_ERROR_LOG_PACKET: what a driver reports to the system event log with
/// IoAllocateErrorLogEntry / IoWriteErrorLogEntry. The event ID a viewer shows is the low word of
/// <see cref="ErrorCode"/>; the message is the code's text with the device's name as %1.
/// </summary>
public sealed class IoErrorLogPacket
{
    /// <summary>FIELD_OFFSET(IO_ERROR_LOG_PACKET, DumpData) on x64: the bytes before the dump data.</summary>
    public const int HeaderSize = 40;

    /// <summary>sizeof(IO_ERROR_LOG_PACKET) on x64 (one ULONG of dump data, padded to 8).</summary>
    public const int MinimumSize = 48;

    /// <summary>ERROR_LOG_MAXIMUM_SIZE (0xF0): the largest entry IoAllocateErrorLogEntry gives.</summary>
    public const int MaximumSize = 0xF0;

    internal IoErrorLogPacket(object ioObject, int entrySize)
    {
        IoObject = ioObject;
        EntrySize = entrySize;
        DumpData = new uint[(entrySize - HeaderSize) / sizeof(uint)];
    }

    /// <summary>The device or driver object the entry was allocated for.</summary>
    public object IoObject { get; }

    /// <summary>The size asked of IoAllocateErrorLogEntry.</summary>
    public int EntrySize { get; }

    /// <summary>MajorFunctionCode: the IRP_MJ_* of the request that failed, if any.</summary>
    public IrpMajorFunction MajorFunctionCode { get; set; }

    /// <summary>RetryCount: how often the driver retried.</summary>
    public byte RetryCount { get; set; }

    /// <summary>DumpDataSize: bytes of <see cref="DumpData"/> the driver filled.</summary>
    public ushort DumpDataSize { get; set; }

    /// <summary>EventCategory.</summary>
    public ushort EventCategory { get; set; }

    /// <summary>ErrorCode: an IO_ERR_* value (<see cref="IoErrorLogCode"/>) or the driver's own message ID.</summary>
    public uint ErrorCode { get; set; }

    /// <summary>UniqueErrorValue: which place in the driver logged it.</summary>
    public uint UniqueErrorValue { get; set; }

    /// <summary>FinalStatus: what the request ended with.</summary>
    public NtStatus FinalStatus { get; set; }

    /// <summary>SequenceNumber of the request.</summary>
    public uint SequenceNumber { get; set; }

    /// <summary>IoControlCode, for a device I/O control request.</summary>
    public uint IoControlCode { get; set; }

    /// <summary>DeviceOffset: where on the device, for a transfer.</summary>
    public long DeviceOffset { get; set; }

    /// <summary>DumpData: (EntrySize - 40) / 4 ULONGs of driver-defined data.</summary>
    public uint[] DumpData { get; }

    /// <summary>Whether IoWriteErrorLogEntry or IoFreeErrorLogEntry took the packet (it may not be used again).</summary>
    internal bool Consumed { get; set; }
}

/// <summary>One entry of the system event log written by IoWriteErrorLogEntry.</summary>
/// <param name="TimeNanoseconds">When it was written, on the machine's clock.</param>
/// <param name="Source">The driver whose object the entry was allocated for (the event source).</param>
/// <param name="Device">The device's name (%1 of the message), or null for a driver object.</param>
/// <param name="Packet">The packet.</param>
public sealed record IoErrorLogEntry(long TimeNanoseconds, string Source, string? Device, IoErrorLogPacket Packet)
{
    /// <summary>The event ID a viewer shows: the low word of the error code.</summary>
    public int EventId => (int)(Packet.ErrorCode & 0xFFFF);

    /// <summary>The message: the code's text with %1 the device's name, or the code in hex for a driver's own message ID.</summary>
    public string Message => IoErrorLogCode.MessageOf(Packet.ErrorCode, Device ?? Source);
}
