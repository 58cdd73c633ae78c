/*++

Module Name:

    BlkExtension.cs

Abstract:

    blkmini.sys's hardware extension (HW_DEVICE_EXTENSION): the mapped register block, where its
    rings and segment lists sit in the common buffer (system and logical addresses), the ring
    indices it owns and per-tag staging buffers, so the I/O path allocates nothing.

Environment:

    Kernel mode.

--*/

using ActorKernel.Hardware;

namespace ActorKernel.Drivers.Storage;

/// <summary>The miniport's hardware extension (HW_DEVICE_EXTENSION).</summary>
public sealed class BlkExtension
{
    internal BlkExtension(int tags, int segments)
    {
        CommandBytes = new byte[tags][];
        SegmentBytes = new byte[tags][];
        for (var i = 0; i < tags; i++)
        {
            CommandBytes[i] = new byte[BlockCommandLayout.CommandSize];
            SegmentBytes[i] = new byte[segments * BlockCommandLayout.SegmentSize];
        }
    }

    /// <summary>The register block's system virtual address (MmMapIoSpace of the memory resource).</summary>
    public ulong Registers { get; internal set; }

    /// <summary>Its length.</summary>
    public ulong RegisterLength { get; internal set; }

    /// <summary>Entries in each ring: one more than the port's tags, so the completion ring never fills.</summary>
    public uint RingDepth { get; internal set; }

    /// <summary>The submission ring's tail (under the interrupt spin lock).</summary>
    public uint SubmissionTail { get; internal set; }

    /// <summary>The completion ring's head (the ISR's).</summary>
    public uint CompletionHead { get; internal set; }

    /// <summary>Interrupts the ISR claimed.</summary>
    public long InterruptsClaimed { get; internal set; }

    /// <summary>Bus resets done (HwResetBus: a request timed out).</summary>
    public long BusResets { get; internal set; }

    /// <summary>The last ERROR register value the ISR read (status | command id &lt;&lt; 16).</summary>
    public uint LastError { get; internal set; }

    internal ulong SubmissionRing { get; set; }

    internal ulong SubmissionRingLogical { get; set; }

    internal ulong CompletionRing { get; set; }

    internal ulong CompletionRingLogical { get; set; }

    internal ulong SegmentLists { get; set; }

    internal ulong SegmentListsLogical { get; set; }

    // Per-tag staging for a command entry and its segment list (no allocation per request).
    internal byte[][] CommandBytes { get; }

    internal byte[][] SegmentBytes { get; }

    internal byte[] CompletionEntry { get; } = new byte[BlockCommandLayout.CompletionSize];
}
