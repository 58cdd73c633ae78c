using System.Globalization;
using System.Runtime.CompilerServices;
using ActorKernel.Runtime;

namespace ActorKernel.Actors;

/// <summary>
/// Records every I/O request of one machine as a trace in simulated time: the user call
/// (ReadFile → NtReadFile), a span per stack location's dispatch routine, StartIo, the ISR and DPC
/// that served it, each completion routine and the requester's wake-up. Kernel work that belongs to
/// no request (a timer DPC, an interrupt whose DPC completed several requests) is a trace of its own,
/// linked to the requests it touched. Ids derive from <see cref="KernelTraceOptions.Seed"/> and a counter,
/// timestamps from the machine's clock, so on the deterministic dispatcher the same seed gives the
/// same traces. The I/O manager and the processors report through one-line hooks
/// (<see cref="IoTrace"/>, Processor.Trace.cs); when no recorder is attached they cost one static check.
/// </summary>
public sealed partial class IoTraceRecorder : IDisposable
{
    private static int s_attached;

    private readonly Lock _gate = new();
    private readonly Machine? _machine;
    private readonly IoManager? _manager;
    // Every request not finished yet (for Flush), each knowing its index: added and removed under the lock.
    private readonly List<IoRequestTrace> _live = [];
    private readonly Dictionary<OpenKey, TraceSpan> _open = [];
    private List<TraceSpan>[] _stacks = [];
    private ProcessorTraceState[] _processors = [];
    private readonly List<FinishedTrace> _traces = [];
    private readonly List<TimelineEvent> _timeline = [];
    private long _spanSequence;
    private long _traceSequence;
    private long _lastNs;
    private long _dropped;
    // Recorded (sampled) requests not finished: while none is, the device hooks have nothing to do (read without the lock).
    private int _sampledOpen;
    private bool _disposed;
    // The machine runs on the deterministic dispatcher: every hook runs on the one thread that drives it (TraceAtomic).
    private readonly bool _serial;
    // Options every request, ISR and DPC reads, copied beside the counters they update (one object's lines, not two).
    private readonly ulong _seed;
    private readonly TraceSampling _sampling;
    private readonly bool _drawTimeline;
    // Ratio sampling keeps a trace whose low id half, shifted right by 11, is below this (0: none; 2^53: all).
    private readonly ulong _ratioBound;
    // The machine's clock (Processor.Now reads it through the machine and its system, several hooks per request do).
    private readonly IScheduler? _scheduler;

    private IoTraceRecorder(Machine? machine, IoManager? manager, KernelTraceOptions options)
    {
        _machine = machine;
        _manager = manager;
        _serial = machine?.System.Deterministic is not null;
        Options = options;
        _scheduler = machine?.System.Scheduler;
        _seed = options.Seed;
        _sampling = options.Sampling;
        _drawTimeline = options.Timeline;
        _ratioBound = options.Ratio >= 1 ? 1UL << 53 : options.Ratio > 0 ? (ulong)(options.Ratio * (1UL << 53)) : 0;
        Metrics = new IoTraceMetrics(this);
    }

    /// <summary>How this recorder traces.</summary>
    public KernelTraceOptions Options { get; }

    /// <summary>The request and routine metrics gathered alongside (deterministic, in simulated time).</summary>
    public IoTraceMetrics Metrics { get; }

    /// <summary>The machine traced, if any.</summary>
    public Machine? Machine => _machine;

    /// <summary>Told of every trace kept, as it finishes (on the thread that finished it).</summary>
    public event Action<FinishedTrace>? TraceFinished;

    /// <summary>Traces finished but sampled out.</summary>
    public long Dropped
    {
        get
        {
            var dropped = Volatile.Read(ref _dropped);
            foreach (var cpu in Volatile.Read(ref _processors))
            {
                dropped += Volatile.Read(ref cpu.Dropped);
            }
            return dropped;
        }
    }

    /// <summary>Traces sampled in but not kept in memory for the files (past <see cref="KernelTraceOptions.MaxTraces"/>); live export still got them.</summary>
    public long NotKept { get; private set; }

    /// <summary>Timeline events past <see cref="KernelTraceOptions.MaxTimelineEvents"/>, not kept.</summary>
    public long TimelineDropped { get; private set; }

    /// <summary>Whether any recorder is attached in the process: the hooks' one check.</summary>
    internal static bool Active => Volatile.Read(ref s_attached) > 0;

    /// <summary>Whether every hook runs on the one thread that drives the machine (the deterministic dispatcher): plain updates suffice.</summary>
    internal bool Serial => _serial;

    /// <summary>Whether the processor timeline is drawn (<see cref="KernelTraceOptions.Timeline"/>): only then are IRQL changes and spins reported.</summary>
    internal bool DrawsTimeline => _drawTimeline;

    /// <summary>Starts tracing the I/O manager's requests and its machine's processors.</summary>
    /// <param name="manager">The I/O manager (already attached to its machine, if it has one).</param>
    /// <param name="options">Sampling, seed and epoch.</param>
    /// <returns>The recorder; dispose it to stop.</returns>
    public static IoTraceRecorder Attach(IoManager manager, KernelTraceOptions options)
    {
        ArgumentNullException.ThrowIfNull(manager);
        ArgumentNullException.ThrowIfNull(options);
        var recorder = new IoTraceRecorder(manager.Machine, manager, options);
        manager.TraceRecorder = recorder;
        if (manager.Machine is { } machine)
        {
            machine.TraceRecorder = recorder;
        }
        Interlocked.Increment(ref s_attached);
        return recorder;
    }

    /// <summary>Starts tracing a machine without an I/O manager (its ISRs, DPCs, IRQLs and spin waits only).</summary>
    /// <param name="machine">The machine.</param>
    /// <param name="options">Sampling, seed and epoch.</param>
    /// <returns>The recorder; dispose it to stop.</returns>
    public static IoTraceRecorder Attach(Machine machine, KernelTraceOptions options)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(options);
        var recorder = new IoTraceRecorder(machine, null, options);
        machine.TraceRecorder = recorder;
        Interlocked.Increment(ref s_attached);
        return recorder;
    }

    // Fields on the manager and the machine, not a table: every hook asks.
    internal static IoTraceRecorder? For(IoManager? manager) => manager?.TraceRecorder;

    internal static IoTraceRecorder? For(Machine? machine) => machine?.TraceRecorder;

    /// <summary>The traces kept so far, in the order they finished.</summary>
    /// <returns>A copy.</returns>
    public IReadOnlyList<FinishedTrace> GetTraces()
    {
        lock (_gate)
        {
            return [.. _traces];
        }
    }

    /// <summary>The processor and device timeline so far, in the order recorded.</summary>
    /// <returns>A copy.</returns>
    public IReadOnlyList<TimelineEvent> GetTimeline()
    {
        lock (_gate)
        {
            return [.. _timeline];
        }
    }

    /// <summary>
    /// Ends what is still open (requests that never completed, DPCs that never ran) as it stands, so
    /// a stopped run exports everything it started; such spans carry <c>nt.unfinished = true</c>.
    /// Call once the machine is idle or stopped.
    /// </summary>
    public void Flush()
    {
        lock (_gate)
        {
            var now = NowLocked();
            foreach (var span in SortedBySequence(_open.Values))
            {
                span.EndNs = Math.Max(span.StartNs, now);
                span.MarkUnfinished();
                span.Open = false;
            }
            _open.Clear();
            // ISRs and DPCs still running, then ISRs whose DPC never ran, in the order they started.
            var running = new List<KernelRoutineTrace>();
            var awaiting = new List<KernelRoutineTrace>();
            foreach (var cpu in _processors)
            {
                for (var i = 0; i < cpu.Depth; i++)
                {
                    running.Add(cpu.At(i)!);
                }
                awaiting.AddRange(cpu.Awaiting);
            }
            running.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
            foreach (var routine in running)
            {
                routine.EndNs = Math.Max(routine.StartNs, now);
                routine.Running = false;
                routine.Unfinished = true;
                FinishKernelRoutineLocked(routine);
            }
            awaiting.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
            foreach (var isr in awaiting)
            {
                if (isr.AwaitingDpc && !isr.Taken && !isr.Running)
                {
                    isr.AwaitingDpc = false;
                    isr.Taken = true;
                    var (hi, lo) = NewTraceId();
                    FinishKernelWorkLocked(MaterializeLocked(isr), null, hi, lo, KeepKernelWork(lo, isr, null));
                }
            }
            var pending = new List<IoRequestTrace>(_live);
            foreach (var cpu in _processors)
            {
                pending.AddRange(cpu.Live.Where(static r => !r.Finished));
            }
            pending.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
            foreach (var request in pending)
            {
                if (request.Claim())
                {
                    MarkUnfinished(request);
                    FinishClaimedLocked(request, now);
                }
            }
            _live.Clear();
            foreach (var cpu in _processors)
            {
                cpu.Clear();
            }
            _deviceWork.Clear();
            _deviceWorkOpen = 0;
            foreach (var stack in _stacks)
            {
                stack.Clear();
            }
        }
    }

    /// <summary>Stops tracing.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Metrics.Dispose();
        if (_manager is not null && ReferenceEquals(_manager.TraceRecorder, this))
        {
            _manager.TraceRecorder = null;
        }
        if (_machine is not null && ReferenceEquals(_machine.TraceRecorder, this))
        {
            _machine.TraceRecorder = null;
        }
        Interlocked.Decrement(ref s_attached);
    }

    // ---- time and ids ----------------------------------------------------------------------

    /// <summary>Simulated now: the machine's clock plus what the running routine has been charged and not yet paid.</summary>
    private long NowLocked()
    {
        var now = Now();
        // One clock for all processors: never let a span end before the last thing recorded began on another's stale view.
        _lastNs = Math.Max(_lastNs, now);
        return now;
    }

    /// <summary>Simulated now, without the lock (what the lock-free hooks of unsampled requests and ISRs/DPCs read).</summary>
    private long Now() => Now(OwnProcessor());

    /// <summary>Simulated now as <paramref name="cpu"/> sees it: this machine's processor running the caller (<see cref="OwnProcessor"/>), or null.</summary>
    private long Now(Processor? cpu) => cpu is not null
        ? (_scheduler?.NowNanoseconds ?? cpu.Now) + (cpu.Top?.PendingChargeNs ?? 0)
        : _machine?.NowNanoseconds ?? Volatile.Read(ref _lastNs);

    /// <summary>
    /// The processor running the caller if it is this machine's, else null. A thread-static read (a call into the runtime on
    /// Linux): a hook reads it once and passes it on, and the processor's own hooks pass themselves.
    /// </summary>
    private Processor? OwnProcessor() => Processor.CurrentOrNull is { } p && ReferenceEquals(p.Machine, _machine) ? p : null;

    /// <summary>The lock-free state of processor <paramref name="number"/>.</summary>
    private ProcessorTraceState ProcessorState(int number)
    {
        var all = Volatile.Read(ref _processors);
        return (uint)number < (uint)all.Length ? all[number] : GrowProcessorStates(number);
    }

    // Out of line: the lock and the arrays would otherwise be inlined into every hook that finds its processor's state
    // (a larger frame to set up per ISR, DPC and request for a path taken once per processor).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ProcessorTraceState GrowProcessorStates(int number)
    {
        lock (_gate)
        {
            var all = _processors;
            if (number >= all.Length)
            {
                var grown = new ProcessorTraceState[Math.Max(number + 1, all.Length * 2)];
                Array.Copy(all, grown, all.Length);
                for (var i = all.Length; i < grown.Length; i++)
                {
                    grown[i] = new ProcessorTraceState();
                }
                Volatile.Write(ref _processors, grown);
                all = grown;
            }
            return all[number];
        }
    }
    private static ulong Mix(ulong x)
    {
        // SplitMix64's finaliser: a bijection, so distinct counters give distinct ids.
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    private TraceSpan NewSpanLocked(string name, TraceSpanCategory category, long startNs) => NewSpan(name, category, startNs, NextSpanSequence());

    /// <summary>The next span sequence number (a span's id and order derive from it): taken without the lock by ISRs and DPCs.</summary>
    private long NextSpanSequence() => TraceAtomic.Increment(ref _spanSequence, _serial);

    private TraceSpan NewSpan(string name, TraceSpanCategory category, long startNs, long sequence)
    {
        var id = Mix(_seed ^ Mix(0x5350414EUL + (ulong)sequence));
        return new TraceSpan(id == 0 ? 1 : id, name, category, startNs) { Sequence = sequence };
    }

    /// <summary>A new trace id from the seed and the trace counter (interlocked: kernel work takes one without the lock).</summary>
    private (ulong Hi, ulong Lo) NewTraceId() => NewTraceId(out _);

    private (ulong Hi, ulong Lo) NewTraceId(out long sequence)
    {
        sequence = NextTraceSequence();
        return (TraceHiOf(sequence), TraceLoOf(sequence));
    }

    /// <summary>The next trace's number: its id is <see cref="TraceHiOf"/> and <see cref="TraceLoOf"/> of it.</summary>
    private long NextTraceSequence() => TraceAtomic.Increment(ref _traceSequence, _serial);

    // The two halves apart: sampling decides on the low half, so a trace that is not kept never computes the high one
    // (every request and every ISR/DPC of kernel work takes an id; 1% of them are kept).
    private ulong TraceHiOf(long sequence) => Mix(_seed ^ Mix(0x54524143UL + ((ulong)sequence << 1)));

    private ulong TraceLoOf(long sequence)
    {
        var lo = Mix(_seed ^ Mix(0x54524143UL + ((ulong)sequence << 1) + 1));
        return lo == 0 ? 1 : lo;
    }

    private List<TraceSpan> StackOf(int processor)
    {
        if (processor >= _stacks.Length)
        {
            var grown = new List<TraceSpan>[Math.Max(processor + 1, _stacks.Length * 2)];
            Array.Copy(_stacks, grown, _stacks.Length);
            for (var i = _stacks.Length; i < grown.Length; i++)
            {
                grown[i] = [];
            }
            _stacks = grown;
        }
        return _stacks[processor];
    }

    private static void RemoveFrom(List<TraceSpan> stack, TraceSpan span)
    {
        for (var i = stack.Count - 1; i >= 0; i--)
        {
            if (ReferenceEquals(stack[i], span))
            {
                stack.RemoveAt(i);
                return;
            }
        }
    }

    private void AddTimelineLocked(in TimelineEvent e)
    {
        if (!_drawTimeline)
        {
            return;
        }
        if (_timeline.Count >= Options.MaxTimelineEvents)
        {
            TimelineDropped++;
            return;
        }
        _timeline.Add(e);
    }

    private static List<TraceSpan> SortedBySequence(IEnumerable<TraceSpan> spans)
    {
        var list = new List<TraceSpan>(spans);
        list.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
        return list;
    }

    internal static string Hex(ulong value) => "0x" + value.ToString("X16", CultureInfo.InvariantCulture);

    internal static string StatusHex(NtStatus status) => "0x" + ((uint)status).ToString("X8", CultureInfo.InvariantCulture);

    internal static string StatusName(NtStatus status) => status.GetMacroName() ?? StatusHex(status);

    private readonly record struct OpenKey(object Target, int Location, IoRoutineKind Kind);
}
