namespace ActorKernel.Actors;

/// <summary>
/// An invariant of the simulator's own bookkeeping broke (a frame in a state the processor never puts it in,
/// a message no handler knows): a defect of ActorKernel, never a driver's fault. Unlike the
/// InvalidOperationException the kernel throws on purpose to refuse how a service was called, this one
/// ends the run as a simulator defect (exit 3), with no dump that blames the running driver.
/// </summary>
public sealed class KernelInvariantException : Exception
{
    /// <summary>States the broken invariant.</summary>
    public KernelInvariantException(string message) : base(message)
    {
    }

    /// <summary>States the broken invariant, with the exception that revealed it.</summary>
    public KernelInvariantException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>For serializers; states nothing.</summary>
    public KernelInvariantException() : base("An invariant of the simulator broke.")
    {
    }
}
