using System.Globalization;

namespace ActorKernel.Actors;

/// <summary>
/// What one request slot of a verifying workload last wrote to its own slice of a device: a write
/// generation per unit of the slice. Writes get the next generation's pattern (<see cref="DataPattern"/>);
/// reads are checked byte for byte against the generations recorded. A slot's requests never overlap
/// each other in time, and no other slot touches its slice, so what it recorded is what the device holds.
/// </summary>
/// <remarks>One writer (the slot's thread). A failed write leaves its units unknown: they are not checked until written again.</remarks>
public sealed class DataVerifier
{
    private const uint Unknown = uint.MaxValue;

    private readonly uint[] _generations;
    private uint _lastGeneration;

    /// <summary>Tracks the slice [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) in units of <paramref name="unit"/> bytes.</summary>
    /// <param name="offset">The slice's device offset (a multiple of <paramref name="unit"/>).</param>
    /// <param name="length">Its length (rounded down to a multiple of <paramref name="unit"/>).</param>
    /// <param name="unit">The granularity of requests: every offset and length is a multiple of it.</param>
    /// <param name="startsZeroed">The device reads as zeros before the first write (a fresh RAM disk); otherwise unwritten units are not checked.</param>
    public DataVerifier(long offset, long length, int unit = 1, bool startsZeroed = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(unit);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (offset % unit != 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"the slice offset {offset} is not a multiple of the unit {unit}"), nameof(offset));
        }
        Offset = offset;
        Unit = unit;
        _generations = new uint[length / unit];
        if (!startsZeroed)
        {
            Array.Fill(_generations, Unknown);
        }
    }

    /// <summary>The slice's device offset.</summary>
    public long Offset { get; }

    /// <summary>The slice's length in bytes.</summary>
    public long Length => (long)_generations.Length * Unit;

    /// <summary>The request granularity.</summary>
    public int Unit { get; }

    /// <summary>Fills <paramref name="data"/> with the pattern of a new generation for a write at <paramref name="offset"/>.</summary>
    /// <param name="offset">The write's device offset.</param>
    /// <param name="data">The write's buffer.</param>
    /// <returns>The generation to pass to <see cref="EndWrite"/>.</returns>
    public uint BeginWrite(long offset, Span<byte> data)
    {
        CheckRange(offset, data.Length);
        _lastGeneration = _lastGeneration == Unknown - 1 ? 1 : _lastGeneration + 1;
        DataPattern.Fill(data, offset, _lastGeneration);
        return _lastGeneration;
    }

    /// <summary>Records a write's outcome: its units now hold <paramref name="generation"/>, or are unknown if it failed or moved fewer bytes.</summary>
    /// <param name="offset">The write's device offset.</param>
    /// <param name="length">The bytes asked to write.</param>
    /// <param name="generation">What <see cref="BeginWrite"/> returned.</param>
    /// <param name="succeeded">The write succeeded.</param>
    /// <param name="bytesWritten">The bytes the driver reported written.</param>
    public void EndWrite(long offset, int length, uint generation, bool succeeded, ulong bytesWritten)
    {
        CheckRange(offset, length);
        var first = (int)((offset - Offset) / Unit);
        var units = _generations.AsSpan(first, length / Unit);
        units.Fill(succeeded && bytesWritten == (ulong)length ? generation : Unknown);
    }

    /// <summary>Checks a successful read: every byte against the generation last written to its unit.</summary>
    /// <param name="offset">The read's device offset.</param>
    /// <param name="data">The bytes the read returned.</param>
    /// <param name="mismatch">The device offset of the first wrong byte, or -1.</param>
    /// <returns>Every checked byte matches.</returns>
    public bool CheckRead(long offset, ReadOnlySpan<byte> data, out long mismatch)
    {
        CheckRange(offset, data.Length);
        mismatch = -1;
        var first = (int)((offset - Offset) / Unit);
        var count = data.Length / Unit;
        var i = 0;
        while (i < count)
        {
            // A run of units of one generation is checked in one pass.
            var generation = _generations[first + i];
            var end = i + 1;
            while (end < count && _generations[first + end] == generation)
            {
                end++;
            }
            if (generation != Unknown)
            {
                var run = data.Slice(i * Unit, (end - i) * Unit);
                var at = DataPattern.FindMismatch(run, offset + ((long)i * Unit), generation);
                if (at >= 0)
                {
                    mismatch = offset + ((long)i * Unit) + at;
                    return false;
                }
            }
            i = end;
        }
        return true;
    }

    /// <summary>The byte a read should return at device offset <paramref name="offset"/> (0 when the unit is unknown).</summary>
    /// <param name="offset">A device offset inside the slice.</param>
    /// <returns>The expected byte.</returns>
    public byte ExpectedAt(long offset)
    {
        if (offset < Offset || offset >= Offset + Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }
        var generation = _generations[(offset - Offset) / Unit];
        return generation == Unknown ? (byte)0 : DataPattern.ByteAt(offset, generation);
    }

    private void CheckRange(long offset, int length)
    {
        if (offset < Offset || length < 0 || offset + length > Offset + Length || (offset - Offset) % Unit != 0 || length % Unit != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), string.Create(CultureInfo.InvariantCulture,
                $"[{offset}, +{length}) is not a unit-aligned ({Unit}) range of the slice [{Offset}, +{Length})"));
        }
    }
}
