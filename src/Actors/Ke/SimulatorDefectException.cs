namespace ActorKernel.Actors;

/// <summary>
/// A defect of ActorKernel itself, not of the simulated driver: an exception raised inside the kernel's
/// (or the runtime's, a device model's, the host's) own code while a driver routine was running, such as a
/// NullReferenceException in an Io* service. The machine stops as at a bugcheck, but no dump blames the
/// driver whose routine called in: the host reports it as an internal error (exit code 3).
/// </summary>
public sealed class SimulatorDefectException : Exception
{
    /// <summary>Wraps <paramref name="inner"/>, raised in <paramref name="site"/> while <paramref name="routine"/> ran.</summary>
    public SimulatorDefectException(int processor, string module, string routine, string site, Exception inner)
        : base($"a defect of ActorKernel, not of {module}: {inner.GetType().Name} in the simulator's own code ({site}) while {module}!{routine} ran on processor {processor}: {inner.Message}", inner)
    {
        Processor = processor;
        Module = module;
        Routine = routine;
        Site = site;
    }

    /// <summary>The processor that ran the routine.</summary>
    public int Processor { get; }

    /// <summary>The module of the routine that was running (not at fault).</summary>
    public string Module { get; }

    /// <summary>The routine that was running.</summary>
    public string Routine { get; }

    /// <summary>The simulator method the exception was raised in (<c>Type.Method</c>).</summary>
    public string Site { get; }
}
