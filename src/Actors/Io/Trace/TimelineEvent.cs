namespace ActorKernel.Actors;

/// <summary>What a timeline event draws.</summary>
public enum TimelineKind
{
    /// <summary>A slice with a start and a duration (an ISR, a DPC, a spin wait).</summary>
    Slice,
    /// <summary>A counter's new value (the processor's IRQL).</summary>
    Counter,
    /// <summary>An interval that may overlap others on its track (a request at a device, a dispatch routine of a waiting thread).</summary>
    Interval,
}

/// <summary>
/// One event of the processor and device timeline (the Chrome trace's tracks): simulated nanoseconds,
/// on processor <paramref name="Processor"/> or, when it is -1, on device <paramref name="Device"/>.
/// </summary>
/// <param name="Kind">What it draws.</param>
/// <param name="TimeNs">When it starts.</param>
/// <param name="DurationNs">How long (0 for a counter).</param>
/// <param name="Processor">The processor's track, or -1.</param>
/// <param name="Device">The device's track when <paramref name="Processor"/> is -1.</param>
/// <param name="Name">The slice's name (the routine), or the counter's.</param>
/// <param name="Category">isr, dpc, spin, irql, dispatch, startio, completion, request.</param>
/// <param name="Value">The counter's value, or the interval's id.</param>
/// <param name="Detail">The driver image, the lock's name, the IRP.</param>
public readonly record struct TimelineEvent(TimelineKind Kind, long TimeNs, long DurationNs, int Processor, string? Device, string Name, string Category, long Value, string? Detail);
