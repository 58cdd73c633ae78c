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
    /// <summary>A work item's routine (IoQueueWorkItem) run by a system worker thread: kernel work of its own.</summary>
    WorkItem,
    /// <summary>A device model's own work: from the command the driver gave it to the interrupt it raised.</summary>
    Device,
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

    /// <summary>The trace id, 32 lowercase hex digits (formatted when first read: a span dropped unread never is).</summary>
    public string TraceId
    {
        get => _traceId ??= TraceHi == 0 && TraceLo == 0 ? "" : IoRequestTrace.TraceIdText(TraceHi, TraceLo);
        internal set => _traceId = value;
    }

    private string? _traceId;

    /// <summary>Sets the trace id as its two halves (what <see cref="TraceId"/> formats).</summary>
    internal void SetTraceId(ulong hi, ulong lo)
    {
        if (TraceHi != hi || TraceLo != lo)
        {
            TraceHi = hi;
            TraceLo = lo;
            _traceId = null;
        }
    }

    internal ulong TraceHi;
    internal ulong TraceLo;

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
    /// <remarks>
    /// Built on first read: while recording, a routine span keeps what it ran for as typed fields
    /// (<see cref="RoutineAttributes"/>) and its status as the NTSTATUS, and the strings (IRQL and status names,
    /// hex addresses) are formatted here, at export, for the spans that are kept.
    /// </remarks>
    public List<KeyValuePair<string, object>> Attributes
    {
        get
        {
            if (_pendingRoutine || _pendingStatus || ReferenceEquals(_attributes, NoAttributes))
            {
                Materialize();
            }
            return _attributes;
        }
    }

    /// <summary>Links to spans of other traces.</summary>
    public List<TraceLink> Links => _links ??= [];

    private List<TraceLink>? _links;

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

    private List<KeyValuePair<string, object>> _attributes = NoAttributes;
    private static readonly List<KeyValuePair<string, object>> NoAttributes = [];
    private RoutineAttributes _routine;
    private bool _pendingRoutine;
    private bool _pendingStatus;

    /// <summary>Whether the span was ended as it stood (attribute <c>nt.unfinished</c>).</summary>
    internal bool Unfinished { get; private set; }

    /// <summary>Why the routine broke Microsoft's guidance, if it did (attribute <c>nt.guidance</c>).</summary>
    internal string? GuidanceBroken { get; private set; }

    /// <summary>The image the routine belongs to (attribute <c>nt.driver.image</c> of a routine span).</summary>
    internal string? Image => _pendingRoutine ? _routine.Image : Attribute(TraceAttributes.DriverImage) as string;

    /// <summary>Records the routine this span stands for; its attributes are formatted when first read.</summary>
    internal void SetRoutine(in RoutineAttributes routine)
    {
        _routine = routine;
        _pendingRoutine = true;
    }

    /// <summary>Records the NTSTATUS (attributes <c>nt.status</c> and <c>nt.status.code</c>, formatted when first read) and the span's status code.</summary>
    internal void SetNtStatus(NtStatus status)
    {
        Set(TraceAttributes.Status, new DeferredStatus(status));
        _pendingStatus = true;
        if (status.IsError())
        {
            Status = TraceStatusCode.Error;
            StatusMessage = IoTraceRecorder.StatusName(status);
        }
        else if (status != NtStatus.Pending)
        {
            Status = TraceStatusCode.Ok;
        }
    }

    internal void MarkUnfinished()
    {
        Unfinished = true;
        Set("nt.unfinished", true);
    }

    internal void MarkGuidance(string guidance)
    {
        GuidanceBroken = guidance;
        Set(TraceAttributes.Guidance, guidance);
    }

    internal void Set(string key, object? value)
    {
        if (value is null)
        {
            return;
        }
        if (_pendingRoutine && RoutineAttributes.Covers(key))
        {
            Materialize();
        }
        if (ReferenceEquals(_attributes, NoAttributes))
        {
            _attributes = new List<KeyValuePair<string, object>>(4);
        }
        for (var i = 0; i < _attributes.Count; i++)
        {
            if (_attributes[i].Key == key)
            {
                _attributes[i] = new(key, value);
                return;
            }
        }
        _attributes.Add(new(key, value));
    }

    private void Materialize()
    {
        var explicitly = _attributes.ToArray();
        _attributes = new List<KeyValuePair<string, object>>((_pendingRoutine ? 12 : 0) + explicitly.Length + 1);
        if (_pendingRoutine)
        {
            _pendingRoutine = false;
            _routine.AddTo(_attributes);
        }
        _pendingStatus = false;
        foreach (var a in explicitly)
        {
            if (a.Value is DeferredStatus d)
            {
                _attributes.Add(new(TraceAttributes.Status, IoTraceRecorder.StatusName(d.Value)));
                _attributes.Add(new(TraceAttributes.StatusCode, IoTraceRecorder.StatusHex(d.Value)));
            }
            else
            {
                _attributes.Add(a);
            }
        }
    }

    private sealed record DeferredStatus(NtStatus Value);

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

/// <summary>What a routine span ran for, kept as values while recording and formatted as attributes at export.</summary>
internal readonly record struct RoutineAttributes(
    int Processor, Irql Irql, IoRoutineKind Kind, string RoutineName, string? Image, string? DeviceName, ulong DeviceAddress,
    ulong IrpAddress, IrpMajorFunction Major, int MinorCode, int Location)
{
    /// <summary>The routine's attributes for <paramref name="e"/> (the minor code read now: the stack location changes later).</summary>
    public static RoutineAttributes Of(in IoRoutineEvent e) => new(e.Processor, e.Irql, e.Kind, e.RoutineName, e.ImageName, e.Device?.Name, e.Device?.Address ?? 0,
        e.Irp?.Address ?? 0, e.MajorFunction,
        e.Irp is { } irp && e.Location >= 1 && e.Location <= irp.StackCount ? irp.StackAt(e.Location).MinorFunction : -1, e.Irp is null ? -1 : e.Location);

    /// <summary>Whether <paramref name="key"/> is one of the attributes this struct supplies.</summary>
    public static bool Covers(string key) => key is TraceAttributes.Processor or TraceAttributes.Irql or TraceAttributes.IrqlName or TraceAttributes.RoutineKind
        or TraceAttributes.Function or TraceAttributes.DriverImage or TraceAttributes.Device or TraceAttributes.IrpAddress or TraceAttributes.MajorFunction
        or TraceAttributes.MajorFunctionCode or TraceAttributes.MinorFunctionCode or TraceAttributes.StackLocation;

    /// <summary>Adds the attributes, in the order the exports have always listed them.</summary>
    public void AddTo(List<KeyValuePair<string, object>> attributes)
    {
        attributes.Add(new(TraceAttributes.Processor, (long)Processor));
        attributes.Add(new(TraceAttributes.Irql, (long)Irql));
        attributes.Add(new(TraceAttributes.IrqlName, Irql.ToDisplayString()));
        attributes.Add(new(TraceAttributes.RoutineKind, Kind.ToString()));
        attributes.Add(new(TraceAttributes.Function, RoutineName));
        if (Image is not null)
        {
            attributes.Add(new(TraceAttributes.DriverImage, Image));
        }
        if (DeviceName is not null || DeviceAddress != 0)
        {
            attributes.Add(new(TraceAttributes.Device, DeviceName ?? IoTraceRecorder.Hex(DeviceAddress)));
        }
        if (Location >= 0)
        {
            attributes.Add(new(TraceAttributes.IrpAddress, IoTraceRecorder.Hex(IrpAddress)));
            attributes.Add(new(TraceAttributes.MajorFunction, Major.ToDisplayString()));
            attributes.Add(new(TraceAttributes.MajorFunctionCode, (long)Major));
            if (MinorCode >= 0)
            {
                attributes.Add(new(TraceAttributes.MinorFunctionCode, (long)MinorCode));
            }
            attributes.Add(new(TraceAttributes.StackLocation, (long)Location));
        }
    }
}
