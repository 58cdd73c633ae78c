namespace ActorKernel.Actors;

/// <summary>
/// TEB: the user-mode state of a thread of a <see cref="UserProcess"/>. Win32 calls store their
/// outcome here: LastErrorValue (GetLastError) and LastStatusValue (RtlGetLastNtStatus).
/// </summary>
public sealed class Teb
{
    internal Teb(UserProcess process) => Process = process;

    /// <summary>The process the thread belongs to.</summary>
    public UserProcess Process { get; }

    /// <summary>TEB.LastErrorValue: what GetLastError returns.</summary>
    public Win32Error LastErrorValue { get; internal set; }

    /// <summary>NtTerminateProcess asked the thread to exit: its next Win32 call (or the end of its user-mode wait) ends it.</summary>
    internal volatile bool TerminationRequested;

    /// <summary>Whether the thread is in a user-mode wait (Sleep, WaitForSingleObject, GetQueuedCompletionStatus, GetOverlappedResult), which termination breaks.</summary>
    internal volatile bool InUserWait;

    /// <summary>Scratch packets for GetQueuedCompletionStatusEx, reused by the thread's calls.</summary>
    internal IoCompletionPacket[]? PacketBuffer;

    /// <summary>TEB.LastStatusValue: the NTSTATUS the last failing Win32 call translated (RtlGetLastNtStatus).</summary>
    public NtStatus LastStatusValue { get; internal set; }
}
