using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

public static partial class Wdm
{
    /// <summary>
    /// NtCreateIoCompletion: a new I/O completion object whose concurrency value is
    /// <paramref name="count"/> (0 = the number of processors).
    /// </summary>
    /// <remarks>IRQL == PASSIVE_LEVEL; also outside a routine.</remarks>
    public static NtStatus NtCreateIoCompletion(out IoCompletionObject port, uint count)
    {
        port = new IoCompletionObject(count);
        return NtStatus.Success;
    }

    /// <summary>
    /// NtSetIoCompletion (IoSetIoCompletion in the kernel): queues a completion packet on
    /// <paramref name="port"/>, or hands it to the most recent waiting thread when the port's
    /// concurrency allows. The I/O manager calls it from the completion of an IRP, often in a DPC.
    /// </summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static NtStatus NtSetIoCompletion(IoCompletionObject port, ulong keyContext, object? apcContext, NtStatus status, ulong information)
    {
        ArgumentNullException.ThrowIfNull(port);
        KeInsertQueue(port.Queue, port.IopAllocatePacket(keyContext, apcContext, status, information));
        return NtStatus.Success;
    }

    /// <summary>
    /// NtRemoveIoCompletion: takes one packet, waiting for it as KeRemoveQueue does (the thread
    /// becomes associated with the port). <paramref name="timeout"/> in 100 ns units: negative =
    /// relative, 0 = poll, null = forever. Returns STATUS_SUCCESS and the packet, or STATUS_TIMEOUT
    /// and a default packet.
    /// </summary>
    /// <remarks>IRQL == PASSIVE_LEVEL, from a thread.</remarks>
    public static ValueTask<(NtStatus Status, IoCompletionPacket Packet)> NtRemoveIoCompletion(IoCompletionObject port, long? timeout)
    {
        ArgumentNullException.ThrowIfNull(port);
        var removal = KeRemoveQueue(port.Queue, KProcessorMode.UserMode, timeout);
        return removal.IsCompleted
            ? new ValueTask<(NtStatus, IoCompletionPacket)>(IopEndRemove(port, removal.GetResult()))
            : IopAwaitRemove(port, removal);
    }

    /// <summary>
    /// NtRemoveIoCompletionEx: waits for the first packet as NtRemoveIoCompletion, then takes every
    /// packet already queued, up to <paramref name="packets"/>.Length, without waiting again. Returns
    /// STATUS_SUCCESS and the count filled, or STATUS_TIMEOUT and 0; an empty array is STATUS_INVALID_PARAMETER.
    /// </summary>
    /// <remarks>IRQL == PASSIVE_LEVEL, from a thread.</remarks>
    public static ValueTask<(NtStatus Status, int Removed)> NtRemoveIoCompletionEx(IoCompletionObject port, IoCompletionPacket[] packets, long? timeout)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(packets);
        if (packets.Length == 0)
        {
            return new ValueTask<(NtStatus, int)>((NtStatus.InvalidParameter, 0));
        }
        var removal = KeRemoveQueue(port.Queue, KProcessorMode.UserMode, timeout);
        return removal.IsCompleted
            ? new ValueTask<(NtStatus, int)>(IopEndRemoveEx(port, packets, removal.GetResult()))
            : IopAwaitRemoveEx(port, packets, removal);
    }

    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    private static async ValueTask<(NtStatus Status, IoCompletionPacket Packet)> IopAwaitRemove(IoCompletionObject port, KQueueRemoval removal) =>
        IopEndRemove(port, await removal);

    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    private static async ValueTask<(NtStatus Status, int Removed)> IopAwaitRemoveEx(IoCompletionObject port, IoCompletionPacket[] packets, KQueueRemoval removal) =>
        IopEndRemoveEx(port, packets, await removal);

    private static (NtStatus, IoCompletionPacket) IopEndRemove(IoCompletionObject port, (NtStatus Status, object? Entry) removed) =>
        removed.Entry is { } entry ? (removed.Status, port.IopTakePacket(entry)) : (removed.Status, default);

    private static (NtStatus, int) IopEndRemoveEx(IoCompletionObject port, IoCompletionPacket[] packets, (NtStatus Status, object? Entry) removed)
    {
        if (removed.Entry is not { } first)
        {
            return (removed.Status, 0);
        }
        packets[0] = port.IopTakePacket(first);
        var count = 1;
        var processor = Processor.Current;
        while (count < packets.Length && processor.Machine.KiRemoveQueueNoWait(processor, port.Queue) is { } next)
        {
            packets[count++] = port.IopTakePacket(next);
        }
        return (NtStatus.Success, count);
    }
}
