namespace ActorKernel.Actors;

/// <summary>
/// The I/O completion object (NT's <c>IoCompletion</c> object type, the kernel side of a completion
/// port): a <see cref="KQueue"/> of completion packets. NtSetIoCompletion queues a packet (the I/O
/// manager does it when a request on an associated file completes, PostQueuedCompletionStatus from
/// user mode); NtRemoveIoCompletion(Ex) takes them, with the queue's concurrency value and LIFO
/// wake-up of waiting threads. Create it with <see cref="Wdm.NtCreateIoCompletion"/>.
/// </summary>
public sealed class IoCompletionObject : KernelObject
{
    // Packets are reused (NT's IOP_MINI_COMPLETION_PACKET lookaside): posting and removing allocate nothing in steady state.
    private readonly Stack<IopMiniPacket> _free = new();
    private readonly Lock _freeLock = new();

    internal IoCompletionObject(uint count) => Wdm.KeInitializeQueue(Queue, count);

    /// <summary>The queue under the port: its EntryCount is the number of packets queued, MaximumCount the concurrency value.</summary>
    public KQueue Queue { get; } = new();

    /// <inheritdoc />
    public override string ObjectTypeName => "IoCompletion";

    internal IopMiniPacket IopAllocatePacket(ulong keyContext, object? apcContext, NtStatus status, ulong information)
    {
        IopMiniPacket? packet = null;
        lock (_freeLock)
        {
            _free.TryPop(out packet);
        }
        packet ??= new IopMiniPacket();
        packet.KeyContext = keyContext;
        packet.ApcContext = apcContext;
        packet.Status = status;
        packet.Information = information;
        return packet;
    }

    /// <summary>Copies a removed packet out and returns it to the lookaside.</summary>
    internal IoCompletionPacket IopTakePacket(object entry)
    {
        var packet = (IopMiniPacket)entry;
        var result = new IoCompletionPacket(packet.KeyContext, packet.ApcContext, packet.Status, packet.Information);
        packet.ApcContext = null;
        lock (_freeLock)
        {
            _free.Push(packet);
        }
        return result;
    }

    // Handles to the port in process handle tables (OBJECT_HEADER.HandleCount).
    private int _handleCount;

    /// <summary>ObInsertObject: one more handle to the port.</summary>
    internal void IopOpenHandle() => Interlocked.Increment(ref _handleCount);

    /// <summary>
    /// IopCloseIoCompletion: a handle to the port closed. When it was the last, the threads waiting in
    /// NtRemoveIoCompletion(Ex) return STATUS_ABANDONED_WAIT_0 with no packet (GetQueuedCompletionStatus:
    /// FALSE, no OVERLAPPED, ERROR_ABANDONED_WAIT_0); they still hold their own references to the port.
    /// </summary>
    /// <returns>How many waiters were released.</returns>
    internal int IopCloseHandle()
    {
        if (Interlocked.Decrement(ref _handleCount) != 0 || Queue.Machine is not { } machine)
        {
            return 0;
        }
        if (Processor.CurrentOrNull is { } processor)
        {
            processor.KiCharge(processor.Costs.DispatcherObjectNs);
        }
        lock (machine.DispatcherLock)
        {
            return machine.KiAbandonQueueWaiters(Queue, NtStatus.AbandonedWait0);
        }
    }

    /// <summary>The last reference went (the last handle closed): packets still queued are dropped, as IopDeleteIoCompletion does.</summary>
    protected override void OnLastReferenceReleased() => Wdm.KeRundownQueue(Queue);
}

/// <summary>A queued completion packet (NT's IOP_MINI_COMPLETION_PACKET), reused through the port's lookaside.</summary>
internal sealed class IopMiniPacket
{
    public ulong KeyContext;
    public object? ApcContext;
    public NtStatus Status;
    public ulong Information;
}
