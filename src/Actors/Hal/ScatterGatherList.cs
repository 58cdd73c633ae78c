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
/// <remarks>
/// The adapter reuses list objects (as the HAL reuses its list buffers): after PutScatterGatherList the
/// driver must not touch the list again. Under Driver Verifier every list is a new object, so a list
/// put back twice is always caught.
/// </remarks>
public sealed class ScatterGatherList
{
    private readonly ScatterGatherElement[] _elements;
    private int _count;

    internal ScatterGatherList(DmaAdapter adapter, int capacity)
    {
        Adapter = adapter;
        _elements = new ScatterGatherElement[Math.Max(1, capacity)];
    }

    /// <summary>NumberOfElements.</summary>
    public int NumberOfElements => _count;

    /// <summary>Elements.</summary>
    public ReadOnlySpan<ScatterGatherElement> Elements => _elements.AsSpan(0, _count);

    /// <summary>The total length of the elements.</summary>
    public ulong TotalLength
    {
        get
        {
            ulong n = 0;
            foreach (var e in Elements)
            {
                n += e.Length;
            }
            return n;
        }
    }

    internal DmaAdapter Adapter { get; }

    internal uint MapRegisters { get; set; }

    internal bool Released { get; set; }

    internal int Capacity => _elements.Length;

    internal void Clear()
    {
        _count = 0;
        Released = false;
        MapRegisters = 0;
    }

    /// <summary>Appends a run, merging it into the last element when it continues it physically.</summary>
    internal void AddRun(ulong address, uint length)
    {
        if (_count > 0 && _elements[_count - 1].Address + _elements[_count - 1].Length == address)
        {
            _elements[_count - 1] = _elements[_count - 1] with { Length = _elements[_count - 1].Length + length };
            return;
        }
        _elements[_count++] = new ScatterGatherElement(address, length);
    }
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
