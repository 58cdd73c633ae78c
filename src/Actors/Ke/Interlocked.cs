namespace ActorKernel.Actors;

public static partial class Wdm
{
    /// <summary>InterlockedIncrement: atomically adds one; returns the new value. A scheduling point.</summary>
    /// <param name="addend">The shared variable.</param>
    /// <returns>The incremented value.</returns>
    /// <remarks>Any IRQL.</remarks>
    public static int InterlockedIncrement(ref int addend)
    {
        KiSchedulingPoint.Interleave();
        return Interlocked.Increment(ref addend);
    }

    /// <summary>InterlockedDecrement: atomically subtracts one; returns the new value. A scheduling point.</summary>
    /// <param name="addend">The shared variable.</param>
    /// <returns>The decremented value.</returns>
    /// <remarks>Any IRQL.</remarks>
    public static int InterlockedDecrement(ref int addend)
    {
        KiSchedulingPoint.Interleave();
        return Interlocked.Decrement(ref addend);
    }

    /// <summary>InterlockedExchangeAdd: atomically adds <paramref name="value"/>; returns the old value. A scheduling point.</summary>
    /// <param name="addend">The shared variable.</param>
    /// <param name="value">What to add.</param>
    /// <returns>The value before the addition.</returns>
    /// <remarks>Any IRQL.</remarks>
    public static int InterlockedExchangeAdd(ref int addend, int value)
    {
        KiSchedulingPoint.Interleave();
        return Interlocked.Add(ref addend, value) - value;
    }

    /// <summary>InterlockedExchange: atomically sets <paramref name="target"/>; returns the old value. A scheduling point.</summary>
    /// <param name="target">The shared variable.</param>
    /// <param name="value">The new value.</param>
    /// <returns>The old value.</returns>
    /// <remarks>Any IRQL.</remarks>
    public static int InterlockedExchange(ref int target, int value)
    {
        KiSchedulingPoint.Interleave();
        return Interlocked.Exchange(ref target, value);
    }

    /// <summary>InterlockedCompareExchange: sets <paramref name="destination"/> to <paramref name="exchange"/> if it equals <paramref name="comparand"/>; returns the old value. A scheduling point.</summary>
    /// <param name="destination">The shared variable.</param>
    /// <param name="exchange">The value to store.</param>
    /// <param name="comparand">The value expected.</param>
    /// <returns>The old value.</returns>
    /// <remarks>Any IRQL.</remarks>
    public static int InterlockedCompareExchange(ref int destination, int exchange, int comparand)
    {
        KiSchedulingPoint.Interleave();
        return Interlocked.CompareExchange(ref destination, exchange, comparand);
    }
}

/// <summary>
/// A driver's own shared field made visible to the stress explorer: every <see cref="Read"/> and
/// <see cref="Write"/> is a scheduling point, so a read-modify-write that is not atomic (a lost
/// update between a dispatch routine and a DPC) can be found and replayed. Plain field semantics
/// otherwise: use <see cref="Wdm.InterlockedIncrement"/> or a spin lock for atomicity.
/// </summary>
/// <typeparam name="T">The field's type.</typeparam>
/// <param name="initial">The initial value.</param>
public sealed class SharedVariable<T>(T initial)
{
    private T _value = initial;

    /// <summary>Reads the value (a scheduling point first).</summary>
    /// <returns>The value.</returns>
    public T Read()
    {
        KiSchedulingPoint.Read(this);
        return _value;
    }

    /// <summary>Writes the value (a scheduling point first).</summary>
    /// <param name="value">The new value.</param>
    public void Write(T value)
    {
        KiSchedulingPoint.Write(this);
        _value = value;
    }

    /// <summary>The value, read without a scheduling point (for invariants and assertions after the run).</summary>
    public T Peek => _value;
}
