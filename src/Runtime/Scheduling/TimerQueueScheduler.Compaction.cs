namespace ActorKernel.Runtime;

public abstract partial class TimerQueueScheduler
{
    // Below this many cancellations the queue is left alone: compaction is for Ask-heavy runs.
    private const int CompactionThreshold = 1024;

    private int _cancelledSinceCompaction;

    /// <summary>A callback timer was cancelled; its entry is now dead weight until its due time.</summary>
    internal void NoteCancelled() => Interlocked.Increment(ref _cancelledSinceCompaction);

    /// <summary>
    /// An answered Ask cancels its timeout, but the entry stays queued until its due time: at a high
    /// Ask rate the queue would hold rate × timeout dead entries. Once cancelled entries are more than
    /// half the queue, drop them all (O(n), so O(1) per cancel amortized); the live ones keep their
    /// (due, sequence) priority, so the firing order, and a deterministic run, are unchanged.
    /// </summary>
    /// <remarks>Called under <see cref="Gate"/> (when the queue is synchronized), once the cancellations reach the threshold.</remarks>
    private void CompactIfMostlyCancelled()
    {
        var cancelled = Volatile.Read(ref _cancelledSinceCompaction);
        if (cancelled < CompactionThreshold || cancelled < _queue.Count / 2)
        {
            return;
        }
        Interlocked.Exchange(ref _cancelledSinceCompaction, 0);
        _queue.RemoveCancelled();
    }
}
