namespace ActorKernel.Actors;

public sealed partial class UserWorkload
{
    /// <summary>The completion key the overlapped thread associates its handle with.</summary>
    public const ulong CompletionKey = 0x574B; // "WK"

    private const uint Infinite = Kernel32.Infinite;

    private const GenericAccess ReadWrite = GenericAccess.GenericRead | GenericAccess.GenericWrite;

    private const FileShareMode ShareReadWrite = FileShareMode.Read | FileShareMode.Write;

    /// <summary>A synchronous thread: one slot, one request at a time, each ReadFile/WriteFile/DeviceIoControl blocking until done.</summary>
    private async ValueTask RunSynchronous(RequestSlot slot)
    {
        try
        {
            var process = _process!;
            await WaitForStart();
            slot.AllocateBuffers(process);
            var file = await Kernel32.CreateFile(Definition.FileName, ReadWrite, ShareReadWrite, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            if (!file.IsValid)
            {
                OpenFailed(slot.Statistics);
                return;
            }
            while (TryReserve(out var id))
            {
                slot.Prepare(process, id);
                var result = await slot.Issue(file);
                await Compute();
                slot.Complete(process, result.Status, result.BytesTransferred);
                await Think();
            }
            await Kernel32.CloseHandle(file);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    /// <summary>
    /// The overlapped thread: fills every slot, then takes completions (from the port, any order; or
    /// from each slot's event, oldest first) and reissues the slot that completed, until the workload
    /// ends and nothing is left in flight.
    /// </summary>
    private async ValueTask RunOverlapped()
    {
        try
        {
            var process = _process!;
            var statistics = _threadStatistics[0];
            await WaitForStart();
            foreach (var slot in _slots)
            {
                slot.AllocateBuffers(process);
            }
            var file = await Kernel32.CreateFile(Definition.FileName, ReadWrite, ShareReadWrite, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Overlapped);
            if (!file.IsValid)
            {
                OpenFailed(statistics);
                return;
            }
            var port = Handle.Null;
            Queue<RequestSlot>? oldestFirst = null;
            if (Definition.Completion == OverlappedCompletion.CompletionPort)
            {
                port = await Kernel32.CreateIoCompletionPort(file, Handle.Null, CompletionKey, 1);
                if (!port.IsValid)
                {
                    OpenFailed(statistics);
                    await Kernel32.CloseHandle(file);
                    return;
                }
            }
            else
            {
                oldestFirst = new Queue<RequestSlot>(_slots.Count);
                foreach (var slot in _slots)
                {
                    slot.Overlapped.Event = Kernel32.CreateEvent(manualReset: true, initialState: false);
                }
            }
            // Completion packets name their OVERLAPPED: this finds the slot (a lookup, never an iteration).
            var slots = new Dictionary<Overlapped, RequestSlot>(_slots.Count, ReferenceEqualityComparer.Instance);
            foreach (var slot in _slots)
            {
                slots.Add(slot.Overlapped, slot);
            }
            // One pass per wait: the first issues every slot; each later one accounts the completions the
            // wait took and reissues their slots. Issuing is inline (not a method awaited here), so a request's
            // suspension at IoCallDriver suspends one state machine fewer.
            var outstanding = 0;
            var entries = oldestFirst is null ? new OverlappedEntry[_slots.Count] : [];
            var done = new (RequestSlot Slot, NtStatus Status, ulong Bytes)[_slots.Count];
            var count = 0;
            var filling = true;
            while (true)
            {
                var passes = filling ? _slots.Count : count;
                for (var k = 0; k < passes; k++)
                {
                    RequestSlot slot;
                    if (filling)
                    {
                        slot = _slots[k];
                    }
                    else
                    {
                        (slot, var status, var bytes) = done[k];
                        if (!slot.Complete(process, status, bytes))
                        {
                            continue; // a second completion of one request: counted, nothing more was out
                        }
                        outstanding--;
                        await Think();
                    }
                    // The slot's next request; a request that fails at once posts nothing, so it is accounted
                    // here and the slot tries again, until one is in flight (pending, or done and on its way
                    // through the port or event) or the workload issues nothing more.
                    while (TryReserve(out var id))
                    {
                        slot.Prepare(process, id);
                        var result = await slot.Issue(file);
                        if (result.Succeeded || result.Error == Win32Error.IoPending)
                        {
                            oldestFirst?.Enqueue(slot);
                            outstanding++;
                            break;
                        }
                        await Compute();
                        slot.Complete(process, result.Status, result.BytesTransferred);
                        await Think();
                    }
                }
                filling = false;
                if (outstanding == 0)
                {
                    break;
                }
                // GetQueuedCompletionStatusEx removes up to QD packets per wait; an event wait yields one completion.
                count = 0;
                if (oldestFirst is null)
                {
                    var (succeeded, removed) = await Kernel32.GetQueuedCompletionStatusEx(port, entries, Infinite);
                    if (!succeeded)
                    {
                        break; // the port failed: what is out cannot be collected (the run gives up on it)
                    }
                    for (var k = 0; k < removed; k++)
                    {
                        var entry = entries[k];
                        if (entry.Overlapped is not null && slots.TryGetValue(entry.Overlapped, out var owner))
                        {
                            done[count++] = (owner, entry.Internal, entry.BytesTransferred);
                        }
                        else
                        {
                            statistics.UnknownCompletions++;
                        }
                    }
                }
                else
                {
                    var slot = oldestFirst.Dequeue();
                    var result = await Kernel32.GetOverlappedResult(file, slot.Overlapped, wait: true);
                    done[count++] = (slot, result.Status, result.BytesTransferred);
                }
                await Compute();
            }
            foreach (var slot in _slots)
            {
                if (slot.Overlapped.Event.IsValid)
                {
                    await Kernel32.CloseHandle(slot.Overlapped.Event);
                }
            }
            if (port.IsValid)
            {
                await Kernel32.CloseHandle(port);
            }
            await Kernel32.CloseHandle(file);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    private async ValueTask WaitForStart()
    {
        var wait = Definition.StartNanoseconds - NowNanoseconds;
        if (wait > 0)
        {
            await Kernel32.SleepNanoseconds(wait);
        }
    }

    // The program's own work on a completion; also the yield after which the clock includes what the kernel charged for the request.
    private KernelYield Compute() => Wdm.KeCompute(Math.Max(1, Definition.ComputeNanoseconds));

    private ValueTask Think() => Definition.ThinkTimeNanoseconds > 0 && !_stop ? Kernel32.SleepNanoseconds(Definition.ThinkTimeNanoseconds) : ValueTask.CompletedTask;

    private static void OpenFailed(WorkloadStatistics statistics)
    {
        statistics.OpenFailures++;
        statistics.LastOpenStatus = Kernel32.GetLastNtStatus();
    }
}
