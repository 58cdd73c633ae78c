namespace ActorKernel.Actors;

// Memory touches (what a driver does with a pointer: *p = v, RtlCopyMemory, RtlZeroMemory), pageable
// sections, and the process context (KeStackAttachProcess). Touches may page-fault: await them, so a
// PASSIVE_LEVEL routine really spends the fault time; at DISPATCH_LEVEL a fault bugchecks 0xD1/0xA.
public static partial class Wdm
{
    /// <summary>RtlCopyMemory: copies <paramref name="length"/> bytes between two simulated addresses. Await it.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="source">Where to read.</param>
    /// <param name="length">Bytes to copy.</param>
    /// <returns>The awaitable charging the copy and its page faults.</returns>
    /// <remarks>IRQL: any for resident or nonpaged memory; pageable memory only below DISPATCH_LEVEL.</remarks>
    public static KernelYield RtlCopyMemory(ulong destination, ulong source, ulong length)
    {
        var p = MiEnter(out var context);
        Span<byte> chunk = stackalloc byte[MmLayout.PageSize];
        long delay = 0;
        for (ulong done = 0; done < length;)
        {
            var n = (int)Math.Min((ulong)chunk.Length, length - done);
            delay += p.Machine.Memory.Read(context, source + done, chunk[..n]);
            delay += p.Machine.Memory.Write(context, destination + done, chunk[..n]);
            done += (ulong)n;
        }
        return MiTouched(p, MiCopyCost(length), delay);
    }

    /// <summary>RtlCopyMemory into simulated memory from the routine's own (host) bytes. Await it.</summary>
    /// <param name="destination">The simulated address.</param>
    /// <param name="source">The bytes.</param>
    /// <returns>The awaitable charging the copy and its page faults.</returns>
    /// <remarks>As <see cref="RtlCopyMemory(ulong, ulong, ulong)"/>.</remarks>
    public static KernelYield RtlCopyMemory(ulong destination, ReadOnlySpan<byte> source)
    {
        var p = MiEnter(out var context);
        return MiTouched(p, MiCopyCost((ulong)source.Length), p.Machine.Memory.Write(context, destination, source));
    }

    /// <summary>RtlCopyMemory from simulated memory into the routine's own (host) bytes. Await it.</summary>
    /// <param name="destination">The bytes to fill.</param>
    /// <param name="source">The simulated address.</param>
    /// <returns>The awaitable charging the copy and its page faults.</returns>
    /// <remarks>As <see cref="RtlCopyMemory(ulong, ulong, ulong)"/>.</remarks>
    public static KernelYield RtlCopyMemory(Span<byte> destination, ulong source)
    {
        var p = MiEnter(out var context);
        return MiTouched(p, MiCopyCost((ulong)destination.Length), p.Machine.Memory.Read(context, source, destination));
    }

    /// <summary>RtlZeroMemory: zeroes <paramref name="length"/> bytes at <paramref name="destination"/>. Await it.</summary>
    /// <param name="destination">The simulated address.</param>
    /// <param name="length">Bytes to zero.</param>
    /// <returns>The awaitable charging the write and its page faults.</returns>
    /// <remarks>As <see cref="RtlCopyMemory(ulong, ulong, ulong)"/>.</remarks>
    public static KernelYield RtlZeroMemory(ulong destination, ulong length) => RtlFillMemory(destination, length, 0);

    /// <summary>RtlFillMemory: fills <paramref name="length"/> bytes at <paramref name="destination"/> with <paramref name="fill"/>. Await it.</summary>
    /// <param name="destination">The simulated address.</param>
    /// <param name="length">Bytes to fill.</param>
    /// <param name="fill">The byte value.</param>
    /// <returns>The awaitable charging the write and its page faults.</returns>
    /// <remarks>As <see cref="RtlCopyMemory(ulong, ulong, ulong)"/>.</remarks>
    public static KernelYield RtlFillMemory(ulong destination, ulong length, byte fill)
    {
        var p = MiEnter(out var context);
        Span<byte> chunk = stackalloc byte[(int)Math.Min(length, MmLayout.PageSize)];
        chunk.Fill(fill);
        long delay = 0;
        for (ulong done = 0; done < length;)
        {
            var n = (int)Math.Min((ulong)chunk.Length, length - done);
            delay += p.Machine.Memory.Write(context, destination + done, chunk[..n]);
            done += (ulong)n;
        }
        return MiTouched(p, MiCopyCost(length), delay);
    }

    /// <summary>Simulator touch: reads the ULONG at <paramref name="address"/> (<c>value = *(PULONG)address</c>). Await it.</summary>
    /// <param name="address">The simulated address.</param>
    /// <param name="value">The value read.</param>
    /// <returns>The awaitable charging the read and its page fault.</returns>
    /// <remarks>As <see cref="RtlCopyMemory(ulong, ulong, ulong)"/>.</remarks>
    public static KernelYield ReadUlong(ulong address, out uint value)
    {
        var p = MiEnter(out var context);
        value = p.Machine.Memory.ReadUInt32(context, address, out var delay);
        return MiTouched(p, 0, delay);
    }

    /// <summary>Simulator touch: writes the ULONG at <paramref name="address"/> (<c>*(PULONG)address = value</c>). Await it.</summary>
    /// <param name="address">The simulated address.</param>
    /// <param name="value">The value.</param>
    /// <returns>The awaitable charging the write and its page fault.</returns>
    /// <remarks>As <see cref="RtlCopyMemory(ulong, ulong, ulong)"/>.</remarks>
    public static KernelYield WriteUlong(ulong address, uint value)
    {
        var p = MiEnter(out var context);
        return MiTouched(p, 0, p.Machine.Memory.WriteUInt32(context, address, value));
    }

    /// <summary>Simulator touch: the routine executes code at <paramref name="codeAddress"/> (a routine in a pageable PAGE section). Await it.</summary>
    /// <param name="codeAddress">An address in a section mapped with <see cref="MemoryManager.MiMapDriverSection"/>.</param>
    /// <returns>The awaitable charging the fetch and its page fault.</returns>
    /// <remarks>Pageable code at DISPATCH_LEVEL or above while paged out bugchecks 0xD1/0xA with access 8 (execute).</remarks>
    public static KernelYield ExecutePageableCode(ulong codeAddress)
    {
        var p = MiEnter(out var context);
        return MiTouched(p, 0, p.Machine.Memory.Execute(context, codeAddress));
    }

    /// <summary>MmLockPagableCodeSection: brings a pageable code section in and locks it (nesting). Await it.</summary>
    /// <param name="addressWithinSection">Any address in the section.</param>
    /// <param name="imageSectionHandle">The handle for MmUnlockPagableImageSection, or 0.</param>
    /// <returns>The awaitable charging the call and its page faults.</returns>
    /// <remarks>IRQL &lt;= APC_LEVEL.</remarks>
    public static KernelYield MmLockPagableCodeSection(ulong addressWithinSection, out ulong imageSectionHandle)
    {
        var p = MiEnter(out var context);
        imageSectionHandle = p.Machine.Memory.MmLockPagableCodeSection(context, addressWithinSection, out var delay);
        return MiTouched(p, 0, delay);
    }

    /// <summary>MmLockPagableDataSection: as <see cref="MmLockPagableCodeSection"/>, for a data section. Await it.</summary>
    /// <param name="addressWithinSection">Any address in the section.</param>
    /// <param name="imageSectionHandle">The handle, or 0.</param>
    /// <returns>The awaitable charging the call and its page faults.</returns>
    /// <remarks>IRQL &lt;= APC_LEVEL.</remarks>
    public static KernelYield MmLockPagableDataSection(ulong addressWithinSection, out ulong imageSectionHandle) =>
        MmLockPagableCodeSection(addressWithinSection, out imageSectionHandle);

    /// <summary>MmUnlockPagableImageSection: drops one lock taken by MmLockPagable*Section.</summary>
    /// <param name="imageSectionHandle">The handle.</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static void MmUnlockPagableImageSection(ulong imageSectionHandle)
    {
        var p = MiEnter(out var context);
        p.Machine.Memory.MmUnlockPagableImageSection(context, imageSectionHandle);
    }

    /// <summary>PsGetCurrentProcess / IoGetCurrentProcess: the process whose address space is current, or null (a system thread).</summary>
    /// <returns>The process.</returns>
    /// <remarks>Any IRQL.</remarks>
    public static AddressSpace? PsGetCurrentProcess()
    {
        var p = Processor.Current;
        p.KiCharge(p.Costs.DefaultCallNs);
        return p.Top?.Process;
    }

    /// <summary>KeStackAttachProcess: makes <paramref name="process"/>'s user space current for the calling thread until KeUnstackDetachProcess.</summary>
    /// <param name="process">The process to attach to.</param>
    /// <param name="apcState">Receives the previous context (KAPC_STATE), for KeUnstackDetachProcess.</param>
    /// <remarks>IRQL &lt;= APC_LEVEL. In a DPC it bugchecks INVALID_PROCESS_ATTACH_ATTEMPT (0x5, P4 = 1).</remarks>
    public static void KeStackAttachProcess(AddressSpace process, out KApcState apcState)
    {
        ArgumentNullException.ThrowIfNull(process);
        var p = Processor.Current;
        p.KiCharge(p.Costs.ContextSwitchNs);
        var frame = KernelContext.Frame;
        if (p.KiDpcRoutineActive)
        {
            // ReactOS KeStackAttachProcess: attaching while a DPC runs is INVALID_PROCESS_ATTACH_ATTEMPT (0x5): P1 = target
            // process, P2 = the interrupted thread's current process, P3 = its APC state index (1 when attached), P4 = TRUE.
            var thread = p.KiCurrentThread;
            var attached = thread is not null && !ReferenceEquals(thread.CurrentProcess, thread.Process) ? 1UL : 0UL;
            throw p.KiBugCheck(frame, BugCheckCode.InvalidProcessAttachAttempt, process.ProcessObjectAddress, frame.Process?.ProcessObjectAddress ?? 0,
                attached, 1, $"{frame.RoutineName} called KeStackAttachProcess in a DPC");
        }
        apcState = new KApcState(frame.Process);
        MiSetFrameProcess(frame, process);
    }

    /// <summary>KeUnstackDetachProcess: restores the address space saved by KeStackAttachProcess.</summary>
    /// <param name="apcState">What KeStackAttachProcess returned.</param>
    /// <remarks>IRQL &lt;= APC_LEVEL.</remarks>
    public static void KeUnstackDetachProcess(in KApcState apcState)
    {
        var p = Processor.Current;
        p.KiCharge(p.Costs.ContextSwitchNs);
        MiSetFrameProcess(KernelContext.Frame, apcState.SavedProcess);
    }

    private static void MiSetFrameProcess(Frame frame, AddressSpace? process)
    {
        frame.Process = process;
        if (frame.Thread is { } thread)
        {
            thread.CurrentProcess = process; // survives the thread being switched out
        }
    }

    // On top of the call (MiEnter), a copy costs about 1 ns per 16 bytes of memory bandwidth.
    private static long MiCopyCost(ulong length) => (long)(length >> 4);
}

/// <summary>KAPC_STATE: what KeStackAttachProcess saves (the process that was current before the attach).</summary>
public readonly struct KApcState
{
    internal KApcState(AddressSpace? savedProcess) => SavedProcess = savedProcess;

    internal AddressSpace? SavedProcess { get; }
}

public sealed partial class Machine
{
    private readonly List<AddressSpace> _processes = [];

    /// <summary>Creates a simulated user process (its own user address space) on this machine's memory.</summary>
    /// <param name="imageName">The image name, e.g. "app.exe".</param>
    /// <returns>The process; pass it to <see cref="RunRoutine"/> to run a thread in its context.</returns>
    public AddressSpace CreateProcess(string imageName)
    {
        var process = Memory.CreateProcess(imageName);
        lock (_processes)
        {
            _processes.Add(process);
        }
        return process;
    }

    /// <summary>
    /// Ends a user process: MmCleanProcessAddressSpace releases its frames and page-file copies. If a
    /// driver still holds some of its pages locked, the machine stops with
    /// DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS (0xCB) and this throws the <see cref="BugCheckException"/>.
    /// </summary>
    /// <param name="process">A process made by <see cref="CreateProcess"/>.</param>
    public void TerminateProcess(AddressSpace process)
    {
        ArgumentNullException.ThrowIfNull(process);
        lock (_processes)
        {
            _processes.Remove(process);
        }
        try
        {
            Memory.MmCleanProcessAddressSpace(process);
        }
        catch (BugCheckException e) when (!IsBugChecked)
        {
            var processor = Processor.CurrentOrNull;
            throw KeBugCheck(processor, processor?.Top, e.Code, e.Parameter1, e.Parameter2, e.Parameter3, e.Parameter4,
                $"memory manager: {process} exited: {e.Message}");
        }
    }

    /// <summary>The processes created with <see cref="CreateProcess"/>, in creation order.</summary>
    public IReadOnlyList<AddressSpace> UserProcesses
    {
        get
        {
            lock (_processes)
            {
                return [.. _processes];
            }
        }
    }
}
