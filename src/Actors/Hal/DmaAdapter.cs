namespace ActorKernel.Actors;

/// <summary>
/// DMA_ADAPTER: the adapter object IoGetDmaAdapter returns for a bus-master device. Drivers call its
/// services through <see cref="DmaOperations"/>, as in C: <c>adapter.DmaOperations.AllocateAdapterChannel(adapter, ...)</c>.
/// It owns a share of the HAL's map registers (<see cref="Hal.MapRegistersPerAdapter"/>); a request
/// that needs more than are free waits, in order, until a free returns enough.
/// </summary>
public sealed class DmaAdapter : KeObject
{
    internal readonly Lock Sync = new();
    internal readonly Queue<DmaWaitBlock> Waiters = new();
    internal readonly Stack<ScatterGatherList> ListPool = new();

    internal DmaAdapter(Hal hal, DeviceObject physicalDeviceObject, DeviceDescription description, uint mapRegistersPerChannel, uint poolSize)
    {
        Hal = hal;
        PhysicalDeviceObject = physicalDeviceObject;
        Description = description;
        MapRegistersPerChannel = mapRegistersPerChannel;
        PoolSize = poolSize;
        FreeRegisters = poolSize;
        DmaOperations = new DmaOperations();
        EnsureAddress(hal.Machine);
    }

    /// <summary>Version (the DEVICE_DESCRIPTION version asked for).</summary>
    public ushort Version => (ushort)Description.Version;

    /// <summary>Size of DMA_ADAPTER on x64.</summary>
    public ushort Size => 16;

    /// <summary>DmaOperations: the adapter's services.</summary>
    public DmaOperations DmaOperations { get; }

    /// <summary>The PDO it was made for.</summary>
    public DeviceObject PhysicalDeviceObject { get; }

    /// <summary>The description it was made from.</summary>
    public DeviceDescription Description { get; }

    /// <summary>NumberOfMapRegisters granted by IoGetDmaAdapter: the most one channel or one list may use.</summary>
    public uint MapRegistersPerChannel { get; }

    /// <summary>The map registers the adapter owns in all.</summary>
    public uint PoolSize { get; }

    /// <summary>Map registers free now.</summary>
    public uint FreeRegisters { get; internal set; }

    /// <summary>Whether an adapter channel is allocated now (AdapterControl granted, not yet freed).</summary>
    public bool ChannelAllocated { get; internal set; }

    /// <summary>Requests (AllocateAdapterChannel, GetScatterGatherList) waiting for the channel or map registers.</summary>
    public int WaitingRequests
    {
        get
        {
            lock (Sync)
            {
                return Waiters.Count;
            }
        }
    }

    /// <summary>Scatter/gather lists handed out and not yet put back.</summary>
    public int OutstandingScatterGatherLists { get; internal set; }

    /// <summary>Common buffers allocated and not yet freed.</summary>
    public int OutstandingCommonBuffers => CommonBuffers.Count;

    /// <summary>Map registers held by drivers (channels, kept registers and lists).</summary>
    public uint OutstandingMapRegisters => PoolSize - FreeRegisters;

    /// <summary>Whether PutDmaAdapter released it.</summary>
    public bool Released { get; internal set; }

    internal Hal Hal { get; }

    internal MapRegisterBase? Channel { get; set; }

    internal Dictionary<ulong, CommonBuffer> CommonBuffers { get; } = [];

    internal long ListsAllocated { get; set; }

    internal long ListsFreed { get; set; }

    /// <summary>A common buffer: its frames and the MDL that maps them.</summary>
    internal sealed record CommonBuffer(ulong VirtualAddress, ulong LogicalAddress, uint Length, ulong FirstPfn, int Pages, Mdl Mdl);
}

/// <summary>A request waiting for the adapter (KWAIT_CONTEXT_BLOCK in spirit).</summary>
internal sealed class DmaWaitBlock
{
    public required DeviceObject DeviceObject { get; init; }

    public Irp? Irp { get; init; }

    public required uint MapRegisters { get; init; }

    public DriverControl? AdapterControl { get; init; }

    public DriverListControl? ListControl { get; init; }

    public object? Context { get; init; }

    public required KernelModule Module { get; init; }

    public required string RoutineName { get; init; }

    /// <summary>For a list request: the list, built when it was asked for (the MDL stays locked until it is put back).</summary>
    public ScatterGatherList? List { get; init; }

    public bool NeedsChannel => AdapterControl is not null;
}
