namespace ActorKernel.Actors;

/// <summary>A non-fatal I/O verification finding (a "WDM DRIVER ERROR" that NT's verifier logs without a bugcheck).</summary>
/// <param name="Code">The 0xC9 subcode, e.g. 0x228.</param>
/// <param name="Driver">The driver's image name.</param>
/// <param name="Routine">The routine that broke the rule.</param>
/// <param name="Irp">The IRP's address.</param>
/// <param name="Device">The device object's address.</param>
public sealed record VerifierFinding(IoVerifierViolation Code, string Driver, string Routine, ulong Irp, ulong Device)
{
    /// <inheritdoc />
    public override string ToString() => $"WDM DRIVER ERROR 0x{(uint)Code:X}: {Code} in {Driver}!{Routine}, Irp 0x{Irp:X16}, Device 0x{Device:X16}";
}
