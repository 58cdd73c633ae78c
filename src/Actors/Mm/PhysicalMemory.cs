namespace ActorKernel.Actors;

/// <summary>
/// Simulated RAM: page frames of real bytes, numbered by page frame number (PFN; physical address =
/// PFN &lt;&lt; 12). A frame's bytes are allocated on first use, so host memory follows what is touched.
/// Device models reach it by physical address or PFN list (<see cref="DmaWrite"/>, <see cref="DmaRead"/>),
/// as a bus-master DMA engine does: what a device writes is what any virtual mapping of the frame reads.
/// </summary>
/// <remarks>
/// Thread-safe: every member takes <see cref="SyncRoot"/>, the lock the memory manager also holds
/// while it changes mappings (it plays MmPfnLock). DMA to a frame that is not locked for I/O is
/// allowed, as on hardware: the data lands in whatever the frame holds now.
/// </remarks>
public sealed class PhysicalMemory
{
    private readonly byte[]?[] _frames;
    private readonly bool[] _inUse;
    private readonly ulong[] _free;
    private int _freeCount;

    /// <summary>Creates <paramref name="bytes"/> of simulated RAM (rounded down to whole pages; PFN 0 is never handed out).</summary>
    /// <param name="bytes">The size of RAM.</param>
    public PhysicalMemory(ulong bytes)
    {
        ulong pages = bytes >> MmLayout.PageShift;
        if (pages < 2 || pages > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(bytes), "Physical memory must hold 2 to 2^31 pages.");
        _frames = new byte[]?[pages];
        _inUse = new bool[pages];
        _free = new ulong[pages - 1];
        // Lowest PFN first off the stack, so runs are reproducible and read naturally in dumps.
        for (ulong pfn = pages - 1; pfn >= 1; pfn--) _free[_freeCount++] = pfn;
    }

    /// <summary>The lock guarding frames and (through the memory manager) every page table.</summary>
    public Lock SyncRoot { get; } = new();

    /// <summary>Number of page frames, including the reserved PFN 0.</summary>
    public ulong TotalPages => (ulong)_frames.Length;

    /// <summary>Frames not in use.</summary>
    public ulong FreePages { get { lock (SyncRoot) return (ulong)_freeCount; } }

    /// <summary>Frames whose bytes exist on the host (touched at least once).</summary>
    public ulong MaterializedPages
    {
        get
        {
            lock (SyncRoot)
            {
                ulong n = 0;
                foreach (byte[]? f in _frames) if (f is not null) n++;
                return n;
            }
        }
    }

    /// <summary>Writes <paramref name="data"/> into the frames <paramref name="pfns"/>, starting <paramref name="byteOffset"/> bytes into the first.</summary>
    /// <param name="pfns">The page frames, in buffer order (an MDL's PFN array).</param>
    /// <param name="byteOffset">Offset into the concatenated frames (an MDL's ByteOffset plus the transfer offset).</param>
    /// <param name="data">The bytes the device transfers.</param>
    public void DmaWrite(ReadOnlySpan<ulong> pfns, ulong byteOffset, ReadOnlySpan<byte> data)
    {
        lock (SyncRoot)
        {
            while (!data.IsEmpty)
            {
                Span<byte> frame = FrameForDma(pfns, byteOffset, out int offset);
                int n = Math.Min(frame.Length - offset, data.Length);
                data[..n].CopyTo(frame[offset..]);
                data = data[n..];
                byteOffset += (ulong)n;
            }
        }
    }

    /// <summary>Reads <paramref name="destination"/>.Length bytes from the frames <paramref name="pfns"/>.</summary>
    /// <param name="pfns">The page frames, in buffer order.</param>
    /// <param name="byteOffset">Offset into the concatenated frames.</param>
    /// <param name="destination">Receives the bytes.</param>
    public void DmaRead(ReadOnlySpan<ulong> pfns, ulong byteOffset, Span<byte> destination)
    {
        lock (SyncRoot)
        {
            while (!destination.IsEmpty)
            {
                Span<byte> frame = FrameForDma(pfns, byteOffset, out int offset);
                int n = Math.Min(frame.Length - offset, destination.Length);
                frame.Slice(offset, n).CopyTo(destination);
                destination = destination[n..];
                byteOffset += (ulong)n;
            }
        }
    }

    /// <summary>Writes at a physical address (may cross frames).</summary>
    /// <param name="physicalAddress">The first byte's physical address.</param>
    /// <param name="data">The bytes.</param>
    public void WritePhysical(ulong physicalAddress, ReadOnlySpan<byte> data)
    {
        ulong pfn = physicalAddress >> MmLayout.PageShift;
        ulong pages = MmLayout.SpanPages(physicalAddress, (ulong)data.Length);
        Span<ulong> run = pages <= 64 ? stackalloc ulong[(int)pages] : new ulong[pages];
        for (int i = 0; i < run.Length; i++) run[i] = pfn + (ulong)i;
        DmaWrite(run, MmLayout.ByteOffset(physicalAddress), data);
    }

    /// <summary>Reads at a physical address (may cross frames).</summary>
    /// <param name="physicalAddress">The first byte's physical address.</param>
    /// <param name="destination">Receives the bytes.</param>
    public void ReadPhysical(ulong physicalAddress, Span<byte> destination)
    {
        ulong pfn = physicalAddress >> MmLayout.PageShift;
        ulong pages = MmLayout.SpanPages(physicalAddress, (ulong)destination.Length);
        Span<ulong> run = pages <= 64 ? stackalloc ulong[(int)pages] : new ulong[pages];
        for (int i = 0; i < run.Length; i++) run[i] = pfn + (ulong)i;
        DmaRead(run, MmLayout.ByteOffset(physicalAddress), destination);
    }

    private Span<byte> FrameForDma(ReadOnlySpan<ulong> pfns, ulong byteOffset, out int offset)
    {
        ulong index = byteOffset >> MmLayout.PageShift;
        if (index >= (ulong)pfns.Length) throw new ArgumentOutOfRangeException(nameof(byteOffset), "The transfer runs past the end of the page list.");
        ulong pfn = pfns[(int)index];
        if (pfn == 0 || pfn >= (ulong)_frames.Length) throw new ArgumentOutOfRangeException(nameof(pfns), FormattableString.Invariant($"PFN 0x{pfn:X} is not RAM."));
        offset = (int)(byteOffset & (MmLayout.PageSize - 1));
        return _frames[pfn] ??= new byte[MmLayout.PageSize];
    }

    // ---- used by the memory manager with SyncRoot held ----

    /// <summary>Takes a free frame; its bytes are zero unless <paramref name="contents"/> is given (a page coming back from the page file).</summary>
    internal bool MiTryAllocateFrame(byte[]? contents, bool zero, out ulong pfn)
    {
        if (_freeCount == 0) { pfn = 0; return false; }
        pfn = _free[--_freeCount];
        _inUse[pfn] = true;
        if (contents is not null) _frames[pfn] = contents;
        else if (_frames[pfn] is { } old) { if (zero) Array.Clear(old); }
        // A never-touched frame stays null until first use: it reads as zeros.
        return true;
    }

    /// <summary>Returns a frame to the free list, keeping its host bytes for reuse.</summary>
    internal void MiFreeFrame(ulong pfn)
    {
        System.Diagnostics.Debug.Assert(_inUse[pfn], "A frame is freed only once.");
        _inUse[pfn] = false;
        _free[_freeCount++] = pfn;
    }

    /// <summary>Takes the frame's bytes away (to the page file) and frees the frame.</summary>
    internal byte[] MiDetachFrame(ulong pfn)
    {
        byte[] bytes = _frames[pfn] ?? new byte[MmLayout.PageSize];
        _frames[pfn] = null;
        MiFreeFrame(pfn);
        return bytes;
    }

    /// <summary>The bytes of an in-use frame, materialised on first touch.</summary>
    internal byte[] MiFrame(ulong pfn) => _frames[pfn] ??= new byte[MmLayout.PageSize];

    internal bool MiIsInUse(ulong pfn) => pfn < (ulong)_inUse.Length && _inUse[pfn];
}
