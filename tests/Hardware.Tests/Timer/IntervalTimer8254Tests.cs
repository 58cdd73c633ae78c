using ActorKernel.Hardware.Tests.Fakes;
using ActorKernel.Runtime;

namespace ActorKernel.Hardware.Tests.Timer;

/// <summary>Register-level behaviour of the 8254 model on the virtual clock.</summary>
[Trait("Area", "Hardware")]
public sealed class IntervalTimer8254Tests : IDisposable
{
    private const int Counter0 = 0, Counter2 = 2, Control = 3;

    private readonly ActorSystem _system = ActorSystem.Create("pit", ActorSystemOptions.DeterministicWith(5));
    private readonly FakePin _pin = new();
    private readonly IntervalTimer8254 _pit;

    public IntervalTimer8254Tests()
    {
        IntervalTimer8254? pit = null;
        _system.ActorOf(Props.Create(() => pit = new IntervalTimer8254(_pin)), "pit");
        _system.Deterministic!.RunUntilQuiescent();
        _pit = pit!;
    }

    public void Dispose() => _system.Dispose();

    private void W(int offset, uint value) => _pit.Write(offset, AccessWidth.Byte, value);

    private uint R(int offset) => _pit.Read(offset, AccessWidth.Byte);

    private void Advance(long ns) => _system.Deterministic!.RunForNanoseconds(ns);

    private void Program(int counter, int mode, int count)
    {
        W(Control, (uint)((counter << 6) | 0x30 | (mode << 1)));
        W(counter, (uint)(count & 0xFF));
        W(counter, (uint)(count >> 8));
    }

    [Fact]
    public void Rate_generator_interrupts_once_per_period_of_N_input_clocks()
    {
        Program(Counter0, 2, 1193); // ~1 ms
        var period = IntervalTimer8254.TicksToNs(1193);
        Advance(period * 10 + period / 2);
        Assert.Equal(10, _pin.Edges);
        Assert.Equal(10, _pit.Interrupts);
    }

    [Fact]
    public void Mode_0_interrupts_once_at_terminal_count()
    {
        Program(Counter0, 0, 100);
        var status = ReadBackStatus(0);
        Assert.Equal(0, status & 0x80); // OUT low until terminal count
        Advance(IntervalTimer8254.TicksToNs(100) + 10);
        Assert.Equal(1, _pin.Edges);
        Advance(IntervalTimer8254.TicksToNs(65536) * 2);
        Assert.Equal(1, _pin.Edges);
        Assert.Equal(0x80, ReadBackStatus(0) & 0x80);
    }

    [Fact]
    public void Square_wave_interrupts_on_each_rising_edge()
    {
        Program(Counter0, 3, 2386);
        Advance(IntervalTimer8254.TicksToNs(2386) * 4 + 1000);
        Assert.Equal(4, _pin.Edges);
    }

    [Fact]
    public void Counter_latch_command_freezes_the_count_read_as_LSB_then_MSB()
    {
        Program(Counter0, 2, 10_000);
        Advance(IntervalTimer8254.TicksToNs(2_500));
        W(Control, 0x00); // latch counter 0
        Advance(IntervalTimer8254.TicksToNs(1_000)); // the latched value does not move
        var count = R(Counter0) | (R(Counter0) << 8);
        Assert.InRange(count, 7_499u, 7_501u);
        var later = R(Counter0) | (R(Counter0) << 8); // no latch now: the live count
        Assert.InRange(later, 6_499u, 6_501u);
    }

    [Fact]
    public void New_count_in_rate_generator_mode_takes_effect_at_the_end_of_the_period()
    {
        Program(Counter0, 2, 1_000);
        Advance(IntervalTimer8254.TicksToNs(500));
        W(Counter0, 0x10);
        W(Counter0, 0x27); // 10,000
        Advance(IntervalTimer8254.TicksToNs(500) + 10);
        Assert.Equal(1, _pin.Edges); // the old period ended on time
        Advance(IntervalTimer8254.TicksToNs(9_000));
        Assert.Equal(1, _pin.Edges);
        Advance(IntervalTimer8254.TicksToNs(1_000));
        Assert.Equal(2, _pin.Edges);
    }

    [Fact]
    public void Read_back_returns_status_then_count_and_only_counter_0_drives_the_pin()
    {
        Program(Counter2, 3, 1_000);
        Advance(IntervalTimer8254.TicksToNs(3_000) + 10);
        Assert.Equal(0, _pin.Edges);
        W(Control, 0xC0 | 0x08); // read-back, latch count and status of counter 2
        var status = R(Counter2);
        Assert.Equal(0x36u, status & 0x3F); // RW=11, mode 3
        Assert.Equal(0u, status & 0x40); // count loaded
        var count = R(Counter2) | (R(Counter2) << 8);
        Assert.InRange(count, 1u, 1_000u);
    }

    private int ReadBackStatus(int counter)
    {
        W(Control, (uint)(0xC0 | 0x20 | (2 << counter))); // status only
        return (int)R(counter);
    }
}
