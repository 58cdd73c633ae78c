/*++

Module Name:

    AkEhciExtension.cs

Abstract:

    The miniport's per-controller state: the mapped registers, the transfer-descriptor ring and
    the per-slot segment lists in the port's common buffer, the transfer in each slot, the ring's
    two indices, and the causes the ISR acknowledged for the DPC.

Environment:

    Kernel mode.

--*/

using ActorKernel.Hardware;

namespace ActorKernel.Drivers.Usb;

/// <summary>The AkEhci miniport's extension.</summary>
public sealed class AkEhciExtension
{
    /// <summary>Descriptors in the ring (one slot stays empty so a full ring is not mistaken for an empty one).</summary>
    public const int RingSize = 32;

    /// <summary>Bytes of the ring in the common buffer.</summary>
    public const int RingBytes = RingSize * UsbTransferDescriptorLayout.Size;

    /// <summary>Bytes of one slot's segment list.</summary>
    public const int SegmentListBytes = UsbTransferDescriptorLayout.MaxSegments * UsbTransferDescriptorLayout.SegmentSize;

    /// <summary>The common buffer the miniport asks of the port.</summary>
    public const int CommonBufferBytes = RingBytes + (RingSize * SegmentListBytes);

    /// <summary>The registers' system address.</summary>
    public ulong Registers { get; set; }

    /// <summary>The BAR's length.</summary>
    public uint RegisterLength { get; set; }

    /// <summary>Root ports (HCSPARAMS.N_PORTS).</summary>
    public int Ports { get; set; }

    /// <summary>The transfer in each slot, null when free.</summary>
    public UsbTransfer?[] Slots { get; } = new UsbTransfer?[RingSize];

    /// <summary>The next slot the miniport fills (what ASYNCTAIL was last set to).</summary>
    public int Tail { get; set; }

    /// <summary>The oldest slot not yet reported complete.</summary>
    public int Head { get; set; }

    /// <summary>USBSTS causes the ISR acknowledged and the DPC has not looked at.</summary>
    internal int PendingCauses;

    /// <summary>Interrupts the ISR claimed.</summary>
    public long InterruptsClaimed { get; internal set; }

    /// <summary>Scratch for one descriptor.</summary>
    internal byte[] Descriptor { get; } = new byte[UsbTransferDescriptorLayout.Size];

    /// <summary>Scratch for one segment list.</summary>
    internal byte[] Segments { get; } = new byte[SegmentListBytes];

    /// <summary>Scratch for a descriptor's STATUS, LENGTH and ACTUAL.</summary>
    internal byte[] Result { get; } = new byte[12];
}
