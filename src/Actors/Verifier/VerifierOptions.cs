namespace ActorKernel.Actors;

/// <summary>
/// Driver Verifier's option classes, with the bit values of <c>verifier /flags</c> (and of
/// <c>!verifier</c>'s "Level"). The simulator models the ones docs/verifier.md lists as implemented.
/// </summary>
[Flags]
public enum VerifierOptions : uint
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>Special Pool (0x1): the driver's allocations against a guard page, freed pages kept no-access.</summary>
    SpecialPool = 0x1,

    /// <summary>Force IRQL Checking (0x2): pageable memory trimmed at every raise to DISPATCH_LEVEL or above.</summary>
    ForceIrqlChecking = 0x2,

    /// <summary>Low Resources Simulation (0x4): pool allocations fail at random.</summary>
    LowResourcesSimulation = 0x4,

    /// <summary>Pool Tracking (0x8): the driver's allocations are counted, and outstanding ones at unload are a stop.</summary>
    PoolTracking = 0x8,

    /// <summary>I/O Verification (0x10).</summary>
    IoVerification = 0x10,

    /// <summary>Deadlock Detection (0x20).</summary>
    DeadlockDetection = 0x20,

    /// <summary>Enhanced I/O Verification (0x40).</summary>
    EnhancedIoVerification = 0x40,

    /// <summary>DMA Checking (0x80).</summary>
    DmaChecking = 0x80,

    /// <summary>Security Checks (0x100).</summary>
    SecurityChecks = 0x100,

    /// <summary>Force Pending I/O Requests (0x200).</summary>
    ForcePendingIoRequests = 0x200,

    /// <summary>IRP Logging (0x400).</summary>
    IrpLogging = 0x400,

    /// <summary>Miscellaneous Checks (0x800).</summary>
    MiscellaneousChecks = 0x800,
}

/// <summary>
/// <c>!verifier</c>-style statistics of one verified driver (the memory manager's MI_VERIFIER_DRIVER_ENTRY).
/// </summary>
/// <param name="Module">The driver's image name.</param>
/// <param name="Options">The options it is verified with.</param>
/// <param name="Loads">Times the image was loaded under verification.</param>
/// <param name="Unloads">Times it was unloaded.</param>
/// <param name="AllocationsAttempted">Pool allocations the driver asked for.</param>
/// <param name="AllocationsSucceeded">Of those, the ones that got memory.</param>
/// <param name="AllocationsSucceededSpecialPool">Of those, the ones placed in special pool.</param>
/// <param name="AllocationsFailed">Allocations that returned NULL (injected failures included).</param>
/// <param name="CurrentPagedAllocations">Paged allocations outstanding now.</param>
/// <param name="CurrentPagedBytes">Their bytes.</param>
/// <param name="PeakPagedAllocations">The most paged allocations outstanding at once.</param>
/// <param name="PeakPagedBytes">The most paged bytes outstanding at once.</param>
/// <param name="CurrentNonPagedAllocations">Nonpaged allocations outstanding now.</param>
/// <param name="CurrentNonPagedBytes">Their bytes.</param>
/// <param name="PeakNonPagedAllocations">The most nonpaged allocations outstanding at once.</param>
/// <param name="PeakNonPagedBytes">The most nonpaged bytes outstanding at once.</param>
public readonly record struct VerifierDriverStatistics(
    string Module, VerifierOptions Options, int Loads, int Unloads,
    long AllocationsAttempted, long AllocationsSucceeded, long AllocationsSucceededSpecialPool, long AllocationsFailed,
    long CurrentPagedAllocations, long CurrentPagedBytes, long PeakPagedAllocations, long PeakPagedBytes,
    long CurrentNonPagedAllocations, long CurrentNonPagedBytes, long PeakNonPagedAllocations, long PeakNonPagedBytes)
{
    /// <summary>Of <see cref="AllocationsFailed"/>, the ones Low Resources Simulation failed on purpose.</summary>
    public long AllocationsFailedDeliberately { get; init; }
}

/// <summary>One row of <c>!verifier 3 DRIVER</c>: an outstanding allocation of a verified driver, grouped by tag.</summary>
/// <param name="Tag">The four characters.</param>
/// <param name="TagValue">The ULONG tag.</param>
/// <param name="Paged">Paged (true) or nonpaged pool.</param>
/// <param name="Allocations">Outstanding allocations with this tag.</param>
/// <param name="Bytes">Their bytes.</param>
public readonly record struct VerifierTagUsage(string Tag, uint TagValue, bool Paged, long Allocations, ulong Bytes);

/// <summary>
/// Low Resources Simulation's custom settings (Microsoft, "Low Resources Simulation"): the chance
/// that a given allocation fails (default 6%), the pool tags affected (default all) and the delay
/// after boot before any allocation fails (default 8 minutes, so the system can start and settle).
/// </summary>
public sealed record LowResourcesSimulation
{
    /// <summary>The probability that an allocation of the driver fails, 0..1 (default 0.06).</summary>
    public double Probability { get; init; } = 0.06;

    /// <summary>Simulated time since boot before the first injected failure (default 8 minutes).</summary>
    public long DelayNanoseconds { get; init; } = 8L * 60 * 1_000_000_000;

    /// <summary>Only allocations with one of these tags fail (empty: every tag).</summary>
    public IReadOnlyList<uint> Tags { get; init; } = [];
}
