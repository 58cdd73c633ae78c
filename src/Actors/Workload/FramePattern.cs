using System.Buffers.Binary;

namespace ActorKernel.Actors;

/// <summary>
/// The frames a verifying network workload sends: each frame describes itself, so the program that
/// receives it (on another adapter, or another machine) can check it without knowing who sent what.
/// An Ethernet header (broadcast destination, a locally administered source, the IEEE 802 local
/// experimental EtherType 0x88B5), then the frame's tag and length, then <see cref="DataPattern"/>
/// of the tag over the rest.
/// </summary>
public static class FramePattern
{
    /// <summary>The smallest frame that carries a check: header (14), tag (4) and length (2).</summary>
    public const int MinCheckedLength = 20;

    /// <summary>IEEE 802 local experimental EtherType 1.</summary>
    public const ushort EtherType = 0x88B5;

    private static ReadOnlySpan<byte> Header => [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02, 0x41, 0x4B, 0x00, 0x00, 0x00, 0x88, 0xB5];

    /// <summary>Fills <paramref name="frame"/> as a frame tagged <paramref name="tag"/> (a frame shorter than <see cref="MinCheckedLength"/> gets what fits of the header).</summary>
    /// <param name="frame">The whole frame, destination MAC first.</param>
    /// <param name="tag">The sender's number for it (not 0).</param>
    public static void Fill(Span<byte> frame, uint tag)
    {
        Header[..Math.Min(Header.Length, frame.Length)].CopyTo(frame);
        if (frame.Length < MinCheckedLength)
        {
            return;
        }
        BinaryPrimitives.WriteUInt32BigEndian(frame[14..], tag);
        BinaryPrimitives.WriteUInt16BigEndian(frame[18..], (ushort)frame.Length);
        DataPattern.Fill(frame[MinCheckedLength..], MinCheckedLength, tag);
    }

    /// <summary>Checks a received frame: null when it is too short to carry a check, else whether its length and every payload byte match its tag.</summary>
    /// <param name="frame">The frame as received.</param>
    /// <returns>true when intact, false when damaged or truncated, null when not checkable.</returns>
    public static bool? Check(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < MinCheckedLength)
        {
            return null;
        }
        var tag = BinaryPrimitives.ReadUInt32BigEndian(frame[14..]);
        return frame[..14].SequenceEqual(Header)
            && BinaryPrimitives.ReadUInt16BigEndian(frame[18..]) == frame.Length
            && tag != 0
            && DataPattern.FindMismatch(frame[MinCheckedLength..], MinCheckedLength, tag) < 0;
    }
}
