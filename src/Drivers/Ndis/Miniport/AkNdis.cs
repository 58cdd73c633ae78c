/*++

Module Name:

    AkNdis.cs

Abstract:

    akndis.sys: an NDIS 6 miniport for the e1000-style adapter (src/Hardware/Network), the NDIS
    twin of the plain WDM aknic.sys. DriverEntry registers the miniport's handlers with
    NdisMRegisterMiniportDriver and nothing else: the NDIS library owns the dispatch table,
    AddDevice and Unload. MiniportInitializeEx finds the register BAR and the interrupt in the
    translated resources, maps the BAR (NdisMMapIoSpace), registers scatter/gather DMA and builds
    both descriptor rings and their frame buffers in shared memory (NdisMAllocateSharedMemory),
    reads the MAC address, sets its attributes, registers its interrupt (NdisMRegisterInterruptEx)
    and enables the receiver and transmitter. MiniportRestart and MiniportPause open and close the
    send path; MiniportHaltEx undoes the initialization. AkNdis.DataPath.cs has the send, interrupt,
    DPC and return handlers, AkNdis.Control.cs restart, pause and OID queries.

    Left out: OID sets (packet filter, multicast), link status indications, interrupt moderation
    tuning, check-for-hang and reset, more than one NET_BUFFER per NBL, power.

Environment:

    Kernel mode. Initialize, restart, pause and halt at PASSIVE_LEVEL.

--*/

using System.Buffers.Binary;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Drivers.Ndis.Ndis;

namespace ActorKernel.Drivers.Ndis;

/// <summary>akndis.sys: the adapter's NDIS miniport.</summary>
public static partial class AkNdis
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "AkNdis";

    /// <summary>The image name.</summary>
    public const string ImageName = "akndis.sys";

    private const int N = AkNdisAdapter.RingEntries;

    /// <summary>DriverEntry: the characteristics to NDIS, which takes the driver object over.</summary>
    /// <param name="driverObject">The driver object.</param>
    /// <param name="registryPath">The service key.</param>
    /// <returns>STATUS_SUCCESS, or the registration's failure.</returns>
    public static ValueTask<NtStatus> DriverEntry(DriverObject driverObject, string registryPath)
    {
        var characteristics = new NdisMiniportDriverCharacteristics
        {
            MajorNdisVersion = 6,
            MinorNdisVersion = 20,
            InitializeHandlerEx = MiniportInitializeEx,
            HaltHandlerEx = MiniportHaltEx,
            UnloadHandler = MiniportDriverUnload,
            PauseHandler = MiniportPause,
            RestartHandler = MiniportRestart,
            OidRequestHandler = MiniportOidRequest,
            SendNetBufferListsHandler = MiniportSendNetBufferLists,
            ReturnNetBufferListsHandler = MiniportReturnNetBufferLists,
        };
        var status = NdisMRegisterMiniportDriver(driverObject, registryPath, null, characteristics, out _);
        return ValueTask.FromResult(ToNtStatus(status));
    }

    /// <summary>MiniportInitializeEx: resources, registers, shared memory, rings, attributes, interrupt, then RX/TX on.</summary>
    private static async ValueTask<NdisStatus> MiniportInitializeEx(NdisMiniportBlock handle, object? driverContext, NdisMiniportInitParameters parameters)
    {
        var adapter = new AkNdisAdapter(handle);
        KeInitializeSpinLock(adapter.Lock, "AkNdis.Lock");
        var memory = parameters.AllocatedResources.Descriptors.FirstOrDefault(d => d.Type == CmResourceType.Memory);
        if (memory is null || !parameters.AllocatedResources.Descriptors.Any(d => d.Type == CmResourceType.Interrupt))
        {
            return NdisStatus.Resources;
        }
        adapter.RegistersLength = memory.u.Memory.Length;
        var status = NdisMMapIoSpace(out adapter.Registers, handle, memory.u.Memory.Start, memory.u.Memory.Length);
        if (status == NdisStatus.Success)
        {
            status = NdisMRegisterScatterGatherDma(handle, new NdisSgDmaDescription { MaximumPhysicalMapping = AkNdisAdapter.BufferSize }, out adapter.DmaHandle);
        }
        if (status == NdisStatus.Success)
        {
            status = await AkNdisAllocateRings(adapter);
        }
        if (status != NdisStatus.Success)
        {
            AkNdisFreeResources(adapter);
            return status;
        }
        var mac = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(mac, READ_REGISTER_ULONG(adapter.Registers + (ulong)AkNdisRegister.Ral));
        BinaryPrimitives.WriteUInt32LittleEndian(mac.AsSpan(4), READ_REGISTER_ULONG(adapter.Registers + (ulong)AkNdisRegister.Rah));
        adapter.MacAddress = mac[..6];
        NdisMSetMiniportAttributes(handle, new NdisMiniportAttributes
        {
            MiniportAdapterContext = adapter,
            CurrentMacAddress = adapter.MacAddress,
            MaxXmitLinkSpeed = 1_000_000_000,
        });
        status = NdisMRegisterInterruptEx(handle, adapter, new NdisMiniportInterruptCharacteristics
        {
            InterruptHandler = MiniportInterrupt,
            InterruptDpcHandler = MiniportInterruptDpc,
        }, out adapter.InterruptHandle);
        if (status != NdisStatus.Success)
        {
            AkNdisFreeResources(adapter);
            return status;
        }
        AkNdisProgramRings(adapter);
        return NdisStatus.Success;
    }

    /// <summary>The rings and their buffers in shared memory: every RX descriptor points at its buffer; TX descriptors start empty.</summary>
    private static async ValueTask<NdisStatus> AkNdisAllocateRings(AkNdisAdapter adapter)
    {
        var handle = adapter.Handle;
        NdisMAllocateSharedMemory(handle, N * AkNdisAdapter.DescriptorSize, false, out adapter.RxRing, out adapter.RxRingPa);
        NdisMAllocateSharedMemory(handle, N * AkNdisAdapter.DescriptorSize, false, out adapter.TxRing, out adapter.TxRingPa);
        NdisMAllocateSharedMemory(handle, N * AkNdisAdapter.BufferSize, false, out adapter.RxBuffers, out adapter.RxBuffersPa);
        NdisMAllocateSharedMemory(handle, N * AkNdisAdapter.BufferSize, false, out adapter.TxBuffers, out adapter.TxBuffersPa);
        if (adapter.RxRing == 0 || adapter.TxRing == 0 || adapter.RxBuffers == 0 || adapter.TxBuffers == 0)
        {
            return NdisStatus.Resources;
        }
        var descriptor = new byte[AkNdisAdapter.DescriptorSize];
        for (var i = 0; i < N; i++)
        {
            Array.Clear(descriptor);
            BinaryPrimitives.WriteUInt64LittleEndian(descriptor, adapter.RxBuffersPa + (ulong)(i * AkNdisAdapter.BufferSize));
            await RtlCopyMemory(adapter.RxRing + (ulong)(i * AkNdisAdapter.DescriptorSize), descriptor);
            Array.Clear(descriptor);
            await RtlCopyMemory(adapter.TxRing + (ulong)(i * AkNdisAdapter.DescriptorSize), descriptor);
            adapter.RxNbl[i] = NdisAllocateNetBufferAndNetBufferList(new byte[AkNdisAdapter.BufferSize], 0, 0);
            adapter.RxNbl[i].MiniportReserved = i; // the RX descriptor it stands for
        }
        return NdisStatus.Success;
    }

    /// <summary>Rings to the adapter, causes enabled, receiver and transmitter on.</summary>
    private static void AkNdisProgramRings(AkNdisAdapter adapter)
    {
        var r = adapter.Registers;
        WRITE_REGISTER_ULONG(r + (ulong)AkNdisRegister.Imc, uint.MaxValue);
        WRITE_REGISTER_ULONG(r + (ulong)AkNdisRegister.Rdbal, (uint)adapter.RxRingPa);
        WRITE_REGISTER_ULONG(r + (ulong)AkNdisRegister.Rdbah, (uint)(adapter.RxRingPa >> 32));
        WRITE_REGISTER_ULONG(r + (ulong)AkNdisRegister.Rdlen, N * AkNdisAdapter.DescriptorSize);
        WRITE_REGISTER_ULONG(r + (ulong)AkNdisRegister.Rdh, 0);
        WRITE_REGISTER_ULONG(r + (ulong)AkNdisRegister.Rdt, N - 1); // the adapter owns every RX descriptor but one
        WRITE_REGISTER_ULONG(r + (ulong)AkNdisRegister.Tdbal, (uint)adapter.TxRingPa);
        WRITE_REGISTER_ULONG(r + (ulong)AkNdisRegister.Tdbah, (uint)(adapter.TxRingPa >> 32));
        WRITE_REGISTER_ULONG(r + (ulong)AkNdisRegister.Tdlen, N * AkNdisAdapter.DescriptorSize);
        WRITE_REGISTER_ULONG(r + (ulong)AkNdisRegister.Tdh, 0);
        WRITE_REGISTER_ULONG(r + (ulong)AkNdisRegister.Tdt, 0);
        WRITE_REGISTER_ULONG(r + (ulong)AkNdisRegister.Ims, AkNdisAdapter.CausesWanted);
        WRITE_REGISTER_ULONG(r + (ulong)AkNdisRegister.Ctrl, AkNdisAdapter.CtrlRxTxEnable);
    }

    /// <summary>What initialization took, given back (halt, or a failed initialization).</summary>
    private static void AkNdisFreeResources(AkNdisAdapter adapter)
    {
        var handle = adapter.Handle;
        if (adapter.InterruptHandle is { } interrupt)
        {
            NdisMDeregisterInterruptEx(interrupt);
            adapter.InterruptHandle = null;
        }
        NdisMFreeSharedMemory(handle, N * AkNdisAdapter.DescriptorSize, false, adapter.RxRing, adapter.RxRingPa);
        NdisMFreeSharedMemory(handle, N * AkNdisAdapter.DescriptorSize, false, adapter.TxRing, adapter.TxRingPa);
        NdisMFreeSharedMemory(handle, N * AkNdisAdapter.BufferSize, false, adapter.RxBuffers, adapter.RxBuffersPa);
        NdisMFreeSharedMemory(handle, N * AkNdisAdapter.BufferSize, false, adapter.TxBuffers, adapter.TxBuffersPa);
        adapter.RxRing = adapter.TxRing = adapter.RxBuffers = adapter.TxBuffers = 0;
        if (adapter.DmaHandle is { } dma)
        {
            NdisMDeregisterScatterGatherDma(dma);
            adapter.DmaHandle = null;
        }
        if (adapter.Registers != 0)
        {
            NdisMUnmapIoSpace(handle, adapter.Registers, adapter.RegistersLength);
            adapter.Registers = 0;
        }
    }

    /// <summary>MiniportHaltEx: the adapter stops (RX/TX off, causes masked), then the resources go back.</summary>
    private static ValueTask MiniportHaltEx(object context, NdisHaltAction haltAction)
    {
        var adapter = (AkNdisAdapter)context;
        _ = haltAction;
        WRITE_REGISTER_ULONG(adapter.Registers + (ulong)AkNdisRegister.Imc, uint.MaxValue);
        WRITE_REGISTER_ULONG(adapter.Registers + (ulong)AkNdisRegister.Ctrl, 0);
        AkNdisFreeResources(adapter);
        return ValueTask.CompletedTask;
    }

    /// <summary>MiniportDriverUnload: the registration goes.</summary>
    private static ValueTask MiniportDriverUnload(DriverObject driverObject)
    {
        NdisMDeregisterMiniportDriver(DriverOf(driverObject));
        return ValueTask.CompletedTask;
    }
}
