namespace ActorKernel.Actors;

/// <summary>
/// The lock-free updates of the trace recorder's state (a request's open count and claim, an ISR's or DPC's
/// references, the id counters), atomic when hooks may run on several threads at once (the concurrent
/// dispatcher), plain when every hook runs on one thread (serial: the deterministic
/// dispatcher runs the whole machine on the thread that drives it). An unsampled request passes about twenty
/// of them; a locked instruction costs several times a plain one, and on one thread it buys nothing.
/// </summary>
internal static class TraceAtomic
{
    public static int Increment(ref int location, bool serial) => serial ? ++location : Interlocked.Increment(ref location);

    public static long Increment(ref long location, bool serial) => serial ? ++location : Interlocked.Increment(ref location);

    public static int Decrement(ref int location, bool serial) => serial ? --location : Interlocked.Decrement(ref location);

    /// <summary>As <see cref="Interlocked.CompareExchange(ref int, int, int)"/>: the value seen, replaced by <paramref name="value"/> if it was <paramref name="comparand"/>.</summary>
    public static int CompareExchange(ref int location, int value, int comparand, bool serial)
    {
        if (!serial)
        {
            return Interlocked.CompareExchange(ref location, value, comparand);
        }
        var seen = location;
        if (seen == comparand)
        {
            location = value;
        }
        return seen;
    }

    /// <inheritdoc cref="CompareExchange(ref int, int, int, bool)"/>
    public static long CompareExchange(ref long location, long value, long comparand, bool serial)
    {
        if (!serial)
        {
            return Interlocked.CompareExchange(ref location, value, comparand);
        }
        var seen = location;
        if (seen == comparand)
        {
            location = value;
        }
        return seen;
    }

    /// <inheritdoc cref="CompareExchange(ref int, int, int, bool)"/>
    public static T? CompareExchange<T>(ref T? location, T? value, T? comparand, bool serial)
        where T : class
    {
        if (!serial)
        {
            return Interlocked.CompareExchange(ref location, value, comparand);
        }
        var seen = location;
        if (ReferenceEquals(seen, comparand))
        {
            location = value;
        }
        return seen;
    }

    /// <summary>A full fence, unless on one thread.</summary>
    public static void MemoryBarrier(bool serial)
    {
        if (!serial)
        {
            Interlocked.MemoryBarrier();
        }
    }
}
