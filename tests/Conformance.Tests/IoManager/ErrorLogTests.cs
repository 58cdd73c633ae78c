using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.IoManager;

/// <summary>IoAllocateErrorLogEntry / IoWriteErrorLogEntry: the I/O manager's part of the system event log.</summary>
[Trait("Area", "IoManager")]
public sealed class ErrorLogTests
{
    [Fact]
    public void IoAllocateErrorLogEntry_gives_NULL_outside_sizeof_IO_ERROR_LOG_PACKET_to_ERROR_LOG_MAXIMUM_SIZE()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Logger", _ => { });
        var device = bed.CreateDevice(driver);

        Assert.Null(IoAllocateErrorLogEntry(device, IoErrorLogPacket.MinimumSize - 1));
        Assert.Null(IoAllocateErrorLogEntry(device, IoErrorLogPacket.MaximumSize + 1));
        var smallest = IoAllocateErrorLogEntry(device, IoErrorLogPacket.MinimumSize)!;
        var largest = IoAllocateErrorLogEntry(driver, IoErrorLogPacket.MaximumSize)!;
        Assert.Equal(2, smallest.DumpData.Length); // (48 - FIELD_OFFSET(DumpData) 40) / sizeof(ULONG)
        Assert.Equal(50, largest.DumpData.Length); // (0xF0 - 40) / 4
        IoFreeErrorLogEntry(smallest);
        IoFreeErrorLogEntry(largest);
        Assert.Empty(bed.Io.ErrorLog);
    }

    [Fact]
    public void IoWriteErrorLogEntry_records_the_driver_as_source_the_low_word_as_event_ID_and_the_device_name_as_insertion_string()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Logger", _ => { });
        IoCreateDevice(driver, null, @"\Device\Logger0", DeviceType.Disk, 0, false, out var device);
        var packet = IoAllocateErrorLogEntry(device!, IoErrorLogPacket.MinimumSize)!;
        packet.ErrorCode = IoErrorLogCode.ControllerError;
        packet.FinalStatus = NtStatus.IoDeviceError;
        packet.UniqueErrorValue = 257;

        IoWriteErrorLogEntry(packet);

        var entry = Assert.Single(bed.Io.ErrorLog);
        Assert.Equal(("Logger", 11, @"\Device\Logger0", 257u), (entry.Source, entry.EventId, entry.Device, entry.Packet.UniqueErrorValue));
        Assert.Equal(@"The driver detected a controller error on \Device\Logger0.", entry.Message);
        Assert.Equal("IO_ERR_CONTROLLER_ERROR", IoErrorLogCode.NameOf(entry.Packet.ErrorCode));
    }
}
