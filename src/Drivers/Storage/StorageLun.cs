/*++

Module Name:

    StorageLun.cs

Abstract:

    The device extension of the port's PDO for one logical unit (the disk behind the adapter): its
    SCSI address and the adapter it belongs to. The port reports this PDO in BusRelations; the disk
    class driver's FDO attaches above it through the PnP registry (hardware ID GenDisk).

Environment:

    Kernel mode.

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.Storage;

/// <summary>The port's PDO extension for one logical unit.</summary>
public sealed class StorageLun
{
    internal StorageLun(StorageAdapter adapter) => Adapter = adapter;

    /// <summary>The adapter (the port's FDO extension) whose queue carries this unit's requests.</summary>
    public StorageAdapter Adapter { get; }

    /// <summary>The port (adapter) number: N of the adapter's \Device\BlkDiskN.</summary>
    public int PortNumber { get; init; }

    /// <summary>The bus (PathId).</summary>
    public byte PathId { get; init; }

    /// <summary>The target ID.</summary>
    public byte TargetId { get; init; }

    /// <summary>The logical unit number.</summary>
    public byte Lun { get; init; }

    /// <summary>The PDO.</summary>
    public DeviceObject? Pdo { get; internal set; }

    /// <summary>Requests the unit has taken through IRP_MJ_SCSI since start (tests count the class driver's pieces with it).</summary>
    public long ScsiRequests => Interlocked.Read(ref _scsiRequests);

    /// <summary>The DataTransferLength of each read or write SRB, in arrival order (bounded, for tests and the debugger).</summary>
    public IReadOnlyList<uint> RecentTransferLengths
    {
        get
        {
            lock (_recentLock)
            {
                return [.. _recent];
            }
        }
    }

    internal long _scsiRequests;
    private readonly Queue<uint> _recent = new();
    private readonly Lock _recentLock = new();

    internal void RecordTransfer(uint length)
    {
        Interlocked.Increment(ref _scsiRequests);
        lock (_recentLock)
        {
            if (_recent.Count == 64)
            {
                _recent.Dequeue();
            }
            _recent.Enqueue(length);
        }
    }
}
