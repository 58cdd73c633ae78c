using ActorKernel.Actors;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Processors.ProcessorFixture;

namespace ActorKernel.Conformance.Tests.Processors;

/// <summary>KQUEUE: FIFO entries, LIFO waiters, the concurrency value, timeouts, DPC inserts, rundown.</summary>
[Trait("Area", "UserMode")]
public sealed class QueueTests
{
    private static KQueueRemoval Remove(KQueue queue, long? timeout = null) => KeRemoveQueue(queue, KProcessorMode.KernelMode, timeout);

    private static KQueue NewQueue(uint count)
    {
        var queue = new KQueue();
        KeInitializeQueue(queue, count);
        return queue;
    }

    [Fact]
    public void Entries_are_removed_FIFO_KeInsertHeadQueue_puts_one_in_front_and_inserts_return_the_previous_state()
    {
        using var machine = Create();
        var queue = NewQueue(1);
        var previous = new List<int>();
        var removed = new List<object?>();
        machine.RunRoutine(0, Driver, "Worker", async () =>
        {
            previous.Add(KeInsertQueue(queue, "a"));
            previous.Add(KeInsertQueue(queue, "b"));
            previous.Add(KeInsertQueue(queue, "c"));
            previous.Add(KeInsertHeadQueue(queue, "z"));
            for (var i = 0; i < 4; i++)
            {
                var (status, entry) = await Remove(queue);
                Assert.Equal(NtStatus.Success, status);
                removed.Add(entry);
            }
        });
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal([0, 1, 2, 3], previous);
        Assert.Equal(["z", "a", "b", "c"], removed);
        Assert.Equal(0, queue.EntryCount);
    }

    [Fact]
    public void The_most_recent_waiter_gets_the_next_entry()
    {
        using var machine = Create(processors: 2);
        var queue = NewQueue(8);
        var got = new List<string>();
        foreach (var name in new[] { "first", "second", "third" })
        {
            // Same processor, FIFO ready queue: they start waiting in this order.
            machine.CreateSystemThread(0, Driver, name, async _ =>
            {
                var (status, entry) = await Remove(queue);
                Assert.Equal(NtStatus.Success, status);
                got.Add($"{name}:{entry}");
            });
        }
        machine.RunRoutine(1, Driver, "Inserter", async () =>
        {
            await KeCompute(50_000);
            Assert.Equal(3, queue.WaitList.Count);
            for (var i = 1; i <= 3; i++)
            {
                KeInsertQueue(queue, i);
                await KeCompute(50_000);
            }
        });
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(["third:1", "second:2", "first:3"], got);
    }

    [Fact]
    public void Concurrency_1_holds_the_second_entry_until_the_running_thread_blocks_on_another_object()
    {
        using var machine = Create(processors: 3);
        var queue = NewQueue(1);
        var other = new KEvent();
        KeInitializeEvent(other, EventType.NotificationEvent, false);
        var log = new List<string>();
        long blockedAt = 0, secondTookAt = 0;
        machine.CreateSystemThread(0, Driver, "Early", async _ =>
        {
            var (_, entry) = await Remove(queue);
            secondTookAt = machine.NowNanoseconds;
            log.Add($"early:{entry}");
        });
        machine.CreateSystemThread(1, Driver, "Late", async _ =>
        {
            await KeCompute(10_000); // waits after Early: the most recent waiter
            var (_, entry) = await Remove(queue);
            log.Add($"late:{entry}");
            await KeCompute(200_000); // works on it; the second entry must stay queued meanwhile
            log.Add($"queued while late runs: {queue.EntryCount}, current {queue.CurrentCount}");
            blockedAt = machine.NowNanoseconds;
            await KeWaitForSingleObject(other, KWaitReason.Executive, KProcessorMode.KernelMode, false, -10_000);
            log.Add("late woke");
        });
        machine.RunRoutine(2, Driver, "Inserter", async () =>
        {
            await KeCompute(50_000);
            KeInsertQueue(queue, "A");
            KeInsertQueue(queue, "B");
        }, Irql.DispatchLevel);
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(["late:A", "queued while late runs: 1, current 1", "early:B", "late woke"], log);
        Assert.True(secondTookAt >= blockedAt, $"the second entry went out at {secondTookAt} ns, before the running thread blocked at {blockedAt} ns");
    }

    [Fact]
    public void Concurrency_1_a_running_thread_that_removes_again_takes_the_next_entry_itself_and_counts_once()
    {
        using var machine = Create(processors: 3);
        var queue = NewQueue(1);
        var log = new List<string>();
        machine.CreateSystemThread(0, Driver, "Early", async _ =>
        {
            var (status, entry) = await Remove(queue, -10_000_000); // 1 s
            log.Add($"early:{status}:{entry}");
        });
        machine.CreateSystemThread(1, Driver, "Late", async _ =>
        {
            await KeCompute(10_000);
            var (_, first) = await Remove(queue);
            await KeCompute(200_000);
            Assert.Equal(1, queue.CurrentCount);
            var (_, second) = await Remove(queue);
            log.Add($"late:{first},{second} current {queue.CurrentCount}");
        });
        machine.RunRoutine(2, Driver, "Inserter", async () =>
        {
            await KeCompute(50_000);
            KeInsertQueue(queue, "A");
            KeInsertQueue(queue, "B");
        }, Irql.DispatchLevel);
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(["late:A,B current 1", $"early:{NtStatus.Timeout}:"], log);
        Assert.Equal(0, queue.CurrentCount); // both threads ended: neither counts
    }

    [Fact]
    public void KeRemoveQueue_with_a_relative_timeout_returns_STATUS_TIMEOUT_after_that_virtual_time()
    {
        using var machine = Create();
        var queue = NewQueue(0);
        (NtStatus Status, object? Entry)? result = null;
        long waited = 0;
        machine.RunRoutine(0, Driver, "Waiter", async () =>
        {
            var start = machine.NowNanoseconds;
            result = await Remove(queue, -5_000); // 500 us
            waited = machine.NowNanoseconds - start;
        });
        Run(machine);

        Assert.Equal((NtStatus.Timeout, (object?)null), result);
        Assert.InRange(waited, 500_000, 520_000);
        Assert.Equal(1, queue.MaximumCount); // count 0 = the machine's processor count
    }

    [Fact]
    public void KeRemoveQueue_with_a_zero_timeout_polls_and_returns_at_once()
    {
        using var machine = Create();
        var queue = NewQueue(1);
        var results = new List<(NtStatus, object?)>();
        long elapsed = -1;
        machine.RunRoutine(0, Driver, "Poller", async () =>
        {
            var start = machine.NowNanoseconds;
            results.Add(await Remove(queue, 0));
            elapsed = machine.NowNanoseconds - start;
            KeInsertQueue(queue, "x");
            results.Add(await Remove(queue, 0));
        });
        Run(machine);

        Assert.Equal([(NtStatus.Timeout, null), (NtStatus.Success, "x")], results);
        Assert.Equal(0, elapsed); // nothing yielded: the poll did not wait
        Assert.Equal(0, queue.CurrentCount);
    }

    [Fact]
    public void KeInsertQueue_from_a_DPC_wakes_a_PASSIVE_LEVEL_waiter()
    {
        using var machine = Create();
        var queue = NewQueue(1);
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, _, _) =>
        {
            Assert.Equal(Irql.DispatchLevel, KeGetCurrentIrql());
            KeInsertQueue(queue, "from dpc");
            return ValueTask.CompletedTask;
        }, null, Driver);
        Connect(machine, (_, _) =>
        {
            KeInsertQueueDpc(dpc, null, null);
            return ValueTask.FromResult(true);
        });
        object? got = null;
        Irql? irqlAfter = null;
        machine.CreateSystemThread(0, Driver, "Waiter", async _ =>
        {
            (_, got) = await Remove(queue);
            irqlAfter = KeGetCurrentIrql();
        });
        RaiseAt(machine, DeviceLine, 100_000);
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal("from dpc", got);
        Assert.Equal(Irql.PassiveLevel, irqlAfter);
    }

    [Fact]
    public void KeRundownQueue_returns_the_entries_left_in_order_and_ends_the_threads_association()
    {
        using var machine = Create();
        var queue = NewQueue(1);
        IReadOnlyList<object>? left = null;
        KThread? worker = null;
        machine.RunRoutine(0, Driver, "Worker", async () =>
        {
            worker = KeGetCurrentThread();
            KeInsertQueue(queue, 1);
            await Remove(queue);
            Assert.Same(queue, worker!.Queue);
            KeInsertQueue(queue, 2);
            KeInsertQueue(queue, 3);
            left = KeRundownQueue(queue);
        });
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(new object[] { 2, 3 }, left!);
        Assert.Null(worker!.Queue);
        Assert.Empty(queue.AssociatedThreads);
        Assert.Equal(0, queue.EntryCount);
    }

    [Fact]
    public void KeRemoveQueue_with_a_non_zero_timeout_at_DISPATCH_LEVEL_bugchecks_IRQL_NOT_LESS_OR_EQUAL()
    {
        using var machine = Create();
        var queue = NewQueue(1);
        machine.RunRoutine(0, Driver, "RemoveAtDpcLevel", async () => await Remove(queue, -10_000), Irql.DispatchLevel);
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.IrqlNotLessOrEqual, dump.Code);
        Assert.Equal(queue.Address, dump.ParameterValues[0]);
        Assert.Equal((ulong)Irql.DispatchLevel, dump.ParameterValues[1]);
        Assert.Equal("RemoveAtDpcLevel", dump.FaultingRoutine);
    }

    [Fact]
    public void KeInsertQueue_above_DISPATCH_LEVEL_bugchecks_IRQL_NOT_LESS_OR_EQUAL()
    {
        using var machine = Create();
        var queue = NewQueue(1);
        machine.RunRoutine(0, Driver, "InsertAtDirql", () =>
        {
            KeInsertQueue(queue, "too high");
            return ValueTask.CompletedTask;
        }, (Irql)5);
        Run(machine);

        var dump = Assert.IsType<CrashDump>(machine.CrashDump);
        Assert.Equal(BugCheckCode.IrqlNotLessOrEqual, dump.Code);
        Assert.Equal(queue.Address, dump.ParameterValues[0]);
        Assert.Equal(5UL, dump.ParameterValues[1]);
        Assert.Equal(0, queue.EntryCount);
    }

    [Fact]
    public void A_terminating_associated_thread_stops_counting_and_lets_a_waiter_take_an_entry()
    {
        using var machine = Create(processors: 2);
        var queue = NewQueue(1);
        var log = new List<string>();
        machine.CreateSystemThread(0, Driver, "Waiter", async _ =>
        {
            await KeCompute(10_000);
            var (_, entry) = await Remove(queue);
            log.Add($"waiter:{entry}");
        });
        machine.CreateSystemThread(1, Driver, "Exiting", async _ =>
        {
            KeInsertQueue(queue, "A");
            KeInsertQueue(queue, "B");
            var (_, entry) = await Remove(queue);
            await KeCompute(100_000);
            log.Add($"exiting:{entry} with {queue.EntryCount} queued");
        });
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(["exiting:A with 1 queued", "waiter:B"], log);
    }

    [Fact]
    public void Four_processors_inserting_and_removing_10k_entries_on_the_concurrent_dispatcher_lose_none_and_duplicate_none()
    {
        const int Processors = 4, Total = 10_000, PerProcessor = Total / Processors;
        using var machine = Machine.Create(new MachineOptions { Processors = Processors, Seed = 7, ClockIntervalNs = 0, SystemWorkerThreads = 0, Dispatcher = DispatcherKind.Concurrent });
        var queue = NewQueue(0);
        var taken = new List<int>[Processors];
        var removedTotal = 0;
        using var done = new CountdownEvent(Processors * 2);
        for (var cpu = 0; cpu < Processors; cpu++)
        {
            var mine = taken[cpu] = [];
            var first = cpu * PerProcessor;
            machine.RunRoutine(cpu, Driver, "Producer", async () =>
            {
                for (var i = 0; i < PerProcessor; i++)
                {
                    KeInsertQueue(queue, first + i);
                    if (i % 8 == 0)
                    {
                        await KeCompute(100);
                    }
                }
                done.Signal();
            });
            machine.CreateSystemThread(cpu, Driver, "Consumer", async _ =>
            {
                while (Volatile.Read(ref removedTotal) < Total)
                {
                    var (status, entry) = await Remove(queue, -10_000); // 1 ms, so the last consumers notice the end
                    if (status == NtStatus.Success)
                    {
                        mine.Add((int)entry!);
                        Interlocked.Increment(ref removedTotal);
                    }
                }
                done.Signal();
            });
        }
        Assert.True(done.Wait(TimeSpan.FromSeconds(60)), $"the processors did not finish: {Volatile.Read(ref removedTotal)} removed");
        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);

        var all = taken.SelectMany(t => t).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, Total), all);
        Assert.Equal(0, queue.EntryCount);
    }
}
