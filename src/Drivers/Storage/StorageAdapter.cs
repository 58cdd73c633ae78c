/*++

Module Name:

    StorageAdapter.cs

Abstract:

    The port driver's device extension for one adapter: the device stack, what the miniport found
    (geometry, its own hardware extension), the DMA adapter and common buffer, the interrupt and
    the DPC, and the tag pool with its lock. Fields say which lock guards them.

Environment:

    Kernel mode.

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.Storage;

/// <summary>The port's device extension (one per adapter).</summary>
public sealed partial class StorageAdapter
{
    private readonly int[] _freeTags;

    internal StorageAdapter(HwInitializationData hw)
    {
        Hw = hw;
        _freeTags = new int[hw.QueueDepth];
        Requests = new StorageRequest[hw.QueueDepth];
        for (var tag = 0; tag < hw.QueueDepth; tag++)
        {
            Requests[tag] = new StorageRequest(this, tag);
            _freeTags[tag] = hw.QueueDepth - 1 - tag; // tag 0 is handed out first
        }
        FreeTagCount = hw.QueueDepth;
    }

    /// <summary>The miniport's routines and limits.</summary>
    public HwInitializationData Hw { get; }

    /// <summary>The functional device object.</summary>
    public DeviceObject? Fdo { get; internal set; }

    /// <summary>The PDO below (IoGetDmaAdapter and PnP go there).</summary>
    public DeviceObject? LowerDevice { get; internal set; }

    /// <summary>The PDO the stack was built on.</summary>
    public DeviceObject? PhysicalDeviceObject { get; internal set; }

    /// <summary>The \DosDevices link.</summary>
    public string? SymbolicLinkName { get; internal set; }

    /// <summary>The miniport's hardware extension (HW_DEVICE_EXTENSION), set by HwFindAdapter.</summary>
    public object? MiniportExtension { get; set; }

    /// <summary>Bytes per sector, set by HwFindAdapter.</summary>
    public uint SectorSize { get; set; } = 512;

    /// <summary>The disk's size in sectors, set by HwFindAdapter.</summary>
    public long SectorCount { get; set; }

    /// <summary>The translated interrupt resource HwFindAdapter found (vector, level, affinity, mode).</summary>
    public CmPartialResourceDescriptor? InterruptResource { get; set; }

    /// <summary>The bus-master DMA adapter (IoGetDmaAdapter).</summary>
    public DmaAdapter? DmaAdapter { get; internal set; }

    /// <summary>The common buffer's system virtual address (AllocateCommonBuffer).</summary>
    public ulong CommonBuffer { get; internal set; }

    /// <summary>The common buffer's logical (device) address.</summary>
    public ulong CommonBufferLogical { get; internal set; }

    /// <summary>The interrupt object (IoConnectInterrupt).</summary>
    public KInterrupt? Interrupt { get; internal set; }

    /// <summary>The DPC the ISR queues; it completes finished requests.</summary>
    public KDpc CompletionDpc { get; } = new();

    /// <summary>The PDO of logical unit 0, once BusRelations reported it (StoragePort.Lun.cs).</summary>
    public StorageLun? Lun { get; internal set; }
    /// <summary>The remove lock: every request holds it from dispatch to completion; IRP_MN_REMOVE_DEVICE waits for it.</summary>
    public IoRemoveLock RemoveLock { get; } = new();

    /// <summary>IRP_MN_SURPRISE_REMOVAL (or IRP_MN_REMOVE_DEVICE) arrived: new and queued requests fail with STATUS_NO_SUCH_DEVICE.</summary>
    public bool SurpriseRemoved { get; internal set; }

    /// <summary>The GUID_DEVINTERFACE_DISK instance registered at start (null off a PnP-built stack).</summary>
    public string? InterfaceName { get; internal set; }

    /// <summary>Whether IRP_MN_START_DEVICE brought the adapter up.</summary>
    public bool Started { get; internal set; }

    /// <summary>Seconds a read or write of the port's own may stay at the controller before the bus is reset (an SRB carries its own TimeOutValue).</summary>
    public uint RequestTimeoutSeconds { get; set; } = 10;

    /// <summary>Bus resets since start (a request ran out of time: StoragePort.Timeout.cs).</summary>
    public long BusResets => Interlocked.Read(ref _busResets);

    /// <summary>The port's device timer is started (under <see cref="TagLock"/>).</summary>
    internal bool TimerRunning { get; set; }

    internal long _busResets;

    /// <summary>The tag and timeout of the request whose time ran out last (for the event log entry; written in sync with the ISR).</summary>
    internal int TimedOutTag { get; set; }

    internal uint TimedOutSeconds { get; set; }

    /// <summary>Requests completed since start.</summary>
    public long CompletedRequests => Interlocked.Read(ref _completedRequests);

    /// <summary>The request blocks, by tag.</summary>
    internal StorageRequest[] Requests { get; }

    /// <summary>Guards the free tags and <see cref="Stalled"/> (taken at DISPATCH_LEVEL).</summary>
    internal KSpinLock TagLock { get; } = new();

    /// <summary>Free tags (under <see cref="TagLock"/>).</summary>
    internal int FreeTagCount { get; private set; }

    /// <summary>StartIo took the last tag and did not start the next packet; the next tag freed must (under <see cref="TagLock"/>).</summary>
    internal bool Stalled { get; set; }

    /// <summary>Finished requests the ISR reported, oldest first (under the interrupt spin lock).</summary>
    internal StorageRequest? CompletedHead { get; set; }

    internal StorageRequest? CompletedTail { get; set; }

    internal long _completedRequests;

    /// <summary>Takes a free tag (under <see cref="TagLock"/>).</summary>
    internal StorageRequest PopFreeTag() => Requests[_freeTags[--FreeTagCount]];

    /// <summary>Returns a tag (under <see cref="TagLock"/>).</summary>
    internal void PushFreeTag(StorageRequest request) => _freeTags[FreeTagCount++] = request.Tag;
}
