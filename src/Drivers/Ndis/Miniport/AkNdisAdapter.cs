/*++

Module Name:

    AkNdisAdapter.cs

Abstract:

    akndis.sys's adapter context (the MiniportAdapterContext NDIS passes every handler) and the
    register map of the e1000-style adapter (src/Hardware/Network, the driver's copy of the
    datasheet header): the mapped BAR, the descriptor rings and frame buffers in shared memory, the
    NBL sitting in each TX descriptor, the receive NBLs (one per RX descriptor, out with NDIS
    between an indication and its return), the sends waiting for a descriptor, and statistics.

Environment:

    Kernel mode. Ring state is under Lock.

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.Ndis;

/// <summary>Register offsets of the adapter (Intel 8254x legacy interface).</summary>
internal enum AkNdisRegister
{
    Ctrl = 0x00,
    Icr = 0x08,
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
}

/// <summary>akndis.sys's MiniportAdapterContext: one adapter.</summary>
public sealed class AkNdisAdapter
{
    /// <summary>Descriptors in each ring.</summary>
    public const int RingEntries = 8;

    /// <summary>Bytes of each frame buffer (the adapter's RX buffer size).</summary>
    public const int BufferSize = 2048;

    /// <summary>Descriptor size.</summary>
    internal const int DescriptorSize = 16;

    /// <summary>CTRL: RXEN | TXEN.</summary>
    internal const uint CtrlRxTxEnable = 0x6;

    /// <summary>The causes the miniport enables: TXDW, LSC, RXO, RXT0.</summary>
    internal const uint CausesWanted = 0x01 | 0x04 | 0x40 | 0x80;

    internal AkNdisAdapter(NdisMiniportBlock handle) => Handle = handle;

    /// <summary>The NDIS handle of the adapter (NdisMiniportBlock).</summary>
    public NdisMiniportBlock Handle { get; }

    /// <summary>The MAC address read from RAL/RAH at initialization.</summary>
    public byte[] MacAddress { get; internal set; } = [];

    internal readonly KSpinLock Lock = new();
    internal ulong Registers;
    internal uint RegistersLength;
    internal NdisMiniportBlock? InterruptHandle;
    internal NdisMiniportBlock? DmaHandle;
    internal ulong RxRing, RxRingPa, TxRing, TxRingPa, RxBuffers, RxBuffersPa, TxBuffers, TxBuffersPa;

    // Under Lock.
    internal readonly NetBufferList?[] TxNbl = new NetBufferList?[RingEntries];
    internal readonly NetBufferList[] RxNbl = new NetBufferList[RingEntries];
    internal readonly bool[] RxWithNdis = new bool[RingEntries];
    internal readonly Queue<NetBufferList> SendQueue = new();
    internal int RxNext;
    internal int TxTail;
    internal int TxClean;
    internal int TxInFlight;
    internal bool Paused = true;

    /// <summary>Frames the adapter sent (their NBLs completed with success).</summary>
    public ulong FramesSent { get; internal set; }

    /// <summary>Frames indicated to NDIS.</summary>
    public ulong FramesReceived { get; internal set; }

    /// <summary>Sends that waited for a free TX descriptor.</summary>
    public ulong SendsQueued { get; internal set; }
}
