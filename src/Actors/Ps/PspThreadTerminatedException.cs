namespace ActorKernel.Actors;

/// <summary>Unwinds a user thread's code when its process terminates it (caught by the thread's startup).</summary>
internal sealed class PspThreadTerminatedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PspThreadTerminatedException()
        : base("The thread's process terminated it.")
    {
    }
}
