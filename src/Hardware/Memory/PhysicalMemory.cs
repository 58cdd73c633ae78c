namespace ActorKernel.Hardware;

/// <summary>
/// Simulated RAM, the hardware under the memory manager: page frames of real bytes, numbered by page frame number (PFN; physical address =
/// PFN &lt;&lt; 12). A frame's bytes are allocated on first use, so host memory follows what is touched.
/// Device models reach it by physical address or PFN list (<see cref="DmaWrite"/>, <see cref="DmaRead"/>),
/// as a bus-master DMA engine does: what a device writes is what any virtual mapping of the frame reads.
/// </summary>
/// <remarks>
/// Thread-safe: every member takes <see cref="SyncRoot"/>, the lock the memory manager also holds
/// while it changes mappings (it plays MmPfnLock). DMA to a frame that is not locked for I/O is
/// allowed, as on hardware: the data lands in whatever the frame holds now.
/// </remarks>
public sealed class PhysicalMemory : IDmaMemory
{
    /// <summary>PAGE_SHIFT: a page frame is 4 KiB (x64).</summary>
    public const int PageShift = 12;

    /// <summary>PAGE_SIZE.</summary>
    public const int PageSize = 1 << PageShift;

    private readonly byte[]?[] _frames;
    private readonly bool[] _inUse;
    private readonly ulong[] _free;
    private int _freeCount;

    /// <summary>Creates <paramref name="bytes"/> of simulated RAM (rounded down to whole pages; PFN 0 is never handed out).</summary>
    /// <param name="bytes">The size of RAM.</param>
    public PhysicalMemory(ulong bytes)
    {
        ulong pages = bytes >> PageShift;
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
        ulong pfn = physicalAddress >> PageShift;
        ulong pages = SpanPages(physicalAddress, (ulong)data.Length);
        Span<ulong> run = pages <= 64 ? stackalloc ulong[(int)pages] : new ulong[pages];
        for (int i = 0; i < run.Length; i++) run[i] = pfn + (ulong)i;
        DmaWrite(run, (physicalAddress & (PageSize - 1)), data);
    }

    /// <summary>Reads at a physical address (may cross frames).</summary>
    /// <param name="physicalAddress">The first byte's physical address.</param>
    /// <param name="destination">Receives the bytes.</param>
    public void ReadPhysical(ulong physicalAddress, Span<byte> destination)
    {
        ulong pfn = physicalAddress >> PageShift;
        ulong pages = SpanPages(physicalAddress, (ulong)destination.Length);
        Span<ulong> run = pages <= 64 ? stackalloc ulong[(int)pages] : new ulong[pages];
        for (int i = 0; i < run.Length; i++) run[i] = pfn + (ulong)i;
        DmaRead(run, (physicalAddress & (PageSize - 1)), destination);
    }

    /// <summary>
    /// A bus master's read: a transfer that touches an address outside RAM (PFN 0 or past the top)
    /// is a master abort, as on a bus: the device reads all-ones and <see cref="DmaFaults"/> counts it;
    /// nothing throws into the device model.
    /// </summary>
    /// <param name="physicalAddress">The physical address.</param>
    /// <param name="destination">Receives the bytes.</param>
    void IDmaMemory.DmaRead(ulong physicalAddress, Span<byte> destination)
    {
        if (!IsRamRange(physicalAddress, (ulong)destination.Length))
        {
            Interlocked.Increment(ref _dmaFaults);
            destination.Fill(0xFF);
            return;
        }
        ReadPhysical(physicalAddress, destination);
    }

    /// <summary>A bus master's write: outside RAM it is a master abort (the data goes nowhere, <see cref="DmaFaults"/> counts it).</summary>
    /// <param name="physicalAddress">The physical address.</param>
    /// <param name="source">The bytes.</param>
    void IDmaMemory.DmaWrite(ulong physicalAddress, ReadOnlySpan<byte> source)
    {
        if (!IsRamRange(physicalAddress, (ulong)source.Length))
        {
            Interlocked.Increment(ref _dmaFaults);
            return;
        }
        WritePhysical(physicalAddress, source);
    }

    /// <summary>Bus-master transfers that reached outside RAM (master aborts).</summary>
    public long DmaFaults => Interlocked.Read(ref _dmaFaults);

    private long _dmaFaults;

    private bool IsRamRange(ulong physicalAddress, ulong length) =>
        physicalAddress >= PageSize && physicalAddress + length >= physicalAddress && physicalAddress + length <= TopOfRam;

    /// <summary>Whether <paramref name="physicalAddress"/> lies in RAM (below <see cref="TopOfRam"/>).</summary>
    /// <param name="physicalAddress">The physical address.</param>
    /// <returns>True for RAM.</returns>
    public bool IsRam(ulong physicalAddress) => (physicalAddress >> PageShift) < (ulong)_frames.Length;

    /// <summary>The first physical address above RAM (where the platform may place memory-mapped registers).</summary>
    public ulong TopOfRam => (ulong)_frames.Length << PageShift;

    /// <summary>
    /// Takes <paramref name="pages"/> free, physically contiguous frames (the lowest run that fits),
    /// zeroed; what AllocateCommonBuffer needs for a device that sees one logical range.
    /// </summary>
    /// <param name="pages">How many frames.</param>
    /// <param name="firstPfn">The first frame of the run.</param>
    /// <returns>False when no run of that length is free.</returns>
    public bool TryAllocateContiguous(int pages, out ulong firstPfn)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pages);
        lock (SyncRoot)
        {
            ulong run = 0;
            for (ulong pfn = 1; pfn < (ulong)_inUse.Length; pfn++)
            {
                run = _inUse[pfn] ? 0 : run + 1;
                if (run == (ulong)pages)
                {
                    firstPfn = pfn - run + 1;
                    for (ulong f = firstPfn; f <= pfn; f++)
                    {
                        MiTakeFree(f);
                        if (_frames[f] is { } old) Array.Clear(old);
                    }
                    return true;
                }
            }
        }
        firstPfn = 0;
        return false;
    }

    /// <summary>Returns frames taken by <see cref="TryAllocateContiguous"/>.</summary>
    /// <param name="firstPfn">The first frame.</param>
    /// <param name="pages">How many.</param>
    public void FreeContiguous(ulong firstPfn, int pages)
    {
        lock (SyncRoot)
        {
            for (ulong f = firstPfn; f < firstPfn + (ulong)pages; f++) MiFreeFrame(f);
        }
    }

    private void MiTakeFree(ulong pfn)
    {
        // Remove one frame from the free stack (rare: common buffers), keeping the others' order.
        int i = Array.LastIndexOf(_free, pfn, _freeCount - 1, _freeCount);
        System.Diagnostics.Debug.Assert(i >= 0, "A frame not in use is on the free stack.");
        Array.Copy(_free, i + 1, _free, i, _freeCount - i - 1);
        _freeCount--;
        _inUse[pfn] = true;
    }

    private static ulong SpanPages(ulong address, ulong size) =>
        size == 0 ? 0 : (((address & (PageSize - 1)) + size + PageSize - 1) >> PageShift);

    private Span<byte> FrameForDma(ReadOnlySpan<ulong> pfns, ulong byteOffset, out int offset)
    {
        ulong index = byteOffset >> PageShift;
        if (index >= (ulong)pfns.Length) throw new ArgumentOutOfRangeException(nameof(byteOffset), "The transfer runs past the end of the page list.");
        ulong pfn = pfns[(int)index];
        if (pfn == 0 || pfn >= (ulong)_frames.Length) throw new ArgumentOutOfRangeException(nameof(pfns), FormattableString.Invariant($"PFN 0x{pfn:X} is not RAM."));
        offset = (int)(byteOffset & (PageSize - 1));
        return _frames[pfn] ??= new byte[PageSize];
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
        byte[] bytes = _frames[pfn] ?? new byte[PageSize];
        _frames[pfn] = null;
        MiFreeFrame(pfn);
        return bytes;
    }

    /// <summary>The bytes of an in-use frame, materialised on first touch.</summary>
    internal byte[] MiFrame(ulong pfn) => _frames[pfn] ??= new byte[PageSize];

    internal bool MiIsInUse(ulong pfn) => pfn < (ulong)_inUse.Length && _inUse[pfn];
}
