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

    /// <summary>As <see cref="Interlocked.CompareExchange(ref int, int, int)"/> (an int or a long): the value seen, replaced by <paramref name="value"/> if it was <paramref name="comparand"/>.</summary>
    public static T CompareExchange<T>(ref T location, T value, T comparand, bool serial)
        where T : struct, System.Numerics.IEqualityOperators<T, T, bool>
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

    /// <summary>As <see cref="Interlocked.CompareExchange{T}(ref T, T, T)"/> for a reference: the reference seen, replaced by <paramref name="value"/> if it was <paramref name="comparand"/>.</summary>
    public static T? CompareExchangeReference<T>(ref T? location, T? value, T? comparand, bool serial)
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
