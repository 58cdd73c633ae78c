using ActorKernel.Hardware.Tests.Fakes;
using ActorKernel.Runtime;

namespace ActorKernel.Hardware.Tests.Serial;

/// <summary>Register-level behaviour of the 16550 model, on the virtual clock, with a fake interrupt pin.</summary>
[Trait("Area", "Hardware")]
public sealed class Uart16550Tests : IDisposable
{
    private const int Thr = 0, Rbr = 0, Dll = 0, Ier = 1, Dlm = 1, Iir = 2, Fcr = 2, Lcr = 3, Mcr = 4, Lsr = 5, Msr = 6, Scr = 7;
    private const long CharNs9600 = 10 * 1_000_000_000L * 16 * 12 / Uart16550.InputClockHz; // 8N1 = 10 bits

    private readonly ActorSystem _system = ActorSystem.Create("uart", ActorSystemOptions.DeterministicWith(11));

    public void Dispose() => _system.Dispose();

    private (Uart16550 Uart, IActorRef Ref, FakePin Pin) Make(string name = "com1")
    {
        var pin = new FakePin();
        Uart16550? uart = null;
        var actor = _system.ActorOf(Props.Create(() => uart = new Uart16550(pin, null, name)), name);
        Settle();
        return (uart!, actor, pin);
    }

    private void Settle() => _system.Deterministic!.RunUntilQuiescent();

    private void Advance(long ns) => _system.Deterministic!.RunForNanoseconds(ns);

    private static uint R(Uart16550 u, int offset) => u.Read(offset, AccessWidth.Byte);

    private static void W(Uart16550 u, int offset, uint value) => u.Write(offset, AccessWidth.Byte, value);

    [Fact]
    public void Divisor_latch_is_reached_with_DLAB_and_sets_the_baud_rate()
    {
        var (u, _, _) = Make();
        Assert.Equal(9600, u.BaudRate);
        W(u, Lcr, 0x83);
        W(u, Dll, 0x01);
        W(u, Dlm, 0x00);
        Assert.Equal(1u, R(u, Dll));
        Assert.Equal(0u, R(u, Dlm));
        W(u, Lcr, 0x03);
        Assert.Equal(115_200, u.BaudRate);
        W(u, Scr, 0x5A);
        Assert.Equal(0x5Au, R(u, Scr));
        Assert.Equal(0x60u, R(u, Lsr)); // THRE and TEMT at reset
    }

    [Fact]
    public void Transmitter_sends_one_character_per_character_time_and_sets_THRE_then_TEMT()
    {
        var (u, _, _) = Make();
        W(u, Fcr, 0x07);
        foreach (var b in "abc"u8.ToArray())
        {
            W(u, Thr, b);
        }
        Assert.Equal(0, (int)(R(u, Lsr) & 0x60)); // FIFO holds 2 more, shift register busy
        Advance(CharNs9600 * 2 + CharNs9600 / 2);
        Assert.Equal("ab"u8.ToArray(), u.TakeTransmitted());
        Assert.Equal(0x20u, R(u, Lsr) & 0x60); // THR empty, last character still shifting
        Advance(CharNs9600);
        Assert.Equal("c"u8.ToArray(), u.TakeTransmitted());
        Assert.Equal(0x60u, R(u, Lsr) & 0x60);
    }

    [Fact]
    public void Higher_baud_rate_sends_faster()
    {
        var (u, _, _) = Make();
        W(u, Lcr, 0x83);
        W(u, Dll, 1); // 115200 baud: 86.8 us per character
        W(u, Lcr, 0x03);
        W(u, Fcr, 0x01);
        for (var i = 0; i < 10; i++)
        {
            W(u, Thr, (uint)i);
        }
        Advance(1_000_000);
        Assert.Equal(10, u.TakeTransmitted().Length);
    }

    [Fact]
    public void THR_empty_interrupt_needs_ETBEI_and_OUT2_and_is_cleared_by_reading_IIR()
    {
        var (u, _, pin) = Make();
        W(u, Ier, 0x02);
        Assert.False(pin.Asserted); // OUT2 gates the IRQ
        W(u, Mcr, 0x08);
        Assert.True(pin.Asserted);
        Assert.Equal(0x02u, R(u, Iir));
        Assert.False(pin.Asserted);
        Assert.Equal(0x01u, R(u, Iir));

        W(u, Thr, 0x41); // clears THRE; it comes back once the byte moves to the shift register
        Assert.True(pin.Asserted);
        Assert.Equal(0x02u, R(u, Iir));
    }

    [Fact]
    public void Received_data_interrupt_fires_at_the_FIFO_trigger_level_and_clears_below_it()
    {
        var (u, actor, pin) = Make();
        W(u, Fcr, 0x41); // FIFO on, trigger 4
        W(u, Ier, 0x01);
        W(u, Mcr, 0x08);
        actor.Tell(new SerialInput("xyz"u8.ToArray()));
        Advance(CharNs9600 * 3 + 100);
        Assert.False(pin.Asserted);
        Assert.Equal(0xC1u, R(u, Iir));
        actor.Tell(new SerialInput("w"u8.ToArray()));
        Advance(CharNs9600 + 100);
        Assert.True(pin.Asserted);
        Assert.Equal(0xC4u, R(u, Iir));
        Assert.Equal((uint)'x', R(u, Rbr));
        Assert.False(pin.Asserted);
        Assert.Equal(0x01u, R(u, Lsr) & 0x01);
    }

    [Fact]
    public void Character_timeout_interrupt_fires_four_character_times_after_the_last_byte_below_the_trigger()
    {
        var (u, actor, pin) = Make();
        W(u, Fcr, 0x81); // trigger 8
        W(u, Ier, 0x01);
        W(u, Mcr, 0x08);
        actor.Tell(new SerialInput("hi"u8.ToArray()));
        Advance(CharNs9600 * 2 + 100);
        Assert.False(pin.Asserted);
        Advance(CharNs9600 * 4);
        Assert.True(pin.Asserted);
        Assert.Equal(0xCCu, R(u, Iir));
        Assert.Equal((uint)'h', R(u, Rbr));
        Assert.Equal((uint)'i', R(u, Rbr));
        Assert.False(pin.Asserted);
    }

    [Fact]
    public void Byte_arriving_with_the_receiver_full_is_lost_and_sets_OE_with_a_line_status_interrupt_of_top_priority()
    {
        var (u, actor, pin) = Make();
        W(u, Ier, 0x05); // RX data and line status
        W(u, Mcr, 0x08);
        actor.Tell(new SerialInput("12"u8.ToArray())); // FIFOs off: the RBR holds one byte
        Advance(CharNs9600 * 2 + 100);
        Assert.True(pin.Asserted);
        Assert.Equal(0x06u, R(u, Iir)); // line status beats received data
        var lsr = R(u, Lsr);
        Assert.Equal(0x03u, lsr & 0x03); // DR and OE
        Assert.Equal(0x04u, R(u, Iir)); // reading LSR cleared OE: the data interrupt remains
        Assert.Equal((uint)'1', R(u, Rbr));
        Assert.Equal(0u, R(u, Lsr) & 0x03);
        Assert.False(pin.Asserted);
    }

    [Fact]
    public void Sixteen_byte_FIFO_overruns_on_the_seventeenth_byte()
    {
        var (u, actor, _) = Make();
        W(u, Fcr, 0xC1);
        actor.Tell(new SerialInput([.. Enumerable.Range(0, 17).Select(i => (byte)i)]));
        Advance(CharNs9600 * 17 + 100);
        Assert.Equal(0x83u, R(u, Lsr) & 0x83); // DR, OE, error in RX FIFO
        for (var i = 0; i < 16; i++)
        {
            Assert.Equal((uint)i, R(u, Rbr));
        }
        Assert.Equal(0u, R(u, Lsr) & 0x01);
    }

    [Fact]
    public void Null_modem_carries_bytes_both_ways_and_crosses_RTS_to_CTS()
    {
        var (a, aRef, _) = Make("com1");
        var (b, bRef, bPin) = Make("com2");
        Uart16550.ConnectNullModem(aRef, bRef);
        Settle();
        W(b, Fcr, 0x01);
        W(b, Ier, 0x08);
        W(b, Mcr, 0x08);
        W(a, Mcr, 0x02); // RTS
        Settle();
        Assert.True(bPin.Asserted); // modem status change
        Assert.Equal(0x11u, R(b, Msr) & 0x11); // DCTS and CTS
        Assert.Equal(0x10u, R(b, Msr) & 0x11); // delta cleared by the read

        W(a, Fcr, 0x01);
        foreach (var c in "ping"u8.ToArray())
        {
            W(a, Thr, c);
        }
        W(b, Thr, (uint)'!');
        Advance(CharNs9600 * 5);
        var got = new List<byte>();
        while ((R(b, Lsr) & 0x01) != 0)
        {
            got.Add((byte)R(b, Rbr));
        }
        Assert.Equal("ping"u8.ToArray(), got);
        Assert.Equal((uint)'!', R(a, Rbr));
    }

    [Fact]
    public void Character_sent_at_another_baud_rate_arrives_with_a_framing_error()
    {
        var (a, aRef, _) = Make("com1");
        var (b, bRef, _) = Make("com2");
        Uart16550.ConnectNullModem(aRef, bRef);
        W(a, Lcr, 0x83);
        W(a, Dll, 6); // 19200 on one side only
        W(a, Lcr, 0x03);
        W(a, Thr, 0x55);
        Advance(CharNs9600);
        Assert.Equal(0x09u, R(b, Lsr) & 0x09); // DR and FE

        W(b, Lcr, 0x83);
        W(b, Dll, 6); // both at 19200 now
        W(b, Lcr, 0x03);
        R(b, Rbr);
        W(a, Thr, 0x56);
        Advance(CharNs9600);
        Assert.Equal(0x01u, R(b, Lsr) & 0x09);
        Assert.Equal(0x56u, R(b, Rbr));
    }

    [Fact]
    public void Loopback_feeds_the_transmitter_to_the_receiver_and_the_modem_outputs_to_the_inputs()
    {
        var (u, _, pin) = Make();
        W(u, Mcr, 0x1B); // LOOP, OUT2, RTS, DTR
        W(u, Ier, 0x01);
        W(u, Thr, 0x7E);
        Advance(CharNs9600 + 100);
        Assert.Equal(0x7Eu, R(u, Rbr));
        Assert.Empty(u.TakeTransmitted());
        Assert.Equal(0xB0u, R(u, Msr) & 0xF0); // CTS, DSR, DCD (from OUT2)
        Assert.False(pin.Asserted); // in loopback the IRQ output is disconnected
    }
}
