namespace ActorKernel.Actors;

public sealed partial class Irp
{
    /// <summary>
    /// The traced request this IRP serves while an <see cref="IoTraceRecorder"/> records it (null when
    /// none): the per-IRP mark the hooks read before any lock, so an unsampled request's routines cost a
    /// field read and a few interlocked updates, and no look-up.
    /// </summary>
    internal IoRequestTrace? TraceRequest;
}
