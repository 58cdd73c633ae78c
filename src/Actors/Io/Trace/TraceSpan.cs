using System.Globalization;

namespace ActorKernel.Actors;

/// <summary>What a span stands for, the layer <c>trace analyze</c> charges its time to.</summary>
public enum TraceSpanCategory
{
    /// <summary>The user-mode call that started a request (ReadFile, WriteFile, DeviceIoControl).</summary>
    UserCall,
    /// <summary>The system service (NtReadFile ...), the I/O manager's part of the request.</summary>
    SystemService,
    /// <summary>A request a driver built (no user call): rooted at its first IoCallDriver.</summary>
    DriverRequest,
    /// <summary>A dispatch routine of one stack location.</summary>
    Dispatch,
    /// <summary>DriverStartIo.</summary>
    StartIo,
    /// <summary>An interrupt service routine.</summary>
    Isr,
    /// <summary>A deferred procedure call.</summary>
    Dpc,
    /// <summary>An IoCompletion routine.</summary>
    Completion,
    /// <summary>A cancel routine.</summary>
    Cancel,
    /// <summary>An IoTimer routine.</summary>
    Timer,
    /// <summary>The requester's wake-up: from the completion's signal to the waiting thread running again.</summary>
    WakeUp,
    /// <summary>The root of kernel work that belongs to no request (a timer DPC, an interrupt, a work item).</summary>
    KernelWork,
}

/// <summary>A span's outcome, as OpenTelemetry's status code.</summary>
public enum TraceStatusCode
{
    /// <summary>Not set.</summary>
    Unset = 0,
    /// <summary>Succeeded.</summary>
    Ok = 1,
    /// <summary>Failed (an NTSTATUS of error severity).</summary>
    Error = 2,
}

/// <summary>A link from one span to another (a request spawned by, or completed by, another's routine).</summary>
/// <param name="TraceId">The linked span's trace id, 32 hex digits.</param>
/// <param name="SpanId">The linked span's id, 16 hex digits.</param>
/// <param name="Relation">Why: <c>spawned-by</c>, <c>completed-by</c>, <c>completes</c>, <c>queued-by</c>.</param>
public readonly record struct TraceLink(string TraceId, string SpanId, string Relation);

/// <summary>
/// One finished span in simulated time: what ran, from when to when (nanoseconds of the machine's
/// clock), under which parent, with OpenTelemetry-style attributes. Ids are derived from the seed,
/// so the same run gives the same ids.
/// </summary>
public sealed class TraceSpan
{
    internal TraceSpan(ulong spanId, string name, TraceSpanCategory category, long startNs)
    {
        SpanIdValue = spanId;
        Name = name;
        Category = category;
        StartNs = startNs;
        EndNs = startNs;
    }

    internal ulong SpanIdValue;
    internal long Sequence;
    internal int ProcessorNumber;
    internal TraceSpan? Cause;
    internal bool AwaitingDpc;
    internal TraceSpan? ParentSpan;
    internal IoRequestTrace? Owner;
    internal List<TraceSpan>? ChildrenToFix;
    internal List<(TraceSpan Span, string Relation)>? LinkSpans;
    internal bool Open = true;

    /// <summary>The trace id, 32 lowercase hex digits.</summary>
    public string TraceId { get; internal set; } = "";

    /// <summary>The span id, 16 lowercase hex digits.</summary>
    public string SpanId => SpanIdValue.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>The parent's span id, or empty for a root.</summary>
    public string ParentSpanId => ParentSpan is null ? RemoteParentSpanId ?? "" : ParentSpan.SpanId;

    /// <summary>The parent span in another process or machine (from a W3C traceparent), for a root that continues a remote trace.</summary>
    public string? RemoteParentSpanId { get; internal set; }

    /// <summary>The span's name (<c>IRP_MJ_READ RamDiskRead</c>, <c>Isr SerialIsr</c>, <c>ReadFile</c> ...).</summary>
    public string Name { get; }

    /// <summary>What it stands for.</summary>
    public TraceSpanCategory Category { get; }

    /// <summary>Start, simulated nanoseconds since the machine started.</summary>
    public long StartNs { get; internal set; }

    /// <summary>End, simulated nanoseconds.</summary>
    public long EndNs { get; internal set; }

    /// <summary>Duration in simulated nanoseconds.</summary>
    public long DurationNs => EndNs - StartNs;

    /// <summary>The status code.</summary>
    public TraceStatusCode Status { get; internal set; }

    /// <summary>The status message (the NTSTATUS name of a failure).</summary>
    public string? StatusMessage { get; internal set; }

    /// <summary>Attributes in the order set; values are string, long, double or bool.</summary>
    public List<KeyValuePair<string, object>> Attributes { get; } = [];

    /// <summary>Links to spans of other traces.</summary>
    public List<TraceLink> Links { get; } = [];

    /// <summary>An attribute's value, or null.</summary>
    /// <param name="key">The attribute's name.</param>
    /// <returns>Its value.</returns>
    public object? Attribute(string key)
    {
        foreach (var a in Attributes)
        {
            if (a.Key == key)
            {
                return a.Value;
            }
        }
        return null;
    }

    internal void Set(string key, object? value)
    {
        if (value is null)
        {
            return;
        }
        for (var i = 0; i < Attributes.Count; i++)
        {
            if (Attributes[i].Key == key)
            {
                Attributes[i] = new(key, value);
                return;
            }
        }
        Attributes.Add(new(key, value));
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} [{StartNs}..{EndNs}] {SpanId} < {ParentSpanId}");
}

/// <summary>One trace as exported: a request's spans, or one piece of kernel work's, in start order.</summary>
/// <param name="TraceId">The trace id.</param>
/// <param name="Spans">Its spans, the root first, then by start time.</param>
public sealed record FinishedTrace(string TraceId, IReadOnlyList<TraceSpan> Spans)
{
    /// <summary>The root span.</summary>
    public TraceSpan Root => Spans[0];
}
