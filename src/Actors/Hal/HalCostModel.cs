namespace ActorKernel.Actors;

/// <summary>
/// Simulated cost, in nanoseconds, of the HAL's hardware accesses. A port access is an IN/OUT that
/// crosses to the device (about a microsecond on an ISA-speed bus); a memory-mapped register read is
/// an uncached round trip to the device, a write is posted. Every access charges a non-zero cost.
/// </summary>
public sealed record HalCostModel
{
    /// <summary>The defaults.</summary>
    public static HalCostModel Default { get; } = new();

    /// <summary>One READ_PORT_* or WRITE_PORT_* (and each element of a _BUFFER_ form).</summary>
    public long PortAccessNs { get; init; } = 500;

    /// <summary>One READ_REGISTER_* (each element of a _BUFFER_ form).</summary>
    public long RegisterReadNs { get; init; } = 250;

    /// <summary>One WRITE_REGISTER_* (posted).</summary>
    public long RegisterWriteNs { get; init; } = 60;

    /// <summary>A configuration-space access (HalGetBusDataByOffset/HalSetBusDataByOffset), per call.</summary>
    public long ConfigAccessNs { get; init; } = 1_000;

    /// <summary>A DMA adapter operation (allocate, map, flush, free), per call.</summary>
    public long DmaOperationNs { get; init; } = 100;

    /// <summary>Per scatter/gather element built or map register mapped.</summary>
    public long DmaPerElementNs { get; init; } = 20;
}
