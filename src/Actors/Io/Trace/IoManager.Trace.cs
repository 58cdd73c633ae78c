namespace ActorKernel.Actors;

public sealed partial class IoManager
{
    /// <summary>The recorder attached to this I/O manager (<see cref="IoTraceRecorder.Attach(IoManager, KernelTraceOptions)"/>), read by every trace hook.</summary>
    internal IoTraceRecorder? TraceRecorder;
}
