using System.Buffers.Binary;

namespace ActorKernel.Hardware;

// The asynchronous schedule: fetch a descriptor, run it against the addressed device, and after its
// time write the result back (USB 2.0 host controller side of chapter 8's transactions, simplified to
// one descriptor per transfer).
public sealed partial class UsbHostController
{
    private readonly byte[] _descriptor = new byte[UsbTransferDescriptorLayout.Size];
    private readonly byte[] _segmentBytes = new byte[UsbTransferDescriptorLayout.MaxSegments * UsbTransferDescriptorLayout.SegmentSize];
    private readonly (ulong Address, uint Length)[] _segments = new (ulong, uint)[UsbTransferDescriptorLayout.MaxSegments];
    private byte[] _buffer = new byte[4096];
    private InFlight? _inFlight;

    /// <summary>The engine asks for the next descriptor: returns its cost, or -1 when there is none to run.</summary>
    internal long EngineStartNext()
    {
        lock (_lock)
        {
            if ((_command & (UsbCommand.RunStop | UsbCommand.AsyncScheduleEnable)) != (UsbCommand.RunStop | UsbCommand.AsyncScheduleEnable)
                || _asyncHead == _asyncTail || _inFlight is not null)
            {
                return -1;
            }
            var address = _asyncListAddress + ((ulong)_asyncHead * UsbTransferDescriptorLayout.Size);
            _dma.DmaRead(address, _descriptor);
            var flight = Run(address);
            _inFlight = flight;
            return flight.Code == UsbCompletionCode.InvalidDescriptor
                ? 0
                : _options.TransferOverheadNs + (flight.Actual * _options.ByteNs) + flight.DeviceNs;
        }
    }

    /// <summary>The engine's end of the descriptor's time: data in, ACTUAL and STATUS written back, head advanced, USBINT/USBERRINT.</summary>
    internal void EngineComplete()
    {
        lock (_lock)
        {
            if (_inFlight is not { } flight)
            {
                return; // an HCRESET dropped it
            }
            _inFlight = null;
            if (flight.Port is { } port && port.Generation != flight.Generation)
            {
                // The device went away (or was reset) while the transfer was on the wire: no handshake, no data.
                flight.Code = UsbCompletionCode.NoResponse;
                flight.Actual = 0;
            }
            if (flight.Code == UsbCompletionCode.Success && flight.DataIn && flight.Actual > 0)
            {
                Scatter(flight.SegmentCount, _buffer.AsSpan(0, flight.Actual));
            }
            // ACTUAL first, then STATUS with ACTIVE clear: a driver that sees ACTIVE clear reads a valid ACTUAL.
            Span<byte> word = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)flight.Actual);
            _dma.DmaWrite(flight.Address + UsbTransferDescriptorLayout.ActualOffset, word);
            BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)flight.Code);
            _dma.DmaWrite(flight.Address + UsbTransferDescriptorLayout.StatusOffset, word);
            _asyncHead = (_asyncHead + 1) % _asyncListSize;
            CompletedTransfers++;
            if (flight.Code != UsbCompletionCode.Success)
            {
                _status |= UsbStatus.ErrorInterrupt;
            }
            else if (flight.InterruptOnComplete)
            {
                _status |= UsbStatus.UsbInterrupt;
            }
            UpdateInterrupt();
        }
    }

    /// <summary>Runs the fetched descriptor against its device now; the data goes to memory at its end.</summary>
    private InFlight Run(ulong address)
    {
        var td = _descriptor.AsSpan();
        var control = BinaryPrimitives.ReadUInt32LittleEndian(td);
        var status = BinaryPrimitives.ReadUInt32LittleEndian(td[UsbTransferDescriptorLayout.StatusOffset..]);
        var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(td[UsbTransferDescriptorLayout.LengthOffset..]);
        var segmentCount = (int)BinaryPrimitives.ReadUInt32LittleEndian(td[UsbTransferDescriptorLayout.SegmentCountOffset..]);
        var type = (UsbTransferType)(control & 3);
        var deviceAddress = (int)((control >> 8) & 0x7F);
        var endpoint = (int)((control >> 16) & 0xF);
        var setup = td.Slice(UsbTransferDescriptorLayout.SetupOffset, 8);
        var dataIn = type == UsbTransferType.In || (type == UsbTransferType.Control && (setup[0] & 0x80) != 0);
        var flight = new InFlight
        {
            Address = address,
            InterruptOnComplete = (control & UsbTransferDescriptorLayout.InterruptOnComplete) != 0,
            DataIn = dataIn,
            SegmentCount = segmentCount,
        };
        if ((status & UsbTransferDescriptorLayout.Active) == 0 || type > UsbTransferType.Control || segmentCount > UsbTransferDescriptorLayout.MaxSegments
            || length < 0 || !LoadSegments(segmentCount, length))
        {
            flight.Code = UsbCompletionCode.InvalidDescriptor;
            return flight;
        }
        var port = FindDevice(deviceAddress);
        if (port?.Device is not { } device)
        {
            flight.Code = UsbCompletionCode.NoResponse; // nobody answers at that address
            return flight;
        }
        flight.Port = port;
        flight.Generation = port.Generation;
        if (_buffer.Length < length)
        {
            _buffer = new byte[Math.Max(length, _buffer.Length * 2)];
        }
        var data = _buffer.AsSpan(0, length);
        if (!dataIn && length > 0)
        {
            Gather(segmentCount, data);
        }
        UsbHandshake handshake;
        int actual;
        long cost;
        switch (type)
        {
            case UsbTransferType.Control when endpoint == 0:
                handshake = device.Control(setup, data, out actual, out cost);
                break;
            case UsbTransferType.In when endpoint != 0:
                handshake = device.In(endpoint, data, out actual, out cost);
                break;
            case UsbTransferType.Out when endpoint != 0:
                handshake = device.Out(endpoint, data, out cost);
                actual = length;
                break;
            default:
                flight.Code = UsbCompletionCode.InvalidDescriptor;
                return flight;
        }
        flight.DeviceNs = cost;
        flight.Code = handshake == UsbHandshake.Ack ? UsbCompletionCode.Success : UsbCompletionCode.Stall;
        flight.Actual = handshake == UsbHandshake.Ack ? actual : 0;
        return flight;
    }

    /// <summary>The enabled port whose device has <paramref name="address"/> (address 0: the one device in the default state).</summary>
    private RootPort? FindDevice(int address)
    {
        foreach (var port in _ports)
        {
            if ((port.Status & UsbPortStatusControl.PortEnabled) != 0 && port.Device is { } device && device.Address == address)
            {
                return port;
            }
        }
        return null;
    }

    private bool LoadSegments(int count, int length)
    {
        if (count == 0)
        {
            return length == 0;
        }
        var segmentList = BinaryPrimitives.ReadUInt64LittleEndian(_descriptor.AsSpan(UsbTransferDescriptorLayout.SegmentListOffset));
        var bytes = _segmentBytes.AsSpan(0, count * UsbTransferDescriptorLayout.SegmentSize);
        _dma.DmaRead(segmentList, bytes);
        long total = 0;
        for (var i = 0; i < count; i++)
        {
            var entry = bytes[(i * UsbTransferDescriptorLayout.SegmentSize)..];
            _segments[i] = (BinaryPrimitives.ReadUInt64LittleEndian(entry), BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]));
            total += _segments[i].Length;
        }
        return total >= length;
    }

    private void Gather(int count, Span<byte> data)
    {
        var done = 0;
        for (var i = 0; i < count && done < data.Length; i++)
        {
            var take = (int)Math.Min(_segments[i].Length, (uint)(data.Length - done));
            _dma.DmaRead(_segments[i].Address, data.Slice(done, take));
            done += take;
        }
    }

    private void Scatter(int count, ReadOnlySpan<byte> data)
    {
        var done = 0;
        for (var i = 0; i < count && done < data.Length; i++)
        {
            var take = (int)Math.Min(_segments[i].Length, (uint)(data.Length - done));
            _dma.DmaWrite(_segments[i].Address, data.Slice(done, take));
            done += take;
        }
    }

    /// <summary>The descriptor on the wire.</summary>
    private sealed class InFlight
    {
        public ulong Address;
        public bool InterruptOnComplete;
        public bool DataIn;
        public int SegmentCount;
        public RootPort? Port;
        public int Generation;
        public UsbCompletionCode Code;
        public int Actual;
        public long DeviceNs;
    }
}
