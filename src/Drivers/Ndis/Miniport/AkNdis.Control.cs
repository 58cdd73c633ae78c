/*++

Module Name:

    AkNdis.Control.cs

Abstract:

    akndis.sys's state and query handlers: MiniportRestart opens the send path, MiniportPause
    closes it and gives back every send it holds (a miniport may not finish pausing while it owns
    one), MiniportOidRequest answers the OIDs of the protocol edge (the MAC address, the frame
    counters).

Environment:

    Kernel mode, PASSIVE_LEVEL.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Drivers.Ndis.Ndis;

namespace ActorKernel.Drivers.Ndis;

public static partial class AkNdis
{
    /// <summary>MiniportRestart: sends are accepted again.</summary>
    private static async ValueTask<NdisStatus> MiniportRestart(object context)
    {
        var adapter = (AkNdisAdapter)context;
        var old = await KeAcquireSpinLock(adapter.Lock);
        adapter.Paused = false;
        await KeReleaseSpinLock(adapter.Lock, old);
        return NdisStatus.Success;
    }

    /// <summary>
    /// MiniportPause: no new sends; the ones waiting for a descriptor complete with NDIS_STATUS_PAUSED;
    /// the ones the adapter holds are waited for (the DPC completes them), at most
    /// <see cref="PauseWaitMilliseconds"/>, then given back with NDIS_STATUS_PAUSED: a miniport may not
    /// finish pausing while it owns a send.
    /// </summary>
    private static async ValueTask<NdisStatus> MiniportPause(object context)
    {
        var adapter = (AkNdisAdapter)context;
        var old = await KeAcquireSpinLock(adapter.Lock);
        adapter.Paused = true;
        var aborted = AkNdisTakeSends(adapter, inFlight: false);
        await KeReleaseSpinLock(adapter.Lock, old);
        if (aborted is not null)
        {
            await NdisMSendNetBufferListsComplete(adapter.Handle, aborted, 0);
        }
        for (var waited = 0; Volatile.Read(ref adapter.TxInFlight) > 0 && waited < PauseWaitMilliseconds; waited++)
        {
            await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10_000); // 1 ms, relative
        }
        old = await KeAcquireSpinLock(adapter.Lock);
        aborted = AkNdisTakeSends(adapter, inFlight: true);
        await KeReleaseSpinLock(adapter.Lock, old);
        if (aborted is not null)
        {
            await NdisMSendNetBufferListsComplete(adapter.Handle, aborted, 0);
        }
        return NdisStatus.Success;
    }

    /// <summary>How long MiniportPause waits for the adapter to finish the sends it holds.</summary>
    private const int PauseWaitMilliseconds = 100;

    /// <summary>The sends waiting for a descriptor (or those still in TX descriptors), as a chain marked NDIS_STATUS_PAUSED. Under Lock.</summary>
    private static NetBufferList? AkNdisTakeSends(AkNdisAdapter adapter, bool inFlight)
    {
        NetBufferList? chain = null;
        if (!inFlight)
        {
            while (adapter.SendQueue.TryDequeue(out var nbl))
            {
                nbl.Status = NdisStatus.Paused;
                nbl.Next = chain;
                chain = nbl;
            }
            return chain;
        }
        for (var slot = 0; slot < N; slot++)
        {
            if (adapter.TxNbl[slot] is { } nbl)
            {
                adapter.TxNbl[slot] = null;
                nbl.Status = NdisStatus.Paused;
                nbl.Next = chain;
                chain = nbl;
            }
        }
        adapter.TxInFlight = 0;
        adapter.TxClean = adapter.TxTail;
        return chain;
    }

    /// <summary>MiniportOidRequest (queries): the MAC address and the frame counters.</summary>
    private static ValueTask<NdisStatus> MiniportOidRequest(object context, NdisOidRequest request)
    {
        var adapter = (AkNdisAdapter)context;
        byte[] answer;
        switch (request.Oid)
        {
            case NdisOid.Ieee8023CurrentAddress:
            case NdisOid.Ieee8023PermanentAddress:
                answer = adapter.MacAddress;
                break;
            case NdisOid.GenXmitOk:
                answer = BitConverter.GetBytes(adapter.FramesSent);
                break;
            case NdisOid.GenRcvOk:
                answer = BitConverter.GetBytes(adapter.FramesReceived);
                break;
            default:
                return ValueTask.FromResult(NdisStatus.NotSupported);
        }
        if (request.InformationBuffer.Length < answer.Length)
        {
            request.BytesNeeded = (uint)answer.Length;
            return ValueTask.FromResult(NdisStatus.BufferTooShort);
        }
        answer.CopyTo(request.InformationBuffer, 0);
        request.BytesWritten = (uint)answer.Length;
        return ValueTask.FromResult(NdisStatus.Success);
    }
}
