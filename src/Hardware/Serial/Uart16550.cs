using ActorKernel.Runtime;

namespace ActorKernel.Hardware;

/// <summary>
/// A 16550A-style UART (a PC COM port), eight byte-wide registers in an I/O port window.
/// <code>
/// off  DLAB=0 read    DLAB=0 write   DLAB=1
///  0   RBR rx buffer  THR tx holding DLL divisor latch low
///  1   IER int enable IER            DLM divisor latch high
///  2   IIR int ident  FCR FIFO ctrl
///  3   LCR line control (bit 7 = DLAB)
///  4   MCR modem control: DTR(0) RTS(1) OUT1(2) OUT2(3, gates the IRQ on a PC) LOOP(4)
///  5   LSR line status: DR(0) OE(1) PE(2) FE(3) BI(4) THRE(5) TEMT(6) RXFE(7); read clears OE/PE/FE/BI/RXFE
///  6   MSR modem status: DCTS DDSR TERI DDCD | CTS DSR RI DCD; read clears the deltas
///  7   SCR scratch
/// </code>
/// IER: ERBFI(0) received data, ETBEI(1) THR empty, ELSI(2) receiver line status, EDSSI(3) modem status.
/// IIR (bit 0 = 1: nothing pending; bits 7:6 = 11 with FIFOs on), by priority: 0x06 line status
/// (cleared by reading LSR), 0x04 received data at the trigger level (cleared when RBR reads drop
/// below it), 0x0C character timeout (FIFO mode: data below the trigger and four character times
/// without a byte in or out; cleared by reading RBR), 0x02 THR empty (cleared by reading IIR or
/// writing THR), 0x00 modem status (cleared by reading MSR). FCR: FIFO enable(0), clear RX(1),
/// clear TX(2), RX trigger bits 7:6 = 1, 4, 8 or 14 bytes; both FIFOs hold 16 bytes.
/// <para>
/// Timing: the baud rate is 1.8432 MHz / (16 × divisor); one character takes start + data + parity +
/// stop bits of it. The transmitter shifts one character per character time (on the virtual clock);
/// THRE is set when the TX FIFO empties into the shift register, TEMT when the shift register is
/// empty too. A byte that arrives while the RX FIFO (the RBR, FIFOs off) is full is lost and sets
/// OE. Bytes reach the receiver from a byte source (<see cref="SerialInput"/>, paced at this UART's
/// character time), from a null-modem peer (<see cref="SerialConnect"/>: TX to RX, RTS to CTS, DTR to
/// DSR and DCD; a byte framed at other line settings than the receiver's arrives with FE), or from
/// itself in loopback. Transmitted bytes go to the peer, to the sink, and to <see cref="TakeTransmitted"/>.
/// The interrupt output is level-sensitive: asserted while IIR shows a cause and MCR.OUT2 is set.
/// Reset: divisor 12 (9600 baud, where the datasheet leaves it undefined), LCR 0x03 (8N1), LSR 0x60.
/// </para>
/// </summary>
public sealed class Uart16550 : ActorBase, IRegisterWindow
{
    /// <summary>The UART's input clock (1.8432 MHz); baud = clock / (16 × divisor).</summary>
    public const int InputClockHz = 1_843_200;

    private const int FifoSize = 16;
    private readonly Lock _lock = new();
    private readonly UartState _s = new();
    private readonly IInterruptPin _pin;
    private readonly Action<byte>? _sink;
    private readonly IScheduler _scheduler;
    private readonly IActorRef _self;
    private readonly string _name;

    /// <summary>Creates the UART driving <paramref name="pin"/>.</summary>
    /// <param name="pin">Its interrupt output (level-sensitive line).</param>
    /// <param name="sink">Called with each byte the transmitter sends (a workload's or test's byte sink), on the UART's actor.</param>
    /// <param name="name">A name for messages.</param>
    public Uart16550(IInterruptPin pin, Action<byte>? sink = null, string name = "uart")
    {
        ArgumentNullException.ThrowIfNull(pin);
        _pin = pin;
        _sink = sink;
        _name = name;
        _scheduler = Context.System.Scheduler;
        _self = Self;
    }

    private enum Register
    {
        RbrThrDll = 0,
        IerDlm = 1,
        IirFcr = 2,
        Lcr = 3,
        Mcr = 4,
        Lsr = 5,
        Msr = 6,
        Scr = 7,
    }

    /// <inheritdoc />
    public int Length => 8;

    /// <summary>The baud rate the divisor gives now.</summary>
    public int BaudRate
    {
        get
        {
            lock (_lock)
            {
                return InputClockHz / (16 * _s.EffectiveDivisor);
            }
        }
    }

    /// <summary>Takes (and forgets) the bytes transmitted so far, oldest first.</summary>
    /// <returns>The bytes.</returns>
    public byte[] TakeTransmitted()
    {
        lock (_lock)
        {
            var bytes = _s.Transmitted.ToArray();
            _s.Transmitted.Clear();
            return bytes;
        }
    }

    /// <summary>Connects two UARTs with a null-modem cable (each tells the other its modem lines at once).</summary>
    /// <param name="a">One UART actor.</param>
    /// <param name="b">The other.</param>
    public static void ConnectNullModem(IActorRef a, IActorRef b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        a.Tell(new SerialConnect(b));
        b.Tell(new SerialConnect(a));
    }

    /// <inheritdoc />
    public uint Read(int offset, AccessWidth width)
    {
        lock (_lock)
        {
            var s = _s;
            uint value;
            switch ((Register)offset)
            {
                case Register.RbrThrDll when s.Dlab:
                    value = (uint)(s.Divisor & 0xFF);
                    break;
                case Register.RbrThrDll:
                    value = 0;
                    if (s.Rx.Count > 0)
                    {
                        value = s.Rx.Dequeue();
                        // A read restarts the character timeout; the timeout interrupt is cleared by reading RBR.
                        s.TimeoutPending = false;
                        ArmRxTimeout();
                    }
                    break;
                case Register.IerDlm when s.Dlab:
                    value = (uint)(s.Divisor >> 8);
                    break;
                case Register.IerDlm:
                    value = s.Ier;
                    break;
                case Register.IirFcr:
                    value = (uint)(s.Iir | (s.FifoEnabled ? 0xC0 : 0));
                    if (s.Iir == IirThrEmpty)
                    {
                        s.ThrIpending = false; // reading IIR with THRE the source clears it
                    }
                    break;
                case Register.Lcr:
                    value = s.Lcr;
                    break;
                case Register.Mcr:
                    value = s.Mcr;
                    break;
                case Register.Lsr:
                    value = Lsr();
                    s.LsrErrors = 0; // reading LSR clears OE, PE, FE, BI (and the line-status interrupt)
                    break;
                case Register.Msr:
                    value = Msr();
                    s.MsrDeltas = 0;
                    break;
                case Register.Scr:
                    value = s.Scr;
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(offset), offset, $"{_name}: no register at offset {offset}.");
            }
            UpdateInterrupt();
            return value;
        }
    }

    /// <inheritdoc />
    public void Write(int offset, AccessWidth width, uint value)
    {
        var b = (byte)value;
        lock (_lock)
        {
            var s = _s;
            switch ((Register)offset)
            {
                case Register.RbrThrDll when s.Dlab:
                    s.Divisor = (ushort)((s.Divisor & 0xFF00) | b);
                    break;
                case Register.RbrThrDll:
                    if (s.Tx.Count < (s.FifoEnabled ? FifoSize : 1))
                    {
                        s.Tx.Enqueue(b); // a byte written to a full FIFO is lost
                    }
                    s.ThrIpending = false; // writing THR clears the THRE interrupt
                    StartTransmitter();
                    break;
                case Register.IerDlm when s.Dlab:
                    s.Divisor = (ushort)((s.Divisor & 0x00FF) | (b << 8));
                    break;
                case Register.IerDlm:
                    var enabling = (b & IerEtbei) != 0 && (s.Ier & IerEtbei) == 0;
                    s.Ier = (byte)(b & 0x0F);
                    if (enabling && s.Tx.Count == 0)
                    {
                        s.ThrIpending = true; // enabling ETBEI with THR empty raises the THRE interrupt
                    }
                    break;
                case Register.IirFcr:
                    WriteFcr(b);
                    break;
                case Register.Lcr:
                    s.Lcr = b;
                    break;
                case Register.Mcr:
                    s.Mcr = (byte)(b & 0x1F);
                    if (s.Peer is { } peer && !s.Loopback)
                    {
                        peer.Tell(new SerialModemLines((s.Mcr & McrRts) != 0, (s.Mcr & McrDtr) != 0), _self);
                    }
                    break;
                case Register.Lsr:
                case Register.Msr:
                    break; // read-only (factory test writes ignored)
                case Register.Scr:
                    s.Scr = b;
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(offset), offset, $"{_name}: no register at offset {offset}.");
            }
            UpdateInterrupt();
        }
    }

    /// <inheritdoc />
    protected override bool Receive(object message)
    {
        lock (_lock)
        {
            var s = _s;
            switch (message)
            {
                case TxShiftDone done when done.Generation == s.TxGeneration:
                    s.Shifting = false;
                    Emit(s.ShiftRegister);
                    StartTransmitter();
                    break;
                case TxShiftDone:
                    break; // stale (the FIFO was cleared meanwhile)
                case RxTimeout timeout:
                    if (timeout.Generation == s.RxGeneration && s.FifoEnabled && s.Rx.Count > 0)
                    {
                        s.TimeoutPending = true;
                    }
                    break;
                case SerialInput input:
                    foreach (var value in input.Bytes)
                    {
                        s.WireIn.Enqueue(value);
                    }
                    if (!s.WireBusy)
                    {
                        s.WireBusy = true;
                        _scheduler.ScheduleTellOnce(CharacterNs(), _self, WireNext.Instance, _self);
                    }
                    break;
                case WireNext:
                    ReceiveByte(s.WireIn.Dequeue(), 0);
                    if (s.WireIn.Count > 0)
                    {
                        _scheduler.ScheduleTellOnce(CharacterNs(), _self, WireNext.Instance, _self);
                    }
                    else
                    {
                        s.WireBusy = false;
                    }
                    break;
                case SerialWireByte wire:
                    // A character framed at other settings than ours does not find its stop bit: framing error.
                    ReceiveByte(wire.Value, wire.Framing == Framing() ? (byte)0 : LsrFe);
                    break;
                case SerialConnect connect:
                    s.Peer = connect.Peer;
                    connect.Peer.Tell(new SerialModemLines((s.Mcr & McrRts) != 0, (s.Mcr & McrDtr) != 0), _self);
                    break;
                case SerialModemLines lines:
                    SetModemInputs(lines.Rts, lines.Dtr, lines.Dtr);
                    break;
                default:
                    return false;
            }
            UpdateInterrupt();
            return true;
        }
    }

    // Register bits.
    private const byte IerErbfi = 0x01;
    private const byte IerEtbei = 0x02;
    private const byte IerElsi = 0x04;
    private const byte IerEdssi = 0x08;
    private const byte IirNone = 0x01;
    private const byte IirLineStatus = 0x06;
    private const byte IirRxData = 0x04;
    private const byte IirTimeout = 0x0C;
    private const byte IirThrEmpty = 0x02;
    private const byte IirModemStatus = 0x00;
    private const byte McrDtr = 0x01;
    private const byte McrRts = 0x02;
    private const byte McrOut2 = 0x08;
    private const byte LsrDr = 0x01;
    private const byte LsrOe = 0x02;
    private const byte LsrFe = 0x08;
    private const byte LsrThre = 0x20;
    private const byte LsrTemt = 0x40;
    private const byte LsrRxFifoError = 0x80;

    private void WriteFcr(byte b)
    {
        var s = _s;
        var enable = (b & 0x01) != 0;
        if (enable != s.FifoEnabled)
        {
            // Changing the FIFO mode resets both FIFOs.
            s.Rx.Clear();
            s.Tx.Clear();
        }
        s.FifoEnabled = enable;
        if ((b & 0x02) != 0)
        {
            s.Rx.Clear();
            s.TimeoutPending = false;
        }
        if ((b & 0x04) != 0)
        {
            s.Tx.Clear();
            s.ThrIpending = (s.Ier & IerEtbei) != 0;
        }
        s.Trigger = (b >> 6) switch { 0 => 1, 1 => 4, 2 => 8, _ => 14 };
    }

    private void StartTransmitter()
    {
        var s = _s;
        if (s.Shifting || s.Tx.Count == 0)
        {
            return;
        }
        s.ShiftRegister = s.Tx.Dequeue();
        s.Shifting = true;
        if (s.Tx.Count == 0)
        {
            s.ThrIpending = true; // the THR (TX FIFO) emptied into the shift register
        }
        _scheduler.ScheduleTellOnce(CharacterNs(), _self, new TxShiftDone(++s.TxGeneration), _self);
    }

    private void Emit(byte value)
    {
        var s = _s;
        if (s.Loopback)
        {
            ReceiveByte(value, 0); // loopback: the transmitter feeds the receiver, nothing leaves
            return;
        }
        s.Transmitted.Add(value);
        s.Peer?.Tell(new SerialWireByte(value, Framing()), _self);
        _sink?.Invoke(value);
    }

    private void ReceiveByte(byte value, byte errors)
    {
        var s = _s;
        if (s.Rx.Count >= (s.FifoEnabled ? FifoSize : 1))
        {
            s.LsrErrors |= LsrOe; // overrun: the new character is lost, the FIFO keeps what it has
            s.Overruns++;
        }
        else
        {
            s.Rx.Enqueue(value);
            s.LsrErrors |= errors;
        }
        ArmRxTimeout();
    }

    /// <summary>FIFO mode: a character timeout fires four character times after the last byte in or out of the RX FIFO.</summary>
    private void ArmRxTimeout()
    {
        var s = _s;
        s.RxGeneration++;
        if (s.FifoEnabled && s.Rx.Count > 0)
        {
            _scheduler.ScheduleTellOnce(4 * CharacterNs(), _self, new RxTimeout(s.RxGeneration), _self);
        }
    }

    private void SetModemInputs(bool cts, bool dsr, bool dcd)
    {
        var s = _s;
        if (cts != s.Cts) s.MsrDeltas |= 0x01;
        if (dsr != s.Dsr) s.MsrDeltas |= 0x02;
        if (dcd != s.Dcd) s.MsrDeltas |= 0x08;
        s.Cts = cts;
        s.Dsr = dsr;
        s.Dcd = dcd;
    }

    private byte Lsr()
    {
        var s = _s;
        var lsr = s.LsrErrors;
        if (s.Rx.Count > 0) lsr |= LsrDr;
        if (s.Tx.Count == 0) lsr |= LsrThre;
        if (s.Tx.Count == 0 && !s.Shifting) lsr |= LsrTemt;
        if (s.FifoEnabled && (s.LsrErrors & 0x1E) != 0) lsr |= LsrRxFifoError;
        return lsr;
    }

    private byte Msr()
    {
        var s = _s;
        bool cts = s.Cts, dsr = s.Dsr, ri = false, dcd = s.Dcd;
        if (s.Loopback)
        {
            // Loopback: RTS→CTS, DTR→DSR, OUT1→RI, OUT2→DCD inside the chip.
            cts = (s.Mcr & McrRts) != 0;
            dsr = (s.Mcr & McrDtr) != 0;
            ri = (s.Mcr & 0x04) != 0;
            dcd = (s.Mcr & McrOut2) != 0;
        }
        return (byte)(s.MsrDeltas | (cts ? 0x10 : 0) | (dsr ? 0x20 : 0) | (ri ? 0x40 : 0) | (dcd ? 0x80 : 0));
    }

    /// <summary>Decides IIR by priority and the interrupt output: asserted while a cause is pending and OUT2 is set.</summary>
    private void UpdateInterrupt()
    {
        var s = _s;
        var rxReady = s.FifoEnabled ? s.Rx.Count >= s.Trigger : s.Rx.Count > 0;
        byte iir;
        if ((s.Ier & IerElsi) != 0 && (s.LsrErrors & 0x1E) != 0) iir = IirLineStatus;
        else if ((s.Ier & IerErbfi) != 0 && rxReady) iir = IirRxData;
        else if ((s.Ier & IerErbfi) != 0 && s.TimeoutPending && s.Rx.Count > 0) iir = IirTimeout;
        else if ((s.Ier & IerEtbei) != 0 && s.ThrIpending) iir = IirThrEmpty;
        else if ((s.Ier & IerEdssi) != 0 && (Msr() & 0x0F) != 0) iir = IirModemStatus;
        else iir = IirNone;
        s.Iir = iir;
        var high = iir != IirNone && (s.Mcr & McrOut2) != 0 && !s.Loopback;
        if (high == s.IrqHigh)
        {
            return; // only a change of the output is a change of the pin (on an edge line, one rising edge, one request)
        }
        s.IrqHigh = high;
        if (high)
        {
            _pin.Assert();
        }
        else
        {
            _pin.Deassert();
        }
    }

    private int Framing() => (_s.EffectiveDivisor << 8) | (_s.Lcr & 0x3F);

    /// <summary>One character time in ns: start + data + parity + stop bits at the current baud rate.</summary>
    private long CharacterNs()
    {
        var s = _s;
        var dataBits = 5 + (s.Lcr & 0x03);
        var halfBits = 2 * (1 + dataBits + ((s.Lcr & 0x08) != 0 ? 1 : 0)) + ((s.Lcr & 0x04) == 0 ? 2 : dataBits == 5 ? 3 : 4);
        return halfBits * 1_000_000_000L * 16 * s.EffectiveDivisor / (2L * InputClockHz);
    }

    /// <summary>All register and FIFO state.</summary>
    private sealed class UartState
    {
        public ushort Divisor = 12;
        public byte Ier;
        public byte Iir = IirNone;
        public byte Lcr = 0x03;
        public byte Mcr;
        public byte LsrErrors;
        public byte MsrDeltas;
        public byte Scr;
        public bool FifoEnabled;
        public int Trigger = 1;
        public readonly Queue<byte> Rx = new();
        public readonly Queue<byte> Tx = new();
        public bool Shifting;
        public byte ShiftRegister;
        public int TxGeneration;
        public int RxGeneration;
        public bool ThrIpending;
        public bool TimeoutPending;
        public bool Cts, Dsr, Dcd;
        public IActorRef? Peer;
        public readonly Queue<byte> WireIn = new();
        public bool WireBusy;
        public readonly List<byte> Transmitted = [];
        public long Overruns;
        public bool IrqHigh;

        public bool Dlab => (Lcr & 0x80) != 0;

        public bool Loopback => (Mcr & 0x10) != 0;

        public int EffectiveDivisor => Divisor == 0 ? 65536 : Divisor;
    }

    private sealed record TxShiftDone(int Generation);

    private sealed record RxTimeout(int Generation);

    private sealed class WireNext
    {
        public static readonly WireNext Instance = new();
    }
}

/// <summary>A byte source drives the UART's receive line: the bytes arrive one per character time at the UART's own settings.</summary>
/// <param name="Bytes">The bytes, in order.</param>
public sealed record SerialInput(byte[] Bytes);

/// <summary>Connects a UART to a null-modem peer (another UART actor).</summary>
/// <param name="Peer">The peer.</param>
public sealed record SerialConnect(IActorRef Peer);

/// <summary>A character on the null-modem wire, with the framing (divisor and LCR format) it was sent with.</summary>
/// <param name="Value">The character.</param>
/// <param name="Framing">The sender's divisor and line format.</param>
public sealed record SerialWireByte(byte Value, int Framing);

/// <summary>The peer's modem outputs, as the null-modem cable crosses them (RTS → CTS, DTR → DSR and DCD).</summary>
/// <param name="Rts">The peer's RTS.</param>
/// <param name="Dtr">The peer's DTR.</param>
public sealed record SerialModemLines(bool Rts, bool Dtr);
