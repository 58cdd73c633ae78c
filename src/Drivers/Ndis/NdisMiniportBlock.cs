/*++

Module Name:

    NdisMiniportBlock.cs

Abstract:

    NDIS_MINIPORT_BLOCK: the NDIS library's state for one adapter, kept as the device extension of
    the adapter's FDO, and the handle (NDIS_HANDLE MiniportAdapterHandle) a miniport passes back to
    every NdisM call: the stack below it, the miniport's context and attributes, its state
    (NDIS_MINIPORT_STATE), the connected interrupt and DMA adapter, and the protocol edge's queues
    (received frames waiting for a read, reads waiting for a frame).

Environment:

    Kernel mode. The protocol edge's queues are under ReceiveLock.

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.Ndis;

/// <summary>NDIS_MINIPORT_STATE.</summary>
public enum NdisMiniportState
{
    /// <summary>NdisMiniportHalted.</summary>
    Halted = 1,

    /// <summary>NdisMiniportInitializing.</summary>
    Initializing = 2,

    /// <summary>NdisMiniportRestarting.</summary>
    Restarting = 3,

    /// <summary>NdisMiniportRunning.</summary>
    Running = 4,

    /// <summary>NdisMiniportPausing.</summary>
    Pausing = 5,

    /// <summary>NdisMiniportPaused.</summary>
    Paused = 6,
}

/// <summary>NDIS_MINIPORT_BLOCK: one adapter as the NDIS library sees it (the miniport's NDIS_HANDLE for it).</summary>
public sealed class NdisMiniportBlock
{
    /// <summary>Frames the protocol edge keeps for reads that have not come yet; more are dropped.</summary>
    public const int ReceiveQueueLimit = 64;

    internal NdisMiniportBlock(NdisMiniportDriver driver, DeviceObject pdo)
    {
        Driver = driver;
        PhysicalDeviceObject = pdo;
    }

    /// <summary>The miniport driver this adapter belongs to.</summary>
    internal NdisMiniportDriver Driver { get; }

    /// <summary>The adapter's FDO (NDIS's device object for the miniport).</summary>
    public DeviceObject? DeviceObject { get; internal set; }

    /// <summary>The PDO the bus enumerated.</summary>
    public DeviceObject PhysicalDeviceObject { get; }

    /// <summary>The device below the FDO.</summary>
    internal DeviceObject? NextDeviceObject { get; set; }

    internal string? LinkName { get; set; }

    /// <summary>NDIS_MINIPORT_STATE.</summary>
    public NdisMiniportState State { get; internal set; } = NdisMiniportState.Halted;

    /// <summary>The attributes the miniport set in MiniportInitializeEx (null before).</summary>
    public NdisMiniportAttributes? Attributes { get; internal set; }

    /// <summary>MiniportAdapterContext.</summary>
    public object? MiniportAdapterContext => Attributes?.MiniportAdapterContext;

    /// <summary>The translated resources of IRP_MN_START_DEVICE (NdisMRegisterInterruptEx connects the interrupt among them).</summary>
    internal CmResourceList? AllocatedResources { get; set; }

    internal KInterrupt? Interrupt { get; set; }

    internal NdisMiniportInterruptCharacteristics? InterruptCharacteristics { get; set; }

    internal object? InterruptContext { get; set; }

    internal KDpc InterruptDpc { get; } = new();

    internal DmaAdapter? DmaAdapter { get; set; }

    // The protocol edge (NDISPROT-like): frames and reads, under ReceiveLock.
    internal KSpinLock ReceiveLock { get; } = new();

    internal KSpinLock ReadQueueLock { get; } = new();

    internal LinkedList<byte[]> ReceivedFrames { get; } = new();

    internal LinkedList<Irp> PendingReads { get; } = new();

    internal IoCsq ReadQueue { get; } = new();

    /// <summary>Sends the miniport completed with NDIS_STATUS_SUCCESS.</summary>
    public long SendsCompleted { get; internal set; }

    /// <summary>NBLs the miniport indicated.</summary>
    public long ReceivesIndicated { get; internal set; }

    /// <summary>Received frames dropped because <see cref="ReceiveQueueLimit"/> frames already waited for reads.</summary>
    public long ReceivesDropped { get; internal set; }
}
