namespace ActorKernel.Actors;

/// <summary>
/// KDEVICE_QUEUE: the device queue of IoStartPacket. Busy while the device works on a packet;
/// inserting into an idle queue makes it busy and inserts nothing (the caller starts the packet).
/// </summary>
public sealed class KDeviceQueue
{
    private readonly LinkedList<(Irp Irp, uint Key)> _entries = new();
    private readonly Lock _gate = new();

    /// <summary>Whether the device is busy with a packet.</summary>
    public bool Busy { get; private set; }

    /// <summary>Packets waiting.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>KeInsertDeviceQueue: if busy, queues the IRP at the tail and returns true; otherwise marks busy and returns false.</summary>
    /// <param name="irp">The packet.</param>
    /// <returns>Whether the packet was queued.</returns>
    /// <remarks>IRQL = DISPATCH_LEVEL.</remarks>
    public bool KeInsertDeviceQueue(Irp irp)
    {
        KiSchedulingPoint.Write(this);
        lock (_gate)
        {
            if (!Busy)
            {
                Busy = true;
                return false;
            }
            _entries.AddLast((irp, 0));
            return true;
        }
    }

    /// <summary>KeInsertByKeyDeviceQueue: as KeInsertDeviceQueue, queued in ascending key order (after equal keys).</summary>
    /// <param name="irp">The packet.</param>
    /// <param name="sortKey">The key (e.g. a sector number).</param>
    /// <returns>Whether the packet was queued.</returns>
    /// <remarks>IRQL = DISPATCH_LEVEL.</remarks>
    public bool KeInsertByKeyDeviceQueue(Irp irp, uint sortKey)
    {
        KiSchedulingPoint.Write(this);
        lock (_gate)
        {
            if (!Busy)
            {
                Busy = true;
                return false;
            }
            var node = _entries.First;
            while (node is not null && node.Value.Key <= sortKey)
            {
                node = node.Next;
            }
            if (node is null)
            {
                _entries.AddLast((irp, sortKey));
            }
            else
            {
                _entries.AddBefore(node, (irp, sortKey));
            }
            return true;
        }
    }

    /// <summary>KeRemoveDeviceQueue: the head packet, or null (and the queue goes idle) when none waits.</summary>
    /// <returns>The next packet, or null.</returns>
    /// <remarks>IRQL = DISPATCH_LEVEL.</remarks>
    public Irp? KeRemoveDeviceQueue()
    {
        KiSchedulingPoint.Write(this);
        lock (_gate)
        {
            if (_entries.First is { } first)
            {
                _entries.RemoveFirst();
                return first.Value.Irp;
            }
            Busy = false;
            return null;
        }
    }

    /// <summary>KeRemoveEntryDeviceQueue: removes a queued packet (a cancel routine does this).</summary>
    /// <param name="irp">The packet.</param>
    /// <returns>Whether it was queued.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public bool KeRemoveEntryDeviceQueue(Irp irp)
    {
        KiSchedulingPoint.Write(this);
        lock (_gate)
        {
            for (var node = _entries.First; node is not null; node = node.Next)
            {
                if (ReferenceEquals(node.Value.Irp, irp))
                {
                    _entries.Remove(node);
                    return true;
                }
            }
            return false;
        }
    }
}

/// <summary>The device timer of IoInitializeTimer: a routine called once a second at DISPATCH_LEVEL while started.</summary>
public sealed class IoDeviceTimer
{
    internal IoDeviceTimer(IoTimerRoutine routine, object? context)
    {
        Routine = routine;
        Context = context;
    }

    /// <summary>The routine.</summary>
    public IoTimerRoutine Routine { get; }

    /// <summary>Its context.</summary>
    public object? Context { get; }

    /// <summary>Whether IoStartTimer was called (and IoStopTimer not since).</summary>
    public bool Started { get; internal set; }

    /// <summary>How many times the routine ran.</summary>
    public long Ticks { get; internal set; }
}
