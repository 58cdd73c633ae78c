namespace ActorKernel.Actors;

/// <summary>
/// The size of the simulated memory and the cost model of page faults. All sizes are in bytes of
/// simulated memory; host memory is only spent on pages actually touched.
/// </summary>
public sealed record MemoryManagerOptions
{
    /// <summary>Physical memory (RAM) in bytes; a multiple of the page size. Default 256 MiB.</summary>
    public ulong PhysicalMemoryBytes { get; init; } = 256UL << 20;

    /// <summary>Maximum nonpaged pool in bytes. Default 64 MiB.</summary>
    public ulong NonPagedPoolBytes { get; init; } = 64UL << 20;

    /// <summary>Maximum paged pool in bytes. Default 128 MiB.</summary>
    public ulong PagedPoolBytes { get; init; } = 128UL << 20;

    /// <summary>Simulated page file size in bytes (where paged-out pages go). Default 1 GiB.</summary>
    public ulong PageFileBytes { get; init; } = 1UL << 30;

    /// <summary>Delay of a hard page fault (page read back from the page file). Default 100 µs, an SSD.</summary>
    public long HardFaultNanoseconds { get; init; } = 100_000;

    /// <summary>Delay of a demand-zero fault (first touch of committed memory). Default 2 µs.</summary>
    public long DemandZeroFaultNanoseconds { get; init; } = 2_000;

    /// <summary>The defaults.</summary>
    public static MemoryManagerOptions Default { get; } = new();
}
