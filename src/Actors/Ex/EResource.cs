namespace ActorKernel.Actors;

/// <summary>
/// ERESOURCE: a reader/writer lock for threads at or below APC_LEVEL, the lock of file system FCBs
/// (FSRTL_COMMON_FCB_HEADER.Resource and PagingIoResource). Many shared owners or one exclusive owner;
/// the exclusive owner may acquire again (shared or exclusive) and releases as often as it acquired.
/// A thread that cannot get it either returns FALSE (Wait = FALSE) or waits.
/// </summary>
/// <remarks>
/// Simplified from NT's: no priority boosting of owners, no starvation rules between shared and
/// exclusive waiters (a waiter retries when any owner releases), no owner table for shared owners.
/// </remarks>
public sealed class EResource
{
    private readonly Lock _gate = new();
    private int _sharedCount;
    private int _exclusiveCount;
    private object? _exclusiveOwner;
    private KEvent? _released; // the event this round's waiters wait on; replaced at each wake-up

    /// <summary>ExIsResourceAcquiredExclusiveLite for the calling thread.</summary>
    public bool IsAcquiredExclusive
    {
        get
        {
            lock (_gate)
            {
                return _exclusiveCount > 0 && ReferenceEquals(_exclusiveOwner, CurrentOwner());
            }
        }
    }

    /// <summary>Shared owners now (ExGetSharedWaiterCount's cousin; for tests and inspection).</summary>
    public int SharedCount
    {
        get
        {
            lock (_gate)
            {
                return _sharedCount;
            }
        }
    }

    internal async ValueTask<bool> ExpAcquire(bool exclusive, bool wait)
    {
        var owner = CurrentOwner();
        while (true)
        {
            KEvent? waitOn;
            lock (_gate)
            {
                if (_exclusiveCount > 0 && ReferenceEquals(_exclusiveOwner, owner))
                {
                    _exclusiveCount++; // the exclusive owner's recursion, shared or exclusive
                    return true;
                }
                if (exclusive ? _exclusiveCount == 0 && _sharedCount == 0 : _exclusiveCount == 0)
                {
                    if (exclusive)
                    {
                        _exclusiveCount = 1;
                        _exclusiveOwner = owner;
                    }
                    else
                    {
                        _sharedCount++;
                    }
                    return true;
                }
                if (!wait)
                {
                    return false;
                }
                if (_released is null)
                {
                    _released = new KEvent();
                    Wdm.KeInitializeEvent(_released, EventType.NotificationEvent, false);
                }
                waitOn = _released;
            }
            await Wdm.KeWaitForSingleObject(waitOn, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
        }
    }

    internal void ExpRelease()
    {
        KEvent? wake;
        lock (_gate)
        {
            if (_exclusiveCount > 0)
            {
                if (--_exclusiveCount == 0)
                {
                    _exclusiveOwner = null;
                }
            }
            else if (_sharedCount > 0)
            {
                _sharedCount--;
            }
            else
            {
                throw new InvalidOperationException("ExReleaseResourceLite of a resource nobody owns.");
            }
            wake = _released;
            _released = null;
        }
        if (wake is not null)
        {
            Wdm.KeSetEvent(wake, (int)PriorityBoost.IoNoIncrement, false);
        }
    }

    private static object CurrentOwner() => (object?)Processor.CurrentOrNull?.KiCurrentThread ?? Thread.CurrentThread;
}

public static partial class Wdm
{
    /// <summary>ExAcquireResourceSharedLite: takes <paramref name="resource"/> shared.</summary>
    /// <param name="resource">The resource.</param>
    /// <param name="wait">Wait when it cannot be had now; FALSE returns FALSE instead.</param>
    /// <returns>TRUE when acquired.</returns>
    /// <remarks>IRQL &lt;= APC_LEVEL (a wait); the caller is in a critical region (KeEnterCriticalRegion) in NT.</remarks>
    public static ValueTask<bool> ExAcquireResourceSharedLite(EResource resource, bool wait)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return resource.ExpAcquire(exclusive: false, wait);
    }

    /// <summary>ExAcquireResourceExclusiveLite: takes <paramref name="resource"/> exclusive.</summary>
    /// <param name="resource">The resource.</param>
    /// <param name="wait">Wait when it cannot be had now; FALSE returns FALSE instead.</param>
    /// <returns>TRUE when acquired.</returns>
    /// <remarks>IRQL &lt;= APC_LEVEL.</remarks>
    public static ValueTask<bool> ExAcquireResourceExclusiveLite(EResource resource, bool wait)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return resource.ExpAcquire(exclusive: true, wait);
    }

    /// <summary>ExReleaseResourceLite: releases one acquisition of <paramref name="resource"/>.</summary>
    /// <param name="resource">The resource.</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static void ExReleaseResourceLite(EResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        resource.ExpRelease();
    }
}
