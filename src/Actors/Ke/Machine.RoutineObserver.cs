namespace ActorKernel.Actors;

public sealed partial class Machine
{
    /// <summary>
    /// Told of every ISR and DPC the processors run (the I/O manager's <see cref="IoManager.Observer"/>
    /// sees dispatch, completion, cancel and StartIo routines): the kernel debugger's breakpoints on them.
    /// </summary>
    internal IIoRoutineObserver? RoutineObserver { get; set; }

    /// <summary>The recorder tracing this machine's processors, if any: a field, so the ISR, DPC and device hooks find it without a look-up.</summary>
    internal IoTraceRecorder? TraceRecorder;
}
