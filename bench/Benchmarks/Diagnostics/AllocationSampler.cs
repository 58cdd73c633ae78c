using System.Diagnostics.Tracing;
using System.Globalization;

namespace ActorKernel.Benchmarks.Diagnostics;

/// <summary>
/// Which types a run allocates, from the runtime's own GC AllocationTick events (one event per
/// about 100 KB allocated, naming the type of the object that crossed the mark): a sampled
/// histogram, enough to see where the bytes of a hot path go without an external profiler.
/// Used by the probes' <c>--alloc-types</c> option.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const int GcKeyword = 0x1;
    private readonly Dictionary<string, long> _bytesByType = [];
    private readonly Lock _lock = new();
    private bool _enabled;

    /// <summary>Starts counting.</summary>
    public void Start() => _enabled = true;

    /// <summary>Stops counting.</summary>
    public void Stop() => _enabled = false;

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_enabled || eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is null)
        {
            return;
        }
        var index = eventData.PayloadNames!.IndexOf("TypeName");
        var amountIndex = eventData.PayloadNames.IndexOf("AllocationAmount64");
        if (index < 0)
        {
            return;
        }
        var type = eventData.Payload[index] as string ?? "?";
        var amount = amountIndex >= 0 ? Convert.ToInt64(eventData.Payload[amountIndex], CultureInfo.InvariantCulture) : 100_000;
        lock (_lock)
        {
            _bytesByType[type] = _bytesByType.GetValueOrDefault(type) + amount;
        }
    }

    /// <summary>Prints the sampled types, most bytes first, as bytes per operation.</summary>
    public void Print(double operations, int top = 25)
    {
        lock (_lock)
        {
            var total = _bytesByType.Values.Sum();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sampled allocation by type ({total / operations:0.0} B per operation sampled):"));
            foreach (var (type, bytes) in _bytesByType.OrderByDescending(p => p.Value).Take(top))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {bytes / operations,8:0.0} B/op  {type}"));
            }
        }
    }
}
