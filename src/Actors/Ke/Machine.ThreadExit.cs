namespace ActorKernel.Actors;

public sealed partial class Machine
{
    /// <summary>
    /// PspExitThread's I/O step: what runs in an exiting thread's context (after its start routine
    /// returned, before the thread object is signalled). The I/O manager sets it when attached
    /// (IoCancelThreadIo); Ke only calls it, so the processor model does not depend on Io.
    /// </summary>
    internal Func<KThread, ValueTask>? ThreadRundown { get; set; }

    /// <summary>
    /// The termination APC's effect on a wait (KiInsertQueueApc → KiUnwaitThread): when
    /// <paramref name="thread"/> waits and its wait is not yet satisfied, ends it with
    /// <paramref name="status"/> (STATUS_ALERTED) and readies the thread. The caller knows the wait is
    /// one that termination may break (a user-mode wait); a kernel-mode wait is never broken.
    /// </summary>
    /// <returns>Whether a wait was ended.</returns>
    internal bool KiAlertThreadWait(KThread thread, NtStatus status)
    {
        lock (DispatcherLock)
        {
            if (thread.WaitSatisfied || thread.State == KThreadState.Terminated)
            {
                return false;
            }
            if (thread.WaitingOnQueue)
            {
                thread.QueueEntry = null;
            }
            KiEndWait(thread, status);
            return true;
        }
    }
}
