namespace ActorKernel.Actors;

/// <summary>
/// What a device object counts for its actor without a message: the IRPs that arrived by a hop, by
/// major function, and the completion passes of its stack locations. The actor takes the counts when
/// asked for its statistics.
/// </summary>
/// <remarks>
/// Each simulated processor counts in a stripe of its own, and stripes are more than a cache line
/// apart. On the concurrent dispatcher the processors run on different cores at once, and every IRP
/// passes the same few devices: with one interlocked counter per device, both cores wrote the same
/// cache lines at every hop and completion, and the 4-processor IRP benchmark ran at 0.7 M IRPs per
/// CPU second instead of 1.5 in about half the processes
/// (docs/performance.md, "Session 8, lead"). A processor's turns never overlap, so its stripe has one
/// writer at a time and a plain add is enough; the actor, the only reader, remembers what it took.
/// A completion on no simulated processor (a test calling the I/O manager inline) counts in a shared,
/// interlocked slot.
/// </remarks>
internal sealed class DeviceHopCounters
{
    // The passes' slot, after the major functions (IRP_MJ_MAXIMUM_FUNCTION + 1 of them).
    private const int PassedSlot = (int)IrpMajorFunction.MaximumFunction + 1;

    // Longs per stripe: the 29 slots and 11 spare, so that no two stripes' slots share a 64-byte line.
    private const int Stride = 40;

    // Longs before the first stripe: away from the array's header, which readers of its length touch.
    private const int Lead = 8;

    private readonly long[] _counts;
    private readonly int _stripes;
    private readonly long[] _taken = new long[PassedSlot + 1];
    private long _passedOffProcessor;

    /// <summary>Counters for a machine of <paramref name="processors"/> processors.</summary>
    public DeviceHopCounters(int processors)
    {
        _stripes = Math.Max(1, processors);
        _counts = new long[Lead + (_stripes * Stride)];
    }

    /// <summary>An IRP of <paramref name="major"/> arrived by a hop on processor <paramref name="processor"/>.</summary>
    public void Arrived(int processor, IrpMajorFunction major)
    {
        if ((uint)major < (uint)PassedSlot)
        {
            _counts[StripeOf(processor) + (int)major]++;
        }
    }

    /// <summary>Completion passed a location of the device on processor <paramref name="processor"/>.</summary>
    public void Passed(int processor) => _counts[StripeOf(processor) + PassedSlot]++;

    /// <summary>Completion passed a location of the device on no simulated processor.</summary>
    public void PassedOffProcessor() => Interlocked.Increment(ref _passedOffProcessor);

    /// <summary>Adds the arrivals counted since the last take to <paramref name="counts"/> (by major function).</summary>
    public void TakeArrived(long[] counts)
    {
        for (var major = 0; major < PassedSlot && major < counts.Length; major++)
        {
            counts[major] += Take(major);
        }
    }

    /// <summary>The passes counted since the last take.</summary>
    public long TakePassed() => Take(PassedSlot) + Interlocked.Exchange(ref _passedOffProcessor, 0);

    private long Take(int slot)
    {
        long total = 0;
        for (var stripe = 0; stripe < _stripes; stripe++)
        {
            total += Volatile.Read(ref _counts[Lead + (stripe * Stride) + slot]);
        }
        var taken = total - _taken[slot];
        _taken[slot] = total;
        return taken;
    }

    private int StripeOf(int processor) => Lead + ((int)((uint)processor % (uint)_stripes) * Stride);
}
