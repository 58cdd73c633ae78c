using System.Buffers.Binary;
using ActorKernel.Hardware.Tests.Fakes;
using ActorKernel.Runtime;

namespace ActorKernel.Hardware.Tests.Network;

/// <summary>Register-level behaviour of the network adapter model: rings in (fake) physical memory, link, moderation.</summary>
[Trait("Area", "Hardware")]
public sealed class NetworkAdapterTests : IDisposable
{
    private const int Ctrl = 0x00, Status = 0x04, Icr = 0x08, Itr = 0x0C, Ims = 0x14, Rdbal = 0x20, Rdlen = 0x28, Rdh = 0x2C, Rdt = 0x30;
    private const int Tdbal = 0x38, Tdlen = 0x40, Tdh = 0x44, Tdt = 0x48, Ral = 0x50, Rah = 0x54, Gprc = 0x60, Mpc = 0x68;
    private const ulong RxRing = 0x1000, TxRing = 0x2000, RxBuffers = 0x10000, TxBuffers = 0x20000;
    private const int RingEntries = 4;

    private readonly ActorSystem _system = ActorSystem.Create("nic", ActorSystemOptions.DeterministicWith(9));

    public void Dispose() => _system.Dispose();

    private sealed record Nic(NetworkAdapter Adapter, IActorRef Ref, FakePin Pin, FakeDmaMemory Memory)
    {
        public uint R(int offset) => Adapter.Read(offset, AccessWidth.Dword);

        public void W(int offset, uint value) => Adapter.Write(offset, AccessWidth.Dword, value);
    }

    private Nic Make(string name, byte last)
    {
        var pin = new FakePin();
        var memory = new FakeDmaMemory(0x40000);
        NetworkAdapter? adapter = null;
        var actor = _system.ActorOf(Props.Create(() => adapter = new NetworkAdapter(pin, memory, new byte[] { 0x02, 0, 0, 0, 0, last }, 1_000_000_000, 500)), name);
        Run();
        return new Nic(adapter!, actor, pin, memory);
    }

    /// <summary>What a driver does at start: rings with buffers, all RX descriptors but one given to the adapter, RX/TX on.</summary>
    private static void Start(Nic nic, uint rxTail = RingEntries - 1)
    {
        for (var i = 0; i < RingEntries; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(nic.Memory.Bytes.AsSpan((int)RxRing + i * 16), RxBuffers + (ulong)i * NetworkAdapter.RxBufferSize);
        }
        nic.W(Rdbal, (uint)RxRing);
        nic.W(Rdlen, RingEntries * 16);
        nic.W(Rdh, 0);
        nic.W(Rdt, rxTail);
        nic.W(Tdbal, (uint)TxRing);
        nic.W(Tdlen, RingEntries * 16);
        nic.W(Tdh, 0);
        nic.W(Tdt, 0);
        nic.W(Ctrl, 0x6);
    }

    private static void Send(Nic nic, uint index, byte[] frame)
    {
        var buffer = TxBuffers + index * 2048;
        frame.CopyTo(nic.Memory.Bytes, (int)buffer);
        var d = nic.Memory.Bytes.AsSpan((int)TxRing + (int)index * 16, 16);
        d.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(d, buffer);
        BinaryPrimitives.WriteUInt16LittleEndian(d[8..], (ushort)frame.Length);
        d[11] = 0x09; // EOP | RS
        nic.W(Tdt, (index + 1) % RingEntries);
    }

    private static byte[] Frame(int length, byte fill) => [.. Enumerable.Repeat(fill, length)];

    private void Run() => _system.Deterministic!.RunUntilQuiescent();

    [Fact]
    public void Link_comes_up_on_both_adapters_with_a_link_status_change_interrupt()
    {
        var a = Make("a", 1);
        var b = Make("b", 2);
        a.W(Ims, 0x04);
        Assert.Equal(0u, a.R(Status) & 1);
        NetworkAdapter.Connect(a.Ref, b.Ref);
        Run();
        Assert.Equal(1u, a.R(Status) & 1);
        Assert.Equal(1u, b.R(Status) & 1);
        Assert.True(a.Pin.Asserted);
        Assert.Equal(0x04u, a.R(Icr));
        Assert.False(a.Pin.Asserted); // reading ICR acknowledged it
        Assert.Equal(0x00000002u, a.R(Ral) >> 0 & 0xFF);
        Assert.Equal(0x0100u, a.R(Rah));
    }

    [Fact]
    public void Frame_sent_from_one_adapter_is_written_by_DMA_into_the_linked_adapters_RX_ring()
    {
        var a = Make("a", 1);
        var b = Make("b", 2);
        NetworkAdapter.Connect(a.Ref, b.Ref);
        Start(a);
        Start(b);
        a.W(Ims, 0x01);
        b.W(Ims, 0x80);
        Run();
        a.R(Icr);
        b.R(Icr);

        var frame = Frame(60, 0xAB);
        Send(a, 0, frame);
        Run();

        Assert.Equal(1u, a.R(Tdh));
        Assert.Equal(0x01, a.Memory.Bytes[TxRing + 12] & 0x01); // DD written back (RS was set)
        Assert.True(a.Pin.Asserted);
        Assert.Equal(0x01u, a.R(Icr));

        Assert.True(b.Pin.Asserted);
        Assert.Equal(0x80u, b.R(Icr));
        Assert.Equal(1u, b.R(Rdh));
        var rx = b.Memory.Bytes.AsSpan((int)RxRing, 16);
        Assert.Equal(60, BinaryPrimitives.ReadUInt16LittleEndian(rx[8..]));
        Assert.Equal(0x03, rx[12]); // DD | EOP
        Assert.Equal(frame, b.Memory.Bytes.AsSpan((int)RxBuffers, 60).ToArray());
        Assert.Equal(1u, b.R(Gprc));
    }

    [Fact]
    public void Full_RX_ring_drops_frames_counts_them_in_MPC_and_raises_RXO_until_the_driver_returns_descriptors()
    {
        var b = Make("b", 2);
        Start(b, rxTail: 2); // the adapter owns descriptors 0 and 1 only
        b.W(Ims, 0x40);
        for (var i = 0; i < 4; i++)
        {
            b.Ref.Tell(new NicInjectFrame(Frame(64, (byte)i)));
        }
        Run();
        Assert.Equal(2u, b.R(Rdh));
        Assert.True(b.Pin.Asserted);
        Assert.Equal(0x40u, b.R(Icr) & 0x40);
        Assert.Equal(2u, b.R(Mpc));

        b.W(Rdt, 1); // the driver took frames 0 and 1 and gives back descriptors 2, 3 and 0
        b.Ref.Tell(new NicInjectFrame(Frame(64, 9)));
        Run();
        Assert.Equal(3u, b.R(Rdh));
        Assert.Equal(0u, b.R(Mpc));
        Assert.Equal(9, b.Memory.Bytes[RxBuffers + 2 * 2048]);
    }

    [Fact]
    public void Interrupt_moderation_holds_a_new_interrupt_until_the_ITR_interval_has_passed()
    {
        var b = Make("b", 2);
        Start(b);
        b.W(Ims, 0x80);
        b.W(Itr, 40); // 40 x 256 ns = 10.24 us
        b.Ref.Tell(new NicInjectFrame(Frame(64, 1)));
        Run();
        Assert.True(b.Pin.Asserted);
        Assert.Equal(1, b.Pin.Assertions);
        b.R(Icr);
        Assert.False(b.Pin.Asserted);

        b.Ref.Tell(new NicInjectFrame(Frame(64, 2)));
        _system.Deterministic!.RunForNanoseconds(5_000);
        Assert.False(b.Pin.Asserted); // within the interval: held back
        _system.Deterministic!.RunForNanoseconds(6_000);
        Assert.True(b.Pin.Asserted);
        Assert.Equal(2, b.Pin.Assertions);
    }

    [Fact]
    public void Frames_sent_while_the_link_is_down_are_lost_and_the_loss_and_return_of_link_interrupt()
    {
        var a = Make("a", 1);
        var b = Make("b", 2);
        NetworkAdapter.Connect(a.Ref, b.Ref);
        Start(a);
        Start(b);
        Run();
        a.R(Icr);
        a.W(Ims, 0x04);
        a.Ref.Tell(new NicSetLink(false));
        Run();
        Assert.True(a.Pin.Asserted);
        Assert.Equal(0u, a.R(Status) & 1);
        Send(a, 0, Frame(100, 7));
        Run();
        Assert.Equal(1u, a.R(Tdh)); // the adapter sent it into a dead link
        Assert.Equal(0u, b.R(Rdh));

        a.R(Icr);
        a.Ref.Tell(new NicSetLink(true));
        Run();
        Assert.Equal(0x04u, a.R(Icr));
        Send(a, 1, Frame(100, 8));
        Run();
        Assert.Equal(1u, b.R(Rdh));
    }

    [Fact]
    public void Transmit_takes_the_frame_time_at_the_link_speed()
    {
        var a = Make("a", 1);
        Start(a);
        Send(a, 0, Frame(1230, 1)); // (1230 + 20) bytes at 1 Gb/s = 10 us
        _system.Deterministic!.RunForNanoseconds(9_000);
        Assert.Equal(0u, a.R(Tdh));
        _system.Deterministic!.RunForNanoseconds(2_000);
        Assert.Equal(1u, a.R(Tdh));
    }
}
