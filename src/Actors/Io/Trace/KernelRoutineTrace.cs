using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

/// <summary>
/// One ISR or DPC run as the recorder first sees it: what ran, where, from when to when, which
/// requests it touched and the ISR that queued it; values, no span. Until it returns it is not known
/// whose trace it belongs to, so the span (<see cref="Span"/>) is built only when it is needed: when a
/// recorded request's routine runs inside it, or when it ends as kernel work that is kept. An ISR or
/// DPC that serves only unsampled requests is never a span; it still counts in the metrics and still
/// extends its request's latency. Written only by the processor it runs on (and under the recorder's
/// lock once it has a span). One that never became a span is reused (<see cref="ProcessorTraceState.Rent"/>)
/// once nothing holds it: its own run and, for an ISR, the DPC it queued (<see cref="References"/>).
/// </summary>
internal sealed class KernelRoutineTrace
{
    public IoRoutineKind Kind;
    public string RoutineName = "";
    public KernelModule Module = KernelModule.Kernel;
    public int Processor;
    public Irql Irql;
    public long StartNs;
    public long EndNs;
    // The span sequence number taken when it started, so a span built later sorts and is named as if built then.
    public long Sequence;
    // Its run, plus the DPC it queued (an ISR): the last to let go gives it back to the pool (interlocked).
    public int References;
    public volatile bool Running = true;
    public bool Claimed;
    public bool Unfinished;
    // An ISR that queued a DPC: the DPC decides where the ISR goes (volatile: the DPC may run on another processor).
    public volatile bool AwaitingDpc;
    // An ISR given to a request or to kernel work already (so the DPC it queued does not take it again).
    public volatile bool Taken;
    public KernelRoutineTrace? Cause;
    public TraceSpan? Span;
    // A recorded (sampled) request's routine ran inside it, or it completed one: it ends under the lock.
    public bool AnySampled;
    public List<TraceSpan>? Children;
    private IoRequestTrace? _first;
    private List<IoRequestTrace>? _more;

    /// <summary>Starts a run (a new record, or one given back to the pool).</summary>
    public void Start(IoRoutineKind kind, string routineName, KernelModule module, int processor, Irql irql, long startNs, long sequence)
    {
        (Kind, RoutineName, Module, Processor, Irql, StartNs, EndNs, Sequence) = (kind, routineName, module, processor, irql, startNs, startNs, sequence);
        References = 1;
        Claimed = Unfinished = AnySampled = false;
        AwaitingDpc = false;
        Taken = false;
        Cause = null;
        Span = null;
        Children = null;
        _first = null;
        _more?.Clear();
        Running = true;
    }

    public bool IsIsr => Kind == IoRoutineKind.Isr;

    public long DurationNs => EndNs - StartNs;

    public string? GuidanceBroken => IsIsr ? (DurationNs > IoTraceRecorder.IsrGuidanceNs ? "isr-over-25us" : null)
        : DurationNs > IoTraceRecorder.DpcGuidanceNs ? "dpc-over-100us" : null;

    /// <summary>The requests it served (completed, or ran a routine of), in the order first touched.</summary>
    public int RequestCount => _first is null ? 0 : 1 + (_more?.Count ?? 0);

    public IoRequestTrace RequestAt(int index) => index == 0 ? _first! : _more![index - 1];

    /// <summary>Adds <paramref name="request"/> unless it is there; true when added.</summary>
    public bool Add(IoRequestTrace request)
    {
        if (_first is null)
        {
            _first = request;
            return true;
        }
        if (ReferenceEquals(_first, request))
        {
            return false;
        }
        _more ??= new List<IoRequestTrace>(2);
        if (_more.Count > 0 && _more.Contains(request))
        {
            return false;
        }
        _more.Add(request);
        return true;
    }

    public void AddChild(TraceSpan span) => (Children ??= new List<TraceSpan>(2)).Add(span);
}

/// <summary>
/// What the recorder keeps per processor without a lock: the ISRs and DPCs running there (innermost
/// last), the ISRs that queued a DPC not yet run and the unsampled requests issued there (for
/// <see cref="IoTraceRecorder.Flush"/>).
/// Written only by that processor's thread; read by others only when the machine is idle.
/// </summary>
internal sealed class ProcessorTraceState
{
    private KernelRoutineTrace?[] _running = new KernelRoutineTrace?[8];
    private int _depth;

    public List<KernelRoutineTrace> Awaiting { get; } = [];

    /// <summary>An ISR that queued a DPC (for <see cref="IoTraceRecorder.Flush"/>, should the DPC never run); those whose DPC ran are dropped as the list grows.</summary>
    public void AddAwaiting(KernelRoutineTrace isr)
    {
        if (Awaiting.Count >= 16)
        {
            DropAwaited();
        }
        Awaiting.Add(isr);
    }

    /// <summary>The DPC that <paramref name="isr"/> (one of this processor's) queued has run: it leaves the list if it is among the last few added.</summary>
    public void Awaited(KernelRoutineTrace isr)
    {
        var awaiting = Awaiting;
        for (int i = awaiting.Count - 1, last = Math.Max(0, awaiting.Count - 4); i >= last; i--)
        {
            if (ReferenceEquals(awaiting[i], isr))
            {
                awaiting.RemoveAt(i);
                return;
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // when sixteen ISRs are listed (those not taken at once by Awaited)
    private void DropAwaited()
    {
        var awaiting = Awaiting;
        var kept = 0;
        for (var i = 0; i < awaiting.Count; i++)
        {
            var a = awaiting[i];
            if (a.AwaitingDpc && !a.Taken)
            {
                awaiting[kept++] = a; // its DPC has not run yet
            }
        }
        awaiting.RemoveRange(kept, awaiting.Count - kept);
    }

    // Unsampled requests that finished here (IoTraceRecorder.Dropped sums them): written only by this processor.
    public long Dropped;

    // Records given back (never a span, nothing holds them): most ISRs and DPCs allocate nothing. An array and a count
    // in this object, not a Stack: one object fewer to reach per ISR and DPC.
    private readonly KernelRoutineTrace?[] _pool = new KernelRoutineTrace?[64];
    private int _pooled;

    public KernelRoutineTrace Rent()
    {
        if (_pooled > 0)
        {
            var routine = _pool[--_pooled]!;
            _pool[_pooled] = null;
            return routine;
        }
        return new KernelRoutineTrace();
    }

    public void Return(KernelRoutineTrace routine)
    {
        if (_pooled < _pool.Length)
        {
            _pool[_pooled++] = routine;
        }
    }

    // Unsampled requests issued on this processor without the lock (for Flush); finished ones are dropped as it grows,
    // and their records reused for the next requests issued here (an unsampled request then allocates nothing).
    private readonly List<IoRequestTrace> _live = new(64);
    private readonly IoRequestTrace?[] _requestPool = new IoRequestTrace?[256];
    private int _requestsPooled;
    private int _compactAt = 64;

    public List<IoRequestTrace> Live => _live;

    /// <summary>The record of a new unsampled request issued here (from the service, started now): a finished one reused, or a new one.</summary>
    public IoRequestTrace RentUnsampled(Irp irp, ulong traceHi, ulong traceLo, long sequence, long startNs, IrpMajorFunction major, string? device, bool serial)
    {
        if (_requestsPooled > 0)
        {
            var request = _requestPool[--_requestsPooled]!;
            _requestPool[_requestsPooled] = null;
            request.ReuseUnsampled(irp, traceHi, traceLo, sequence, startNs, major, device);
            return request;
        }
        return new IoRequestTrace(irp, traceHi, traceLo, sequence, serial)
        {
            StartNs = startNs, EndNs = startNs, FromService = true, Sampled = false, Major = major, Device = device,
        };
    }

    public void AddLive(IoRequestTrace request)
    {
        if (_live.Count >= _compactAt)
        {
            Compact();
        }
        _live.Add(request);
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // once the list doubled: not in the frame of every request's issue
    private void Compact()
    {
        // Only a request whose finisher is done with it goes back (one claimed but still recording its metrics stays).
        var kept = 0;
        for (var i = 0; i < _live.Count; i++)
        {
            var r = _live[i];
            if (!r.Finished)
            {
                _live[kept++] = r;
            }
            else if (r.Reusable && _requestsPooled < _requestPool.Length)
            {
                _requestPool[_requestsPooled++] = r;
            }
            else if (!r.Reusable)
            {
                _live[kept++] = r; // claimed, not done yet: looked at again next time
            }
        }
        _live.RemoveRange(kept, _live.Count - kept);
        _compactAt = Math.Max(64, _live.Count * 2);
    }

    /// <summary>The innermost ISR or DPC still running, or null.</summary>
    public KernelRoutineTrace? Innermost
    {
        get
        {
            var depth = _depth;
            var running = _running;
            return depth > 0 && depth <= running.Length ? running[depth - 1] : null;
        }
    }

    public int Depth => _depth;

    public KernelRoutineTrace? At(int index) => _running[index];

    public void Push(KernelRoutineTrace routine)
    {
        if (_depth == _running.Length)
        {
            Grow();
        }
        _running[_depth++] = routine;
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // ISRs nested deeper than ever before on this processor
    private void Grow() => Array.Resize(ref _running, _running.Length * 2);

    public void Remove(KernelRoutineTrace routine)
    {
        if (_depth > 0 && ReferenceEquals(_running[_depth - 1], routine))
        {
            _running[--_depth] = null; // the usual case: the innermost returns
            return;
        }
        for (var i = _depth - 1; i >= 0; i--)
        {
            if (ReferenceEquals(_running[i], routine))
            {
                Array.Copy(_running, i + 1, _running, i, _depth - i - 1);
                _running[--_depth] = null;
                return;
            }
        }
    }

    public void Clear()
    {
        Array.Clear(_running, 0, _depth);
        _depth = 0;
        Awaiting.Clear();
        _live.Clear();
    }
}
