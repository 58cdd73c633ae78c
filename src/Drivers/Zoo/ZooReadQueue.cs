using ActorKernel.Actors;

namespace ActorKernel.Drivers.Zoo;

/// <summary>The device extension of the zoo's queueing read drivers: a read queue under a spin lock, and the last read that arrived (what a canceller on another processor looks for).</summary>
public sealed class ZooReadQueue
{
    /// <summary>Guards <see cref="Queue"/>.</summary>
    public KSpinLock QueueLock { get; } = new();

    /// <summary>Reads waiting.</summary>
    public List<Irp> Queue { get; } = [];

    /// <summary>The last read that arrived.</summary>
    public Irp? Arrived { get; set; }
}
