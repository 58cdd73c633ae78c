namespace ActorKernel.Actors;

/// <summary>
/// One I/O request being traced: its spans so far (none when sampled out at its start) and what must
/// happen before it is finished. An unsampled request is updated by the hooks without the recorder's
/// lock (interlocked counters, a compare-and-swap maximum), so it can be touched from several
/// processors at once; a sampled one only under the lock. An unsampled request issued on a processor
/// is reused once finished (<see cref="ProcessorTraceState.RentUnsampled"/>): its <see cref="Generation"/>
/// changes at each use, and every finisher claims it for the generation it saw while it still held it,
/// so a late claim on a reused record fails.
/// </summary>
internal sealed class IoRequestTrace
{
    // Low two bits: 0 running, 1 claimed by its finisher, 2 finished (its record may be reused); above them, the generation.
    private const int PhaseMask = 3;
    private const int Claimed = 1;
    private const int Done = 2;

    private List<TraceSpan>? _spans;
    private int _state;

    public IoRequestTrace(Irp irp, ulong traceHi, ulong traceLo, long sequence, bool serial)
    {
        Serial = serial;
        Irp = irp;
        TraceHi = traceHi;
        TraceLo = traceLo;
        Sequence = sequence;
    }

    /// <summary>Every hook that touches it runs on one thread (<see cref="TraceAtomic"/>): its updates need no locked instructions.</summary>
    public bool Serial { get; }

    public Irp Irp { get; private set; }
    // Settable: a request that continues a remote caller's trace (W3C traceparent carried in a frame) takes its trace id.
    public ulong TraceHi { get; set; }
    public ulong TraceLo { get; set; }
    public long Sequence { get; private set; }
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

    /// <summary>Which use of this record it is (read while holding the request: a routine of it running, or before its last gate opened).</summary>
    public int Generation => Volatile.Read(ref _state) >> 2;

    /// <summary>Claimed by its finisher (or finished).</summary>
    public bool Finished => (Volatile.Read(ref _state) & PhaseMask) != 0;

    /// <summary>Finished and its metrics recorded: nothing reads it any more, so the record can be reused.</summary>
    public bool Reusable => (Volatile.Read(ref _state) & PhaseMask) == Done;

    public string TraceId => TraceIdText(TraceHi, TraceLo);

    public bool Finishable => Completed && FirstDispatchReturned && Volatile.Read(ref Open) <= 0 && (!ExpectResume || Resumed);

    /// <summary>Takes the request to finish it; true for exactly one caller (the machine idle, or the request held by the caller).</summary>
    public bool Claim() => Claim(Generation);

    /// <summary>Takes the request to finish it if it is still the use <paramref name="generation"/>; true for exactly one caller.</summary>
    public bool Claim(int generation) => TraceAtomic.CompareExchange(ref _state, (generation << 2) | Claimed, generation << 2, Serial) == generation << 2;

    /// <summary>Its finisher is done with it (the last thing read from a finished request).</summary>
    public void MarkDone() => Volatile.Write(ref _state, (_state & ~PhaseMask) | Done);

    /// <summary>
    /// Makes this record (a finished unsampled request's) the new unsampled request issued now on the processor that
    /// reuses it, before the IRP's mark points to it. What only a recorded request sets (spans, root, the recorder's
    /// list index) was never set on it, so it is not written again.
    /// </summary>
    public void ReuseUnsampled(Irp irp, ulong traceHi, ulong traceLo, long sequence, long startNs, IrpMajorFunction major, string? device)
    {
        Irp = irp;
        TraceHi = traceHi;
        TraceLo = traceLo;
        Sequence = sequence;
        Open = 0;
        Completed = false;
        CompletedNs = 0;
        FirstDispatchReturned = false;
        ExpectResume = false;
        Resumed = false;
        Status = default;
        Information = 0;
        Major = major;
        Device = device;
        StartNs = startNs;
        EndNs = startNs;
        FirstDispatchLocation = -1;
        Unfinished = false;
        Volatile.Write(ref _state, ((_state >> 2) + 1) << 2);
    }

    /// <summary>Raises <see cref="EndNs"/> to <paramref name="ns"/> if later (lock-free).</summary>
    public void ExtendTo(long ns)
    {
        var seen = Volatile.Read(ref EndNs);
        while (ns > seen)
        {
            var was = TraceAtomic.CompareExchange(ref EndNs, ns, seen, Serial);
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
