namespace ActorKernel.Actors;

/// <summary>One I/O request being traced: its spans so far (none when sampled out at its start) and what must happen before it is finished.</summary>
internal sealed class IoRequestTrace(Irp irp, ulong traceHi, ulong traceLo, long sequence)
{
    public Irp Irp { get; } = irp;
    // Settable: a request that continues a remote caller's trace (W3C traceparent carried in a frame) takes its trace id.
    public ulong TraceHi { get; set; } = traceHi;
    public ulong TraceLo { get; set; } = traceLo;
    public long Sequence { get; } = sequence;
    public TraceSpan Root = null!;
    public TraceSpan? Service;
    public TraceSpan? FirstDispatch;
    public readonly List<TraceSpan> Spans = [];

    // Spans of this request still running, plus DPCs that touched it and have not returned.
    public int Open;
    public bool Completed;
    public long CompletedNs;
    public bool FirstDispatchReturned;
    public bool ExpectResume;
    public bool Resumed;
    public bool Finished;
    public NtStatus Status;
    public ulong Information;
    public IrpMajorFunction Major;
    public string? Device;

    // Head sampling: an unsampled request has no spans, only what its metrics need (when it started
    // and the latest time anything of it ended), so its latency is the one a recorded request gets.
    public bool Sampled = true;
    public long StartNs;
    public long EndNs;
    public int FirstDispatchLocation = -1;
    public bool Unfinished;
    public bool FromService;

    public string TraceId => TraceIdText(TraceHi, TraceLo);

    public bool Finishable => Completed && FirstDispatchReturned && Open <= 0 && (!ExpectResume || Resumed);

    internal static string TraceIdText(ulong hi, ulong lo) => string.Create(32, (hi, lo), static (span, v) =>
    {
        v.hi.TryFormat(span, out _, "x16", System.Globalization.CultureInfo.InvariantCulture);
        v.lo.TryFormat(span[16..], out _, "x16", System.Globalization.CultureInfo.InvariantCulture);
    });
}
