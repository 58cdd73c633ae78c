namespace ActorKernel.Actors;

public sealed partial class Machine
{
    /// <summary>
    /// Told of every ISR and DPC the processors run (the I/O manager's <see cref="IoManager.Observer"/>
    /// sees dispatch, completion, cancel and StartIo routines): the kernel debugger's breakpoints on them.
    /// </summary>
    internal IIoRoutineObserver? RoutineObserver { get; set; }
}
