namespace ActorKernel.Actors;

public sealed partial class Machine
{
    /// <summary>
    /// PspExitThread's I/O step: what runs in an exiting thread's context (after its start routine
    /// returned, before the thread object is signalled). The I/O manager sets it when attached
    /// (IoCancelThreadIo); Ke only calls it, so the processor model does not depend on Io.
    /// </summary>
    internal Func<KThread, ValueTask>? ThreadRundown { get; set; }
}
