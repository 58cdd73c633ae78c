using Microsoft.Win32.SafeHandles;

namespace ActorKernel.Hardware;

/// <summary>
/// The medium behind a block controller: whole sectors by LBA. The controller checks ranges before
/// it calls; an image only stores bytes.
/// </summary>
public interface IDiskImage
{
    /// <summary>Bytes per sector (a power of two, 512 or more).</summary>
    int SectorSize { get; }

    /// <summary>The size in sectors.</summary>
    long SectorCount { get; }

    /// <summary>Reads whole sectors starting at <paramref name="lba"/> into <paramref name="destination"/>.</summary>
    /// <param name="lba">The first sector.</param>
    /// <param name="destination">A whole number of sectors.</param>
    void ReadSectors(long lba, Span<byte> destination);

    /// <summary>Writes whole sectors starting at <paramref name="lba"/>.</summary>
    /// <param name="lba">The first sector.</param>
    /// <param name="source">A whole number of sectors.</param>
    void WriteSectors(long lba, ReadOnlySpan<byte> source);
}

/// <summary>
/// A disk image in host memory, sparse: 64 KiB chunks are allocated on first write, so a large
/// disk costs only what is written (unwritten sectors read as zeros).
/// </summary>
public sealed class MemoryDiskImage : IDiskImage
{
    private const int ChunkShift = 16;
    private const int ChunkSize = 1 << ChunkShift;
    private readonly byte[]?[] _chunks;

    /// <summary>Creates an image of <paramref name="sectorCount"/> sectors of <paramref name="sectorSize"/> bytes.</summary>
    /// <param name="sectorCount">The size in sectors.</param>
    /// <param name="sectorSize">Bytes per sector (512 to 64 KiB, a power of two).</param>
    public MemoryDiskImage(long sectorCount, int sectorSize = 512)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sectorCount);
        if (sectorSize < 512 || sectorSize > ChunkSize || (sectorSize & (sectorSize - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sectorSize), "The sector size is a power of two from 512 to 65536.");
        }
        SectorSize = sectorSize;
        SectorCount = sectorCount;
        var bytes = sectorCount * sectorSize;
        _chunks = new byte[]?[(bytes + ChunkSize - 1) >> ChunkShift];
    }

    /// <inheritdoc />
    public int SectorSize { get; }

    /// <inheritdoc />
    public long SectorCount { get; }

    /// <inheritdoc />
    public void ReadSectors(long lba, Span<byte> destination)
    {
        var offset = lba * SectorSize;
        while (!destination.IsEmpty)
        {
            var chunk = _chunks[offset >> ChunkShift];
            var within = (int)(offset & (ChunkSize - 1));
            var n = Math.Min(ChunkSize - within, destination.Length);
            if (chunk is null)
            {
                destination[..n].Clear();
            }
            else
            {
                chunk.AsSpan(within, n).CopyTo(destination);
            }
            destination = destination[n..];
            offset += n;
        }
    }

    /// <inheritdoc />
    public void WriteSectors(long lba, ReadOnlySpan<byte> source)
    {
        var offset = lba * SectorSize;
        while (!source.IsEmpty)
        {
            var chunk = _chunks[offset >> ChunkShift] ??= new byte[ChunkSize];
            var within = (int)(offset & (ChunkSize - 1));
            var n = Math.Min(ChunkSize - within, source.Length);
            source[..n].CopyTo(chunk.AsSpan(within));
            source = source[n..];
            offset += n;
        }
    }
}

/// <summary>
/// A disk image in a host file (a raw image, sector 0 at offset 0). The file is opened once and
/// kept open; its length fixes the capacity (rounded down to whole sectors).
/// </summary>
public sealed class FileDiskImage : IDiskImage, IDisposable
{
    private readonly SafeFileHandle _file;

    /// <summary>Opens <paramref name="path"/> for reading and writing.</summary>
    /// <param name="path">The image file; it must exist and hold at least one sector.</param>
    /// <param name="sectorSize">Bytes per sector.</param>
    public FileDiskImage(string path, int sectorSize = 512)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sectorSize, 512);
        _file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        SectorSize = sectorSize;
        SectorCount = RandomAccess.GetLength(_file) / sectorSize;
        if (SectorCount == 0)
        {
            _file.Dispose();
            throw new ArgumentException($"The image {path} holds less than one sector.", nameof(path));
        }
    }

    /// <inheritdoc />
    public int SectorSize { get; }

    /// <inheritdoc />
    public long SectorCount { get; }

    /// <inheritdoc />
    public void ReadSectors(long lba, Span<byte> destination)
    {
        var offset = lba * SectorSize;
        while (!destination.IsEmpty)
        {
            var n = RandomAccess.Read(_file, destination, offset);
            if (n == 0)
            {
                throw new EndOfStreamException("The image file is shorter than its capacity.");
            }
            destination = destination[n..];
            offset += n;
        }
    }

    /// <inheritdoc />
    public void WriteSectors(long lba, ReadOnlySpan<byte> source) => RandomAccess.Write(_file, source, lba * SectorSize);

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();
}
