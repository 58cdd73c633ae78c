namespace ActorKernel.Hardware;

/// <summary>The two address spaces a processor reaches device registers in (x86: IN/OUT ports, and memory).</summary>
public enum BusAddressSpace
{
    /// <summary>Processor I/O space (ports 0..0xFFFF), reached by READ_PORT_* / WRITE_PORT_*.</summary>
    Port = 1,

    /// <summary>Physical memory space above RAM, reached through MmMapIoSpace and READ_REGISTER_* / WRITE_REGISTER_*.</summary>
    Memory = 0,
}

/// <summary>One decoded range: <see cref="Length"/> bytes at <see cref="Start"/> answered by <see cref="Window"/>.</summary>
/// <param name="Space">Port or memory space.</param>
/// <param name="Start">First port or physical address.</param>
/// <param name="Length">The window's length.</param>
/// <param name="Window">The device's register window.</param>
/// <param name="Device">The placed device whose window it is (null for a window mapped by hand).</param>
public sealed record DecodedRange(BusAddressSpace Space, ulong Start, ulong Length, IRegisterWindow Window, PlacedDevice? Device)
{
    /// <summary>Whether the range holds every byte of [<paramref name="address"/>, +<paramref name="length"/>).</summary>
    /// <param name="address">The first byte.</param>
    /// <param name="length">How many bytes.</param>
    /// <returns>True when all of it lies inside.</returns>
    public bool Contains(ulong address, ulong length) => address >= Start && address - Start + length <= Length;
}

/// <summary>
/// The platform's address decoder: which register window answers a port or a physical address.
/// Windows are placed by firmware-style resource assignment (<see cref="HardwarePlatform"/>) and by
/// PCI BAR programming (a BAR decodes only while its command-register enable is set). Lookups are
/// lock-free (an immutable sorted array swapped on change), because every register access of every
/// processor decodes here.
/// </summary>
public sealed class AddressDecoder
{
    private readonly Lock _lock = new();
    private DecodedRange[] _ports = [];
    private DecodedRange[] _memory = [];

    /// <summary>Places <paramref name="window"/> at <paramref name="start"/> in <paramref name="space"/>.</summary>
    /// <param name="space">Port or memory.</param>
    /// <param name="start">The first port or physical address.</param>
    /// <param name="window">The register window.</param>
    /// <param name="device">The placed device it belongs to.</param>
    /// <returns>The range.</returns>
    /// <exception cref="InvalidOperationException">The range overlaps one already decoded (two devices answering one address is a platform bug).</exception>
    public DecodedRange Map(BusAddressSpace space, ulong start, IRegisterWindow window, PlacedDevice? device) =>
        TryMap(space, start, window, device, out var overlapped) ?? throw new InvalidOperationException(FormattableString.Invariant(
            $"{space} range 0x{start:X}+0x{window.Length:X} overlaps 0x{overlapped!.Start:X}+0x{overlapped.Length:X} ({overlapped.Device?.Name ?? "unnamed"})."));

    /// <summary>
    /// Places <paramref name="window"/> unless the range overlaps one already decoded (then returns null
    /// and the range in the way): software programming a BAR onto another device's range gets no decode
    /// rather than two devices answering.
    /// </summary>
    /// <param name="space">Port or memory.</param>
    /// <param name="start">The first port or physical address.</param>
    /// <param name="window">The register window.</param>
    /// <param name="device">The placed device it belongs to.</param>
    /// <param name="overlapped">The range in the way, when it fails.</param>
    /// <returns>The range, or null.</returns>
    public DecodedRange? TryMap(BusAddressSpace space, ulong start, IRegisterWindow window, PlacedDevice? device, out DecodedRange? overlapped)
    {
        ArgumentNullException.ThrowIfNull(window);
        var range = new DecodedRange(space, start, (ulong)window.Length, window, device);
        overlapped = null;
        lock (_lock)
        {
            var current = space == BusAddressSpace.Port ? _ports : _memory;
            foreach (var r in current)
            {
                if (start < r.Start + r.Length && r.Start < start + range.Length)
                {
                    overlapped = r;
                    return null;
                }
            }
            var next = new DecodedRange[current.Length + 1];
            current.CopyTo(next, 0);
            next[^1] = range;
            Array.Sort(next, static (a, b) => a.Start.CompareTo(b.Start));
            Publish(space, next);
        }
        return range;
    }

    /// <summary>Stops decoding the range that starts at <paramref name="start"/>.</summary>
    /// <param name="space">Port or memory.</param>
    /// <param name="start">Its first address.</param>
    /// <returns>False when no range started there.</returns>
    public bool Unmap(BusAddressSpace space, ulong start)
    {
        lock (_lock)
        {
            var current = space == BusAddressSpace.Port ? _ports : _memory;
            var index = Array.FindIndex(current, r => r.Start == start);
            if (index < 0)
            {
                return false;
            }
            var next = new DecodedRange[current.Length - 1];
            Array.Copy(current, 0, next, 0, index);
            Array.Copy(current, index + 1, next, index, current.Length - index - 1);
            Publish(space, next);
            return true;
        }
    }

    /// <summary>The range holding <paramref name="address"/>, or null when nothing decodes it (a read floats to all-ones).</summary>
    /// <param name="space">Port or memory.</param>
    /// <param name="address">The port or physical address.</param>
    /// <returns>The range, or null.</returns>
    public DecodedRange? Decode(BusAddressSpace space, ulong address)
    {
        var ranges = space == BusAddressSpace.Port ? Volatile.Read(ref _ports) : Volatile.Read(ref _memory);
        int lo = 0, hi = ranges.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var r = ranges[mid];
            if (address < r.Start)
            {
                hi = mid - 1;
            }
            else if (address - r.Start >= r.Length)
            {
                lo = mid + 1;
            }
            else
            {
                return r;
            }
        }
        return null;
    }

    /// <summary>Every decoded range of <paramref name="space"/>, by address.</summary>
    /// <param name="space">Port or memory.</param>
    /// <returns>The ranges.</returns>
    public IReadOnlyList<DecodedRange> Ranges(BusAddressSpace space) => space == BusAddressSpace.Port ? Volatile.Read(ref _ports) : Volatile.Read(ref _memory);

    private void Publish(BusAddressSpace space, DecodedRange[] next)
    {
        if (space == BusAddressSpace.Port)
        {
            Volatile.Write(ref _ports, next);
        }
        else
        {
            Volatile.Write(ref _memory, next);
        }
    }
}
