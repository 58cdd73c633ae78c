using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;

namespace ActorKernel.Host;

// Driver Verifier for the scenario's verified stacks (docs/verifier.md): every image of a stack whose
// verifier is enabled gets a verifier entry (the !verifier counters of the summary) with the options
// the scenario asks for; I/O verification itself comes with the load (verify: true).
internal sealed partial class KernelSimulation
{
    private void EnableVerifier()
    {
        foreach (var spec in _context.Scenario.Drivers.Where(d => d.Verifier.Enabled == true))
        {
            var options = VerifierOptions.IoVerification
                | (spec.Verifier.SpecialPool == true ? VerifierOptions.SpecialPool : VerifierOptions.None)
                | (spec.Verifier.PoolTracking == true ? VerifierOptions.PoolTracking : VerifierOptions.None)
                | (spec.Verifier.ForceIrqlChecking == true ? VerifierOptions.ForceIrqlChecking : VerifierOptions.None);
            foreach (var image in ImagesOf(spec))
            {
                DriverVerifier.Enable(Machine, image, options);
            }
        }
    }

    /// <summary><c>!verifier</c>'s per-driver figures for the summary (empty when no driver is verified).</summary>
    private IReadOnlyList<VerifierSummary> VerifierStatistics() =>
        [.. Machine.Memory.VfGetStatistics().Select(VerifierSummary.From)];
}
