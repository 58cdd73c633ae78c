using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

/// <summary>A histogram in simulated nanoseconds with fixed bucket bounds (OpenTelemetry's explicit-bucket form).</summary>
public sealed class SimulatedHistogram
{
    // An array, not the interface: Record runs for every request and every ISR and DPC (declared before BoundsNs, which wraps it).
    private static readonly long[] Bounds =
        [1_000, 2_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 100_000_000];

    /// <summary>The bucket upper bounds, in nanoseconds: 1 us to 100 ms.</summary>
    public static IReadOnlyList<long> BoundsNs { get; } = Array.AsReadOnly(Bounds);

    private readonly long[] _counts = new long[Bounds.Length + 1];

    /// <summary>Values recorded.</summary>
    public long Count { get; private set; }

    /// <summary>Their sum.</summary>
    public long SumNs { get; private set; }

    /// <summary>The smallest.</summary>
    public long MinNs { get; private set; } = long.MaxValue;

    /// <summary>The largest.</summary>
    public long MaxNs { get; private set; }

    /// <summary>Values that failed (requests with an error NTSTATUS), or broke Microsoft's guidance (ISRs, DPCs).</summary>
    public long Flagged { get; internal set; }

    // The bounds and one above any value, 16 in all: the bucket is found in four compares (every request, ISR and DPC records one).
    private static readonly long[] SearchBounds = [.. Bounds, long.MaxValue];

    /// <summary>The bucket of <paramref name="ns"/>: the first whose bound is at least it, or the last (above the largest bound).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // in Record's frame: a call per request, ISR and DPC less
    internal static int BucketOf(long ns)
    {
        var b = SearchBounds;
        var i = ns > b[7] ? 8 : 0; // how many of the 16 are below ns, halving the range each time
        i += ns > b[i + 3] ? 4 : 0;
        i += ns > b[i + 1] ? 2 : 0;
        i += ns > b[i] ? 1 : 0;
        return i;
    }

    /// <summary>Count per bucket; the last is above the largest bound.</summary>
    public IReadOnlyList<long> BucketCounts => _counts;

    /// <summary>Adds <paramref name="other"/>'s values (the same bounds).</summary>
    internal void Add(SimulatedHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }
        Count += other.Count;
        SumNs += other.SumNs;
        MinNs = Math.Min(MinNs, other.MinNs);
        MaxNs = Math.Max(MaxNs, other.MaxNs);
        Flagged += other.Flagged;
    }

    internal void Record(long ns)
    {
        _counts[BucketOf(ns)]++;
        Count++;
        SumNs += ns;
        MinNs = Math.Min(MinNs, ns);
        MaxNs = Math.Max(MaxNs, ns);
    }
}

/// <summary>
/// The metrics of a traced run, kept two ways: as deterministic aggregates in simulated time (what
/// the OTLP-JSON metrics file holds) and as System.Diagnostics.Metrics instruments on the meter
/// <see cref="MeterName"/> (what the OpenTelemetry SDK exports live): requests and latency by device
/// and major function, ISR and DPC time and counts per driver, DPC queue depth, IRQL residency per
/// processor, spin-lock acquisitions/contentions/spin time, pool bytes by tag, bugchecks.
/// </summary>
public sealed class IoTraceMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "ActorKernel.Trace";

    private readonly IoTraceRecorder _recorder;
    private readonly Meter _meter;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _routineDuration;
    private readonly Counter<long> _requests;
    private static readonly Comparer<(string, string)> Ordinal = Comparer<(string, string)>.Create(static (a, b) =>
        string.CompareOrdinal(a.Item1, b.Item1) is var c and not 0 ? c : string.CompareOrdinal(a.Item2, b.Item2));

    // Sorted by ordinal name, so exports list them in the same order on every machine and culture.
    private readonly SortedDictionary<(string Device, string Major), SimulatedHistogram> _requestStats = new(Ordinal);
    // The same histograms by hash, for recording (under the recorder's lock), and the last one used: requests come in runs.
    private readonly Dictionary<(string Device, IrpMajorFunction Major), SimulatedHistogram> _requestLookup = [];
    private (string? Device, IrpMajorFunction Major, SimulatedHistogram? Histogram) _lastRequest;
    // ISR and DPC time, per processor (each recorded by its own processor without a lock), summed when read.
    private RoutineShard[] _routineShards = [];
    private readonly Lock _shardGate = new();
    private long _maxDpcQueueDepth;
    // On the deterministic dispatcher (one thread runs every hook) the DPC queue depth is one plain count, kept as the
    // per-processor sums would give it; on the concurrent one it is those sums (DpcQueueDepth), read per DPC.
    private readonly bool _serial;
    private long _serialDpcDepth;
    // The processors' IRQL change counts when the recorder was attached.
    private readonly long _irqlChangesAtAttach;

    internal IoTraceMetrics(IoTraceRecorder recorder)
    {
        _recorder = recorder;
        _serial = recorder.Serial;
        if (recorder.Machine is { } machine)
        {
            foreach (var p in machine.Processors)
            {
                _irqlChangesAtAttach += Volatile.Read(ref p.IrqlChangeCount);
            }
        }
        _meter = new Meter(MeterName);
        _requestDuration = _meter.CreateHistogram<double>("nt.io.request.duration", "s", "I/O request latency in simulated time, by device and major function.");
        _routineDuration = _meter.CreateHistogram<double>("nt.routine.duration", "s", "ISR and DPC run time in simulated time, by driver.");
        _requests = _meter.CreateCounter<long>("nt.io.requests", "{request}", "I/O requests finished, by device, major function and status.");
        _meter.CreateObservableCounter("nt.dpc.queued", () => DpcsQueued, "{dpc}", "DPCs queued.");
        _meter.CreateObservableGauge("nt.dpc.queue.depth.max", () => MaxDpcQueueDepth, "{dpc}", "The deepest the DPC queues were.");
        _meter.CreateObservableCounter("nt.irql.residency", ObserveResidency, "s", "Time each processor spent at each IRQL.");
        _meter.CreateObservableCounter("nt.spinlock.acquisitions", () => ObserveLocks(static l => l.Acquisitions), "{acquisition}", "Spin-lock acquisitions per lock.");
        _meter.CreateObservableCounter("nt.spinlock.contentions", () => ObserveLocks(static l => l.Contentions), "{contention}", "Acquisitions that had to spin, per lock.");
        _meter.CreateObservableCounter("nt.spinlock.spin_time", () => ObserveLocks(static l => l.SpinNs / 1e9), "s", "Time spent spinning, per lock.");
        _meter.CreateObservableGauge("nt.pool.bytes", ObservePool, "By", "Pool bytes outstanding by tag.");
        _meter.CreateObservableCounter("nt.bugchecks", () => Bugchecks, "{bugcheck}", "Bugchecks.");
    }

    /// <summary>Request latency by device and major function.</summary>
    public IReadOnlyDictionary<(string Device, string Major), SimulatedHistogram> Requests
    {
        get
        {
            // Requests finished off a processor (under the recorder's lock), plus each processor's own (no lock), summed: a snapshot.
            var sum = new SortedDictionary<(string Device, string Major), SimulatedHistogram>(Ordinal);
            foreach (var (key, h) in _requestStats)
            {
                sum[key] = Copy(h);
            }
            foreach (var shard in Volatile.Read(ref _routineShards))
            {
                foreach (var (key, h) in shard.RequestHistograms)
                {
                    var name = (key.Device, key.Major.ToDisplayString());
                    if (!sum.TryGetValue(name, out var total))
                    {
                        sum[name] = total = new SimulatedHistogram();
                    }
                    total.Add(h);
                }
            }
            return sum;
        }
    }

    private static SimulatedHistogram Copy(SimulatedHistogram h)
    {
        var copy = new SimulatedHistogram();
        copy.Add(h);
        return copy;
    }

    /// <summary>ISR and DPC time by driver image and kind (Isr/Dpc): the processors' histograms summed (a snapshot; read when the machine is idle).</summary>
    public IReadOnlyDictionary<(string Driver, string Kind), SimulatedHistogram> Routines
    {
        get
        {
            var sum = new SortedDictionary<(string Driver, string Kind), SimulatedHistogram>(Ordinal);
            foreach (var shard in Volatile.Read(ref _routineShards))
            {
                foreach (var (key, h) in shard.Histograms)
                {
                    if (!sum.TryGetValue(key, out var total))
                    {
                        sum[key] = total = new SimulatedHistogram();
                    }
                    total.Add(h);
                }
            }
            return sum;
        }
    }

    /// <summary>DPCs queued.</summary>
    public long DpcsQueued
    {
        get
        {
            long sum = 0;
            foreach (var shard in Volatile.Read(ref _routineShards))
            {
                sum += Volatile.Read(ref shard.DpcsQueued);
            }
            return sum;
        }
    }

    /// <summary>The deepest all DPC queues together were.</summary>
    public long MaxDpcQueueDepth => Volatile.Read(ref _maxDpcQueueDepth);

    /// <summary>IRQL changes seen (since the recorder was attached).</summary>
    public long IrqlChanges
    {
        get
        {
            if (_recorder.Machine is not { } machine)
            {
                return 0;
            }
            // Each processor counts its own changes (no hook per change): the sum less what it was at attach.
            long sum = 0;
            foreach (var p in machine.Processors)
            {
                sum += Volatile.Read(ref p.IrqlChangeCount);
            }
            return sum - _irqlChangesAtAttach;
        }
    }

    /// <summary>1 when the machine bugchecked.</summary>
    public long Bugchecks => _recorder.Machine?.IsBugChecked == true ? 1 : 0;

    /// <summary>A request finished, on <paramref name="processor"/> (its own histograms, no lock) or, with -1, off any (the caller holds the recorder's lock).</summary>
    internal void RecordRequest(IoRequestTrace request, long durationNs, NtStatus status, int processor)
    {
        var device = request.Device ?? "(none)";
        var h = processor >= 0 ? Shard(processor).GetRequest(device, request.Major) : RequestHistogramLocked(device, request.Major);
        h.Record(durationNs);
        if (status.IsError())
        {
            h.Flagged++;
        }
        if (_requests.Enabled || _requestDuration.Enabled)
        {
            RecordRequestLive(durationNs, device, request.Major, status);
        }
    }

    /// <summary>The histogram of requests finished off a processor (the caller holds the recorder's lock).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private SimulatedHistogram RequestHistogramLocked(string device, IrpMajorFunction major)
    {
        var h = _lastRequest.Histogram;
        if (h is null || !ReferenceEquals(_lastRequest.Device, device) || _lastRequest.Major != major)
        {
            if (!_requestLookup.TryGetValue((device, major), out h))
            {
                _requestStats[(device, major.ToDisplayString())] = _requestLookup[(device, major)] = h = new SimulatedHistogram();
            }
            _lastRequest = (device, major, h);
        }
        return h;
    }

    // Out of line (a listener is rare): the tag list would otherwise be set up in the frame of every request's record.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RecordRequestLive(long durationNs, string device, IrpMajorFunction majorFunction, NtStatus status)
    {
        var major = majorFunction.ToDisplayString();
        var tags = new TagList { { TraceAttributes.Device, device }, { TraceAttributes.MajorFunction, major } };
        _requestDuration.Record(durationNs / 1e9, tags);
        tags.Add(TraceAttributes.Status, IoTraceRecorder.StatusName(status));
        _requests.Add(1, tags);
    }

    /// <summary>An ISR or DPC returned: its time, on its processor's histograms (no lock: only that processor records there).</summary>
    internal void RecordRoutine(KernelRoutineTrace routine)
    {
        var isr = routine.IsIsr;
        var shard = Shard(routine.Processor);
        if (!isr && (_serial ? _serialDpcDepth : DpcQueueDepth()) > 0)
        {
            // Retired from the queue (never below zero: a DPC queued before the recorder was attached).
            Volatile.Write(ref shard.DpcsRetired, shard.DpcsRetired + 1);
            if (_serial)
            {
                _serialDpcDepth--;
            }
        }
        var driver = routine.Module.Name ?? "(kernel)";
        var h = shard.Get(driver, isr);
        h.Record(routine.DurationNs);
        if (routine.GuidanceBroken is not null)
        {
            h.Flagged++;
        }
        if (_routineDuration.Enabled)
        {
            RecordRoutineLive(routine.DurationNs, driver, isr);
        }
    }

    // Out of line (a listener is rare): the tag list would otherwise be set up in the frame of every ISR's and DPC's record.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RecordRoutineLive(long durationNs, string driver, bool isr) =>
        _routineDuration.Record(durationNs / 1e9, new TagList { { TraceAttributes.DriverImage, driver }, { TraceAttributes.RoutineKind, isr ? "Isr" : "Dpc" } });

    /// <summary>KeInsertQueueDpc on <paramref name="processor"/> (on that processor: its own count, no lock, no interlocked add).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // in the recorder's DpcQueued: one call per DPC queued less
    internal void DpcQueued(int processor)
    {
        var shard = Shard(processor);
        Volatile.Write(ref shard.DpcsQueued, shard.DpcsQueued + 1);
        var depth = _serial ? ++_serialDpcDepth : DpcQueueDepth();
        var max = Volatile.Read(ref _maxDpcQueueDepth);
        while (depth > max && Interlocked.CompareExchange(ref _maxDpcQueueDepth, depth, max) is var seen && seen != max)
        {
            max = seen; // only when the depth reaches a new maximum
        }
    }

    /// <summary>
    /// DPCs queued on all processors and not yet retired: each processor counts what it queued and what it retired, and
    /// the depth is the sum (exact on the deterministic dispatcher; on the concurrent one, as of the counts each read).
    /// </summary>
    private long DpcQueueDepth()
    {
        long depth = 0;
        foreach (var shard in Volatile.Read(ref _routineShards))
        {
            depth += Volatile.Read(ref shard.DpcsQueued) - Volatile.Read(ref shard.DpcsRetired);
        }
        return depth;
    }

    private RoutineShard Shard(int processor)
    {
        var shards = Volatile.Read(ref _routineShards);
        return (uint)processor < (uint)shards.Length ? shards[processor] : GrowShards(processor);
    }

    // Out of line: once per processor, and the lock would otherwise widen the frame of every ISR's, DPC's and request's record.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private RoutineShard GrowShards(int processor)
    {
        lock (_shardGate)
        {
            var shards = _routineShards;
            if (processor >= shards.Length)
            {
                var grown = new RoutineShard[processor + 1];
                Array.Copy(shards, grown, shards.Length);
                for (var i = shards.Length; i < grown.Length; i++)
                {
                    grown[i] = new RoutineShard();
                }
                Volatile.Write(ref _routineShards, grown);
                shards = grown;
            }
            return shards[processor];
        }
    }

    /// <summary>One processor's ISR and DPC histograms, and the ones it used (a processor runs the same few routines).</summary>
    private sealed class RoutineShard
    {
        // The ISR and DPC histograms found so far, by the driver name's reference (a module's name is one string): a
        // processor alternates between a few ISRs and DPCs (the device's, the clock's), so no hash of the name per run.
        private readonly (string Driver, bool Isr, SimulatedHistogram Histogram)[] _recent = new (string, bool, SimulatedHistogram)[8];
        private int _recentCount;
        private readonly (string Device, IrpMajorFunction Major, SimulatedHistogram Histogram)[] _recentRequests = new (string, IrpMajorFunction, SimulatedHistogram)[8];
        private int _recentRequestCount;

        // DPCs this processor queued (KeInsertQueueDpc here) and retired (ran here): written only by it, summed when read.
        public long DpcsQueued;
        public long DpcsRetired;

        public Dictionary<(string Driver, string Kind), SimulatedHistogram> Histograms { get; } = [];

        public Dictionary<(string Device, IrpMajorFunction Major), SimulatedHistogram> RequestHistograms { get; } = [];

        [MethodImpl(MethodImplOptions.AggressiveInlining)] // in RecordRoutine's frame: the few routines found so far, no call
        public SimulatedHistogram Get(string driver, bool isr)
        {
            var recent = _recent;
            for (var i = 0; i < _recentCount; i++)
            {
                ref var r = ref recent[i];
                if (ReferenceEquals(r.Driver, driver) && r.Isr == isr)
                {
                    return r.Histogram;
                }
            }
            return Add(driver, isr);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private SimulatedHistogram Add(string driver, bool isr)
        {
            var recent = _recent;
            var key = (driver, isr ? "Isr" : "Dpc");
            if (!Histograms.TryGetValue(key, out var h))
            {
                Histograms[key] = h = new SimulatedHistogram();
            }
            if (_recentCount < recent.Length)
            {
                recent[_recentCount++] = (driver, isr, h);
            }
            return h;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)] // in RecordRequest's frame
        public SimulatedHistogram GetRequest(string device, IrpMajorFunction major)
        {
            // Reads and writes interleave on a device: the ones used so far, by the device name's reference.
            var recent = _recentRequests;
            for (var i = 0; i < _recentRequestCount; i++)
            {
                ref var r = ref recent[i];
                if (ReferenceEquals(r.Device, device) && r.Major == major)
                {
                    return r.Histogram;
                }
            }
            return AddRequest(device, major);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private SimulatedHistogram AddRequest(string device, IrpMajorFunction major)
        {
            var recent = _recentRequests;
            if (!RequestHistograms.TryGetValue((device, major), out var h))
            {
                RequestHistograms[(device, major)] = h = new SimulatedHistogram();
            }
            if (_recentRequestCount < recent.Length)
            {
                recent[_recentRequestCount++] = (device, major, h);
            }
            return h;
        }
    }

    private IEnumerable<Measurement<double>> ObserveResidency()
    {
        if (_recorder.Machine is not { } machine)
        {
            yield break;
        }
        foreach (var p in machine.GetStatistics().Processors)
        {
            for (var irql = 0; irql < p.IrqlResidencyNs.Count; irql++)
            {
                if (p.IrqlResidencyNs[irql] > 0)
                {
                    yield return new Measurement<double>(p.IrqlResidencyNs[irql] / 1e9,
                        new KeyValuePair<string, object?>(TraceAttributes.Processor, p.Number), new KeyValuePair<string, object?>(TraceAttributes.IrqlName, ((Irql)irql).ToDisplayString()));
                }
            }
        }
    }

    private IEnumerable<Measurement<T>> ObserveLocks<T>(Func<SpinLockStatistics, T> value) where T : struct
    {
        if (_recorder.Machine is not { } machine)
        {
            yield break;
        }
        foreach (var l in machine.GetStatistics().SpinLocks)
        {
            yield return new Measurement<T>(value(l), new KeyValuePair<string, object?>("nt.spinlock", l.Name));
        }
    }

    private IEnumerable<Measurement<long>> ObservePool()
    {
        if (_recorder.Machine is not { } machine)
        {
            yield break;
        }
        foreach (var tag in machine.Memory.GetPoolUsage())
        {
            yield return new Measurement<long>(tag.Bytes, new KeyValuePair<string, object?>("nt.pool.tag", tag.Tag), new KeyValuePair<string, object?>("nt.pool.paged", tag.Paged));
        }
    }

    /// <summary>Stops the live instruments.</summary>
    public void Dispose() => _meter.Dispose();
}
