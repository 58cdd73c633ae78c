using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ActorKernel.Actors;

/// <summary>A histogram in simulated nanoseconds with fixed bucket bounds (OpenTelemetry's explicit-bucket form).</summary>
public sealed class SimulatedHistogram
{
    /// <summary>The bucket upper bounds, in nanoseconds: 1 us to 100 ms.</summary>
    public static IReadOnlyList<long> BoundsNs { get; } =
        [1_000, 2_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 100_000_000];

    private readonly long[] _counts = new long[BoundsNs.Count + 1];

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

    /// <summary>Count per bucket; the last is above the largest bound.</summary>
    public IReadOnlyList<long> BucketCounts => _counts;

    internal void Record(long ns)
    {
        var i = 0;
        while (i < BoundsNs.Count && ns > BoundsNs[i])
        {
            i++;
        }
        _counts[i]++;
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
    private readonly SortedDictionary<(string Driver, string Kind), SimulatedHistogram> _routineStats = new(Ordinal);
    // The same histograms by hash, for recording: a sorted lookup compares strings on every ISR and DPC.
    private readonly Dictionary<(string Device, string Major), SimulatedHistogram> _requestLookup = [];
    private readonly Dictionary<(string Driver, string Kind), SimulatedHistogram> _routineLookup = [];
    private long _dpcQueueDepth;

    internal IoTraceMetrics(IoTraceRecorder recorder)
    {
        _recorder = recorder;
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
    public IReadOnlyDictionary<(string Device, string Major), SimulatedHistogram> Requests => _requestStats;

    /// <summary>ISR and DPC time by driver image and kind (Isr/Dpc).</summary>
    public IReadOnlyDictionary<(string Driver, string Kind), SimulatedHistogram> Routines => _routineStats;

    /// <summary>DPCs queued.</summary>
    public long DpcsQueued { get; private set; }

    /// <summary>The deepest all DPC queues together were.</summary>
    public long MaxDpcQueueDepth { get; private set; }

    /// <summary>IRQL changes seen.</summary>
    public long IrqlChanges => Volatile.Read(ref _irqlChanges);

    private long _irqlChanges;

    /// <summary>1 when the machine bugchecked.</summary>
    public long Bugchecks => _recorder.Machine?.IsBugChecked == true ? 1 : 0;

    internal void RecordRequestLocked(IoRequestTrace request, long durationNs, NtStatus status)
    {
        var device = request.Device ?? "(none)";
        var major = request.Major.ToDisplayString();
        if (!_requestLookup.TryGetValue((device, major), out var h))
        {
            _requestStats[(device, major)] = _requestLookup[(device, major)] = h = new SimulatedHistogram();
        }
        h.Record(durationNs);
        if (status.IsError())
        {
            h.Flagged++;
        }
        if (_requests.Enabled || _requestDuration.Enabled)
        {
            var tags = new TagList { { TraceAttributes.Device, device }, { TraceAttributes.MajorFunction, major } };
            _requestDuration.Record(durationNs / 1e9, tags);
            tags.Add(TraceAttributes.Status, IoTraceRecorder.StatusName(status));
            _requests.Add(1, tags);
        }
    }

    internal void RecordRoutineLocked(TraceSpan span, string? image)
    {
        if (span.Category is not (TraceSpanCategory.Isr or TraceSpanCategory.Dpc))
        {
            return;
        }
        var kind = span.Category == TraceSpanCategory.Isr ? "Isr" : "Dpc";
        if (span.Category == TraceSpanCategory.Dpc)
        {
            _dpcQueueDepth = Math.Max(0, _dpcQueueDepth - 1);
        }
        var driver = image ?? "(kernel)";
        if (!_routineLookup.TryGetValue((driver, kind), out var h))
        {
            _routineStats[(driver, kind)] = _routineLookup[(driver, kind)] = h = new SimulatedHistogram();
        }
        h.Record(span.DurationNs);
        if (span.GuidanceBroken is not null)
        {
            h.Flagged++;
        }
        if (_routineDuration.Enabled)
        {
            _routineDuration.Record(span.DurationNs / 1e9, new TagList { { TraceAttributes.DriverImage, driver }, { TraceAttributes.RoutineKind, kind } });
        }
    }

    internal void DpcQueuedLocked()
    {
        DpcsQueued++;
        _dpcQueueDepth++;
        MaxDpcQueueDepth = Math.Max(MaxDpcQueueDepth, _dpcQueueDepth);
    }

    internal void IrqlChanged() => Interlocked.Increment(ref _irqlChanges);

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
