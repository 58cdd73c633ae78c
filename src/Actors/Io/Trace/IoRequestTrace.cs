namespace ActorKernel.Actors;

/// <summary>
/// One I/O request being traced: its spans so far (none when sampled out at its start) and what must
/// happen before it is finished. An unsampled request is updated by the hooks without the recorder's
/// lock (interlocked counters, a compare-and-swap maximum), so it can be touched from several
/// processors at once; a sampled one only under the lock.
/// </summary>
internal sealed class IoRequestTrace(Irp irp, ulong traceHi, ulong traceLo, long sequence)
{
    private List<TraceSpan>? _spans;

    public Irp Irp { get; } = irp;
    // Settable: a request that continues a remote caller's trace (W3C traceparent carried in a frame) takes its trace id.
    public ulong TraceHi { get; set; } = traceHi;
    public ulong TraceLo { get; set; } = traceLo;
    public long Sequence { get; } = sequence;
    public TraceSpan Root = null!;
    public TraceSpan? Service;
    public TraceSpan? FirstDispatch;

    /// <summary>The recorded spans (made when the first is added: an unsampled request never has any).</summary>
    public List<TraceSpan> Spans => _spans ??= [];

    // Spans of this request still running, plus ISRs and DPCs that touched it and have not returned (interlocked).
    public int Open;
    public volatile bool Completed;
    public long CompletedNs;
    public volatile bool FirstDispatchReturned;
    public volatile bool ExpectResume;
    public volatile bool Resumed;
    // 1 once someone took the request to finish it (compare-and-swap: exactly one does).
    public int FinishClaim;
    public NtStatus Status;
    public ulong Information;
    public IrpMajorFunction Major;
    public string? Device;
    // Where it sits in the recorder's list of unfinished requests (for Flush), -1 when not there.
    public int LiveIndex = -1;

    // Head sampling: an unsampled request has no spans, only what its metrics need (when it started
    // and the latest time anything of it ended), so its latency is the one a recorded request gets.
    public bool Sampled = true;
    public long StartNs;
    public long EndNs;
    public int FirstDispatchLocation = -1;
    public bool Unfinished;
    public bool FromService;

    public bool Finished => Volatile.Read(ref FinishClaim) != 0;

    public string TraceId => TraceIdText(TraceHi, TraceLo);

    public bool Finishable => Completed && FirstDispatchReturned && Volatile.Read(ref Open) <= 0 && (!ExpectResume || Resumed);

    /// <summary>Takes the request to finish it; true for exactly one caller.</summary>
    public bool Claim() => Interlocked.CompareExchange(ref FinishClaim, 1, 0) == 0;

    /// <summary>Raises <see cref="EndNs"/> to <paramref name="ns"/> if later (lock-free).</summary>
    public void ExtendTo(long ns)
    {
        var seen = Volatile.Read(ref EndNs);
        while (ns > seen)
        {
            var was = Interlocked.CompareExchange(ref EndNs, ns, seen);
            if (was == seen)
            {
                return;
            }
            seen = was;
        }
    }

    internal static string TraceIdText(ulong hi, ulong lo) => string.Create(32, (hi, lo), static (span, v) =>
    {
        v.hi.TryFormat(span, out _, "x16", System.Globalization.CultureInfo.InvariantCulture);
        v.lo.TryFormat(span[16..], out _, "x16", System.Globalization.CultureInfo.InvariantCulture);
    });
}
