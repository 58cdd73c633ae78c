using System.Buffers.Binary;

namespace ActorKernel.Actors;

/// <summary>
/// The bytes a verifying workload writes: a function of the absolute device offset of each byte and
/// a write generation, so a read can be checked byte for byte without keeping a copy of the disk.
/// Generation 0 stands for a region never written (a fresh RAM disk reads as zeros).
/// </summary>
public static class DataPattern
{
    /// <summary>The byte at device offset <paramref name="offset"/> after a write of generation <paramref name="generation"/>.</summary>
    /// <param name="offset">The absolute byte offset on the device.</param>
    /// <param name="generation">The write generation (0 = never written: zero).</param>
    /// <returns>The expected byte.</returns>
    public static byte ByteAt(long offset, uint generation) =>
        generation == 0 ? (byte)0 : (byte)(Word(offset >> 3, generation) >> (int)((offset & 7) * 8));

    /// <summary>Fills <paramref name="destination"/> with the pattern of <paramref name="generation"/> for the bytes that start at <paramref name="offset"/>.</summary>
    /// <param name="destination">The buffer to fill.</param>
    /// <param name="offset">The device offset of its first byte.</param>
    /// <param name="generation">The write generation.</param>
    public static void Fill(Span<byte> destination, long offset, uint generation)
    {
        if (generation == 0)
        {
            destination.Clear();
            return;
        }
        var i = 0;
        // Bytes before the first 8-byte boundary of the device, then whole words, then the tail.
        for (; i < destination.Length && ((offset + i) & 7) != 0; i++)
        {
            destination[i] = ByteAt(offset + i, generation);
        }
        var word = new WordSequence((offset + i) >> 3, generation);
        for (; i + 8 <= destination.Length; i += 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination[i..], word.Next());
        }
        for (; i < destination.Length; i++)
        {
            destination[i] = ByteAt(offset + i, generation);
        }
    }

    /// <summary>The index of the first byte of <paramref name="data"/> that differs from the pattern, or -1 when every byte matches.</summary>
    /// <param name="data">Bytes read from the device.</param>
    /// <param name="offset">The device offset of their first byte.</param>
    /// <param name="generation">The generation last written there.</param>
    /// <returns>The index of the first differing byte, or -1.</returns>
    public static int FindMismatch(ReadOnlySpan<byte> data, long offset, uint generation)
    {
        if (generation == 0)
        {
            return data.IndexOfAnyExcept((byte)0);
        }
        var i = 0;
        for (; i < data.Length && ((offset + i) & 7) != 0; i++)
        {
            if (data[i] != ByteAt(offset + i, generation))
            {
                return i;
            }
        }
        var word = new WordSequence((offset + i) >> 3, generation);
        for (; i + 8 <= data.Length; i += 8)
        {
            if (BinaryPrimitives.ReadUInt64LittleEndian(data[i..]) != word.Next())
            {
                break; // the byte loop below names which byte of this word
            }
        }
        for (; i < data.Length; i++)
        {
            if (data[i] != ByteAt(offset + i, generation))
            {
                return i;
            }
        }
        return -1;
    }

    // One multiply-xorshift round over (word index × golden ratio) ^ (generation × another odd constant):
    // neighbouring words and generations differ in every byte position, at about a nanosecond a word.
    private static ulong Word(long wordIndex, uint generation) => Mix(((ulong)wordIndex * IndexStep) ^ GenerationKey(generation));

    private const ulong IndexStep = 0x9E3779B97F4A7C15UL;

    private static ulong GenerationKey(uint generation) => ((ulong)generation * 0xD1B54A32D192ED03UL) ^ 0x5851F42D4C957F2DUL;

    private static ulong Mix(ulong x)
    {
        x ^= x >> 29;
        x *= 0xBF58476D1CE4E5B9UL;
        return x ^ (x >> 32);
    }

    /// <summary>The words of one generation from a word index on: the index product advances by addition.</summary>
    private struct WordSequence(long wordIndex, uint generation)
    {
        private readonly ulong _key = GenerationKey(generation);
        private ulong _index = (ulong)wordIndex * IndexStep;

        public ulong Next()
        {
            var word = Mix(_index ^ _key);
            _index += IndexStep;
            return word;
        }
    }
}
