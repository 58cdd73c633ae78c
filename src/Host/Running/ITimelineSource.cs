using ActorKernel.Actors;

namespace ActorKernel.Host;

/// <summary>
/// A simulation that can be sampled for the timeline: cumulative figures since its boot, which the
/// host differences into per-interval rows (<see cref="Timeline"/>). Optional: a runner that does not
/// implement it gets no timeline.
/// </summary>
public interface ITimelineSource
{
    /// <summary>Cumulative figures now; cheap enough to call once per timeline interval.</summary>
    TimelineSample Sample();
}

/// <summary>Cumulative figures of one boot at one instant.</summary>
/// <param name="BootNanoseconds">Run time since the first boot.</param>
/// <param name="Devices">Per device with requests or an interrupt line, in scenario order.</param>
/// <param name="Processors">Per processor, by number.</param>
public sealed record TimelineSample(long BootNanoseconds, IReadOnlyList<DeviceSample> Devices, IReadOnlyList<ProcessorStatistics> Processors);

/// <summary>One device's cumulative figures.</summary>
/// <param name="Name">The scenario device.</param>
/// <param name="Completed">Requests completed successfully.</param>
/// <param name="Failed">Requests completed with an error.</param>
/// <param name="Latency">Latency of every finished request so far (simulated ns).</param>
/// <param name="Interrupts">Its driver's ISR calls.</param>
/// <param name="Dpcs">Its driver's DPC runs.</param>
public sealed record DeviceSample(string Name, long Completed, long Failed, LatencyHistogram Latency, long Interrupts, long Dpcs);
