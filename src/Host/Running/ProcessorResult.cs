namespace ActorKernel.Host;

/// <summary>One processor's figures over a boot; the kernel runner fills these.</summary>
/// <param name="Number">The processor number.</param>
/// <param name="Utilisation">Share of simulated time it was busy, 0..1.</param>
/// <param name="IrqlResidencyNanoseconds">Simulated time at each IRQL, by display name, in IRQL order.</param>
/// <param name="Interrupts">Interrupts it took.</param>
/// <param name="Dpcs">DPCs it ran.</param>
/// <param name="MaxDpcQueueDepth">The deepest its DPC queue got.</param>
public sealed record ProcessorResult(
    int Number,
    double Utilisation,
    IReadOnlyList<KeyValuePair<string, long>> IrqlResidencyNanoseconds,
    long Interrupts,
    long Dpcs,
    int MaxDpcQueueDepth);
