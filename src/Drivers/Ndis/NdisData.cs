/*++

Module Name:

    NdisData.cs

Abstract:

    The NDIS library's data path between the miniport and the simple protocol edge. A write
    becomes one NET_BUFFER_LIST (ProtocolReserved: the IRP) handed to MiniportSendNetBufferLists;
    NdisMSendNetBufferListsComplete completes each NBL's IRP with the NBL's status. An indication
    (NdisMIndicateReceiveNetBufferLists) gives each frame to the oldest waiting read, or keeps a copy
    for the next one (at most NdisMiniportBlock.ReceiveQueueLimit; more are dropped and counted);
    unless the miniport set NDIS_RECEIVE_FLAGS_RESOURCES, the NBLs then go back to it through
    MiniportReturnNetBufferLists, in the order indicated.

Environment:

    Kernel mode. Writes and reads at PASSIVE_LEVEL; the miniport's completions and indications at
    up to DISPATCH_LEVEL. The frame queue is under ReceiveLock, the waiting reads under the
    cancel-safe queue's lock.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Ndis;

public static partial class Ndis
{
    /// <summary>The shortest frame the edge sends: an Ethernet header (14 bytes).</summary>
    public const int MinimumFrameSize = 14;

    /// <summary>The longest: the header and a 1500-byte payload.</summary>
    public const int MaximumFrameSize = 1514;

    /// <summary>
    /// NdisMSendNetBufferListsComplete: the miniport is done with sent NBLs (each with its status);
    /// the write each stands for completes.
    /// </summary>
    /// <param name="miniportAdapterHandle">The adapter.</param>
    /// <param name="netBufferList">The chain.</param>
    /// <param name="sendCompleteFlags">NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL when called at DISPATCH_LEVEL.</param>
    /// <returns>A task that ends when every write is completed.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static async ValueTask NdisMSendNetBufferListsComplete(NdisMiniportBlock miniportAdapterHandle, NetBufferList netBufferList, uint sendCompleteFlags)
    {
        ArgumentNullException.ThrowIfNull(miniportAdapterHandle);
        _ = sendCompleteFlags;
        var nbl = netBufferList;
        while (nbl is not null)
        {
            var next = nbl.Next;
            nbl.Next = null;
            var irp = (Irp)nbl.ProtocolReserved!;
            var status = ToNtStatus(nbl.Status);
            if (status.IsSuccess())
            {
                miniportAdapterHandle.SendsCompleted++;
            }
            await Complete(irp, status, status.IsSuccess() ? (ulong)nbl.FirstNetBuffer.DataLength : 0);
            nbl = next;
        }
    }

    /// <summary>
    /// NdisMIndicateReceiveNetBufferLists: received frames for the protocol edge. Each completes the
    /// oldest waiting read or is copied into the frame queue; then the NBLs return to the miniport
    /// (MiniportReturnNetBufferLists) unless <see cref="NdisFlags.ReceiveFlagsResources"/> was set.
    /// </summary>
    /// <param name="miniportAdapterHandle">The adapter.</param>
    /// <param name="netBufferLists">The chain.</param>
    /// <param name="portNumber">NDIS_DEFAULT_PORT_NUMBER.</param>
    /// <param name="numberOfNetBufferLists">NBLs in the chain.</param>
    /// <param name="receiveFlags">NDIS_RECEIVE_FLAGS_*.</param>
    /// <returns>A task that ends when the indication is consumed.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static async ValueTask NdisMIndicateReceiveNetBufferLists(NdisMiniportBlock miniportAdapterHandle, NetBufferList netBufferLists, uint portNumber,
        uint numberOfNetBufferLists, uint receiveFlags)
    {
        ArgumentNullException.ThrowIfNull(miniportAdapterHandle);
        ArgumentNullException.ThrowIfNull(netBufferLists);
        _ = portNumber;
        var block = miniportAdapterHandle;
        var completed = new List<(Irp Irp, NtStatus Status, ulong Information)>();
        var old = await KeAcquireSpinLock(block.ReceiveLock);
        foreach (var nbl in NetBufferList.Chain(netBufferLists).Take((int)numberOfNetBufferLists))
        {
            block.ReceivesIndicated++;
            var frame = nbl.FirstNetBuffer.Data.ToArray();
            if (await IoCsqRemoveNextIrp(block.ReadQueue, null) is { } read)
            {
                completed.Add(CopyFrame(read, frame));
            }
            else if (block.ReceivedFrames.Count < NdisMiniportBlock.ReceiveQueueLimit)
            {
                block.ReceivedFrames.AddLast(frame);
            }
            else
            {
                block.ReceivesDropped++;
            }
        }
        await KeReleaseSpinLock(block.ReceiveLock, old);
        foreach (var (irp, status, information) in completed)
        {
            await Complete(irp, status, information);
        }
        if ((receiveFlags & NdisFlags.ReceiveFlagsResources) == 0)
        {
            await block.Driver.Characteristics.ReturnNetBufferListsHandler(block.MiniportAdapterContext!, netBufferLists, 0);
        }
    }

    /// <summary>IRP_MJ_WRITE: one frame, sent as one NBL; the IRP pends until the miniport completes the NBL.</summary>
    private static async ValueTask<NtStatus> NdisWrite(DeviceObject deviceObject, Irp irp)
    {
        var block = deviceObject.GetExtension<NdisMiniportBlock>();
        var length = (int)IoGetCurrentIrpStackLocation(irp).Parameters.Write.Length;
        if (length is < MinimumFrameSize or > MaximumFrameSize)
        {
            return await Complete(irp, NtStatus.InvalidParameter, 0);
        }
        if (block.State != NdisMiniportState.Running)
        {
            return await Complete(irp, ToNtStatus(NdisStatus.Paused), 0);
        }
        var nbl = new NetBufferList(new NetBuffer(irp.SystemBuffer.AsSpan(0, length).ToArray()) { DataLength = length })
        {
            SourceHandle = block,
            ProtocolReserved = irp,
        };
        // The completion may come on another processor before the send handler returns.
        IoMarkIrpPending(irp);
        await block.Driver.Characteristics.SendNetBufferListsHandler(block.MiniportAdapterContext!, nbl, NdisFlags.DefaultPortNumber, 0);
        return NtStatus.Pending;
    }

    /// <summary>IRP_MJ_READ: the oldest queued frame, or the read waits (cancel-safe) for the next indication.</summary>
    private static async ValueTask<NtStatus> NdisRead(DeviceObject deviceObject, Irp irp)
    {
        var block = deviceObject.GetExtension<NdisMiniportBlock>();
        if (block.State == NdisMiniportState.Halted)
        {
            return await Complete(irp, NtStatus.DeviceNotReady, 0);
        }
        var old = await KeAcquireSpinLock(block.ReceiveLock);
        if (block.ReceivedFrames.First is { } first)
        {
            block.ReceivedFrames.RemoveFirst();
            await KeReleaseSpinLock(block.ReceiveLock, old);
            var (_, status, information) = CopyFrame(irp, first.Value);
            return await Complete(irp, status, information);
        }
        await IoCsqInsertIrp(block.ReadQueue, irp, null);
        await KeReleaseSpinLock(block.ReceiveLock, old);
        return NtStatus.Pending;
    }

    /// <summary>The frame into the read's buffer; a short buffer gets the start and STATUS_BUFFER_OVERFLOW.</summary>
    private static (Irp Irp, NtStatus Status, ulong Information) CopyFrame(Irp read, ReadOnlySpan<byte> frame)
    {
        var wanted = (int)IoGetCurrentIrpStackLocation(read).Parameters.Read.Length;
        var copied = Math.Min(wanted, frame.Length);
        frame[..copied].CopyTo(read.SystemBuffer.AsSpan());
        return (read, copied == frame.Length ? NtStatus.Success : NtStatus.BufferOverflow, (ulong)copied);
    }

    private static void NdisInitializeReadQueue(NdisMiniportBlock block)
    {
        IoCsqInitialize(block.ReadQueue,
            (_, irp, _) => { block.PendingReads.AddLast(irp); return NtStatus.Success; },
            (_, irp) => block.PendingReads.Remove(irp),
            (_, irp, _) => (irp is null ? block.PendingReads.First : block.PendingReads.Find(irp)?.Next)?.Value,
            async _ => await KeAcquireSpinLock(block.ReadQueueLock),
            (csq, irql) => _ = KeReleaseSpinLock(block.ReadQueueLock, irql),
            async (_, irp) => await Complete(irp, NtStatus.Cancelled, 0));
    }
}
