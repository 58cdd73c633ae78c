using System.Globalization;
using System.Text;
using ActorKernel.Actors;

namespace ActorKernel.Host;

/// <summary>One interval of the timeline: per device and per processor figures of that interval only.</summary>
/// <param name="StartNanoseconds">Run time the interval starts.</param>
/// <param name="EndNanoseconds">Run time it ends.</param>
/// <param name="Boot">The boot it belongs to.</param>
/// <param name="Devices">Per device.</param>
/// <param name="Processors">Per processor.</param>
public sealed record TimelineInterval(long StartNanoseconds, long EndNanoseconds, int Boot, IReadOnlyList<TimelineDevice> Devices, IReadOnlyList<TimelineProcessor> Processors);

/// <summary>A device in one interval.</summary>
/// <param name="Name">The device.</param>
/// <param name="Requests">Requests that finished in the interval (completed or failed).</param>
/// <param name="Failed">Of them, failed.</param>
/// <param name="P50Nanoseconds">Median latency of those requests.</param>
/// <param name="P99Nanoseconds">99th percentile.</param>
/// <param name="MaxNanoseconds">Largest.</param>
/// <param name="Interrupts">ISR calls of its driver.</param>
/// <param name="Dpcs">DPC runs of its driver.</param>
public sealed record TimelineDevice(string Name, long Requests, long Failed, long P50Nanoseconds, long P99Nanoseconds, long MaxNanoseconds, long Interrupts, long Dpcs);

/// <summary>A processor in one interval.</summary>
/// <param name="Number">The processor.</param>
/// <param name="Interrupts">Interrupts it took.</param>
/// <param name="Dpcs">DPCs it ran.</param>
/// <param name="DpcNanoseconds">Time charged to DPCs.</param>
/// <param name="IsrNanoseconds">Time charged to ISRs.</param>
/// <param name="DispatchLevelNanoseconds">Time at DISPATCH_LEVEL.</param>
/// <param name="DirqlNanoseconds">Time at device IRQLs (3..12).</param>
/// <param name="BusyNanoseconds">Time not idle.</param>
public sealed record TimelineProcessor(int Number, long Interrupts, long Dpcs, long DpcNanoseconds, long IsrNanoseconds, long DispatchLevelNanoseconds, long DirqlNanoseconds, long BusyNanoseconds);

/// <summary>
/// Builds the timeline from samples taken at interval boundaries of simulated time: each interval
/// is the difference of two samples of the same boot (a reboot starts from zero). Deterministic
/// like the summary: the same scenario and seed give the same rows.
/// </summary>
public sealed class Timeline(long intervalNanoseconds)
{
    private readonly List<TimelineInterval> _intervals = [];
    private TimelineSample? _previous;
    private int _boot = -1;

    /// <summary>The interval length (simulated ns).</summary>
    public long IntervalNanoseconds { get; } = Math.Max(1, intervalNanoseconds);

    /// <summary>The intervals so far, in time order.</summary>
    public IReadOnlyList<TimelineInterval> Intervals => _intervals;

    /// <summary>Run time of the next boundary after <paramref name="nowNanoseconds"/>.</summary>
    public long NextBoundary(long nowNanoseconds) => (nowNanoseconds / IntervalNanoseconds + 1) * IntervalNanoseconds;

    /// <summary>A boot starts at <paramref name="bootNanoseconds"/>: its counters start from zero.</summary>
    public void StartBoot(int boot, long bootNanoseconds)
    {
        _boot = boot;
        _previous = new TimelineSample(bootNanoseconds, [], []);
    }

    /// <summary>Closes the interval that ends at <paramref name="sample"/> (nothing when no time passed).</summary>
    public void Add(TimelineSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var previous = _previous ?? new TimelineSample(0, [], []);
        if (sample.BootNanoseconds <= previous.BootNanoseconds)
        {
            return;
        }
        var devices = sample.Devices.Select(d =>
        {
            var before = previous.Devices.FirstOrDefault(p => p.Name == d.Name);
            var latency = before is null ? d.Latency : d.Latency.Since(before.Latency);
            return new TimelineDevice(d.Name, d.Completed + d.Failed - (before is null ? 0 : before.Completed + before.Failed), d.Failed - (before?.Failed ?? 0),
                latency.Percentile(50), latency.Percentile(99), latency.Max, d.Interrupts - (before?.Interrupts ?? 0), d.Dpcs - (before?.Dpcs ?? 0));
        }).ToList();
        var processors = sample.Processors.Select(p =>
        {
            var b = previous.Processors.FirstOrDefault(x => x.Number == p.Number);
            long Level(ProcessorStatistics? s, int from, int to) => s is null ? 0 : Enumerable.Range(from, to - from + 1).Sum(l => s.IrqlResidencyNs[l]);
            return new TimelineProcessor(p.Number, p.IsrCount - (b?.IsrCount ?? 0), p.DpcCount - (b?.DpcCount ?? 0), p.DpcNs - (b?.DpcNs ?? 0), p.IsrNs - (b?.IsrNs ?? 0),
                Level(p, 2, 2) - Level(b, 2, 2), Level(p, 3, 12) - Level(b, 3, 12), p.BusyNs - (b?.BusyNs ?? 0));
        }).ToList();
        _intervals.Add(new TimelineInterval(previous.BootNanoseconds, sample.BootNanoseconds, Math.Max(0, _boot), devices, processors));
        _previous = sample;
    }

    /// <summary>timeline.csv: one row per interval and device or processor (tidy form, for plotting tools).</summary>
    public string ToCsv()
    {
        var b = new StringBuilder();
        b.Append("startNs,endNs,boot,scope,name,requests,failed,p50Ns,p99Ns,maxNs,interrupts,dpcs,dpcNs,isrNs,dispatchLevelNs,dirqlNs,busyNs\n");
        foreach (var i in _intervals)
        {
            foreach (var d in i.Devices)
            {
                b.Append(CultureInfo.InvariantCulture, $"{i.StartNanoseconds},{i.EndNanoseconds},{i.Boot},device,{d.Name},{d.Requests},{d.Failed},{d.P50Nanoseconds},{d.P99Nanoseconds},{d.MaxNanoseconds},{d.Interrupts},{d.Dpcs},,,,,\n");
            }
            foreach (var p in i.Processors)
            {
                b.Append(CultureInfo.InvariantCulture, $"{i.StartNanoseconds},{i.EndNanoseconds},{i.Boot},processor,cpu{p.Number},,,,,,{p.Interrupts},{p.Dpcs},{p.DpcNanoseconds},{p.IsrNanoseconds},{p.DispatchLevelNanoseconds},{p.DirqlNanoseconds},{p.BusyNanoseconds}\n");
            }
        }
        return b.ToString();
    }
}
