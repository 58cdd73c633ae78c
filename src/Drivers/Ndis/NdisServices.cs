/*++

Module Name:

    NdisServices.cs

Abstract:

    The NdisM services a miniport uses for its hardware, each over the kernel's own routine:
    NdisMRegisterInterruptEx connects the adapter's interrupt from the start resources
    (IoConnectInterrupt) with the library's ISR, which calls MiniportInterrupt and queues the
    library's DPC when the miniport asks, and that DPC calls MiniportInterruptDPC;
    NdisMRegisterScatterGatherDma gets the bus-master DMA adapter (IoGetDmaAdapter);
    NdisMAllocateSharedMemory / NdisMFreeSharedMemory are its common buffers;
    NdisMMapIoSpace / NdisMUnmapIoSpace map the register BAR (MmMapIoSpace);
    NdisAllocateNetBufferAndNetBufferList makes an NBL over a buffer.

Environment:

    Kernel mode. Registration at PASSIVE_LEVEL (MiniportInitializeEx, MiniportHaltEx).

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Ndis;

public static partial class Ndis
{
    /// <summary>
    /// NdisMRegisterInterruptEx: connects the line-based interrupt of the adapter's resources; the
    /// library's ISR calls MiniportInterrupt at DIRQL and, when it sets QueueDefaultInterruptDpc,
    /// queues the DPC that calls MiniportInterruptDPC.
    /// </summary>
    /// <param name="miniportAdapterHandle">The adapter.</param>
    /// <param name="miniportInterruptContext">What NDIS passes the two handlers.</param>
    /// <param name="characteristics">MiniportInterrupt and MiniportInterruptDPC.</param>
    /// <param name="ndisInterruptHandle">The handle for NdisMDeregisterInterruptEx.</param>
    /// <returns>NDIS_STATUS_SUCCESS; NDIS_STATUS_RESOURCES without an interrupt resource or when connecting fails.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static NdisStatus NdisMRegisterInterruptEx(NdisMiniportBlock miniportAdapterHandle, object miniportInterruptContext,
        NdisMiniportInterruptCharacteristics characteristics, out NdisMiniportBlock? ndisInterruptHandle)
    {
        ArgumentNullException.ThrowIfNull(miniportAdapterHandle);
        ArgumentNullException.ThrowIfNull(characteristics);
        ndisInterruptHandle = null;
        var block = miniportAdapterHandle;
        var interrupt = block.AllocatedResources?.Descriptors.FirstOrDefault(d => d.Type == CmResourceType.Interrupt);
        if (interrupt is null || block.Interrupt is not null)
        {
            return NdisStatus.Resources;
        }
        block.InterruptCharacteristics = characteristics;
        block.InterruptContext = miniportInterruptContext;
        KeInitializeDpc(block.InterruptDpc, NdisInterruptDpc, block, block.Driver.DriverObject.Module);
        var mode = (interrupt.Flags & CmResourceFlags.InterruptLatched) != 0 ? KInterruptMode.Latched : KInterruptMode.LevelSensitive;
        var irql = (Irql)interrupt.u.Interrupt.Level;
        var status = IoConnectInterrupt(out var connected, NdisInterrupt, block, null, (int)interrupt.u.Interrupt.Vector, irql, irql, mode,
            interrupt.ShareDisposition == CmShareDisposition.Shared, interrupt.u.Interrupt.Affinity, false);
        if (!status.IsSuccess())
        {
            return NdisStatus.Resources;
        }
        block.Interrupt = connected;
        ndisInterruptHandle = block;
        return NdisStatus.Success;
    }

    /// <summary>NdisMDeregisterInterruptEx: disconnects the interrupt and drops a queued DPC.</summary>
    /// <param name="ndisInterruptHandle">The handle from NdisMRegisterInterruptEx.</param>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static void NdisMDeregisterInterruptEx(NdisMiniportBlock ndisInterruptHandle)
    {
        ArgumentNullException.ThrowIfNull(ndisInterruptHandle);
        if (ndisInterruptHandle.Interrupt is { } interrupt)
        {
            IoDisconnectInterrupt(interrupt);
            KeRemoveQueueDpc(ndisInterruptHandle.InterruptDpc);
            ndisInterruptHandle.Interrupt = null;
        }
    }

    /// <summary>The library's ISR (ndisMIsr): the miniport decides whether the interrupt is its own and whether the DPC runs.</summary>
    private static async ValueTask<bool> NdisInterrupt(KInterrupt interrupt, object? serviceContext)
    {
        var block = (NdisMiniportBlock)serviceContext!;
        var (recognized, queueDpc) = await block.InterruptCharacteristics!.InterruptHandler(block.InterruptContext!);
        if (recognized && queueDpc)
        {
            KeInsertQueueDpc(block.InterruptDpc, null, null);
        }
        return recognized;
    }

    /// <summary>The library's DPC (ndisMDpc): MiniportInterruptDPC at DISPATCH_LEVEL.</summary>
    private static async ValueTask NdisInterruptDpc(KDpc dpc, object? deferredContext, object? argument1, object? argument2)
    {
        var block = (NdisMiniportBlock)deferredContext!;
        await block.InterruptCharacteristics!.InterruptDpcHandler(block.InterruptContext!, null);
    }

    /// <summary>NdisMRegisterScatterGatherDma: the adapter's bus-master DMA adapter (IoGetDmaAdapter over its PDO).</summary>
    /// <param name="miniportAdapterHandle">The adapter.</param>
    /// <param name="dmaDescription">Address width and the largest transfer.</param>
    /// <param name="ndisMiniportDmaHandle">The handle for NdisMDeregisterScatterGatherDma.</param>
    /// <returns>NDIS_STATUS_SUCCESS or NDIS_STATUS_RESOURCES.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static NdisStatus NdisMRegisterScatterGatherDma(NdisMiniportBlock miniportAdapterHandle, NdisSgDmaDescription dmaDescription, out NdisMiniportBlock? ndisMiniportDmaHandle)
    {
        ArgumentNullException.ThrowIfNull(miniportAdapterHandle);
        ArgumentNullException.ThrowIfNull(dmaDescription);
        ndisMiniportDmaHandle = null;
        var description = new DeviceDescription
        {
            Master = true,
            ScatterGather = true,
            Dma32BitAddresses = !dmaDescription.Dma64BitAddresses,
            Dma64BitAddresses = dmaDescription.Dma64BitAddresses,
            MaximumLength = dmaDescription.MaximumPhysicalMapping,
        };
        miniportAdapterHandle.DmaAdapter = IoGetDmaAdapter(miniportAdapterHandle.PhysicalDeviceObject, description, out _);
        if (miniportAdapterHandle.DmaAdapter is null)
        {
            return NdisStatus.Resources;
        }
        ndisMiniportDmaHandle = miniportAdapterHandle;
        return NdisStatus.Success;
    }

    /// <summary>NdisMDeregisterScatterGatherDma: gives the DMA adapter back.</summary>
    /// <param name="ndisMiniportDmaHandle">The handle from NdisMRegisterScatterGatherDma.</param>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static void NdisMDeregisterScatterGatherDma(NdisMiniportBlock ndisMiniportDmaHandle)
    {
        ArgumentNullException.ThrowIfNull(ndisMiniportDmaHandle);
        if (ndisMiniportDmaHandle.DmaAdapter is { } adapter)
        {
            adapter.DmaOperations.PutDmaAdapter(adapter);
            ndisMiniportDmaHandle.DmaAdapter = null;
        }
    }

    /// <summary>NdisMAllocateSharedMemory: memory both the miniport and the adapter's DMA reach (a common buffer of the DMA adapter).</summary>
    /// <param name="miniportAdapterHandle">The adapter (after NdisMRegisterScatterGatherDma).</param>
    /// <param name="length">Bytes.</param>
    /// <param name="cached">Cached memory.</param>
    /// <param name="virtualAddress">The system address, or 0 on failure.</param>
    /// <param name="physicalAddress">The address the adapter uses.</param>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static void NdisMAllocateSharedMemory(NdisMiniportBlock miniportAdapterHandle, uint length, bool cached, out ulong virtualAddress, out ulong physicalAddress)
    {
        ArgumentNullException.ThrowIfNull(miniportAdapterHandle);
        physicalAddress = 0;
        virtualAddress = miniportAdapterHandle.DmaAdapter is { } adapter
            ? adapter.DmaOperations.AllocateCommonBuffer(adapter, length, out physicalAddress, cached)
            : 0;
    }

    /// <summary>NdisMFreeSharedMemory.</summary>
    /// <param name="miniportAdapterHandle">The adapter.</param>
    /// <param name="length">Bytes, as allocated.</param>
    /// <param name="cached">As allocated.</param>
    /// <param name="virtualAddress">The system address.</param>
    /// <param name="physicalAddress">The adapter's address.</param>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static void NdisMFreeSharedMemory(NdisMiniportBlock miniportAdapterHandle, uint length, bool cached, ulong virtualAddress, ulong physicalAddress)
    {
        ArgumentNullException.ThrowIfNull(miniportAdapterHandle);
        if (miniportAdapterHandle.DmaAdapter is { } adapter && virtualAddress != 0)
        {
            adapter.DmaOperations.FreeCommonBuffer(adapter, length, physicalAddress, virtualAddress, cached);
        }
    }

    /// <summary>NdisMMapIoSpace: maps a memory range of the adapter's resources (MmMapIoSpace, uncached).</summary>
    /// <param name="virtualAddress">The mapping, or 0.</param>
    /// <param name="miniportAdapterHandle">The adapter.</param>
    /// <param name="physicalAddress">The range's start (translated).</param>
    /// <param name="length">Bytes.</param>
    /// <returns>NDIS_STATUS_SUCCESS or NDIS_STATUS_RESOURCES.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static NdisStatus NdisMMapIoSpace(out ulong virtualAddress, NdisMiniportBlock miniportAdapterHandle, ulong physicalAddress, uint length)
    {
        ArgumentNullException.ThrowIfNull(miniportAdapterHandle);
        virtualAddress = MmMapIoSpace(physicalAddress, length, MemoryCachingType.MmNonCached);
        return virtualAddress == 0 ? NdisStatus.Resources : NdisStatus.Success;
    }

    /// <summary>NdisMUnmapIoSpace.</summary>
    /// <param name="miniportAdapterHandle">The adapter.</param>
    /// <param name="virtualAddress">The mapping.</param>
    /// <param name="length">Bytes.</param>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static void NdisMUnmapIoSpace(NdisMiniportBlock miniportAdapterHandle, ulong virtualAddress, uint length)
    {
        ArgumentNullException.ThrowIfNull(miniportAdapterHandle);
        MmUnmapIoSpace(virtualAddress, length);
    }

    /// <summary>NdisAllocateNetBufferAndNetBufferList: an NBL with one NET_BUFFER over <paramref name="buffer"/>.</summary>
    /// <param name="buffer">The memory (the MDL chain).</param>
    /// <param name="dataOffset">Where the data starts.</param>
    /// <param name="dataLength">Bytes of data.</param>
    /// <returns>The NBL.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static NetBufferList NdisAllocateNetBufferAndNetBufferList(byte[] buffer, int dataOffset, int dataLength) =>
        new(new NetBuffer(buffer) { DataOffset = dataOffset, DataLength = dataLength });
}
