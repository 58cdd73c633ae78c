using System.Buffers.Binary;

namespace ActorKernel.Actors;

/// <summary>
/// Pool tags: four characters stored as a little-endian ULONG, so the C literal <c>'1gaT'</c> and the
/// string "Tag1" give the same value and the debugger prints "Tag1".
/// </summary>
public static class PoolTag
{
    /// <summary>The tag of the four characters (padded with spaces, as <c>'Mdl '</c>).</summary>
    /// <param name="text">One to four ASCII characters.</param>
    /// <returns>The ULONG tag.</returns>
    public static uint FromString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length is 0 or > 4) throw new ArgumentException("A pool tag has one to four characters.", nameof(text));
        Span<byte> bytes = [0x20, 0x20, 0x20, 0x20];
        for (int i = 0; i < text.Length; i++) bytes[i] = checked((byte)text[i]);
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }

    /// <summary>The four characters of a tag, as <c>!poolused</c> prints them (non-printable bytes as '?').</summary>
    /// <param name="tag">The tag value.</param>
    /// <returns>A four-character string.</returns>
    public static string ToString(uint tag)
    {
        Span<char> chars = stackalloc char[4];
        for (int i = 0; i < 4; i++)
        {
            byte b = (byte)(tag >> (8 * i));
            chars[i] = b is >= 0x20 and < 0x7F ? (char)b : '?';
        }
        return new string(chars);
    }
}
