namespace ActorKernel.Actors.Verifier;

/// <summary>
/// <c>verifier /flags FLAGS /driver IMAGE</c> for a simulated machine: turns on, for one driver image,
/// the option classes the simulator models (docs/verifier.md). I/O verification is a property of the
/// loaded driver (<see cref="IoManager.LoadDriverAsync"/> <c>verify</c>, or <see cref="IoManager.VerifyAllDrivers"/>);
/// the other classes are set here, before or after the driver loads.
/// </summary>
public static class DriverVerifier
{
    /// <summary>Verifies <paramref name="image"/> on <paramref name="machine"/> with <paramref name="options"/>.</summary>
    /// <param name="machine">The machine.</param>
    /// <param name="image">The driver's image name (e.g. "x.sys").</param>
    /// <param name="options">
    /// The option classes: <see cref="VerifierOptions.SpecialPool"/>, <see cref="VerifierOptions.PoolTracking"/>
    /// (with the <c>!verifier</c> counters every verified driver gets), <see cref="VerifierOptions.ForceIrqlChecking"/>
    /// and <see cref="VerifierOptions.DeadlockDetection"/> take effect here.
    /// </param>
    /// <param name="lowResources">
    /// Low Resources Simulation's settings when <paramref name="options"/> has <see cref="VerifierOptions.LowResourcesSimulation"/>
    /// (null: the defaults, 6% after 8 minutes, every tag); the failures are drawn from the machine's seed.
    /// </param>
    public static void Enable(Machine machine, string image, VerifierOptions options, LowResourcesSimulation? lowResources = null)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentException.ThrowIfNullOrEmpty(image);
        machine.Memory.VfAddDriver(image, options);
        if ((options & VerifierOptions.LowResourcesSimulation) != 0)
        {
            var random = new ActorKernel.Runtime.DeterministicRandom(machine.Options.Seed).Derive("verifier.low-resources." + image.ToLowerInvariant());
            machine.Memory.VfSetLowResources(image, lowResources ?? new LowResourcesSimulation(), () => machine.NowNanoseconds, random);
        }
        if ((options & VerifierOptions.ForceIrqlChecking) != 0)
        {
            machine.Memory.SetForceIrqlChecking(image, true);
        }
        if ((options & VerifierOptions.DeadlockDetection) != 0)
        {
            VfDeadlockDetection.Enable(machine, image);
        }
    }
}
