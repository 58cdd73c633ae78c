namespace ActorKernel.Actors;

public sealed partial class UserWorkload
{
    // Interim: completion ports arrive with the overlapped path of Kernel32 (branch h/usermode).
    private static ValueTask<Handle> CreatePort(Handle file)
    {
        _ = file;
        throw new NotSupportedException("completion ports are not in Kernel32 yet: use OverlappedCompletion.Event");
    }

    private static ValueTask<QueuedCompletion> NextPacket(Handle port)
    {
        _ = port;
        throw new NotSupportedException("completion ports are not in Kernel32 yet: use OverlappedCompletion.Event");
    }
}
