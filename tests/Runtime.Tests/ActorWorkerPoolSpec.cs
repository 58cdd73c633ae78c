using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ActorKernel.Runtime;

namespace ActorKernel.Runtime.Tests;

/// <summary>
/// The wake protocol of the concurrent dispatcher's workers (ActorWorkerPool): while a worker is
/// parked, no busy mailbox waits behind other work on another worker. Each test runs a pool of its
/// own with two workers and holds one of them in a long item, so the property is asserted by what
/// ran where, not by how long anything took (the waits are bounds for a broken protocol).
/// </summary>
[Trait("Area", "Runtime")]
public sealed class ActorWorkerPoolSpec
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>A work item that records the worker it ran on and, if given a gate, holds that worker until the gate opens.</summary>
    private sealed class Item(ActorWorkerPool pool, ManualResetEventSlim? holdUntil = null) : IThreadPoolWorkItem
    {
        public readonly ManualResetEventSlim Started = new();
        public readonly ManualResetEventSlim Done = new();
        public int Worker = -2;

        public void Execute()
        {
            Worker = ActorWorkerPool.CurrentWorkerOf(pool);
            Started.Set();
            holdUntil?.Wait(Bound);
            Done.Set();
        }
    }

    private static void WaitUntilParked(ActorWorkerPool pool, int worker)
    {
        var clock = Stopwatch.StartNew();
        while (!pool.IsParked(worker))
        {
            Assert.True(clock.Elapsed < Bound, $"worker {worker} never parked with nothing to run");
            Thread.Yield();
        }
    }

    /// <summary>With both workers parked, starts an item on worker 0 that holds it until <paramref name="release"/> opens.</summary>
    private static Item HoldWorkerZero(ActorWorkerPool pool, ManualResetEventSlim release)
    {
        var holder = new Item(pool, release);
        WaitUntilParked(pool, 0);
        WaitUntilParked(pool, 1);
        pool.EnqueueOn(holder, 0, busy: false);
        Assert.True(holder.Started.Wait(Bound));
        Assert.Equal(0, holder.Worker);
        return holder;
    }

    [Fact]
    public void A_busy_mailbox_queued_behind_other_work_wakes_the_parked_worker_which_runs_it_while_the_owner_is_held()
    {
        // A parked worker stays parked until woken: no stuck-worker look (which may take the held worker's mailboxes) within the test.
        using var pool = new ActorWorkerPool(2, "spec worker", stuckAfter: Bound);
        using var release = new ManualResetEventSlim();
        var holder = HoldWorkerZero(pool, release);

        var waiting = new Item(pool);
        var busy = new Item(pool);
        pool.EnqueueOn(waiting, 0, busy: false);
        pool.EnqueueOn(busy, 0, busy: true); // behind `waiting` on a worker that cannot run either now

        var ranWhileHeld = busy.Done.Wait(Bound);
        release.Set();
        Assert.True(ranWhileHeld, "the parked worker was not woken for a busy mailbox waiting behind other work");
        Assert.Equal(1, busy.Worker);
        Assert.True(waiting.Done.Wait(Bound));
        Assert.True(holder.Done.Wait(Bound));
    }

    [Fact]
    public void Busy_mailboxes_enqueued_at_once_from_two_threads_never_leave_the_other_worker_parked_within_a_second_of_races()
    {
        // A parked worker stays parked until woken: no stuck-worker look (which may take the held worker's mailboxes) within the test.
        using var pool = new ActorWorkerPool(2, "spec worker", stuckAfter: Bound);
        var clock = Stopwatch.StartNew();
        var rounds = 0;
        // At least 20 rounds however slow the machine, then as many as a second holds.
        while (rounds < 20 || (clock.Elapsed < TimeSpan.FromSeconds(1) && rounds < 500))
        {
            rounds++;
            using var release = new ManualResetEventSlim();
            var holder = HoldWorkerZero(pool, release);

            // Two producers, released together, each queue one busy mailbox on the held worker: one
            // of them makes the backlog, and whichever it is must wake worker 1.
            var first = new Item(pool);
            var second = new Item(pool);
            using var start = new Barrier(2);
            var producers = new[] { first, second }.Select(item => new Thread(() =>
            {
                start.SignalAndWait(Bound);
                pool.EnqueueOn(item, 0, busy: true);
            })).ToArray();
            foreach (var producer in producers)
            {
                producer.Start();
            }
            foreach (var producer in producers)
            {
                producer.Join(Bound);
            }

            var oneRan = WaitHandle.WaitAny([first.Done.WaitHandle, second.Done.WaitHandle], Bound) != WaitHandle.WaitTimeout;
            release.Set();
            Assert.True(oneRan, $"round {rounds}: two busy mailboxes waited on a held worker while the other stayed parked");
            Assert.True(first.Done.Wait(Bound) && second.Done.Wait(Bound) && holder.Done.Wait(Bound));
            Assert.Contains(1, new[] { first.Worker, second.Worker });
        }
    }

    private static void WaitUntil(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Bound, what);
            Thread.Yield();
        }
    }

    [Fact]
    public void The_worker_that_went_idle_last_spins_the_one_it_replaces_parks_and_a_tell_from_outside_goes_to_the_spinner()
    {
        // Spinning without end (until replaced), so each step is a state, not a race against a spin budget;
        // the caller is never on the spinner's CPU here (the next test covers that case).
        using var pool = new ActorWorkerPool(2, "spec worker", spinsBeforePark: 1_000_000_000, currentCpu: () => -2);
        var first = new Item(pool);
        pool.EnqueueOn(first, 1, busy: false);
        Assert.True(first.Done.Wait(Bound));
        // Worker 1 ran it unless worker 0, spinning since the start, took it first (as an awake worker may take a
        // sleeping one's mailboxes): the one that ran it went idle last.
        WaitUntil(() => pool.SpinningWorker == first.Worker && pool.IsParked(1 - first.Worker), $"worker {first.Worker} did not become the one spinner after its item, with the other parked");
        var parked = 1 - first.Worker;

        var second = new Item(pool);
        pool.EnqueueOn(second, parked, busy: false);
        Assert.True(second.Done.Wait(Bound));
        if (second.Worker == parked)
        {
            WaitUntil(() => pool.SpinningWorker == parked && pool.IsParked(first.Worker), $"worker {parked}, idle last, did not take over the spinning from worker {first.Worker}, which should have parked");
        }
        else
        {
            // The spinner took the item from the sleeping worker before it was back. Which of the two went idle
            // last is then a race; either way one spins and the other parks.
            WaitUntil(() => pool.SpinningWorker is var s and >= 0 && pool.IsParked(1 - s), "after the second item, no worker spun with the other parked");
        }
        var spinning = pool.SpinningWorker;
        var wakes = pool.Wakes;

        for (var i = 0; i < 4; i++)
        {
            var asked = new Item(pool);
            pool.Enqueue(asked); // from this thread, as a blocking caller's Ask
            Assert.True(asked.Done.Wait(Bound));
            Assert.Equal(spinning, asked.Worker);
            WaitUntil(() => pool.SpinningWorker == spinning, $"worker {spinning} did not spin again after the item");
            Assert.True(pool.IsParked(1 - spinning), "a Tell from outside woke the parked worker while another one spun");
            Assert.Equal(wakes, pool.Wakes);
        }
    }

    [Fact]
    public void A_tell_from_outside_on_the_spinning_workers_own_cpu_goes_to_the_parked_worker_instead()
    {
        // The caller's CPU is whatever the spinning worker last recorded: a caller sharing its CPU.
        ActorWorkerPool? shared = null;
        using var pool = new ActorWorkerPool(2, "spec worker", spinsBeforePark: 1_000_000_000, currentCpu: () => shared!.CpuOf(Math.Max(0, shared.SpinningWorker)));
        shared = pool;
        var first = new Item(pool);
        pool.EnqueueOn(first, 1, busy: false);
        Assert.True(first.Done.Wait(Bound));
        // Worker 1 ran it unless worker 0, spinning since the start, took it first.
        WaitUntil(() => pool.SpinningWorker == first.Worker && pool.IsParked(1 - first.Worker) && pool.CpuOf(first.Worker) >= 0,
            $"worker {first.Worker} did not become the one spinner after its item, with the other parked");

        var wakes = pool.Wakes;
        var asked = new Item(pool);
        pool.Enqueue(asked); // from this thread, as a blocking caller's Ask
        // Queued for worker 0 and woken (the spinner may still take it first, as it may any sleeping worker's item).
        Assert.Equal(wakes + 1, pool.Wakes);
        Assert.True(asked.Done.Wait(Bound));
    }

    [Fact]
    public void A_workers_turn_count_and_the_flags_other_workers_read_sit_on_separate_cache_lines_with_padding_around_them()
    {
        const int line = 64;
        var size = Unsafe.SizeOf<ActorWorkerPool.WorkerState>();
        var runs = (int)Marshal.OffsetOf<ActorWorkerPool.WorkerState>(nameof(ActorWorkerPool.WorkerState.Runs));
        var flags = new[] { nameof(ActorWorkerPool.WorkerState.Parked), nameof(ActorWorkerPool.WorkerState.Idle), nameof(ActorWorkerPool.WorkerState.Sleeping) }
            .Select(name => (int)Marshal.OffsetOf<ActorWorkerPool.WorkerState>(name)).ToArray();
        Assert.True(runs >= line, "the turn count shares a line with what comes before the state");
        Assert.True(flags.Min() - (runs + sizeof(long)) >= line - sizeof(long), "the turn count and the flags share a cache line");
        Assert.True(flags.Max() - flags.Min() + sizeof(int) <= line, "the flags are spread over more than one line");
        Assert.True(size - (flags.Max() + sizeof(int)) >= line - sizeof(int) * 3, "the flags share a line with what comes after the state");
    }

    [Fact]
    public void A_mailbox_queued_on_a_parked_worker_from_another_thread_is_run()
    {
        using var pool = new ActorWorkerPool(2, "spec worker");
        for (var worker = 0; worker < 2; worker++)
        {
            WaitUntilParked(pool, worker);
            var item = new Item(pool);
            pool.EnqueueOn(item, worker, busy: false);
            Assert.True(item.Done.Wait(Bound), $"a mailbox queued on parked worker {worker} never ran");
        }
    }

    /// <summary>
    /// A chain of one actor: each turn notes the worker it ran on, then queues itself again from
    /// that worker (as a Tell from inside a turn), until it has run on every worker of the pool or
    /// <paramref name="turns"/> times.
    /// </summary>
    private sealed class Chain(ActorWorkerPool pool, long turns, bool untilEveryWorker) : IThreadPoolWorkItem
    {
        public readonly ManualResetEventSlim Done = new();
        public readonly long[] RunsOn = new long[pool.Count];
        public long Turns;

        public void Execute()
        {
            RunsOn[ActorWorkerPool.CurrentWorkerOf(pool)]++;
            Turns++;
            if ((untilEveryWorker && RunsOn.All(r => r > 0)) || Turns >= turns)
            {
                Done.Set();
                return;
            }
            pool.Enqueue(this);
        }
    }

    [Fact]
    public void While_both_workers_are_busy_with_chains_of_their_own_the_workers_rotate_their_lanes_so_each_chain_runs_on_both()
    {
        // Without rotation each chain stays on its worker for good: neither worker is ever idle to take
        // the other's, and the OS's unequal share of CPU between the two threads becomes the chains' share.
        using var pool = new ActorWorkerPool(2, "spec worker", rotationSlice: TimeSpan.FromMilliseconds(1));
        WaitUntilParked(pool, 0);
        WaitUntilParked(pool, 1);
        var first = new Chain(pool, long.MaxValue, untilEveryWorker: true);
        var second = new Chain(pool, long.MaxValue, untilEveryWorker: true);
        pool.EnqueueOn(first, 0, busy: false);
        pool.EnqueueOn(second, 1, busy: false);
        Assert.True(first.Done.Wait(Bound), $"the chain started on worker 0 never ran on worker 1 (runs per worker {string.Join(", ", first.RunsOn)}, rotations {pool.Rotations})");
        Assert.True(second.Done.Wait(Bound), $"the chain started on worker 1 never ran on worker 0 (runs per worker {string.Join(", ", second.RunsOn)}, rotations {pool.Rotations})");
        Assert.True(pool.Rotations > 0);
    }

    [Fact]
    public void A_chain_alone_stays_on_its_worker_the_idle_worker_neither_takes_it_nor_rotates_it_away()
    {
        // The shapes the placement protects (a ping-pong pair, a chain, an Ask) keep their core while
        // the other worker has nothing to do: rotation is only between busy workers. No stuck-worker look: worker 0
        // preempted for a millisecond on a loaded machine would rightly lose the chain to it.
        using var pool = new ActorWorkerPool(2, "spec worker", rotationSlice: TimeSpan.FromMilliseconds(1), stuckAfter: Bound);
        WaitUntilParked(pool, 0);
        WaitUntilParked(pool, 1);
        var chain = new Chain(pool, 200_000, untilEveryWorker: false);
        pool.EnqueueOn(chain, 0, busy: false);
        Assert.True(chain.Done.Wait(Bound), $"the chain did not finish its {chain.Turns} turns");
        Assert.Equal(200_000, chain.RunsOn[0]);
        Assert.Equal(0, pool.Rotations);
    }

    [Fact]
    public void A_mailbox_waiting_behind_a_worker_held_in_one_turn_past_the_stuck_bound_is_taken_by_the_idle_worker()
    {
        // No rotation: it would hand the held worker's lane to the other worker at the nudge's turn.
        using var pool = new ActorWorkerPool(2, "spec worker", rotationSlice: Timeout.InfiniteTimeSpan);
        using var release = new ManualResetEventSlim();
        var holder = HoldWorkerZero(pool, release);
        var waiting = new Item(pool);
        pool.EnqueueOn(waiting, 0, busy: false);
        // Worker 1 parked before anything waited; a turn of its own makes it go idle with the mailbox there.
        var nudge = new Item(pool);
        pool.EnqueueOn(nudge, 1, busy: false);

        var ranWhileHeld = waiting.Done.Wait(Bound);
        release.Set();
        Assert.True(ranWhileHeld, "a mailbox waited behind a worker held in one turn for the whole bound");
        Assert.Equal(1, waiting.Worker);
        Assert.Equal(1, pool.StuckSteals);
        Assert.True(holder.Done.Wait(Bound));
    }

    /// <summary>
    /// Two items passing one token: each turn queues the other item first (from its worker, as a Tell
    /// from inside a turn), then works for <paramref name="turnLength"/>, so one item always waits on
    /// the lane while the other runs.
    /// </summary>
    private sealed class LongTurnPair
    {
        private readonly Half _first;

        public LongTurnPair(ActorWorkerPool pool, int turns, TimeSpan turnLength)
        {
            RunsOn = new long[pool.Count];
            _first = new Half(this, pool, turnLength);
            var second = new Half(this, pool, turnLength) { Other = _first };
            _first.Other = second;
            Remaining = turns;
        }

        public readonly ManualResetEventSlim Started = new();
        public readonly ManualResetEventSlim Done = new();
        public readonly long[] RunsOn;
        public int Remaining;

        public IThreadPoolWorkItem First => _first;

        private sealed class Half(LongTurnPair pair, ActorWorkerPool pool, TimeSpan turnLength) : IThreadPoolWorkItem
        {
            public Half Other = null!;

            public void Execute()
            {
                pair.RunsOn[ActorWorkerPool.CurrentWorkerOf(pool)]++;
                pair.Started.Set();
                if (Interlocked.Decrement(ref pair.Remaining) <= 0)
                {
                    pair.Done.Set();
                    return;
                }
                pool.Enqueue(Other);
                var clock = Stopwatch.StartNew();
                while (clock.Elapsed < turnLength)
                {
                    Thread.SpinWait(20);
                }
            }
        }
    }

    [Fact]
    public void Turns_shorter_than_the_stuck_bound_keep_the_mailbox_waiting_behind_them_on_their_worker()
    {
        // A simulated processor's turns run 100 µs and more with the next actor of its chain queued behind:
        // an idle worker that took it would split the chain over both cores. The bound here is far above
        // the turns (and the whole run), so a worker preempted by a loaded machine still does not count as stuck.
        // No rotation: it would hand worker 0's lane to worker 1 at the nudge's turn.
        using var pool = new ActorWorkerPool(2, "spec worker", rotationSlice: Timeout.InfiniteTimeSpan, stuckAfter: TimeSpan.FromSeconds(5));
        WaitUntilParked(pool, 0);
        WaitUntilParked(pool, 1);
        var pair = new LongTurnPair(pool, 100, TimeSpan.FromMilliseconds(1));
        pool.EnqueueOn(pair.First, 0, busy: false);
        Assert.True(pair.Started.Wait(Bound));
        // Worker 1 goes idle while worker 0 has a mailbox waiting, and looks again and again.
        var nudge = new Item(pool);
        pool.EnqueueOn(nudge, 1, busy: false);
        Assert.True(pair.Done.Wait(Bound), "the pair did not finish its turns");
        Assert.Equal(0, pool.StuckSteals);
        Assert.Equal(100, pair.RunsOn[0]);
    }
}
