using System.Buffers.Binary;
using System.Text;
using ActorKernel.Hardware;

namespace ActorKernel.Conformance.Tests.Stacks.Usb;

/// <summary>
/// The USB host controller model at register level (docs/stacks-usb.md, "The host controller"):
/// capability registers, root port change bits and the interrupt, port reset, control and bulk
/// transfer descriptors by DMA, the bulk-only mass-storage device's CBW / data / CSW, and a detach
/// while a transfer is on the wire.
/// </summary>
[Trait("Area", "Stacks")]
public sealed class UsbHcControllerTests
{
    [Fact]
    public void Capability_registers_report_version_and_root_ports_and_the_controller_halts_until_RS()
    {
        using var bed = new UsbHcBed(new UsbHostControllerOptions { Ports = 3 }, start: false);

        Assert.Equal(UsbHostController.CapLengthVersionValue, bed.Read(UsbHostControllerRegister.CapLengthVersion));
        Assert.Equal(3u, bed.Read(UsbHostControllerRegister.StructuralParameters) & 0xF);
        Assert.NotEqual(0u, bed.Read(UsbHostControllerRegister.Status) & (uint)UsbStatus.Halted);
        bed.Write(UsbHostControllerRegister.Command, (uint)UsbCommand.RunStop);
        Assert.Equal(0u, bed.Read(UsbHostControllerRegister.Status) & (uint)UsbStatus.Halted);
    }

    [Fact]
    public void Attach_sets_CCS_CSC_and_PCD_raising_the_line_until_both_are_acknowledged_RW1C()
    {
        using var bed = new UsbHcBed();
        bed.Controller.AttachDevice(1, new UsbMassStorageDevice(new MemoryDiskImage(64)));

        var port = bed.Port(1);
        Assert.True((port & UsbPortStatusControl.CurrentConnectStatus) != 0);
        Assert.True((port & UsbPortStatusControl.ConnectStatusChange) != 0);
        Assert.Equal(UsbPortStatusControl.None, port & UsbPortStatusControl.PortEnabled);
        Assert.Equal(2u << 10, (uint)(port & UsbPortStatusControl.SpeedMask)); // high speed
        Assert.NotEqual(0u, bed.Read(UsbHostControllerRegister.Status) & (uint)UsbStatus.PortChangeDetect);
        Assert.True(bed.Pin.Asserted);

        bed.WritePort(1, UsbPortStatusControl.ConnectStatusChange); // RW1C clears the change, not the connection
        Assert.Equal(UsbPortStatusControl.CurrentConnectStatus, bed.Port(1) & (UsbPortStatusControl.CurrentConnectStatus | UsbPortStatusControl.ConnectStatusChange));
        Assert.True(bed.Pin.Asserted, "PCD in USBSTS still holds the line");
        bed.Write(UsbHostControllerRegister.Status, (uint)UsbStatus.PortChangeDetect);
        Assert.False(bed.Pin.Asserted);
    }

    [Fact]
    public void Port_reset_clears_PR_after_the_reset_time_then_sets_PED_and_PRC_with_the_device_at_address_0()
    {
        using var bed = new UsbHcBed();
        var device = new UsbMassStorageDevice(new MemoryDiskImage(64));
        bed.Controller.AttachDevice(2, device);
        bed.WritePort(2, UsbPortStatusControl.PortReset);
        Assert.True((bed.Port(2) & UsbPortStatusControl.PortReset) != 0);
        bed.Write(UsbHostControllerRegister.Status, (uint)UsbStatus.PortChangeDetect);

        bed.Dispatcher.RunUntilQuiescent();

        var port = bed.Port(2);
        Assert.Equal(UsbPortStatusControl.None, port & UsbPortStatusControl.PortReset);
        Assert.True((port & UsbPortStatusControl.PortEnabled) != 0);
        Assert.True((port & UsbPortStatusControl.PortResetChange) != 0);
        Assert.NotEqual(0u, bed.Read(UsbHostControllerRegister.Status) & (uint)UsbStatus.PortChangeDetect);
        Assert.Equal(0, device.Address);
    }

    [Fact]
    public void Control_TDs_read_the_device_descriptor_by_DMA_and_SET_ADDRESS_moves_the_device()
    {
        using var bed = new UsbHcBed();
        var device = new UsbMassStorageDevice(new MemoryDiskImage(64));
        bed.AttachAndReset(1, device);

        var (code, actual) = bed.Control(0, 0x80, 0x06, 0x0100, 0, 64);
        Assert.Equal(UsbCompletionCode.Success, code);
        Assert.Equal(18, actual); // a short data stage ends the transfer: ACTUAL says how much came
        Assert.Equal(18, bed.Memory.Bytes[UsbHcBed.Data]);
        Assert.Equal(0x01, bed.Memory.Bytes[UsbHcBed.Data + 1]);
        Assert.True(bed.Pin.Asserted, "IOC raised USBINT");
        Assert.NotEqual(0u, bed.Read(UsbHostControllerRegister.Status) & (uint)UsbStatus.UsbInterrupt);

        Assert.Equal(UsbCompletionCode.Success, bed.Control(0, 0x00, 0x05, 7, 0, 0).Code); // SET_ADDRESS(7)
        Assert.Equal(7, device.Address);
        Assert.Equal(UsbCompletionCode.NoResponse, bed.Control(0, 0x80, 0x06, 0x0100, 0, 18).Code); // nobody at 0 any more
        Assert.NotEqual(0u, bed.Read(UsbHostControllerRegister.Status) & (uint)UsbStatus.ErrorInterrupt);
        Assert.Equal(UsbCompletionCode.Success, bed.Control(7, 0x80, 0x06, 0x0200, 0, 255).Code);
        Assert.Equal(32, BinaryPrimitives.ReadUInt16LittleEndian(bed.Memory.Bytes.AsSpan((int)UsbHcBed.Data + 2))); // wTotalLength
    }

    [Fact]
    public void A_CBW_data_and_CSW_round_trip_through_DMA_reads_the_image_and_echoes_the_tag()
    {
        using var bed = new UsbHcBed();
        var image = new MemoryDiskImage(64);
        var sector = Enumerable.Range(0, 512).Select(i => (byte)(i * 3 + 1)).ToArray();
        image.WriteSectors(9, sector);
        var device = new UsbMassStorageDevice(image);
        bed.AttachAndReset(1, device);
        Configure(bed);

        var cbw = Cbw(0xBEEF0001, 512, dataIn: true, [0x28, 0, 0, 0, 0, 9, 0, 0, 1, 0]); // READ(10) LBA 9, 1 block
        cbw.CopyTo(bed.Memory.Bytes, (int)UsbHcBed.Data);
        var command = bed.Queue(UsbTransferType.Out, 1, 2, UsbHcBed.Data, 31);
        var data = bed.Queue(UsbTransferType.In, 1, 1, UsbHcBed.Data + 0x1000, 512);
        var status = bed.Queue(UsbTransferType.In, 1, 1, UsbHcBed.Data + 0x2000, 13);
        bed.Dispatcher.RunUntilQuiescent();

        Assert.Equal((false, UsbCompletionCode.Success, 31), bed.Result(command));
        Assert.Equal((false, UsbCompletionCode.Success, 512), bed.Result(data));
        Assert.Equal((false, UsbCompletionCode.Success, 13), bed.Result(status));
        Assert.Equal(sector, bed.Memory.Bytes.AsSpan((int)UsbHcBed.Data + 0x1000, 512).ToArray());
        var csw = bed.Memory.Bytes.AsSpan((int)UsbHcBed.Data + 0x2000, 13);
        Assert.Equal("USBS", Encoding.ASCII.GetString(csw[..4]));
        Assert.Equal(0xBEEF0001u, BinaryPrimitives.ReadUInt32LittleEndian(csw[4..]));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(csw[8..])); // residue
        Assert.Equal(0, csw[12]); // passed
    }

    [Fact]
    public void A_WRITE10_lands_on_the_image_and_INQUIRY_answers_36_bytes()
    {
        using var bed = new UsbHcBed();
        var image = new MemoryDiskImage(64);
        bed.AttachAndReset(1, new UsbMassStorageDevice(image));
        Configure(bed);
        var pattern = Enumerable.Range(0, 1024).Select(i => (byte)(i ^ 0x5A)).ToArray();

        Cbw(2, 1024, dataIn: false, [0x2A, 0, 0, 0, 0, 3, 0, 0, 2, 0]).CopyTo(bed.Memory.Bytes, (int)UsbHcBed.Data);
        pattern.CopyTo(bed.Memory.Bytes, (int)UsbHcBed.Data + 0x1000);
        bed.Queue(UsbTransferType.Out, 1, 2, UsbHcBed.Data, 31);
        bed.Queue(UsbTransferType.Out, 1, 2, UsbHcBed.Data + 0x1000, 1024);
        var writeStatus = bed.Queue(UsbTransferType.In, 1, 1, UsbHcBed.Data + 0x2000, 13);
        Cbw(3, 36, dataIn: true, [0x12, 0, 0, 0, 36, 0]).CopyTo(bed.Memory.Bytes, (int)UsbHcBed.Data + 0x3000);
        bed.Queue(UsbTransferType.Out, 1, 2, UsbHcBed.Data + 0x3000, 31);
        var inquiry = bed.Queue(UsbTransferType.In, 1, 1, UsbHcBed.Data + 0x4000, 64);
        bed.Dispatcher.RunUntilQuiescent();

        Assert.Equal(0, bed.Memory.Bytes[UsbHcBed.Data + 0x2000 + 12]);
        var back = new byte[1024];
        image.ReadSectors(3, back);
        Assert.Equal(pattern, back);
        Assert.Equal((false, UsbCompletionCode.Success, 36), bed.Result(inquiry));
        Assert.Equal("AKSIM   ", Encoding.ASCII.GetString(bed.Memory.Bytes, (int)UsbHcBed.Data + 0x4000 + 8, 8));
        _ = writeStatus;
    }

    [Fact]
    public void A_READ_past_the_medium_ends_its_data_stage_with_a_zero_length_packet_fails_in_the_CSW_and_REQUEST_SENSE_says_why()
    {
        using var bed = new UsbHcBed();
        bed.AttachAndReset(1, new UsbMassStorageDevice(new MemoryDiskImage(64)));
        Configure(bed);

        Cbw(5, 1024, dataIn: true, [0x28, 0, 0, 0, 0, 63, 0, 0, 2, 0]).CopyTo(bed.Memory.Bytes, (int)UsbHcBed.Data); // LBA 63, 2 blocks: one past the end
        bed.Queue(UsbTransferType.Out, 1, 2, UsbHcBed.Data, 31);
        var data = bed.Queue(UsbTransferType.In, 1, 1, UsbHcBed.Data + 0x1000, 1024);
        var status = bed.Queue(UsbTransferType.In, 1, 1, UsbHcBed.Data + 0x2000, 13);
        Cbw(6, 18, dataIn: true, [0x03, 0, 0, 0, 18, 0]).CopyTo(bed.Memory.Bytes, (int)UsbHcBed.Data + 0x3000); // REQUEST SENSE
        bed.Queue(UsbTransferType.Out, 1, 2, UsbHcBed.Data + 0x3000, 31);
        var sense = bed.Queue(UsbTransferType.In, 1, 1, UsbHcBed.Data + 0x4000, 18);
        bed.Dispatcher.RunUntilQuiescent();

        Assert.Equal((false, UsbCompletionCode.Success, 0), bed.Result(data)); // BOT 6.7.2 case 4: a zero-length packet
        Assert.Equal((false, UsbCompletionCode.Success, 13), bed.Result(status));
        Assert.Equal(1024u, BinaryPrimitives.ReadUInt32LittleEndian(bed.Memory.Bytes.AsSpan((int)UsbHcBed.Data + 0x2000 + 8))); // residue: all of it
        Assert.Equal(1, bed.Memory.Bytes[UsbHcBed.Data + 0x2000 + 12]); // Command Failed
        Assert.Equal((false, UsbCompletionCode.Success, 18), bed.Result(sense));
        Assert.Equal(0x05, bed.Memory.Bytes[UsbHcBed.Data + 0x4000 + 2]); // ILLEGAL REQUEST
        Assert.Equal(0x21, bed.Memory.Bytes[UsbHcBed.Data + 0x4000 + 12]); // LOGICAL BLOCK ADDRESS OUT OF RANGE
    }

    [Fact]
    public void A_CBW_without_the_USBC_signature_stalls_both_bulk_endpoints_until_CLEAR_FEATURE()
    {
        using var bed = new UsbHcBed();
        var device = new UsbMassStorageDevice(new MemoryDiskImage(64));
        bed.AttachAndReset(1, device);
        Configure(bed);
        var cbw = Cbw(1, 0, dataIn: false, [0x00, 0, 0, 0, 0, 0]);
        cbw[0] = (byte)'X';
        cbw.CopyTo(bed.Memory.Bytes, (int)UsbHcBed.Data);

        var command = bed.Queue(UsbTransferType.Out, 1, 2, UsbHcBed.Data, 31);
        bed.Dispatcher.RunUntilQuiescent();

        Assert.Equal(UsbCompletionCode.Stall, bed.Result(command).Code);
        Assert.True(device.IsHalted(0x81) && device.IsHalted(0x02));
        Assert.Equal(UsbCompletionCode.Success, bed.Control(1, 0x21, 0xFF, 0, 0, 0).Code); // Bulk-Only Mass Storage Reset
        Assert.Equal(UsbCompletionCode.Success, bed.Control(1, 0x02, 0x01, 0, 0x81, 0).Code); // CLEAR_FEATURE(ENDPOINT_HALT) IN
        Assert.Equal(UsbCompletionCode.Success, bed.Control(1, 0x02, 0x01, 0, 0x02, 0).Code); // and OUT
        Assert.False(device.IsHalted(0x81) || device.IsHalted(0x02));
    }

    [Fact]
    public void A_detach_while_a_TD_is_on_the_wire_completes_it_with_NoResponse_and_moves_no_data()
    {
        using var bed = new UsbHcBed(new UsbHostControllerOptions { TransferOverheadNs = 20_000, ByteNs = 17, PortResetNs = 1000 });
        bed.AttachAndReset(1, new UsbMassStorageDevice(new MemoryDiskImage(64)));
        var descriptor = bed.Queue(UsbTransferType.Control, 0, 0, UsbHcBed.Data, 18, [0x80, 0x06, 0x00, 0x01, 0, 0, 18, 0]);
        bed.Dispatcher.RunForNanoseconds(5_000); // fetched, 20 us on the wire

        Assert.True(bed.Result(descriptor).Active);
        Assert.NotNull(bed.Controller.DetachDevice(1));
        bed.Dispatcher.RunUntilQuiescent();

        Assert.Equal((false, UsbCompletionCode.NoResponse, 0), bed.Result(descriptor));
        Assert.Equal(0, bed.Memory.Bytes[UsbHcBed.Data]); // nothing arrived
        var port = bed.Port(1);
        Assert.Equal(UsbPortStatusControl.None, port & (UsbPortStatusControl.CurrentConnectStatus | UsbPortStatusControl.PortEnabled));
        Assert.Equal(UsbPortStatusControl.ConnectStatusChange | UsbPortStatusControl.PortEnableChange,
            port & (UsbPortStatusControl.ConnectStatusChange | UsbPortStatusControl.PortEnableChange));
        Assert.NotEqual(0u, bed.Read(UsbHostControllerRegister.Status) & (uint)(UsbStatus.PortChangeDetect | UsbStatus.ErrorInterrupt));
    }

    [Fact]
    public void Each_TD_costs_the_overhead_plus_its_bytes_on_the_virtual_clock()
    {
        using var bed = new UsbHcBed(new UsbHostControllerOptions { TransferOverheadNs = 20_000, ByteNs = 17, PortResetNs = 1000 });
        bed.AttachAndReset(1, new UsbMassStorageDevice(new MemoryDiskImage(64)));
        var descriptor = bed.Queue(UsbTransferType.Control, 0, 0, UsbHcBed.Data, 18, [0x80, 0x06, 0x00, 0x01, 0, 0, 18, 0]);

        bed.Dispatcher.RunForNanoseconds(20_000 + (18 * 17) - 100);
        Assert.True(bed.Result(descriptor).Active);
        bed.Dispatcher.RunForNanoseconds(200);
        Assert.False(bed.Result(descriptor).Active);
    }

    /// <summary>SET_ADDRESS(1) and SET_CONFIGURATION(1).</summary>
    private static void Configure(UsbHcBed bed)
    {
        Assert.Equal(UsbCompletionCode.Success, bed.Control(0, 0x00, 0x05, 1, 0, 0).Code);
        Assert.Equal(UsbCompletionCode.Success, bed.Control(1, 0x00, 0x09, 1, 0, 0).Code);
    }

    private static byte[] Cbw(uint tag, uint length, bool dataIn, byte[] cdb)
    {
        var cbw = new byte[31];
        BinaryPrimitives.WriteUInt32LittleEndian(cbw, 0x43425355);
        BinaryPrimitives.WriteUInt32LittleEndian(cbw.AsSpan(4), tag);
        BinaryPrimitives.WriteUInt32LittleEndian(cbw.AsSpan(8), length);
        cbw[12] = dataIn ? (byte)0x80 : (byte)0;
        cbw[14] = (byte)cdb.Length;
        cdb.CopyTo(cbw, 15);
        return cbw;
    }
}
