using System.Globalization;
using ActorKernel.Runtime;

namespace ActorKernel.Actors;

/// <summary>One request as the program saw it complete (<see cref="UserWorkload.RequestCompleted"/>).</summary>
/// <param name="Id">The request's id: workload-wide, 0-based, in issue order.</param>
/// <param name="Slot">The request slot that issued it.</param>
/// <param name="Operation">IRP_MJ_READ, IRP_MJ_WRITE or IRP_MJ_DEVICE_CONTROL.</param>
/// <param name="Status">Its final NTSTATUS.</param>
/// <param name="Bytes">The bytes the driver reported (Information).</param>
/// <param name="Offset">Its device offset.</param>
/// <param name="Length">The bytes asked for.</param>
public readonly record struct CompletedRequest(long Id, int Slot, IrpMajorFunction Operation, NtStatus Status, ulong Bytes, long Offset, int Length);

/// <summary>
/// A user program issuing a <see cref="WorkloadDefinition"/> from threads of a <see cref="UserProcess"/>
/// through <see cref="Kernel32"/>: <see cref="WorkloadMode.Synchronous"/> (QD threads, one request each)
/// or <see cref="WorkloadMode.Overlapped"/> (one thread keeping QD requests in flight, completing through
/// a completion port or events). It records per-request latency in simulated time (the machine's clock)
/// and, with a wall clock, in wall time, and checks data (<see cref="DataVerifier"/>).
/// Everything it draws comes from its own <see cref="DeterministicRandom"/>, derived per slot.
/// </summary>
public sealed partial class UserWorkload
{
    private readonly DeterministicRandom _random;
    private readonly TimeProvider? _wallClock;
    private readonly List<WorkloadStatistics> _threadStatistics = [];
    private readonly List<RequestSlot> _slots = [];
    private Machine? _machine;
    private UserProcess? _process;
    private long _reserved;
    private long _inFlight;
    private long _maxInFlight;
    private int _running;
    private volatile bool _stop;

    /// <summary>A workload of <paramref name="definition"/>, drawing from <paramref name="random"/> (derive one per workload).</summary>
    /// <param name="definition">What it does (validated here).</param>
    /// <param name="random">Its generator; each slot derives its own from it.</param>
    /// <param name="wallClock">Where wall time comes from (null: no wall latency). Product code passes the host's clock; tests a fake.</param>
    public UserWorkload(WorkloadDefinition definition, DeterministicRandom random, TimeProvider? wallClock = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(random);
        definition.Validate();
        Definition = definition;
        _random = random;
        _wallClock = wallClock;
    }

    /// <summary>What it does.</summary>
    public WorkloadDefinition Definition { get; }

    /// <summary>Raised on the workload's thread each time the program sees a request complete (tests count completions per id with it).</summary>
    public event Action<CompletedRequest>? RequestCompleted;

    /// <summary>Started, and every thread has closed its handles and returned.</summary>
    public bool IsDone => _machine is not null && Volatile.Read(ref _running) == 0;

    /// <summary>The most requests in flight at once (never above <see cref="WorkloadDefinition.QueueDepth"/>).</summary>
    public long MaxInFlight => Interlocked.Read(ref _maxInFlight);

    /// <summary>Threads stop issuing, wait for what they have in flight, close their handles and return (a graceful stop).</summary>
    public void RequestStop() => _stop = true;

    /// <summary>The machine's clock.</summary>
    internal long NowNanoseconds => _machine!.NowNanoseconds;

    /// <summary>
    /// Starts the workload's threads in <paramref name="process"/> (ready at once; they wait for
    /// <see cref="WorkloadDefinition.StartNanoseconds"/> themselves).
    /// </summary>
    /// <param name="machine">The machine the process runs on (its clock and processors).</param>
    /// <param name="process">The user process the threads belong to.</param>
    public void Start(Machine machine, UserProcess process)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(process);
        if (_machine is not null)
        {
            throw new InvalidOperationException($"workload '{Definition.Name}' was already started");
        }
        _machine = machine;
        _process = process;
        var d = Definition;
        var threads = d.Mode == WorkloadMode.Synchronous ? d.QueueDepth : 1;
        for (var t = 0; t < threads; t++)
        {
            _threadStatistics.Add(new WorkloadStatistics());
        }
        for (var s = 0; s < d.QueueDepth; s++)
        {
            var statistics = _threadStatistics[d.Mode == WorkloadMode.Synchronous ? s : 0];
            _slots.Add(new RequestSlot(this, s, _random.Derive(F($"slot{s}")), statistics));
        }
        _running = threads;
        for (var t = 0; t < threads; t++)
        {
            var processor = (d.FirstProcessor + t) % machine.ProcessorCount;
            if (d.Mode == WorkloadMode.Synchronous)
            {
                var slot = _slots[t];
                process.CreateThread(processor, F($"{d.Name}#{t}"), () => RunSynchronous(slot));
            }
            else
            {
                process.CreateThread(processor, F($"{d.Name}#0"), RunOverlapped);
            }
        }
    }

    /// <summary>The workload's counters so far: its threads' counters added up (a copy).</summary>
    /// <returns>A new <see cref="WorkloadStatistics"/>.</returns>
    public WorkloadStatistics Snapshot()
    {
        var total = new WorkloadStatistics();
        foreach (var s in _threadStatistics)
        {
            total.Add(s);
        }
        return total;
    }

    /// <summary>
    /// The counters so far without the latency histograms (they stay empty and allocate nothing): what
    /// a progress view reads every slice; <see cref="AddLatencies"/> adds the latencies where wanted.
    /// </summary>
    public WorkloadStatistics Counters()
    {
        var total = new WorkloadStatistics();
        foreach (var s in _threadStatistics)
        {
            total.AddCounters(s);
        }
        return total;
    }

    /// <summary>Adds the simulated latency of every request completed so far to <paramref name="latency"/>.</summary>
    public void AddLatencies(LatencyHistogram latency)
    {
        ArgumentNullException.ThrowIfNull(latency);
        foreach (var s in _threadStatistics)
        {
            latency.Add(s.Latency);
        }
    }

    /// <summary>The run stopped waiting: each request still in flight is counted failed (abandoned; or lost, after a crash).</summary>
    /// <param name="crashed">The machine crashed (the requests are in its dump) rather than a driver losing them.</param>
    /// <returns>How many requests were given up.</returns>
    public int GiveUpInFlight(bool crashed)
    {
        var n = 0;
        foreach (var slot in _slots)
        {
            n += slot.GiveUp(crashed);
        }
        return n;
    }

    internal long WallTimestamp() => _wallClock?.GetTimestamp() ?? 0;

    internal long WallElapsedNanoseconds(long start, long end) => _wallClock is null ? 0 : (long)(_wallClock.GetElapsedTime(start, end).Ticks * 100);

    internal void OnCompleted(in CompletedRequest request)
    {
        Interlocked.Decrement(ref _inFlight);
        RequestCompleted?.Invoke(request);
    }

    /// <summary>Takes the next request id, or false when the workload must stop issuing (stop, end of duration, request count reached).</summary>
    private bool TryReserve(out long id)
    {
        id = -1;
        var d = Definition;
        if (_stop || (d.DurationNanoseconds is { } duration && NowNanoseconds >= d.StartNanoseconds + duration))
        {
            return false;
        }
        var next = Interlocked.Increment(ref _reserved) - 1;
        if (d.RequestCount is { } count && next >= count)
        {
            return false;
        }
        id = next;
        var inFlight = Interlocked.Increment(ref _inFlight);
        for (var max = Interlocked.Read(ref _maxInFlight); inFlight > max; max = Interlocked.Read(ref _maxInFlight))
        {
            if (Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) == max)
            {
                break;
            }
        }
        return true;
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
