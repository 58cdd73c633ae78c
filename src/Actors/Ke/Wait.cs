namespace ActorKernel.Actors;

public static partial class Wdm
{
    /// <summary>
    /// KeWaitForSingleObject: waits until <paramref name="obj"/> is signaled or the timeout expires.
    /// <paramref name="timeout"/> is in 100 ns units: negative = relative, positive = absolute
    /// system time (KeQuerySystemTime), 0 = test and return, null = forever. Await it for STATUS_SUCCESS or STATUS_TIMEOUT.
    /// </summary>
    /// <remarks>
    /// IRQL &lt;= APC_LEVEL, or DISPATCH_LEVEL with a zero timeout. In a DPC, a null or non-zero timeout
    /// wait that cannot be satisfied at once bugchecks ATTEMPTED_SWITCH_FROM_DPC (0xB8; P1 = the thread
    /// the DPC interrupted, P2 = the thread that would run next, P3 = the first one's initial stack);
    /// elsewhere at DISPATCH_LEVEL or above such a wait bugchecks IRQL_NOT_LESS_OR_EQUAL (0xA; P1 = the
    /// object, P2 = IRQL, P3 = 0, P4 = KeWaitForSingleObject's address).
    /// </remarks>
    public static KWaitAwaitable KeWaitForSingleObject(KDispatcherObject obj, KWaitReason waitReason, KProcessorMode waitMode, bool alertable, long? timeout)
    {
        KiSchedulingPoint.Read(obj);
        ArgumentNullException.ThrowIfNull(obj);
        if (obj is KMutex mutex)
        {
            Verifier.VfDeadlockDetection.KiCheckAcquireMutex(mutex); // Driver Verifier's deadlock detection (lock order across lock kinds)
        }
        return Processor.Current.Machine.KiWait(Processor.Current, obj.AsWaitObjects, WaitType.WaitAny, timeout, nameof(KeWaitForSingleObject));
    }

    /// <summary>
    /// KeWaitForMultipleObjects: WaitAll (every object) or WaitAny (the status is STATUS_WAIT_0 + the
    /// index of the object that satisfied it). Timeout and IRQL rules as KeWaitForSingleObject.
    /// </summary>
    /// <remarks>IRQL &lt;= APC_LEVEL, or DISPATCH_LEVEL with a zero timeout. More than 64 objects bugcheck MAXIMUM_WAIT_OBJECTS_EXCEEDED (0xC).</remarks>
    public static KWaitAwaitable KeWaitForMultipleObjects(IReadOnlyList<KDispatcherObject> objects, WaitType waitType, KWaitReason waitReason,
        KProcessorMode waitMode, bool alertable, long? timeout)
    {
        ArgumentNullException.ThrowIfNull(objects);
        if (objects.Count > 64)
        {
            // MAXIMUM_WAIT_OBJECTS: more objects than a wait block array can hold (ReactOS KeWaitForMultipleObjects).
            var processor = Processor.Current;
            throw processor.KiBugCheck(processor.Top, BugCheckCode.MaximumWaitObjectsExceeded, 0, 0, 0, 0,
                $"{processor.Top?.RoutineName} waited on {objects.Count} objects (MAXIMUM_WAIT_OBJECTS is 64)");
        }
        if (objects.Count == 0)
        {
            throw new ArgumentException("KeWaitForMultipleObjects takes 1..64 objects.", nameof(objects));
        }
        return Processor.Current.Machine.KiWait(Processor.Current, [.. objects], waitType, timeout, nameof(KeWaitForMultipleObjects));
    }

    /// <summary>KeDelayExecutionThread: the thread sleeps for <paramref name="interval"/> (100 ns units, negative = relative). Await it for STATUS_SUCCESS.</summary>
    /// <remarks>IRQL &lt;= APC_LEVEL.</remarks>
    public static KWaitAwaitable KeDelayExecutionThread(KProcessorMode waitMode, bool alertable, long interval) =>
        Processor.Current.Machine.KiWait(Processor.Current, [], WaitType.WaitAll, interval, nameof(KeDelayExecutionThread));
}

public sealed partial class Machine
{
    internal KWaitAwaitable KiWait(Processor processor, KDispatcherObject[] objects, WaitType waitType, long? timeout, string service)
    {
        KiChecked.KeWait(timeout, service);
        processor.KiCharge(processor.Costs.DispatcherObjectNs);
        // In a DPC the wait is not refused up front: as in NT it fails only if it would switch threads, and then as
        // ATTEMPTED_SWITCH_FROM_DPC (ReactOS KiSwapContextResume); a wait satisfied at once switches nothing.
        var inDpc = processor.Irql == Irql.DispatchLevel && processor.KiDpcRoutineActive;
        if ((timeout is null || timeout != 0) && processor.Irql >= Irql.DispatchLevel && !inDpc)
        {
            var address = objects.Length > 0 ? objects[0].EnsureAddress(this) : 0;
            throw processor.KiBugCheck(processor.Top, BugCheckCode.IrqlNotLessOrEqual, address, (ulong)processor.Irql, 0, RoutineAddress(KernelModule.Kernel, service),
                $"{processor.Top?.RoutineName} called {service} with a {(timeout is null ? "null" : "non-zero")} timeout at {processor.Irql.ToDisplayString()}");
        }
        var thread = inDpc ? null : processor.KiCurrentThread; // a DPC waits for itself, not for the thread it interrupted
        if (thread is not null)
        {
            processor.KiRefuseSecondWait(thread, service);
        }
        foreach (var obj in objects)
        {
            obj.EnsureAddress(this);
        }
        var deferred = processor.Top is { State: not FrameState.Running };
        if (deferred)
        {
            if (thread is null || processor.Top!.Kind != FrameKind.Thread)
            {
                if (timeout != 0 && !inDpc)
                {
                    throw new InvalidOperationException($"{service} must block, but {processor.Top?.RoutineName} is not running in a thread.");
                }
                // A zero-timeout poll outside a thread: it too must see what the dispatch routine did first, so it is
                // taken once that call finished, its status kept on a probe thread (this path only).
                thread = new KThread("probe", KernelModule.Kernel, static _ => default, null, 0, processor);
            }
            // The frame already waits on a call it did not await (an IoCallDriver whose dispatch routine has not run):
            // in NT that routine ran inside the call, before this wait, so nothing is checked now (an object it will
            // clear may be signaled yet); the wait is taken once that call finished (KiApplyDeferredWait runs KiWait again).
            return processor.KiDeferWait(thread, objects, waitType, timeout, service);
        }
        lock (DispatcherLock)
        {
            var probe = thread ?? new KThread("probe", KernelModule.Kernel, static _ => default, null, 0, processor);
            probe.WaitObjects = objects;
            probe.WaitKind = waitType;
            if (objects.Length > 0 && KiTrySatisfy(probe))
            {
                var status = probe.WaitStatus;
                probe.WaitObjects = [];
                return new KWaitAwaitable(null, status);
            }
            probe.WaitObjects = [];
            if (timeout == 0)
            {
                // A zero-interval KeDelayExecutionThread (no objects) succeeds at once.
                return new KWaitAwaitable(null, objects.Length == 0 ? NtStatus.Success : NtStatus.Timeout);
            }
            if (inDpc)
            {
                throw processor.KiAttemptedSwitchFromDpc(service);
            }
            if (thread is null || processor.Top!.Kind != FrameKind.Thread)
            {
                throw new InvalidOperationException($"{service} must block, but {processor.Top?.RoutineName} is not running in a thread.");
            }
            if (thread.Queue is { } queue)
            {
                // A thread working for a queue blocks on something else: it stops counting, and a waiter may run.
                KiActivateWaiterQueue(queue);
            }
            thread.WaitObjects = objects;
            thread.WaitKind = waitType;
            thread.WaitSatisfied = false;
            thread.Blocked = false;
            thread.WaitGeneration++;
            foreach (var obj in objects)
            {
                obj.WaitList.Add(thread);
            }
            if (timeout is { } t)
            {
                var delayNs = t < 0 ? -t * 100 : Math.Max(0, KiInterruptTimeNsOf(t) - NowNanoseconds);
                System.Scheduler.ScheduleTellOnce(delayNs, processor.Self, new KiWaitTimeout(thread, thread.WaitGeneration), processor.Self);
            }
            return new KWaitAwaitable(thread, NtStatus.Success);
        }
    }

    /// <summary>Whether the thread's wait can be satisfied now; if so, applies the objects' side effects and sets its status. Caller holds the dispatcher lock.</summary>
    private static bool KiTrySatisfy(KThread thread)
    {
        var objects = thread.WaitObjects;
        if (thread.WaitKind == WaitType.WaitAny)
        {
            for (var i = 0; i < objects.Length; i++)
            {
                if (objects[i].IsSignaledFor(thread))
                {
                    objects[i].Acquire(thread);
                    thread.WaitStatus = (NtStatus)((int)NtStatus.Wait0 + i);
                    return true;
                }
            }
            return false;
        }
        foreach (var obj in objects)
        {
            if (!obj.IsSignaledFor(thread))
            {
                return false;
            }
        }
        foreach (var obj in objects)
        {
            obj.Acquire(thread);
        }
        thread.WaitStatus = NtStatus.Success;
        return objects.Length > 0;
    }

    /// <summary>After <paramref name="obj"/> became signaled: satisfy the waits it now allows, in arrival order. Caller holds the dispatcher lock.</summary>
    internal void KiWaitTest(KDispatcherObject obj)
    {
        for (var i = 0; i < obj.WaitList.Count && obj.SignalState > 0;)
        {
            var thread = obj.WaitList[i];
            if (KiTrySatisfy(thread))
            {
                KiEndWait(thread, thread.WaitStatus);
            }
            else
            {
                i++;
            }
        }
    }

    /// <summary>Ends a thread's wait with <paramref name="status"/> and readies it. Caller holds the dispatcher lock.</summary>
    internal void KiEndWait(KThread thread, NtStatus status)
    {
        foreach (var obj in thread.WaitObjects)
        {
            obj.WaitList.Remove(thread);
        }
        thread.WaitObjects = [];
        thread.WaitStatus = status;
        thread.WaitSatisfied = true;
        thread.WaitGeneration++;
        thread.WaitingOnQueue = false;
        if (thread.Queue is { } queue)
        {
            // An associated thread runs again (whatever it waited for, its queue included): it counts again.
            queue.CurrentCountValue++;
        }
        if (thread.Blocked)
        {
            thread.Blocked = false;
            var processor = thread.Processor!;
            processor.KiReadyThreadFromWait(thread);
        }
    }
}
