/*++

Module Name:

    AkNdis.DataPath.cs

Abstract:

    akndis.sys's data path. MiniportSendNetBufferLists copies each NBL's frame into the next TX
    buffer and moves TDT past its descriptor (EOP | RS); with every descriptor in flight the NBL
    waits in order for one. MiniportInterrupt reads ICR (which acknowledges the adapter and drops
    its line) and asks NDIS for the DPC; MiniportInterruptDPC completes the NBLs of the descriptors
    the adapter has sent (TDH), sends waiting NBLs, and indicates every received frame up to the
    first empty descriptor, each in the receive NBL of its descriptor. The descriptor stays the
    driver's until NDIS returns the NBL (MiniportReturnNetBufferLists): then its status is cleared
    and RDT moves to it, giving the adapter the descriptor before it.

Environment:

    Kernel mode. Sends and returns at up to DISPATCH_LEVEL, the ISR at the adapter's DIRQL, the
    DPC at DISPATCH_LEVEL. Ring state is under the adapter's spin lock; NDIS is called outside it.

--*/

using System.Buffers.Binary;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Drivers.Ndis.Ndis;

namespace ActorKernel.Drivers.Ndis;

public static partial class AkNdis
{
    /// <summary>MiniportSendNetBufferLists: each NBL to a TX descriptor, or in order behind the ones waiting; paused: NDIS_STATUS_PAUSED.</summary>
    private static async ValueTask MiniportSendNetBufferLists(object context, NetBufferList netBufferList, uint portNumber, uint sendFlags)
    {
        var adapter = (AkNdisAdapter)context;
        NetBufferList? rejected = null;
        var old = await KeAcquireSpinLock(adapter.Lock);
        var nbl = netBufferList;
        while (nbl is not null)
        {
            var next = nbl.Next;
            nbl.Next = null;
            if (adapter.Paused)
            {
                nbl.Status = NdisStatus.Paused;
                nbl.Next = rejected;
                rejected = nbl;
            }
            else if (adapter.TxInFlight < N - 1 && adapter.SendQueue.Count == 0)
            {
                await AkNdisTransmit(adapter, nbl);
            }
            else
            {
                adapter.SendsQueued++; // every descriptor in flight (one always stays empty): wait for TXDW
                adapter.SendQueue.Enqueue(nbl);
            }
            nbl = next;
        }
        await KeReleaseSpinLock(adapter.Lock, old);
        if (rejected is not null)
        {
            await NdisMSendNetBufferListsComplete(adapter.Handle, rejected, 0);
        }
    }

    /// <summary>The frame into TX buffer TxTail, its descriptor filled (EOP | RS), TDT past it. Under Lock.</summary>
    private static async ValueTask AkNdisTransmit(AkNdisAdapter adapter, NetBufferList nbl)
    {
        var slot = adapter.TxTail;
        var data = nbl.FirstNetBuffer.Data.ToArray();
        await RtlCopyMemory(adapter.TxBuffers + (ulong)(slot * AkNdisAdapter.BufferSize), data);
        var descriptor = new byte[AkNdisAdapter.DescriptorSize];
        BinaryPrimitives.WriteUInt64LittleEndian(descriptor, adapter.TxBuffersPa + (ulong)(slot * AkNdisAdapter.BufferSize));
        BinaryPrimitives.WriteUInt16LittleEndian(descriptor.AsSpan(8), (ushort)data.Length);
        descriptor[11] = 0x09; // CMD: EOP | RS
        await RtlCopyMemory(adapter.TxRing + (ulong)(slot * AkNdisAdapter.DescriptorSize), descriptor);
        adapter.TxNbl[slot] = nbl;
        adapter.TxTail = (slot + 1) % N;
        adapter.TxInFlight++;
        WRITE_REGISTER_ULONG(adapter.Registers + (ulong)AkNdisRegister.Tdt, (uint)adapter.TxTail);
    }

    /// <summary>MiniportInterrupt: reading ICR acknowledges the adapter; nothing pending means the shared line is another device's.</summary>
    private static ValueTask<(bool Recognized, bool QueueDefaultInterruptDpc)> MiniportInterrupt(object context)
    {
        var adapter = (AkNdisAdapter)context;
        var causes = READ_REGISTER_ULONG(adapter.Registers + (ulong)AkNdisRegister.Icr);
        return ValueTask.FromResult(causes == 0 ? (false, false) : (true, true));
    }

    /// <summary>MiniportInterruptDPC: sent NBLs completed, waiting sends started, received frames indicated (outside the lock).</summary>
    private static async ValueTask MiniportInterruptDpc(object context, object? dpcContext)
    {
        var adapter = (AkNdisAdapter)context;
        NetBufferList? sentFirst = null, sentLast = null, receivedFirst = null, receivedLast = null;
        uint received = 0;
        var old = await KeAcquireSpinLock(adapter.Lock);
        var head = (int)READ_REGISTER_ULONG(adapter.Registers + (ulong)AkNdisRegister.Tdh);
        while (adapter.TxClean != head)
        {
            var sent = adapter.TxNbl[adapter.TxClean]!;
            adapter.TxNbl[adapter.TxClean] = null;
            sent.Status = NdisStatus.Success;
            adapter.FramesSent++;
            Append(ref sentFirst, ref sentLast, sent);
            adapter.TxClean = (adapter.TxClean + 1) % N;
            adapter.TxInFlight--;
        }
        while (adapter.TxInFlight < N - 1 && adapter.SendQueue.TryDequeue(out var waiting))
        {
            await AkNdisTransmit(adapter, waiting);
        }
        var descriptor = new byte[AkNdisAdapter.DescriptorSize];
        while (!adapter.RxWithNdis[adapter.RxNext])
        {
            var slot = adapter.RxNext;
            await RtlCopyMemory(descriptor, adapter.RxRing + (ulong)(slot * AkNdisAdapter.DescriptorSize));
            if ((descriptor[12] & 0x01) == 0)
            {
                break; // DD clear: the adapter has not filled it
            }
            var length = Math.Min((int)BinaryPrimitives.ReadUInt16LittleEndian(descriptor.AsSpan(8)), AkNdisAdapter.BufferSize);
            var nbl = adapter.RxNbl[slot];
            await RtlCopyMemory(nbl.FirstNetBuffer.Buffer.AsSpan(0, length), adapter.RxBuffers + (ulong)(slot * AkNdisAdapter.BufferSize));
            nbl.FirstNetBuffer.DataOffset = 0;
            nbl.FirstNetBuffer.DataLength = length;
            adapter.RxWithNdis[slot] = true;
            adapter.FramesReceived++;
            Append(ref receivedFirst, ref receivedLast, nbl);
            received++;
            adapter.RxNext = (slot + 1) % N;
        }
        await KeReleaseSpinLock(adapter.Lock, old);
        if (sentFirst is not null)
        {
            await NdisMSendNetBufferListsComplete(adapter.Handle, sentFirst, NdisFlags.SendCompleteFlagsDispatchLevel);
        }
        if (receivedFirst is not null)
        {
            await NdisMIndicateReceiveNetBufferLists(adapter.Handle, receivedFirst, NdisFlags.DefaultPortNumber, received, NdisFlags.ReceiveFlagsDispatchLevel);
        }
    }

    /// <summary>MiniportReturnNetBufferLists: each receive NBL's descriptor is emptied and given back (RDT), in the order indicated.</summary>
    private static async ValueTask MiniportReturnNetBufferLists(object context, NetBufferList netBufferLists, uint returnFlags)
    {
        var adapter = (AkNdisAdapter)context;
        var empty = new byte[1];
        var old = await KeAcquireSpinLock(adapter.Lock);
        var nbl = netBufferLists;
        while (nbl is not null)
        {
            var next = nbl.Next;
            nbl.Next = null;
            var slot = (int)nbl.MiniportReserved!;
            await RtlCopyMemory(adapter.RxRing + (ulong)(slot * AkNdisAdapter.DescriptorSize) + 12, empty); // status cleared: DD off
            adapter.RxWithNdis[slot] = false;
            WRITE_REGISTER_ULONG(adapter.Registers + (ulong)AkNdisRegister.Rdt, (uint)slot); // the adapter may fill up to the one before it
            nbl = next;
        }
        await KeReleaseSpinLock(adapter.Lock, old);
    }

    private static void Append(ref NetBufferList? first, ref NetBufferList? last, NetBufferList nbl)
    {
        nbl.Next = null;
        if (last is null)
        {
            first = nbl;
        }
        else
        {
            last.Next = nbl;
        }
        last = nbl;
    }
}
