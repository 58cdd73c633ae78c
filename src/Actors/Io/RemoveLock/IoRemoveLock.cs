namespace ActorKernel.Actors;

/// <summary>
/// IO_REMOVE_LOCK: what keeps a PnP driver's device object alive while requests are in it. Every
/// dispatch routine acquires it on entry (IoAcquireRemoveLock) and releases it when the request is
/// done (IoReleaseRemoveLock); the IRP_MN_REMOVE_DEVICE handler calls IoReleaseRemoveLockAndWait,
/// after which acquisitions fail with STATUS_DELETE_PENDING and the handler waits until the last
/// one is released, so it can detach and delete the device safely.
/// </summary>
/// <remarks>
/// As IO_REMOVE_LOCK_COMMON_BLOCK (ReactOS io/iomgr/remlock.c): a Removed flag, an IoCount that
/// starts at 1 (the lock's own reference, given up by IoReleaseRemoveLockAndWait) and a
/// synchronization event set when the count reaches zero. The debug block (tags, watermark) is
/// kept when I/O verification applies to the driver whose routine uses the lock, as Driver Verifier
/// does with its shadow lock on a free build.
/// </remarks>
public sealed class IoRemoveLock : KeObject
{
    // IO_REMOVE_LOCK_COMMON_BLOCK.Removed: set once by IoReleaseRemoveLockAndWait, never cleared.
    private volatile bool _removed;

    // IO_REMOVE_LOCK_COMMON_BLOCK.IoCount: 1 + the acquisitions not yet released, until removal gives up the 1.
    private int _ioCount;

    // IO_REMOVE_LOCK_DBG_BLOCK.Blocks: the tags of the acquisitions not yet released, oldest first
    // (kept only while the lock is verified; guarded by _tagsLock).
    private readonly List<object?> _tags = [];
    private readonly Lock _tagsLock = new();

    // Whether the debug block is kept: null until the first call from a routine of a known driver.
    private bool? _verified;

    /// <summary>IO_REMOVE_LOCK_COMMON_BLOCK.RemoveEvent: set when the count reaches zero after removal began.</summary>
    internal KEvent RemoveEvent { get; } = new();

    /// <summary>IO_REMOVE_LOCK_DBG_BLOCK.AllocateTag (the pool tag of the tracking blocks).</summary>
    public uint AllocateTag { get; internal set; }

    /// <summary>IO_REMOVE_LOCK_DBG_BLOCK.MaxLockedMinutes as given (0 = no limit); recorded, not enforced.</summary>
    public uint MaxLockedMinutes { get; internal set; }

    /// <summary>IO_REMOVE_LOCK_DBG_BLOCK.HighWatermark (0 = no limit): the most acquisitions a verified driver may hold at once.</summary>
    public uint HighWatermark { get; internal set; }

    /// <summary>Whether IoInitializeRemoveLock ran.</summary>
    public bool Initialized { get; internal set; }

    /// <summary>Whether removal began (IoReleaseRemoveLockAndWait was called): acquisitions fail with STATUS_DELETE_PENDING.</summary>
    public bool Removed => _removed;

    /// <summary>Acquisitions not yet released (the count less the lock's own reference while removal has not begun).</summary>
    public int OutstandingAcquisitions => Math.Max(0, Volatile.Read(ref _ioCount) - (_removed ? 0 : 1));

    internal void IopInitialize(uint allocateTag, uint maxLockedMinutes, uint highWatermark)
    {
        AllocateTag = allocateTag;
        MaxLockedMinutes = maxLockedMinutes;
        HighWatermark = highWatermark;
        _removed = false;
        Volatile.Write(ref _ioCount, 1);
        lock (_tagsLock)
        {
            _tags.Clear();
        }
        RemoveEvent.Type = EventType.SynchronizationEvent;
        RemoveEvent.SignalState = 0;
        Initialized = true;
    }

    /// <summary>IoAcquireRemoveLockEx: count the acquisition, or give it back and say STATUS_DELETE_PENDING once removal began.</summary>
    internal NtStatus IopAcquire(object? tag, out bool lastReference)
    {
        Interlocked.Increment(ref _ioCount);
        if (!_removed)
        {
            if (IopVerified)
            {
                lock (_tagsLock)
                {
                    _tags.Add(tag);
                }
            }
            lastReference = false;
            return NtStatus.Success;
        }
        // Removal began: undo the increment; the waiter may be waiting for exactly this one.
        lastReference = Interlocked.Decrement(ref _ioCount) == 0;
        return NtStatus.DeletePending;
    }

    /// <summary>The debug block's bookkeeping of a release: false when no acquisition carries <paramref name="tag"/>.</summary>
    internal bool IopForgetTag(object? tag)
    {
        if (!IopVerified)
        {
            return true;
        }
        lock (_tagsLock)
        {
            var index = _tags.IndexOf(tag);
            if (index < 0)
            {
                return false;
            }
            _tags.RemoveAt(index);
            return true;
        }
    }

    /// <summary>The most recent tag still acquired (IO_REMOVE_LOCK_DBG_BLOCK.Blocks), or null.</summary>
    internal object? IopLastTag
    {
        get
        {
            lock (_tagsLock)
            {
                return _tags.Count > 0 ? _tags[^1] : null;
            }
        }
    }

    /// <summary>IoReleaseRemoveLockEx: one acquisition less; true when it was the last (the remove event is then set).</summary>
    internal bool IopRelease() => Interlocked.Decrement(ref _ioCount) == 0;

    /// <summary>IoReleaseRemoveLockAndWaitEx's first half: mark removed, give up the caller's and the lock's own reference; true when others remain.</summary>
    internal bool IopBeginRemove()
    {
        _removed = true;
        Interlocked.Decrement(ref _ioCount);
        return Interlocked.Decrement(ref _ioCount) > 0;
    }

    /// <summary>Whether the debug block is kept (set on first use from a driver's routine).</summary>
    internal bool IopVerified => _verified ?? false;

    internal void IopDecideVerification(bool verified) => _verified ??= verified;

    internal bool IopVerificationDecided => _verified.HasValue;

    /// <summary>KeSetEvent of the remove event (on a processor; off the processor model nobody can be waiting, so the state alone).</summary>
    internal void IopSignalRemoved()
    {
        if (Processor.CurrentOrNull is not null)
        {
            Wdm.KeSetEvent(RemoveEvent, (int)PriorityBoost.IoNoIncrement, false);
        }
        else
        {
            Volatile.Write(ref RemoveEvent.SignalState, 1);
        }
    }
}
