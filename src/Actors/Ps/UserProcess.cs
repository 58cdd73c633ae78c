namespace ActorKernel.Actors;

/// <summary>
/// A user process (EPROCESS with its Win32 state): an Mm address space, a handle table and the user
/// threads it created. Its threads run on the machine's processors at PASSIVE_LEVEL and call the
/// Win32 API (<see cref="Kernel32"/>), which enters the kernel (NtCreateFile, NtReadFile, ...) and
/// blocks there while waiting.
/// </summary>
public sealed class UserProcess : KernelObject
{
    private readonly HandleTable _handles = new();
    private readonly List<KThread> _threads = [];

    private UserProcess(Machine machine, IoManager io, AddressSpace addressSpace, string imageName)
    {
        Machine = machine;
        Io = io;
        AddressSpace = addressSpace;
        ImageName = imageName;
        Module = new KernelModule(imageName);
        Address = addressSpace.ProcessObjectAddress;
        addressSpace.Process = this;
    }

    /// <summary>The handle table's entries in use, by handle value (the kernel debugger's !handle).</summary>
    internal List<(Handle Handle, HandleTableEntry Entry)> KdHandles() => _handles.Snapshot();

    /// <summary>
    /// PspCreateProcess: a process named <paramref name="imageName"/> with an empty address space
    /// (<see cref="MemoryManager.CreateProcess"/>) and an empty handle table, on <paramref name="machine"/>
    /// whose I/O manager is <paramref name="io"/>.
    /// </summary>
    /// <param name="machine">The machine.</param>
    /// <param name="io">The machine's I/O manager (attached to it).</param>
    /// <param name="imageName">The image name, e.g. <c>app.exe</c>.</param>
    /// <returns>The process, with no thread yet.</returns>
    public static UserProcess Create(Machine machine, IoManager io, string imageName)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(io);
        ArgumentException.ThrowIfNullOrEmpty(imageName);
        return new UserProcess(machine, io, machine.Memory.CreateProcess(imageName), imageName);
    }

    /// <summary>The image name.</summary>
    public string ImageName { get; }

    /// <summary>The process id (a multiple of 4, as NT's client ids are).</summary>
    public uint ProcessId => AddressSpace.ProcessId;

    /// <summary>The process's user address space.</summary>
    public AddressSpace AddressSpace { get; }

    /// <summary>The machine the process runs on.</summary>
    public Machine Machine { get; }

    /// <summary>The I/O manager its handles' files belong to.</summary>
    public IoManager Io { get; }

    /// <summary>The image as a module: the threads' frames are attributed to it.</summary>
    public KernelModule Module { get; }

    /// <summary>Handles open in the process's handle table.</summary>
    public int HandleCount => _handles.Count;

    /// <summary>The threads created so far, in creation order.</summary>
    public IReadOnlyList<KThread> Threads
    {
        get
        {
            lock (_threads)
            {
                return [.. _threads];
            }
        }
    }

    /// <summary>The process of the user thread running on this processor, or null (a system thread, a DPC, or no processor).</summary>
    public static UserProcess? Current => CurrentTeb?.Process;

    /// <summary>The TEB of the user thread running on this processor, or null.</summary>
    internal static Teb? CurrentTeb => Processor.CurrentOrNull?.KiCurrentThread?.Teb;

    /// <inheritdoc />
    public override string ObjectTypeName => "Process";

    /// <summary>
    /// CreateThread: a user thread of this process that runs <paramref name="main"/> at PASSIVE_LEVEL on
    /// processor <paramref name="processor"/>, with this process's address space current. It is ready now.
    /// </summary>
    /// <param name="processor">The processor it runs on (threads stay where they were created).</param>
    /// <param name="name">The thread's name (for traces and dumps).</param>
    /// <param name="main">The thread's code; it may call <see cref="Kernel32"/>.</param>
    /// <param name="priority">Its priority (8, normal, by default).</param>
    /// <returns>The thread (a dispatcher object, signalled when <paramref name="main"/> returns).</returns>
    public KThread CreateThread(int processor, string name, Func<ValueTask> main, int priority = 8)
    {
        ArgumentNullException.ThrowIfNull(main);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var teb = new Teb(this);
        var thread = Machine.KiCreateUserThread(processor, AddressSpace, teb, Module, name, _ => PspUserThreadStartup(teb, main), priority);
        lock (_threads)
        {
            _threads.Add(thread);
        }
        return thread;
    }

    /// <summary>
    /// The user thread's code, ended early when the process terminates it (<see cref="PspTerminateOtherThreads"/>):
    /// the termination unwinds the code from its next Win32 call, and the thread then exits as usual
    /// (its I/O run down, its object signalled).
    /// </summary>
    private static async ValueTask PspUserThreadStartup(Teb teb, Func<ValueTask> main)
    {
        if (teb.TerminationRequested)
        {
            return;
        }
        try
        {
            await main().ConfigureAwait(false);
        }
        catch (PspThreadTerminatedException)
        {
            // NtTerminateThread: the thread's code goes no further.
        }
    }

    /// <summary>
    /// NtTerminateProcess's first step, for ExitProcess: every other thread of the process is asked to
    /// exit, as the termination APC does: a user-mode wait is broken (STATUS_ALERTED); the requests the
    /// thread is waiting for in the kernel (a synchronous request) are cancelled (IoCancelThreadIo, as
    /// the thread's own exit would), so its wait ends; each thread unwinds at its next Win32 call, runs
    /// down its I/O and exits. Repeated every 100 ms (a thread that got the file lock meanwhile sent a
    /// new request) until all have exited, for up to five minutes as thread rundown waits.
    /// </summary>
    /// <param name="self">The calling thread (not terminated).</param>
    internal async ValueTask PspTerminateOtherThreads(KThread self)
    {
        var others = new List<KThread>();
        foreach (var thread in Threads)
        {
            if (!ReferenceEquals(thread, self) && thread.State != KThreadState.Terminated && thread.Teb is { } teb)
            {
                teb.TerminationRequested = true;
                others.Add(thread);
            }
        }
        for (var step = 0; step <= IoManager.ThreadRundownWaitSteps; step++)
        {
            var alive = others.Find(t => t.State != KThreadState.Terminated);
            if (alive is null)
            {
                return;
            }
            foreach (var thread in others)
            {
                if (thread.State == KThreadState.Terminated)
                {
                    continue;
                }
                if (thread.Teb!.InUserWait)
                {
                    Machine.KiAlertThreadWait(thread, NtStatus.Alerted);
                }
                await Io.IoCancelThreadIo(thread).ConfigureAwait(false);
            }
            await Wdm.KeWaitForSingleObject(alive, KWaitReason.Executive, KProcessorMode.KernelMode, false, -100 * 10_000);
        }
    }

    /// <summary>VirtualAlloc(MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE): NtAllocateVirtualMemory of <paramref name="size"/> bytes.</summary>
    /// <param name="size">Bytes (rounded up to pages; the region starts on a 64 KiB boundary).</param>
    /// <returns>The region's first address.</returns>
    /// <exception cref="NtStatusException">STATUS_INVALID_PARAMETER for size 0, STATUS_NO_MEMORY when the user range is exhausted.</exception>
    public ulong VirtualAlloc(ulong size)
    {
        var status = Machine.Memory.NtAllocateVirtualMemory(AddressSpace, size, out var address);
        Processor.CurrentOrNull?.KiCharge(Processor.CurrentOrNull.Costs.SystemCallNs);
        return status == NtStatus.Success ? address : throw new NtStatusException(status);
    }

    /// <summary>The program writing its own memory (a user-mode store): page faults are charged to the running thread.</summary>
    /// <param name="address">The user address.</param>
    /// <param name="data">The bytes.</param>
    /// <exception cref="NtStatusException">STATUS_ACCESS_VIOLATION for an address the process has not allocated.</exception>
    public void WriteMemory(ulong address, ReadOnlySpan<byte> data)
    {
        var result = Machine.Memory.UserWrite(AddressSpace, address, data);
        KiChargeUser(result.FaultDelayNanoseconds);
        if (result.Status != NtStatus.Success)
        {
            throw new NtStatusException(result.Status, address, MemoryAccessType.Write);
        }
    }

    /// <summary>The program reading its own memory (a user-mode load).</summary>
    /// <param name="address">The user address.</param>
    /// <param name="destination">Receives the bytes.</param>
    /// <exception cref="NtStatusException">STATUS_ACCESS_VIOLATION for an address the process has not allocated.</exception>
    public void ReadMemory(ulong address, Span<byte> destination)
    {
        var result = Machine.Memory.UserRead(AddressSpace, address, destination);
        KiChargeUser(result.FaultDelayNanoseconds);
        if (result.Status != NtStatus.Success)
        {
            throw new NtStatusException(result.Status, address, MemoryAccessType.Read);
        }
    }

    private static void KiChargeUser(long faultDelayNs)
    {
        if (Processor.CurrentOrNull is { } processor)
        {
            processor.KiCharge(Math.Max(1, faultDelayNs));
        }
    }

    /// <summary>
    /// ObInsertObject: a handle to <paramref name="obj"/>; the handle takes over the creator's reference.
    /// Once the process's handles were swept (<see cref="ObKillProcess"/>) no handle is created: the call
    /// fails with STATUS_PROCESS_IS_TERMINATING (ObpCreateHandle finds no ObjectTable) and the caller still
    /// holds its reference; it closes the object (a file: IRP_MJ_CLEANUP, then its dereference sends IRP_MJ_CLOSE).
    /// </summary>
    /// <returns>STATUS_SUCCESS with the handle, or STATUS_PROCESS_IS_TERMINATING.</returns>
    internal NtStatus ObInsertObject(KernelObject obj, uint grantedAccess, out Handle handle)
    {
        // The handle count rises before the entry is visible, so a sweep that closes the new handle at
        // once never sees the count below zero (ObpIncrementHandleCount comes before ExCreateHandle).
        if (obj is FileObject file)
        {
            Interlocked.Increment(ref file.HandleCountField);
        }
        else if (obj is IoCompletionObject port)
        {
            port.IopOpenHandle();
        }
        if (_handles.TryCreate(new HandleTableEntry(obj, grantedAccess), out handle))
        {
            return NtStatus.Success;
        }
        if (obj is FileObject refusedFile)
        {
            Interlocked.Decrement(ref refusedFile.HandleCountField);
        }
        else if (obj is IoCompletionObject refusedPort)
        {
            refusedPort.IopCloseHandle();
        }
        return NtStatus.ProcessIsTerminating;
    }

    /// <summary>
    /// ObReferenceObjectByHandle: the object of a handle, if the handle is open and the object is a
    /// <typeparamref name="T"/>, with one reference taken under the handle table's lock (so a CloseHandle
    /// racing with the call cannot delete it). The service drops it (ObDereferenceObject, or
    /// <see cref="IoManager.IopDereferenceFileAtPassive"/> for a file) when it returns.
    /// </summary>
    /// <returns>STATUS_SUCCESS, STATUS_INVALID_HANDLE (not open) or STATUS_OBJECT_TYPE_MISMATCH (another type).</returns>
    internal NtStatus ObReferenceObjectByHandle<T>(Handle handle, out T? obj) where T : KernelObject
    {
        obj = null;
        if (!_handles.TryGetReferenced(handle, out var entry))
        {
            return NtStatus.InvalidHandle;
        }
        if (entry.Object is not T typed)
        {
            // A type mismatch keeps no reference; it cannot be the last (the handle holds one).
            entry.Object.ObDereferenceObject();
            return NtStatus.ObjectTypeMismatch;
        }
        obj = typed;
        return NtStatus.Success;
    }

    /// <summary>
    /// NtClose: frees the handle and drops its reference. The last handle of a file object sends
    /// IRP_MJ_CLEANUP (and waits for it); IRP_MJ_CLOSE follows when the last reference goes: here, when
    /// no request of the file is outstanding any more, else from a worker thread after the last one completes.
    /// </summary>
    /// <returns>STATUS_SUCCESS, or STATUS_INVALID_HANDLE for a handle that is not open.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL, in a thread of this process.</remarks>
    internal async ValueTask<NtStatus> NtClose(Handle handle)
    {
        if (!_handles.TryRemove(handle, out var entry))
        {
            return NtStatus.InvalidHandle;
        }
        if (entry.Object is FileObject file)
        {
            if (Interlocked.Decrement(ref file.HandleCountField) == 0)
            {
                await Io.IopSendCleanup(file).ConfigureAwait(false);
            }
            await Io.IopDereferenceFileAtPassive(file).ConfigureAwait(false);
            return NtStatus.Success;
        }
        if (entry.Object is IoCompletionObject port)
        {
            // IopCloseIoCompletion: the last handle of a port wakes its waiters (STATUS_ABANDONED_WAIT_0).
            port.IopCloseHandle();
        }
        entry.Object.ObDereferenceObject();
        return NtStatus.Success;
    }

    // 1 once a thread began ExitProcess (PROCESS_DELETE-like "terminating" state): the first caller wins.
    private int _terminating;

    /// <summary>
    /// Claims the process's termination for the calling thread's ExitProcess: exactly one caller
    /// gets true (set with Interlocked.CompareExchange, so two threads calling ExitProcess at once on
    /// the concurrent dispatcher cannot each mark the other and wait on each other); every later one
    /// gets false and ends as a terminated thread, as the other threads of an exiting process do.
    /// </summary>
    /// <returns>Whether the caller is the thread that terminates the process.</returns>
    internal bool PspTryBeginTermination() => Interlocked.CompareExchange(ref _terminating, 1, 0) == 0;

    /// <summary>Whether a thread began ExitProcess.</summary>
    public bool IsTerminating => Volatile.Read(ref _terminating) != 0;

    /// <summary>The exit status once the process exited (ExitProcess), else null.</summary>
    public uint? ExitCode { get; private set; }

    /// <summary>
    /// ObKillProcess, the handle step of process exit: the handle table refuses new handles (see
    /// <see cref="ObInsertObject"/>), then every open handle is closed, in handle order, as
    /// CloseHandle does (the last handle of each file sends IRP_MJ_CLEANUP; IRP_MJ_CLOSE follows its
    /// last reference), and records <paramref name="exitCode"/>.
    /// </summary>
    /// <param name="exitCode">The process's exit status.</param>
    /// <returns>A task that ends when every handle is closed.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL, in a thread (of this process, or a system thread). ExitProcess ends the process's other threads first (<see cref="PspTerminateOtherThreads"/>); this step does not.</remarks>
    internal async ValueTask ObKillProcess(uint exitCode)
    {
        ExitCode ??= exitCode;
        // The table refuses new handles before it is swept: a thread still in NtCreateFile when the
        // process exits gets STATUS_PROCESS_IS_TERMINATING instead of a handle nobody would close.
        foreach (var (handle, _) in _handles.Kill())
        {
            await NtClose(handle).ConfigureAwait(false);
        }
    }

    /// <summary>The open handles, by value (what <c>!handle</c> lists).</summary>
    /// <returns>Each handle with its object and granted access.</returns>
    public IReadOnlyList<(Handle Handle, HandleTableEntry Entry)> GetHandles() => _handles.Snapshot();

    /// <inheritdoc />
    public override string ToString() => FormattableString.Invariant($"{ImageName} (pid {ProcessId})");
}
