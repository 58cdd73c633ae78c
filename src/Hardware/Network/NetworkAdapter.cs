using System.Buffers.Binary;
using ActorKernel.Runtime;

namespace ActorKernel.Hardware;

/// <summary>
/// A bus-master Ethernet adapter in the style of Intel's 8254x (e1000) legacy interface: a 128-byte
/// memory-mapped register BAR, RX and TX descriptor rings in physical memory reached through
/// <see cref="IDmaMemory"/>, link state, interrupt moderation and a level-sensitive interrupt.
/// <code>
/// off   register  access   meaning
/// 0x00  CTRL      RW       RST(0, self-clearing) RXEN(1) TXEN(2)
/// 0x04  STATUS    RO       LU(0) link up
/// 0x08  ICR       RC/W1C   interrupt causes: TXDW(0x01) LSC(0x04) RXO(0x40) RXT0(0x80); reading clears
/// 0x0C  ITR       RW       interrupt throttling: minimum interval between interrupts, in 256 ns units (0 = none)
/// 0x10  ICS       WO       sets causes (software-raised interrupt)
/// 0x14  IMS       RW       read: the mask; write 1s: enable those causes
/// 0x18  IMC       WO       write 1s: disable those causes
/// 0x20  RDBAL     RW       RX ring base (low 32 bits; 16-byte aligned)
/// 0x24  RDBAH     RW       RX ring base (high 32 bits)
/// 0x28  RDLEN     RW       RX ring length in bytes (a multiple of 16)
/// 0x2C  RDH       RW       RX head: the next descriptor the adapter fills
/// 0x30  RDT       RW       RX tail: the adapter may fill descriptors from RDH up to, not including, RDT
/// 0x38  TDBAL/0x3C TDBAH/0x40 TDLEN/0x44 TDH/0x48 TDT  the same for the TX ring (the driver moves TDT past new descriptors)
/// 0x50  RAL       RO       MAC address bytes 0-3;  0x54 RAH: bytes 4-5
/// 0x60  GPRC      RC       good packets received;  0x64 GPTC: good packets transmitted;  0x68 MPC: missed packets
/// </code>
/// Descriptors are 16 bytes. RX: buffer address (8), length (2), checksum (2), status (1: DD 0x01,
/// EOP 0x02), errors (1), special (2); buffers are 2048 bytes. TX: buffer address (8), length (2),
/// CSO (1), CMD (1: EOP 0x01, RS 0x08), STA (1: DD 0x01), CSS (1), special (2).
/// <para>
/// Receive: a frame (from the linked adapter, or injected with <see cref="NicInjectFrame"/>) is
/// written by DMA into the buffer of descriptor RDH, which gets its length and DD|EOP; RDH advances
/// and RXT0 is raised. With RDH == RDT the ring is full: the frame is dropped, MPC counts it and RXO
/// is raised (as is a frame arriving with RXEN clear). Transmit: while TXEN and TDH != TDT the adapter
/// DMA-reads descriptor TDH and its buffer, holds the wire for the frame's time at the link speed
/// (plus 20 bytes of preamble and gap), hands the frame to the link, writes DD back when RS is set
/// (raising TXDW) and advances TDH. Link: <see cref="NicConnect"/> joins two adapters (of one machine or
/// of two machines of one run); each sees LU set and an LSC interrupt; <see cref="NicSetLink"/> injects a
/// link loss or its return. Frames sent with the link down are lost. The interrupt line is asserted while
/// ICR &amp; IMS is non-zero, but at most once per ITR interval (a later cause waits for the interval to end).
/// </para>
/// </summary>
public sealed class NetworkAdapter : ActorBase, IRegisterWindow
{
    /// <summary>RX buffer size the adapter assumes for each receive descriptor.</summary>
    public const int RxBufferSize = 2048;

    /// <summary>Descriptor size in bytes.</summary>
    public const int DescriptorSize = 16;

    private readonly Lock _lock = new();
    private readonly NicState _s = new();
    private readonly IInterruptPin _pin;
    private readonly IDmaMemory _memory;
    private readonly IScheduler _scheduler;
    private readonly IActorRef _self;
    private readonly long _bitsPerSecond;
    private readonly long _wireLatencyNs;

    /// <summary>Creates the adapter.</summary>
    /// <param name="pin">Its interrupt output (a level-sensitive line).</param>
    /// <param name="memory">Physical memory its DMA engine reaches.</param>
    /// <param name="macAddress">Its 6-byte MAC address.</param>
    /// <param name="bitsPerSecond">Link speed (default 1 Gb/s).</param>
    /// <param name="wireLatencyNs">Propagation delay to the linked adapter.</param>
    public NetworkAdapter(IInterruptPin pin, IDmaMemory memory, byte[] macAddress, long bitsPerSecond = 1_000_000_000, long wireLatencyNs = 500)
    {
        ArgumentNullException.ThrowIfNull(pin);
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(macAddress);
        ArgumentOutOfRangeException.ThrowIfNotEqual(macAddress.Length, 6);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bitsPerSecond);
        _pin = pin;
        _memory = memory;
        _s.Mac = [.. macAddress];
        _bitsPerSecond = bitsPerSecond;
        _wireLatencyNs = wireLatencyNs;
        _scheduler = Context.System.Scheduler;
        _self = Self;
    }

    /// <summary>Register offsets.</summary>
    private enum Register
    {
        Ctrl = 0x00,
        Status = 0x04,
        Icr = 0x08,
        Itr = 0x0C,
        Ics = 0x10,
        Ims = 0x14,
        Imc = 0x18,
        Rdbal = 0x20,
        Rdbah = 0x24,
        Rdlen = 0x28,
        Rdh = 0x2C,
        Rdt = 0x30,
        Tdbal = 0x38,
        Tdbah = 0x3C,
        Tdlen = 0x40,
        Tdh = 0x44,
        Tdt = 0x48,
        Ral = 0x50,
        Rah = 0x54,
        Gprc = 0x60,
        Gptc = 0x64,
        Mpc = 0x68,
    }

    /// <summary>Cause bits of ICR/IMS.</summary>
    [Flags]
    public enum Cause : uint
    {
        /// <summary>No cause.</summary>
        None = 0,

        /// <summary>TXDW: a transmit descriptor was written back.</summary>
        TransmitDescriptorWritten = 0x01,

        /// <summary>LSC: link status changed.</summary>
        LinkStatusChange = 0x04,

        /// <summary>RXO: receiver overrun (a frame dropped, no free descriptor).</summary>
        ReceiveOverrun = 0x40,

        /// <summary>RXT0: a frame was received.</summary>
        ReceiveTimer = 0x80,
    }

    /// <inheritdoc />
    public int Length => 0x80;

    /// <summary>Whether the link is up.</summary>
    public bool LinkUp { get { lock (_lock) return _s.LinkUp; } }

    /// <summary>Joins two adapters with a cable (the link comes up on both).</summary>
    /// <param name="a">One adapter actor.</param>
    /// <param name="b">The other.</param>
    public static void Connect(IActorRef a, IActorRef b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        a.Tell(new NicConnect(b));
        b.Tell(new NicConnect(a));
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
                case Register.Ctrl: value = s.Ctrl; break;
                case Register.Status: value = s.LinkUp ? 1u : 0u; break;
                case Register.Icr:
                    value = s.Icr;
                    s.Icr = 0; // read-to-clear: the interrupt is acknowledged
                    break;
                case Register.Itr: value = s.Itr; break;
                case Register.Ims: value = s.Ims; break;
                case Register.Rdbal: value = (uint)s.Rx.Base; break;
                case Register.Rdbah: value = (uint)(s.Rx.Base >> 32); break;
                case Register.Rdlen: value = s.Rx.LengthBytes; break;
                case Register.Rdh: value = s.Rx.Head; break;
                case Register.Rdt: value = s.Rx.Tail; break;
                case Register.Tdbal: value = (uint)s.Tx.Base; break;
                case Register.Tdbah: value = (uint)(s.Tx.Base >> 32); break;
                case Register.Tdlen: value = s.Tx.LengthBytes; break;
                case Register.Tdh: value = s.Tx.Head; break;
                case Register.Tdt: value = s.Tx.Tail; break;
                case Register.Ral: value = BinaryPrimitives.ReadUInt32LittleEndian(s.Mac); break;
                case Register.Rah: value = BinaryPrimitives.ReadUInt16LittleEndian(s.Mac.AsSpan(4)); break;
                case Register.Gprc: value = s.Gprc; s.Gprc = 0; break;
                case Register.Gptc: value = s.Gptc; s.Gptc = 0; break;
                case Register.Mpc: value = s.Mpc; s.Mpc = 0; break;
                default: value = 0; break; // reserved: reads as zero
            }
            UpdateInterrupt();
            return value;
        }
    }

    /// <inheritdoc />
    public void Write(int offset, AccessWidth width, uint value)
    {
        lock (_lock)
        {
            var s = _s;
            switch ((Register)offset)
            {
                case Register.Ctrl:
                    if ((value & 0x1) != 0)
                    {
                        Reset();
                        break;
                    }
                    s.Ctrl = value & 0x6;
                    StartTransmitter();
                    break;
                case Register.Icr: s.Icr &= ~value; break; // write 1s to clear
                case Register.Itr: s.Itr = value & 0xFFFF; break;
                case Register.Ics: s.Icr |= value & AllCauses; break;
                case Register.Ims: s.Ims |= value & AllCauses; break;
                case Register.Imc: s.Ims &= ~value; break;
                case Register.Rdbal: s.Rx.Base = (s.Rx.Base & 0xFFFF_FFFF_0000_0000) | (value & ~0xFu); break;
                case Register.Rdbah: s.Rx.Base = (s.Rx.Base & 0xFFFF_FFFF) | ((ulong)value << 32); break;
                case Register.Rdlen: s.Rx.LengthBytes = value & ~0xFu; break;
                case Register.Rdh: s.Rx.Head = value & 0xFFFF; break;
                case Register.Rdt: s.Rx.Tail = value & 0xFFFF; break;
                case Register.Tdbal: s.Tx.Base = (s.Tx.Base & 0xFFFF_FFFF_0000_0000) | (value & ~0xFu); break;
                case Register.Tdbah: s.Tx.Base = (s.Tx.Base & 0xFFFF_FFFF) | ((ulong)value << 32); break;
                case Register.Tdlen: s.Tx.LengthBytes = value & ~0xFu; break;
                case Register.Tdh: s.Tx.Head = value & 0xFFFF; break;
                case Register.Tdt:
                    s.Tx.Tail = value & 0xFFFF;
                    StartTransmitter(); // the driver handed new descriptors to the adapter
                    break;
                default: break; // read-only or reserved: writes ignored
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
                case NicFrame frame:
                    if (s.LinkUp)
                    {
                        ReceiveFrame(frame.Data);
                    }
                    break;
                case NicInjectFrame inject:
                    ReceiveFrame(inject.Data);
                    break;
                case TxDone done when done.Generation == s.TxGeneration:
                    FinishTransmit();
                    break;
                case TxDone:
                    break;
                case ModerationTimer:
                    s.ModerationArmed = false;
                    break;
                case NicConnect connect:
                    s.Peer = connect.Peer;
                    SetLink(true);
                    break;
                case NicSetLink link:
                    SetLink(link.Up && s.Peer is not null);
                    break;
                default:
                    return false;
            }
            UpdateInterrupt();
            return true;
        }
    }

    private const uint AllCauses = 0xC5;
    private const uint CtrlRxEnable = 0x2;
    private const uint CtrlTxEnable = 0x4;

    private void Reset()
    {
        var s = _s;
        s.Ctrl = 0;
        s.Icr = 0;
        s.Ims = 0;
        s.Itr = 0;
        s.Rx = new Ring();
        s.Tx = new Ring();
        s.Transmitting = false;
        s.TxGeneration++;
    }

    private void SetLink(bool up)
    {
        var s = _s;
        if (s.LinkUp != up)
        {
            s.LinkUp = up;
            s.Icr |= (uint)Cause.LinkStatusChange;
        }
    }

    private void ReceiveFrame(byte[] data)
    {
        var s = _s;
        var ring = s.Rx;
        if ((s.Ctrl & CtrlRxEnable) == 0 || ring.Count == 0 || ring.Head == ring.Tail || data.Length > RxBufferSize)
        {
            // No descriptor the adapter owns (the ring is full of frames the driver has not taken): dropped.
            s.Mpc++;
            s.Icr |= (uint)Cause.ReceiveOverrun;
            return;
        }
        Span<byte> descriptor = stackalloc byte[DescriptorSize];
        var address = ring.Base + ring.Head * DescriptorSize;
        _memory.DmaRead(address, descriptor);
        var buffer = BinaryPrimitives.ReadUInt64LittleEndian(descriptor);
        _memory.DmaWrite(buffer, data);
        BinaryPrimitives.WriteUInt16LittleEndian(descriptor[8..], (ushort)data.Length);
        descriptor[12] = 0x03; // DD | EOP
        descriptor[13] = 0;
        _memory.DmaWrite(address, descriptor);
        ring.Head = (ring.Head + 1) % ring.Count;
        s.Gprc++;
        s.Icr |= (uint)Cause.ReceiveTimer;
    }

    private void StartTransmitter()
    {
        var s = _s;
        var ring = s.Tx;
        if (s.Transmitting || (s.Ctrl & CtrlTxEnable) == 0 || ring.Count == 0 || ring.Head == ring.Tail)
        {
            return;
        }
        Span<byte> descriptor = stackalloc byte[DescriptorSize];
        _memory.DmaRead(ring.Base + ring.Head * DescriptorSize, descriptor);
        var length = BinaryPrimitives.ReadUInt16LittleEndian(descriptor[8..]);
        var frame = new byte[length];
        _memory.DmaRead(BinaryPrimitives.ReadUInt64LittleEndian(descriptor), frame);
        s.TxFrame = frame;
        s.TxReportStatus = (descriptor[11] & 0x08) != 0;
        s.Transmitting = true;
        // The frame holds the wire for its bits plus 8 bytes of preamble and a 12-byte inter-frame gap.
        var ns = (length + 20) * 8L * 1_000_000_000 / _bitsPerSecond;
        _scheduler.ScheduleTellOnce(Math.Max(1, ns), _self, new TxDone(++s.TxGeneration), _self);
    }

    private void FinishTransmit()
    {
        var s = _s;
        var ring = s.Tx;
        s.Transmitting = false;
        if (s.LinkUp && s.Peer is { } peer)
        {
            _scheduler.ScheduleTellOnce(Math.Max(1, _wireLatencyNs), peer, new NicFrame(s.TxFrame!), _self);
        }
        s.TxFrame = null;
        if (s.TxReportStatus)
        {
            Span<byte> sta = [0x01]; // DD
            _memory.DmaWrite(ring.Base + ring.Head * DescriptorSize + 12, sta);
            s.Icr |= (uint)Cause.TransmitDescriptorWritten;
        }
        ring.Head = (ring.Head + 1) % ring.Count;
        s.Gptc++;
        StartTransmitter();
    }

    /// <summary>The line is asserted while ICR &amp; IMS is non-zero, but not sooner than ITR × 256 ns after the last assertion.</summary>
    private void UpdateInterrupt()
    {
        var s = _s;
        if ((s.Icr & s.Ims) == 0)
        {
            s.Asserted = false;
            _pin.Deassert();
            return;
        }
        if (s.Asserted)
        {
            return;
        }
        var now = _scheduler.NowNanoseconds;
        var earliest = s.LastAssertNs + s.Itr * 256L;
        if (s.Itr != 0 && s.EverAsserted && now < earliest)
        {
            if (!s.ModerationArmed)
            {
                s.ModerationArmed = true;
                _scheduler.ScheduleTellOnce(earliest - now, _self, ModerationTimer.Instance, _self);
            }
            return;
        }
        s.Asserted = true;
        s.EverAsserted = true;
        s.LastAssertNs = now;
        _pin.Assert();
    }

    /// <summary>A descriptor ring's registers.</summary>
    private sealed class Ring
    {
        public ulong Base;
        public uint LengthBytes;
        public uint Head;
        public uint Tail;

        public uint Count => LengthBytes / DescriptorSize;
    }

    /// <summary>All register state.</summary>
    private sealed class NicState
    {
        public byte[] Mac = [];
        public uint Ctrl;
        public uint Icr;
        public uint Ims;
        public uint Itr;
        public Ring Rx = new();
        public Ring Tx = new();
        public bool LinkUp;
        public IActorRef? Peer;
        public bool Transmitting;
        public byte[]? TxFrame;
        public bool TxReportStatus;
        public int TxGeneration;
        public uint Gprc, Gptc, Mpc;
        public bool Asserted;
        public bool EverAsserted;
        public long LastAssertNs;
        public bool ModerationArmed;
    }

    private sealed record TxDone(int Generation);

    private sealed class ModerationTimer
    {
        public static readonly ModerationTimer Instance = new();
    }
}

/// <summary>Links an adapter to a peer adapter (see <see cref="NetworkAdapter.Connect"/>).</summary>
/// <param name="Peer">The peer.</param>
public sealed record NicConnect(IActorRef Peer);

/// <summary>A frame on the wire from the linked adapter.</summary>
/// <param name="Data">The frame (destination MAC first).</param>
public sealed record NicFrame(byte[] Data);

/// <summary>A test or workload injects a frame into the adapter's receiver (as if it came off the wire).</summary>
/// <param name="Data">The frame.</param>
public sealed record NicInjectFrame(byte[] Data);

/// <summary>Fault injection: the link goes down (<paramref name="Up"/> false) or comes back (when a peer is connected).</summary>
/// <param name="Up">The new link state.</param>
public sealed record NicSetLink(bool Up);
