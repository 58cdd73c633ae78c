namespace ActorKernel.Actors;

/// <summary>SCATTER_GATHER_ELEMENT: one physically contiguous run of a transfer.</summary>
/// <param name="Address">The run's logical (bus) address; physical address here (no IOMMU).</param>
/// <param name="Length">Its length in bytes.</param>
public readonly record struct ScatterGatherElement(ulong Address, uint Length);

/// <summary>
/// SCATTER_GATHER_LIST: the physical runs of a buffer, built by GetScatterGatherList from the MDL's
/// page frames (adjacent frames merge into one element) and handed to the driver's AdapterListControl;
/// the driver programs its device's descriptors from it and returns it with PutScatterGatherList.
/// </summary>
public sealed class ScatterGatherList
{
    private readonly ScatterGatherElement[] _elements;

    internal ScatterGatherList(DmaAdapter adapter, ScatterGatherElement[] elements, uint mapRegisters)
    {
        Adapter = adapter;
        _elements = elements;
        MapRegisters = mapRegisters;
    }

    /// <summary>NumberOfElements.</summary>
    public int NumberOfElements => _elements.Length;

    /// <summary>Elements.</summary>
    public ReadOnlySpan<ScatterGatherElement> Elements => _elements;

    /// <summary>The total length of the elements.</summary>
    public ulong TotalLength
    {
        get
        {
            ulong n = 0;
            foreach (var e in _elements)
            {
                n += e.Length;
            }
            return n;
        }
    }

    internal DmaAdapter Adapter { get; }

    internal uint MapRegisters { get; }

    internal bool Released { get; set; }
}

/// <summary>
/// The MapRegisterBase handed to AdapterControl: the map registers the adapter allocated for this
/// channel (opaque to the driver: it passes it back to MapTransfer, FlushAdapterBuffers and FreeMapRegisters).
/// </summary>
public sealed class MapRegisterBase
{
    internal MapRegisterBase(DmaAdapter adapter, uint count)
    {
        Adapter = adapter;
        Count = count;
    }

    internal DmaAdapter Adapter { get; }

    /// <summary>How many map registers it holds.</summary>
    public uint Count { get; }

    /// <summary>Map registers used by MapTransfer since the last FlushAdapterBuffers.</summary>
    internal uint InUse { get; set; }

    internal bool Freed { get; set; }

    internal bool ChannelHeld { get; set; }
}

/// <summary>IO_ALLOCATION_ACTION: what AdapterControl asks the HAL to do with the channel and map registers.</summary>
public enum IoAllocationAction
{
    /// <summary>KeepObject (1): keep the channel and registers; the driver calls FreeAdapterChannel later.</summary>
    KeepObject = 1,

    /// <summary>DeallocateObject (2): release the channel and the registers now.</summary>
    DeallocateObject = 2,

    /// <summary>DeallocateObjectKeepRegisters (3): release the channel, keep the registers until FreeMapRegisters.</summary>
    DeallocateObjectKeepRegisters = 3,
}

/// <summary>DRIVER_CONTROL (the AdapterControl / ExecutionRoutine of AllocateAdapterChannel): runs at DISPATCH_LEVEL once the channel and map registers are the driver's.</summary>
/// <param name="deviceObject">The device object given to AllocateAdapterChannel.</param>
/// <param name="irp">DeviceObject-&gt;CurrentIrp when AllocateAdapterChannel was called.</param>
/// <param name="mapRegisterBase">The map registers allocated.</param>
/// <param name="context">The context given to AllocateAdapterChannel.</param>
/// <returns>What to do with the channel and the map registers.</returns>
public delegate ValueTask<IoAllocationAction> DriverControl(DeviceObject deviceObject, Irp? irp, MapRegisterBase mapRegisterBase, object? context);

/// <summary>DRIVER_LIST_CONTROL (the AdapterListControl of GetScatterGatherList): runs at DISPATCH_LEVEL with the transfer's scatter/gather list.</summary>
/// <param name="deviceObject">The device object.</param>
/// <param name="irp">Reserved (DeviceObject-&gt;CurrentIrp when the list was requested).</param>
/// <param name="scatterGather">The list; give it back with PutScatterGatherList.</param>
/// <param name="context">The context given to GetScatterGatherList.</param>
/// <returns>A task that completes when the routine returns.</returns>
public delegate ValueTask DriverListControl(DeviceObject deviceObject, Irp? irp, ScatterGatherList scatterGather, object? context);
