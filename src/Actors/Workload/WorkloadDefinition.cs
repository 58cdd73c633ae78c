namespace ActorKernel.Actors;

/// <summary>How a workload waits for its requests.</summary>
public enum WorkloadMode
{
    /// <summary>Synchronous handles: <see cref="WorkloadDefinition.QueueDepth"/> threads, each with one request at a time (QD 1 is one thread).</summary>
    Synchronous,

    /// <summary>One thread on a FILE_FLAG_OVERLAPPED handle keeping <see cref="WorkloadDefinition.QueueDepth"/> requests in flight.</summary>
    Overlapped,
}

/// <summary>How an overlapped workload learns that a request completed.</summary>
public enum OverlappedCompletion
{
    /// <summary>An I/O completion port associated with the handle (GetQueuedCompletionStatus), any completion first.</summary>
    CompletionPort,

    /// <summary>An event per request slot (OVERLAPPED.hEvent), waited for oldest first with GetOverlappedResult(wait: TRUE).</summary>
    Event,
}

/// <summary>
/// A user program's I/O pattern: what it opens, how it waits, how many requests it keeps in flight,
/// what it asks for (mix, sizes, region), how it paces itself and when it stops. A
/// <c>UserWorkload</c> runs one inside a <c>UserProcess</c>.
/// </summary>
public sealed record WorkloadDefinition
{
    /// <summary>The workload's name (thread names and reports).</summary>
    public required string Name { get; init; }

    /// <summary>What CreateFile opens: <c>\\.\RamDisk0</c>, <c>\??\RamDisk0</c> or <c>\Device\RamDisk0</c>.</summary>
    public required string FileName { get; init; }

    /// <summary>Synchronous threads or one overlapped thread.</summary>
    public WorkloadMode Mode { get; init; } = WorkloadMode.Synchronous;

    /// <summary>How an overlapped workload waits for completions.</summary>
    public OverlappedCompletion Completion { get; init; } = OverlappedCompletion.CompletionPort;

    /// <summary>Requests in flight at once (1..4096): threads when synchronous, slots when overlapped.</summary>
    public int QueueDepth { get; init; } = 1;

    /// <summary>The shares of reads, writes and IOCTLs.</summary>
    public OperationMix Mix { get; init; } = OperationMix.ReadOnly;

    /// <summary>Request lengths; their alignment is also the alignment of offsets and the unit data verification tracks.</summary>
    public SizeDistribution Sizes { get; init; } = SizeDistribution.Fixed(512);

    /// <summary>Where reads and writes go: the first byte of the device region the workload uses.</summary>
    public long RegionOffset { get; init; }

    /// <summary>
    /// The region's length; each request slot owns an equal slice of it (so its reads can be checked
    /// against its own writes). 0: not a block device, every request at offset 0 and nothing verified.
    /// </summary>
    public long RegionLength { get; init; }

    /// <summary>Writes carry <see cref="DataPattern"/> and reads are checked byte for byte (needs a region).</summary>
    public bool VerifyData { get; init; } = true;

    /// <summary>
    /// Not a block device but a network adapter: each write sends a self-describing frame
    /// (<see cref="FramePattern"/>) and each read checks the frame it received (no region needed).
    /// </summary>
    public bool Frames { get; init; }

    /// <summary>The region reads as zeros before the workload writes it (a fresh RAM disk); otherwise unwritten bytes are not checked.</summary>
    public bool RegionStartsZeroed { get; init; } = true;

    /// <summary>Simulated pause after each completion before that slot issues again.</summary>
    public long ThinkTimeNanoseconds { get; init; }

    /// <summary>Simulated processor time the program spends on each completion (at least 1 ns: the yield that makes the clock include the request).</summary>
    public long ComputeNanoseconds { get; init; }

    /// <summary>When the workload starts issuing (machine time).</summary>
    public long StartNanoseconds { get; init; }

    /// <summary>How long it issues after its start (null: until stopped or <see cref="RequestCount"/>).</summary>
    public long? DurationNanoseconds { get; init; }

    /// <summary>How many requests it issues in all (null: until stopped or <see cref="DurationNanoseconds"/>).</summary>
    public long? RequestCount { get; init; }

    /// <summary>Makes each slot's IOCTL source; null: IOCTLs in the mix are an error.</summary>
    public Func<WorkloadIoctl>? Ioctls { get; init; }

    /// <summary>The processor of the first thread; further threads go round-robin.</summary>
    public int FirstProcessor { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field that cannot work.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Name);
        ArgumentException.ThrowIfNullOrWhiteSpace(FileName);
        ArgumentNullException.ThrowIfNull(Mix);
        ArgumentNullException.ThrowIfNull(Sizes);
        Mix.Validate();
        Require(QueueDepth is >= 1 and <= 4096, "QueueDepth must be 1..4096");
        Require(RegionOffset >= 0 && RegionLength >= 0, "the region must not be negative");
        Require(RegionLength == 0 || RegionOffset % Sizes.Alignment == 0, "RegionOffset must be a multiple of the size alignment");
        Require(RegionLength == 0 || RegionLength / QueueDepth >= Sizes.Alignment, "the region must give each slot at least one alignment unit");
        Require(ThinkTimeNanoseconds >= 0 && ComputeNanoseconds >= 0 && StartNanoseconds >= 0, "times must not be negative");
        Require(DurationNanoseconds is null or >= 0 && RequestCount is null or >= 0, "duration and request count must not be negative");
        Require(Mix.Ioctl == 0 || Ioctls is not null, "IOCTLs in the mix need an Ioctls source");
        Require(FirstProcessor >= 0, "FirstProcessor must not be negative");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
