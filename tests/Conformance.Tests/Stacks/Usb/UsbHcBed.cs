using System.Buffers.Binary;
using ActorKernel.Hardware;
using ActorKernel.Runtime;

namespace ActorKernel.Conformance.Tests.Stacks.Usb;

/// <summary>
/// The USB host controller model alone on a deterministic actor system, driven at register level
/// as a miniport would: the TD ring at 0x1000 (16 entries), segment lists from 0x2000 (0x100 per
/// slot), data buffers from 0x10000. Memory is a flat array; the pin records its level.
/// </summary>
internal sealed class UsbHcBed : IDisposable
{
    public const ulong Ring = 0x1000;
    public const uint RingEntries = 16;
    public const ulong SegmentLists = 0x2000;
    public const ulong Data = 0x10000;

    private uint _tail;

    public UsbHcBed(UsbHostControllerOptions? options = null, bool start = true)
    {
        System = ActorSystem.Create("usbhc", ActorSystemOptions.DeterministicWith(1));
        Controller = new UsbHostController(options ?? UsbHostControllerOptions.NoLatency, Memory, Pin);
        Controller.Attach(System, "usbhc");
        if (start)
        {
            Write(UsbHostControllerRegister.AsyncListAddressLow, (uint)Ring);
            Write(UsbHostControllerRegister.AsyncListSize, RingEntries);
            Write(UsbHostControllerRegister.InterruptEnable, (uint)(UsbStatus.UsbInterrupt | UsbStatus.ErrorInterrupt | UsbStatus.PortChangeDetect));
            Write(UsbHostControllerRegister.Command, (uint)(UsbCommand.RunStop | UsbCommand.AsyncScheduleEnable));
        }
    }

    public ActorSystem System { get; }

    public FlatMemory Memory { get; } = new(1 << 20);

    public LevelPin Pin { get; } = new();

    public UsbHostController Controller { get; }

    public DeterministicDispatcher Dispatcher => System.Deterministic!;

    public uint Read(UsbHostControllerRegister register) => Controller.Read((int)register, AccessWidth.Dword);

    public void Write(UsbHostControllerRegister register, uint value) => Controller.Write((int)register, AccessWidth.Dword, value);

    public UsbPortStatusControl Port(int port) => (UsbPortStatusControl)Controller.Read((int)UsbHostControllerRegister.PortStatusControl1 + (4 * (port - 1)), AccessWidth.Dword);

    public void WritePort(int port, UsbPortStatusControl value) => Controller.Write((int)UsbHostControllerRegister.PortStatusControl1 + (4 * (port - 1)), AccessWidth.Dword, (uint)value);

    /// <summary>Attaches a device to <paramref name="port"/>, resets the port, acknowledges the changes.</summary>
    public void AttachAndReset(int port, UsbDeviceModel device)
    {
        Controller.AttachDevice(port, device);
        WritePort(port, UsbPortStatusControl.PortReset);
        Dispatcher.RunUntilQuiescent();
        WritePort(port, UsbPortStatusControl.ConnectStatusChange | UsbPortStatusControl.PortResetChange | UsbPortStatusControl.PortEnabled);
        Write(UsbHostControllerRegister.Status, (uint)UsbStatus.PortChangeDetect);
    }

    /// <summary>Fills the next TD (ACTIVE, IOC) with one segment at <paramref name="buffer"/>; returns its index. <paramref name="ring"/> false leaves the doorbell.</summary>
    public uint Queue(UsbTransferType type, int address, int endpoint, ulong buffer, int length, byte[]? setup = null, bool ring = true)
    {
        var index = _tail;
        var td = Memory.Bytes.AsSpan((int)(Ring + (index * UsbTransferDescriptorLayout.Size)), UsbTransferDescriptorLayout.Size);
        td.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(td, UsbTransferDescriptorLayout.Control(type, address, endpoint, true));
        BinaryPrimitives.WriteUInt32LittleEndian(td[UsbTransferDescriptorLayout.StatusOffset..], UsbTransferDescriptorLayout.Active);
        BinaryPrimitives.WriteUInt32LittleEndian(td[UsbTransferDescriptorLayout.LengthOffset..], (uint)length);
        setup?.CopyTo(td[UsbTransferDescriptorLayout.SetupOffset..]);
        var list = SegmentLists + (index * 0x100);
        BinaryPrimitives.WriteUInt64LittleEndian(td[UsbTransferDescriptorLayout.SegmentListOffset..], list);
        BinaryPrimitives.WriteUInt32LittleEndian(td[UsbTransferDescriptorLayout.SegmentCountOffset..], length > 0 ? 1u : 0u);
        BinaryPrimitives.WriteUInt64LittleEndian(Memory.Bytes.AsSpan((int)list), buffer);
        BinaryPrimitives.WriteUInt32LittleEndian(Memory.Bytes.AsSpan((int)list + 8), (uint)length);
        _tail = (_tail + 1) % RingEntries;
        if (ring)
        {
            Write(UsbHostControllerRegister.AsyncTail, _tail);
        }
        return index;
    }

    /// <summary>The TD's STATUS (ACTIVE and completion code) and ACTUAL.</summary>
    public (bool Active, UsbCompletionCode Code, int Actual) Result(uint index)
    {
        var td = Memory.Bytes.AsSpan((int)(Ring + (index * UsbTransferDescriptorLayout.Size)));
        var status = BinaryPrimitives.ReadUInt32LittleEndian(td[UsbTransferDescriptorLayout.StatusOffset..]);
        return ((status & UsbTransferDescriptorLayout.Active) != 0, (UsbCompletionCode)(status & 0xFF), (int)BinaryPrimitives.ReadUInt32LittleEndian(td[UsbTransferDescriptorLayout.ActualOffset..]));
    }

    /// <summary>A control transfer run to its end: the setup packet's 8 bytes, data at <see cref="Data"/>.</summary>
    public (UsbCompletionCode Code, int Actual) Control(int address, byte requestType, byte request, ushort value, ushort index, ushort length)
    {
        var setup = new byte[8];
        setup[0] = requestType;
        setup[1] = request;
        BinaryPrimitives.WriteUInt16LittleEndian(setup.AsSpan(2), value);
        BinaryPrimitives.WriteUInt16LittleEndian(setup.AsSpan(4), index);
        BinaryPrimitives.WriteUInt16LittleEndian(setup.AsSpan(6), length);
        var td = Queue(UsbTransferType.Control, address, 0, Data, length, setup);
        Dispatcher.RunUntilQuiescent();
        var (active, code, actual) = Result(td);
        Assert.False(active, "the controller finished the control transfer");
        return (code, actual);
    }

    public void Dispose() => System.Dispose();

    /// <summary>Physical memory as a flat array.</summary>
    internal sealed class FlatMemory(int size) : IDmaMemory
    {
        public byte[] Bytes { get; } = new byte[size];

        public void DmaRead(ulong physicalAddress, Span<byte> destination) => Bytes.AsSpan((int)physicalAddress, destination.Length).CopyTo(destination);

        public void DmaWrite(ulong physicalAddress, ReadOnlySpan<byte> source) => source.CopyTo(Bytes.AsSpan((int)physicalAddress));
    }

    /// <summary>An interrupt pin that records its level and how often it rose.</summary>
    internal sealed class LevelPin : IInterruptPin
    {
        public bool Asserted { get; private set; }

        public int Assertions { get; private set; }

        public void Assert()
        {
            if (!Asserted)
            {
                Assertions++;
            }
            Asserted = true;
        }

        public void Deassert() => Asserted = false;
    }
}
