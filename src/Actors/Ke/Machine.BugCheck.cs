using System.Globalization;
using ActorKernel.Hardware;

namespace ActorKernel.Actors;

public sealed partial class Machine
{
    private int _bugChecked;
    private BugCheckException? _bugCheckException;

    /// <summary>Whether the machine stopped with a bugcheck (every processor is frozen).</summary>
    public bool IsBugChecked => Volatile.Read(ref _bugChecked) != 0;

    /// <summary>The crash dump of the bugcheck, or null.</summary>
    public CrashDump? CrashDump { get; private set; }

    /// <summary>Why the crash dump files could not be written, or null.</summary>
    public string? CrashDumpWriteError { get; private set; }

    /// <summary>Raised once, on the thread that bugchecked, with the dump.</summary>
    public event Action<CrashDump>? BugChecked;

    /// <summary>
    /// KeBugCheckEx: stops every processor of this machine (not the host) and writes the crash dump.
    /// The first bugcheck wins; later ones return the first one's exception.
    /// </summary>
    internal BugCheckException KeBugCheck(Processor? processor, Frame? frame, BugCheckCode code, ulong p1, ulong p2, ulong p3, ulong p4, string? note)
    {
        var exception = new BugCheckException(code, p1, p2, p3, p4);
        if (Interlocked.CompareExchange(ref _bugChecked, 1, 0) != 0)
        {
            return _bugCheckException ?? exception;
        }
        _bugCheckException = exception;
        foreach (var device in _devices)
        {
            device.Tell(DeviceStop.Instance);
        }
        var dump = BuildCrashDump(processor, frame, code, [p1, p2, p3, p4], note);
        CrashDump = dump;
        if (Options.CrashDumpDirectory is { } directory)
        {
            try
            {
                Directory.CreateDirectory(directory);
                File.WriteAllText(Path.Combine(directory, "crash.json"), dump.ToJson());
                File.WriteAllText(Path.Combine(directory, "crash.txt"), dump.Analysis);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The dump object stays available; the host reports the file problem, the machine is stopped either way.
                CrashDumpWriteError = $"{directory}: {e.Message}";
            }
        }
        BugChecked?.Invoke(dump);
        return exception;
    }

    private CrashDump BuildCrashDump(Processor? processor, Frame? frame, BugCheckCode code, ulong[] values, string? note)
    {
        var description = BugCheckCatalog.Describe(code, values[0]);
        var parameters = values.Select((v, i) => new CrashDumpParameter(v, CrashDump.Hex(v), description.Parameters[i])).ToList();
        var processors = _processors.Select(KiDumpProcessorSafely).ToList();
        var faulting = processor is null ? processors[0] : processors[processor.Number];
        var module = frame?.Module.Name ?? "ntoskrnl.exe";
        var routine = frame?.RoutineName ?? "unknown";
        return new CrashDump
        {
            Code = code,
            BugCheckName = code.GetName(),
            BugCheckCode = "0x" + ((uint)code).ToString("X8", CultureInfo.InvariantCulture),
            Parameters = parameters,
            Summary = description.Summary,
            BugCheckProcessor = faulting.Number,
            FaultingModule = module,
            FaultingRoutine = routine,
            Note = note,
            TimeNs = NowNanoseconds,
            Seed = Options.Seed,
            Dispatcher = System.Dispatcher.Kind.ToString(),
            Processors = processors,
            Analysis = CrashDump.BuildAnalysis(code, parameters, description.Summary, faulting, module, routine, note),
        };
    }

    /// <summary>
    /// On the concurrent dispatcher the other processors are still finishing their turn while the
    /// dump is taken, so reading their frames and lists may race; a dump must exist all the same,
    /// so a processor that cannot be read consistently is recorded with its IRQL only.
    /// </summary>
    private ProcessorDump KiDumpProcessorSafely(Processor p)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                return DumpProcessor(p);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
            {
                // changed under us (concurrent dispatcher): read it again
            }
        }
        return new ProcessorDump
        {
            Number = p.Number,
            Irql = p.Irql.ToDisplayString(),
            IrqlValue = (int)p.Irql,
            Frames = [],
            HeldSpinLocks = [],
            DpcQueue = [],
            PendingInterrupts = [],
            IrqlHistory = [],
        };
    }

    /// <summary>Every processor's state now, as a dump records it (the kernel debugger's view of a machine stopped without a bugcheck).</summary>
    internal IReadOnlyList<ProcessorDump> KdDumpProcessors() => [.. _processors.Select(KiDumpProcessorSafely)];

    private ProcessorDump DumpProcessor(Processor p)
    {
        var frames = new List<FrameDump>();
        for (var i = p.Depth - 1; i >= 0; i--)
        {
            var f = p.FrameAt(i);
            frames.Add(new FrameDump(f.Kind.ToString(), f.RoutineName, f.Module.Name, f.Irql.ToDisplayString(), f.State.ToString(), f.ChargedNs,
                f.SpinningOn is { } spin ? $"{spin.Name} ({CrashDump.Hex(spin.Address)})" : null));
        }
        List<KDpc> dpcs;
        lock (DpcLock)
        {
            dpcs = p.SnapshotDpcQueue();
        }
        return new ProcessorDump
        {
            Number = p.Number,
            Irql = p.Irql.ToDisplayString(),
            IrqlValue = (int)p.Irql,
            Frames = frames,
            HeldSpinLocks = [.. p.HeldLocks.Select(l => new SpinLockDump(l.Name, CrashDump.Hex(l.Address)))],
            DpcQueue = [.. dpcs.Select(d => new DpcDump(d.RoutineName, d.Module.Name, CrashDump.Hex(d.Address), d.Importance.ToString()))],
            PendingInterrupts = [.. p.PendingInterrupts.Select(r => new PendingInterruptDump(r.Line, r.Vector, ((Irql)r.Irql).ToDisplayString()))],
            IrqlHistory = [.. p.IrqlHistory.Select(t => new IrqlTransitionDump(t.TimeNs, t.From.ToDisplayString(), t.To.ToDisplayString(), t.Routine))],
        };
    }
}
