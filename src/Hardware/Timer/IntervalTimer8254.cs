using ActorKernel.Runtime;

namespace ActorKernel.Hardware;

/// <summary>
/// An 8254-style programmable interval timer: three 16-bit down counters clocked at 1.193182 MHz,
/// four byte-wide I/O ports (PC ports 0x40-0x43).
/// <code>
/// off  register
///  0   counter 0 data (its OUT drives the interrupt pin: IRQ0 on a PC)
///  1   counter 1 data
///  2   counter 2 data
///  3   control word (write only): SC(7:6) RW(5:4) M(3:1) BCD(0)
///        SC  = counter 0..2, or 3 = read-back command
///        RW  = 00 counter latch command, 01 LSB only, 10 MSB only, 11 LSB then MSB
///        M   = mode 0..5 (6 and 7 read as 2 and 3)
///      read-back: bit 5 = 0 latch count, bit 4 = 0 latch status, bits 3:1 select counters 0..2;
///      status byte: OUT(7) NULL COUNT(6) RW(5:4) M(3:1) BCD(0)
/// </code>
/// Modes (gates tied high, as counters 0 and 1 of a PC): 0 interrupt on terminal count (OUT low
/// when the mode is written, high after N clocks: one interrupt); 2 rate generator (OUT pulses low
/// one clock every N clocks: an interrupt each period); 3 square wave (OUT high N/2, low N/2: an
/// interrupt on each rising edge, once per period); 4 software-triggered strobe (one low pulse after
/// N clocks: one interrupt). Modes 1 and 5 wait for a gate rising edge that never comes. A count of 0
/// means 65536. Writing a control word stops the counter until its count is written; a new count in
/// modes 2 and 3 takes effect at the end of the current period, as the datasheet says. BCD counting
/// is not modelled (the BCD bit is kept in status only). Every interrupt is an edge on the pin
/// (an edge-triggered line). Times come from the virtual clock; counts read back are computed from it.
/// </summary>
public sealed class IntervalTimer8254 : ActorBase, IRegisterWindow
{
    /// <summary>The input clock, in Hz.</summary>
    public const long InputClockHz = 1_193_182;

    private readonly Lock _lock = new();
    private readonly Counter[] _counters = [new(0), new(1), new(2)];
    private readonly IInterruptPin _pin;
    private readonly IScheduler _scheduler;
    private readonly IActorRef _self;

    /// <summary>Creates the timer; counter 0's output drives <paramref name="pin"/>.</summary>
    /// <param name="pin">The interrupt pin (an edge-triggered line).</param>
    public IntervalTimer8254(IInterruptPin pin)
    {
        ArgumentNullException.ThrowIfNull(pin);
        _pin = pin;
        _scheduler = Context.System.Scheduler;
        _self = Self;
    }

    private enum Register
    {
        Counter0 = 0,
        Counter1 = 1,
        Counter2 = 2,
        Control = 3,
    }

    /// <inheritdoc />
    public int Length => 4;

    /// <summary>Interrupts counter 0 has raised so far.</summary>
    public long Interrupts { get { lock (_lock) return _counters[0].Edges; } }

    /// <summary>Converts <paramref name="ticks"/> of the 1.193182 MHz clock to nanoseconds.</summary>
    /// <param name="ticks">Input clock ticks.</param>
    /// <returns>Nanoseconds.</returns>
    public static long TicksToNs(long ticks) => (long)((Int128)ticks * 1_000_000_000 / InputClockHz);

    /// <inheritdoc />
    public uint Read(int offset, AccessWidth width)
    {
        lock (_lock)
        {
            switch ((Register)offset)
            {
                case Register.Counter0:
                case Register.Counter1:
                case Register.Counter2:
                    return ReadCounter(_counters[offset]);
                case Register.Control:
                    return 0xFF; // write-only: the bus floats
                default:
                    throw new ArgumentOutOfRangeException(nameof(offset), offset, "The 8254 has four ports.");
            }
        }
    }

    /// <inheritdoc />
    public void Write(int offset, AccessWidth width, uint value)
    {
        var b = (byte)value;
        lock (_lock)
        {
            switch ((Register)offset)
            {
                case Register.Counter0:
                case Register.Counter1:
                case Register.Counter2:
                    WriteCounter(_counters[offset], b);
                    break;
                case Register.Control:
                    WriteControl(b);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(offset), offset, "The 8254 has four ports.");
            }
        }
    }

    /// <inheritdoc />
    protected override bool Receive(object message)
    {
        if (message is not TerminalCount tc)
        {
            return false;
        }
        lock (_lock)
        {
            var c = _counters[tc.Counter];
            if (tc.Generation != c.Generation)
            {
                return true; // reprogrammed meanwhile
            }
            c.Periods++;
            Edge(c);
            if (c.Mode is 2 or 3)
            {
                if (c.PendingCount is { } next)
                {
                    // A count written while counting takes effect at the end of the period.
                    c.LoadNs = Now;
                    c.Periods = 0;
                    c.Count = next;
                    c.PendingCount = null;
                }
                Schedule(c);
            }
            else
            {
                c.Out = true;
            }
        }
        return true;
    }

    private long Now => _scheduler.NowNanoseconds;

    private void WriteControl(byte b)
    {
        var sc = b >> 6;
        if (sc == 3)
        {
            // Read-back: latch count and/or status of the selected counters.
            for (var i = 0; i < 3; i++)
            {
                if ((b & (2 << i)) == 0)
                {
                    continue;
                }
                var c = _counters[i];
                if ((b & 0x20) == 0 && c.Latched is null) c.Latched = CurrentCount(c);
                if ((b & 0x10) == 0 && c.Status is null) c.Status = StatusByte(c);
            }
            return;
        }
        var counter = _counters[sc];
        var rw = (b >> 4) & 3;
        if (rw == 0)
        {
            counter.Latched ??= CurrentCount(counter); // counter latch command: a second latch before reading is ignored
            return;
        }
        // A control word resets the counter: new mode, stopped until a count is written.
        counter.Generation++;
        counter.Rw = rw;
        var mode = (b >> 1) & 7;
        counter.Mode = mode > 5 ? mode - 4 : mode;
        counter.Bcd = (b & 1) != 0;
        counter.Running = false;
        counter.NullCount = true;
        counter.WriteMsbNext = false;
        counter.ReadMsbNext = false;
        counter.Latched = null;
        counter.PendingCount = null;
        counter.Out = counter.Mode != 0; // mode 0: OUT low after the control word; the others: high
    }

    private void WriteCounter(Counter c, byte b)
    {
        int count;
        switch (c.Rw)
        {
            case 1:
                count = b;
                break;
            case 2:
                count = b << 8;
                break;
            default:
                if (!c.WriteMsbNext)
                {
                    c.LowByte = b;
                    c.WriteMsbNext = true;
                    if (c.Mode == 0)
                    {
                        c.Generation++; // mode 0: writing the first byte stops the count
                        c.Running = false;
                        c.Out = false;
                    }
                    return;
                }
                c.WriteMsbNext = false;
                count = c.LowByte | (b << 8);
                break;
        }
        var n = count == 0 ? 65536 : count;
        c.NullCount = false;
        if (c.Running && c.Mode is 2 or 3)
        {
            c.PendingCount = n;
            return;
        }
        c.Count = n;
        c.LoadNs = Now;
        c.Periods = 0;
        c.Generation++;
        if (c.Mode is 1 or 5)
        {
            return; // hardware-triggered: the gate's rising edge never comes
        }
        c.Running = true;
        c.Out = c.Mode != 0;
        Schedule(c);
    }

    private uint ReadCounter(Counter c)
    {
        if (c.Status is { } status)
        {
            c.Status = null; // after a read-back, the status byte is read first
            return status;
        }
        var value = c.Latched ?? CurrentCount(c);
        uint result;
        switch (c.Rw)
        {
            case 1:
                result = (uint)(value & 0xFF);
                c.Latched = null;
                break;
            case 2:
                result = (uint)((value >> 8) & 0xFF);
                c.Latched = null;
                break;
            default:
                result = c.ReadMsbNext ? (uint)((value >> 8) & 0xFF) : (uint)(value & 0xFF);
                if (c.ReadMsbNext)
                {
                    c.Latched = null;
                }
                c.ReadMsbNext = !c.ReadMsbNext;
                break;
        }
        return result;
    }

    /// <summary>The counting element now, from the virtual clock.</summary>
    private int CurrentCount(Counter c)
    {
        if (!c.Running)
        {
            return c.Count & 0xFFFF;
        }
        var elapsed = (long)((Int128)(Now - c.LoadNs) * InputClockHz / 1_000_000_000);
        long value = c.Mode switch
        {
            2 => c.Count - (elapsed % c.Count),
            3 => c.Count - (2 * elapsed % c.Count),
            _ => c.Count - elapsed, // modes 0 and 4 wrap past zero and keep counting
        };
        return (int)(((value % 65536) + 65536) % 65536);
    }

    private byte StatusByte(Counter c) =>
        (byte)((c.Out ? 0x80 : 0) | (c.NullCount ? 0x40 : 0) | (c.Rw << 4) | (c.Mode << 1) | (c.Bcd ? 1 : 0));

    private void Schedule(Counter c)
    {
        var due = c.LoadNs + TicksToNs((long)c.Count * (c.Periods + 1));
        _scheduler.ScheduleTellOnce(Math.Max(0, due - Now), _self, new TerminalCount(c.Number, c.Generation), _self);
    }

    /// <summary>An interrupt is the rising edge of OUT: counter 0 only is wired to the pin.</summary>
    private void Edge(Counter c)
    {
        c.Edges++;
        if (c.Number == 0)
        {
            _pin.Assert();
        }
    }

    /// <summary>One counter's state.</summary>
    private sealed class Counter(int number)
    {
        public int Number { get; } = number;
        public int Mode;
        public int Rw = 3;
        public bool Bcd;
        public int Count = 65536;
        public int? PendingCount;
        public bool Running;
        public bool NullCount = true;
        public bool Out;
        public long LoadNs;
        public long Periods;
        public int Generation;
        public byte LowByte;
        public bool WriteMsbNext;
        public bool ReadMsbNext;
        public int? Latched;
        public byte? Status;
        public long Edges;
    }

    private sealed record TerminalCount(int Counter, int Generation);
}
