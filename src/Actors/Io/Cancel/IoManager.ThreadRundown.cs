namespace ActorKernel.Actors;

// PspExitThread -> IoCancelThreadIo: a thread that exits with requests outstanding has them cancelled,
// and waits for them, before its thread object is signalled.
public sealed partial class IoManager
{
    /// <summary>How long an exiting thread waits for its cancelled requests, in 100 ms steps (NT: five minutes).</summary>
    internal const int ThreadRundownWaitSteps = 3000;

    /// <summary>
    /// The thread-exit step of NT's IoCancelThreadIo: cancels <paramref name="thread"/>'s unfinished
    /// requests, then waits in 100 ms steps (up to five minutes) for them to finish. A request still
    /// unfinished then is disassociated from the thread (IopDisassociateThreadIrp: Irp-&gt;Thread = NULL),
    /// and the thread exits; the request stays outstanding and is reported as stuck.
    /// </summary>
    /// <param name="thread">The exiting thread, running this in its own context at PASSIVE_LEVEL.</param>
    /// <returns>The awaitable rundown.</returns>
    internal async ValueTask IopRundownThread(KThread thread)
    {
        if (!IopThreadHasIo(thread))
        {
            return;
        }
        await IoCancelThreadIo(thread).ConfigureAwait(false);
        for (var step = 0; step < ThreadRundownWaitSteps && IopThreadHasIo(thread); step++)
        {
            await Wdm.KeDelayExecutionThread(KProcessorMode.KernelMode, false, -100 * 10_000);
        }
        lock (_outstandingLock)
        {
            foreach (var irp in _outstanding)
            {
                if (IopIsUnfinished(irp, thread, threadBound: true))
                {
                    irp.Thread = null;
                }
            }
        }
    }

    private bool IopThreadHasIo(KThread thread)
    {
        lock (_outstandingLock)
        {
            foreach (var irp in _outstanding)
            {
                if (IopIsUnfinished(irp, thread, threadBound: true))
                {
                    return true;
                }
            }
            return false;
        }
    }
}
