namespace ActorKernel.Actors;

/// <summary>What a HAL check found a driver doing wrong with hardware.</summary>
public enum HalViolation
{
    /// <summary>A port access outside every port range assigned to the driver's devices.</summary>
    PortOutsideResources = 1,

    /// <summary>A register access (or MmMapIoSpace) outside every memory range assigned to the driver's devices.</summary>
    RegisterOutsideResources = 2,

    /// <summary>A port or register that no device decodes: reads float to all-ones, writes go nowhere.</summary>
    UnclaimedAddress = 3,

    /// <summary>DMA mapped from an MDL whose pages are not locked (no MDL_PAGES_LOCKED / MDL_SOURCE_IS_NONPAGED_POOL), or that has no page frames.</summary>
    DmaToUnlockedMemory = 4,

    /// <summary>More map registers used than the adapter granted (IoGetDmaAdapter's NumberOfMapRegisters) or than the channel holds.</summary>
    MapRegistersExceeded = 5,

    /// <summary>A DMA adapter service called at the wrong IRQL.</summary>
    DmaWrongIrql = 6,

    /// <summary>A DMA object freed twice, or freed while the adapter still holds it (reported as a finding when Driver Verifier's DMA checking is off).</summary>
    DmaBookkeeping = 7,
}

/// <summary>One HAL finding: the rule, the driver and routine that broke it, and where.</summary>
/// <param name="Violation">The rule.</param>
/// <param name="Driver">The driver's image name.</param>
/// <param name="Routine">The routine that made the access.</param>
/// <param name="Address">The port, register, physical address or adapter concerned.</param>
/// <param name="Detail">What happened, in words.</param>
public sealed record HalFinding(HalViolation Violation, string Driver, string Routine, ulong Address, string Detail)
{
    /// <inheritdoc />
    public override string ToString() => FormattableString.Invariant($"HAL {Violation} in {Driver}!{Routine} at 0x{Address:X}: {Detail}");
}
