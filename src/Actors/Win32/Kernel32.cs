namespace ActorKernel.Actors;

/// <summary>
/// The Win32 API of a simulated user process (kernel32.dll): each call runs in a user thread of a
/// <see cref="UserProcess"/> at PASSIVE_LEVEL, charges a system call, enters the kernel's Nt*
/// service and records its outcome in the thread's TEB (GetLastError, RtlGetLastNtStatus). Handles
/// are the process's. The model and each call's NT path are in docs/user-mode.md.
/// </summary>
public static partial class Kernel32
{
    /// <summary>INFINITE (0xFFFFFFFF): a wait without timeout.</summary>
    public const uint Infinite = 0xFFFF_FFFF;

    /// <summary>WAIT_OBJECT_0 (0).</summary>
    public const uint WaitObject0 = 0;

    /// <summary>WAIT_TIMEOUT (0x102).</summary>
    public const uint WaitTimeout = 0x102;

    /// <summary>WAIT_FAILED (0xFFFFFFFF).</summary>
    public const uint WaitFailed = 0xFFFF_FFFF;

    /// <summary>EVENT_ALL_ACCESS (0x1F0003): the access of CreateEvent's handle.</summary>
    private const uint EventAllAccess = 0x001F_0003;

    /// <summary>GetLastError: the Win32 error of this thread's last call.</summary>
    /// <returns>TEB.LastErrorValue.</returns>
    public static Win32Error GetLastError() => Teb().LastErrorValue;

    /// <summary>RtlGetLastNtStatus: the NTSTATUS behind this thread's last error.</summary>
    /// <returns>TEB.LastStatusValue.</returns>
    public static NtStatus GetLastNtStatus() => Teb().LastStatusValue;

    /// <summary>SetLastError: sets this thread's last error (the NTSTATUS is left as it was).</summary>
    /// <param name="error">The error.</param>
    public static void SetLastError(Win32Error error) => Teb().LastErrorValue = error;

    /// <summary>
    /// CloseHandle (NtClose): frees the handle. The last handle of a file sends IRP_MJ_CLEANUP and
    /// waits for it; IRP_MJ_CLOSE follows once the file's last reference goes (its outstanding
    /// requests hold one each).
    /// </summary>
    /// <param name="handle">The handle.</param>
    /// <returns>TRUE; FALSE with ERROR_INVALID_HANDLE (STATUS_INVALID_HANDLE) for a handle that is not open, closed ones included.</returns>
    public static async ValueTask<bool> CloseHandle(Handle handle)
    {
        var teb = Enter();
        var status = await teb.Process.NtClose(handle);
        return Report(teb, status);
    }

    /// <summary>
    /// ExitProcess (NtTerminateProcess, then ObKillProcess): the process's other threads exit first (a
    /// user-mode wait is broken; each unwinds at its next Win32 call and runs down its I/O, its requests
    /// cancelled and waited for), then the exit code is recorded and every handle is closed, so each file
    /// gets IRP_MJ_CLEANUP and, after its last reference, IRP_MJ_CLOSE. Unlike Windows the calling thread
    /// returns from ExitProcess; its code should then return (see docs/user-mode.md, Process exit).
    /// Only the first caller terminates the process: a thread that calls ExitProcess while another
    /// thread's ExitProcess runs (or after it) ends there, as a terminated thread.
    /// </summary>
    /// <param name="exitCode">The exit code.</param>
    /// <returns>A task that ends when every handle is closed.</returns>
    public static async ValueTask ExitProcess(uint exitCode)
    {
        var teb = Enter();
        if (!teb.Process.PspTryBeginTermination())
        {
            // Another thread is terminating the process (it may not have marked this one yet, or this
            // thread began after it looked): this thread ends here, as the process's other threads do.
            teb.TerminationRequested = true;
            throw new PspThreadTerminatedException();
        }
        await teb.Process.PspTerminateOtherThreads(Processor.Current.KiCurrentThread!);
        await teb.Process.ObKillProcess(exitCode);
        Report(teb, NtStatus.Success);
    }

    /// <summary>CreateEvent (NtCreateEvent): an unnamed event.</summary>
    /// <param name="manualReset">TRUE: a notification event (stays signalled until reset); FALSE: a synchronization event (releases one waiter).</param>
    /// <param name="initialState">Whether it starts signalled.</param>
    /// <returns>The event's handle.</returns>
    public static Handle CreateEvent(bool manualReset, bool initialState)
    {
        var teb = Enter();
        var eventObject = new EventObject(manualReset ? EventType.NotificationEvent : EventType.SynchronizationEvent, initialState);
        var status = teb.Process.ObInsertObject(eventObject, EventAllAccess, out var handle);
        if (status != NtStatus.Success)
        {
            // STATUS_PROCESS_IS_TERMINATING: no handle; the creator's reference goes.
            eventObject.ObDereferenceObject();
        }
        Report(teb, status);
        return handle;
    }

    /// <summary>SetEvent (NtSetEvent → KeSetEvent).</summary>
    /// <param name="eventHandle">The event's handle.</param>
    /// <returns>TRUE; FALSE with ERROR_INVALID_HANDLE for a handle that is not an open event.</returns>
    public static bool SetEvent(Handle eventHandle)
    {
        var teb = Enter();
        var status = teb.Process.ObReferenceObjectByHandle<EventObject>(eventHandle, out var eventObject);
        if (status == NtStatus.Success)
        {
            Wdm.KeSetEvent(eventObject!.Event, (int)PriorityBoost.IoNoIncrement, false);
            eventObject.ObDereferenceObject();
        }
        return Report(teb, status);
    }

    /// <summary>ResetEvent (NtClearEvent → KeResetEvent).</summary>
    /// <param name="eventHandle">The event's handle.</param>
    /// <returns>TRUE; FALSE with ERROR_INVALID_HANDLE for a handle that is not an open event.</returns>
    public static bool ResetEvent(Handle eventHandle)
    {
        var teb = Enter();
        var status = teb.Process.ObReferenceObjectByHandle<EventObject>(eventHandle, out var eventObject);
        if (status == NtStatus.Success)
        {
            Wdm.KeResetEvent(eventObject!.Event);
            eventObject.ObDereferenceObject();
        }
        return Report(teb, status);
    }

    /// <summary>
    /// WaitForSingleObject (NtWaitForSingleObject → KeWaitForSingleObject): waits for an event, or for
    /// a file handle (its file object's event, signalled by the file's completions).
    /// </summary>
    /// <param name="handle">The object's handle.</param>
    /// <param name="milliseconds">The timeout; <see cref="Infinite"/> for none; 0 tests and returns.</param>
    /// <returns>WAIT_OBJECT_0, WAIT_TIMEOUT, or WAIT_FAILED (ERROR_INVALID_HANDLE) for a handle that is not open or not waitable.</returns>
    public static async ValueTask<uint> WaitForSingleObject(Handle handle, uint milliseconds)
    {
        var teb = Enter();
        var status = teb.Process.ObReferenceObjectByHandle<KernelObject>(handle, out var obj);
        KDispatcherObject? waitable = obj switch
        {
            EventObject e => e.Event,
            FileObject f => f.KeEvent,
            _ => null,
        };
        if (waitable is null)
        {
            obj?.ObDereferenceObject();
            Report(teb, status == NtStatus.Success ? NtStatus.ObjectTypeMismatch : status);
            return WaitFailed;
        }
        KiBeginUserWait(teb);
        var result = await Wdm.KeWaitForSingleObject(waitable, KWaitReason.UserRequest, KProcessorMode.UserMode, false, ToTimeout(milliseconds));
        teb.InUserWait = false;
        if (obj is FileObject waitedFile)
        {
            await teb.Process.Io.IopDereferenceFileAtPassive(waitedFile);
        }
        else
        {
            obj!.ObDereferenceObject();
        }
        KiEndUserWait(teb);
        Report(teb, NtStatus.Success);
        return result == NtStatus.Timeout ? WaitTimeout : WaitObject0;
    }

    /// <summary>Sleep (NtDelayExecution → KeDelayExecutionThread): the thread waits <paramref name="milliseconds"/> of simulated time.</summary>
    /// <param name="milliseconds">The time to sleep; 0 gives up nothing but the system call's cost.</param>
    /// <returns>A task that ends when the thread runs again.</returns>
    public static async ValueTask Sleep(uint milliseconds)
    {
        var teb = Enter();
        if (milliseconds > 0)
        {
            KiBeginUserWait(teb);
            await Wdm.KeDelayExecutionThread(KProcessorMode.UserMode, false, -(long)milliseconds * 10_000);
            KiEndUserWait(teb);
        }
        else
        {
            await Wdm.KeCompute(1);
        }
    }

    /// <summary>Sleeps <paramref name="nanoseconds"/> of simulated time (a think time below a millisecond; KeDelayExecutionThread in 100 ns units, at least one).</summary>
    /// <param name="nanoseconds">The time to sleep.</param>
    /// <returns>A task that ends when the thread runs again.</returns>
    public static async ValueTask SleepNanoseconds(long nanoseconds)
    {
        var teb = Enter();
        if (nanoseconds > 0)
        {
            KiBeginUserWait(teb);
            await Wdm.KeDelayExecutionThread(KProcessorMode.UserMode, false, -Math.Max(1, nanoseconds / 100));
            KiEndUserWait(teb);
        }
        else
        {
            await Wdm.KeCompute(1);
        }
    }

    /// <summary>A Win32 timeout in milliseconds as a kernel wait's: relative 100 ns units, null for INFINITE.</summary>
    private static long? ToTimeout(uint milliseconds) => milliseconds == Infinite ? null : -(long)milliseconds * 10_000;

    /// <summary>The TEB of the calling user thread, after charging the system call.</summary>
    internal static Teb Enter()
    {
        var processor = Processor.CurrentOrNull ?? throw new InvalidOperationException("Win32 calls run in a user thread of a UserProcess (UserProcess.CreateThread), on a processor.");
        var teb = processor.KiCurrentThread?.Teb ?? throw new InvalidOperationException("Win32 calls run in a user thread of a UserProcess, not in a system thread, DPC or ISR.");
        if (processor.Irql != Irql.PassiveLevel)
        {
            throw new InvalidOperationException($"A user thread calls Win32 at PASSIVE_LEVEL, not {processor.Irql.ToDisplayString()}.");
        }
        processor.KiCharge(processor.Costs.SystemCallNs);
        if (teb.TerminationRequested)
        {
            // The process is terminating this thread: its code goes no further than this call.
            throw new PspThreadTerminatedException();
        }
        return teb;
    }

    /// <summary>Marks the start of a user-mode wait, which the thread's termination breaks.</summary>
    internal static void KiBeginUserWait(Teb teb) => teb.InUserWait = true;

    /// <summary>The end of a user-mode wait: a thread whose process terminates it goes no further.</summary>
    internal static void KiEndUserWait(Teb teb)
    {
        teb.InUserWait = false;
        if (teb.TerminationRequested)
        {
            throw new PspThreadTerminatedException();
        }
    }

    private static Teb Teb() => UserProcess.CurrentTeb
        ?? throw new InvalidOperationException("Win32 calls run in a user thread of a UserProcess (UserProcess.CreateThread), on a processor.");

    /// <summary>BaseSetLastNTError: records <paramref name="status"/> and its Win32 error; returns the BOOL of a call that ends with it.</summary>
    private static bool Report(Teb teb, NtStatus status)
    {
        teb.LastStatusValue = status;
        teb.LastErrorValue = StatusMapping.RtlNtStatusToDosError(status);
        return status.IsSuccess();
    }
}
