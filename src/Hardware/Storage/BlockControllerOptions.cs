namespace ActorKernel.Hardware;

/// <summary>
/// How a block controller is built: its medium, its queue limits and its cost model (virtual
/// nanoseconds; all zero gives a controller with no latency, for throughput runs).
/// </summary>
public sealed record BlockControllerOptions
{
    /// <summary>The largest queue depth CAP advertises (2..65535).</summary>
    public int MaxQueueDepth { get; init; } = 256;

    /// <summary>The most segment descriptors one command may carry (1..255).</summary>
    public int MaxSegments { get; init; } = 64;

    /// <summary>Fixed cost of every command (fetch, decode, completion).</summary>
    public long CommandOverheadNs { get; init; } = 10_000;

    /// <summary>Cost of moving the head when a media access does not start where the last one ended.</summary>
    public long SeekNs { get; init; } = 100_000;

    /// <summary>Media transfer cost per sector.</summary>
    public long SectorTransferNs { get; init; } = 1_000;

    /// <summary>Whether the write-back cache starts enabled (CONTROL.WCE after reset).</summary>
    public bool WriteCacheEnabled { get; init; }

    /// <summary>Zero cost for every command: what a benchmark of the driver stack uses.</summary>
    public static BlockControllerOptions NoLatency { get; } = new() { CommandOverheadNs = 0, SeekNs = 0, SectorTransferNs = 0 };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        if (MaxQueueDepth is < 2 or > 65535)
        {
            throw new ArgumentException($"MaxQueueDepth must be 2..65535 (was {MaxQueueDepth}).");
        }
        if (MaxSegments is < 1 or > 255)
        {
            throw new ArgumentException($"MaxSegments must be 1..255 (was {MaxSegments}).");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(CommandOverheadNs);
        ArgumentOutOfRangeException.ThrowIfNegative(SeekNs);
        ArgumentOutOfRangeException.ThrowIfNegative(SectorTransferNs);
    }
}

/// <summary>A fault a scenario or test injects into a block controller.</summary>
public enum BlockControllerFault
{
    /// <summary>The controller stops answering: doorbells are taken, but no command is fetched or completed again until a reset (CONTROL.EN cleared) clears the hang.</summary>
    StopAnswering,

    /// <summary>The next data transfers fail: each such command completes with DataTransferError and moves no data.</summary>
    DmaError,

    /// <summary>The device is pulled out: registers read all ones, writes are lost, the line drops, queued commands and dirty cache are gone.</summary>
    SurpriseUnplug,
}
