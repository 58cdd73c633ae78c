using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

/// <summary>The kinds of routine that pass through the I/O manager's trace hook.</summary>
public enum IoRoutineKind
{
    /// <summary>A MajorFunction dispatch routine, entered through IoCallDriver.</summary>
    Dispatch,
    /// <summary>An IoCompletion routine, called by IoCompleteRequest.</summary>
    Completion,
    /// <summary>A cancel routine, called by IoCancelIrp.</summary>
    Cancel,
    /// <summary>DriverStartIo, called by IoStartPacket / IoStartNextPacket.</summary>
    StartIo,
    /// <summary>An IoTimer routine.</summary>
    Timer,
    /// <summary>An interrupt service routine (reported by the processor model).</summary>
    Isr,
    /// <summary>A deferred procedure call (reported by the processor model).</summary>
    Dpc,
    /// <summary>A work item's routine (IoQueueWorkItem), run by a system worker thread.</summary>
    WorkItem,
}

/// <summary>One routine run: what ran, for which request, where and at which IRQL.</summary>
/// <param name="Kind">The kind of routine.</param>
/// <param name="RoutineName">The routine's name (the method's name).</param>
/// <param name="Driver">The driver that owns the routine.</param>
/// <param name="Device">The device object it runs for.</param>
/// <param name="Irp">The request, if any.</param>
/// <param name="Location">The IRP's current location when the routine started (0 when none).</param>
/// <param name="MajorFunction">The request's major function.</param>
/// <param name="Processor">The processor number.</param>
/// <param name="Irql">The IRQL at which it ran.</param>
/// <param name="Module">The image the routine belongs to, for routines without a driver object (ISRs, DPCs); defaults to the driver's.</param>
public readonly record struct IoRoutineEvent(
    IoRoutineKind Kind, string RoutineName, DriverObject? Driver, DeviceObject? Device, Irp? Irp, int Location,
    IrpMajorFunction MajorFunction, int Processor, Irql Irql, KernelModule? Module = null)
{
    /// <summary>The image name the routine is charged to: <see cref="Module"/>, else the driver's.</summary>
    public string? ImageName => Module?.Name ?? Driver?.ImageName;

    /// <summary>A one-line form: <c>Completion FilterReadComplete (filter.sys) Irp 0x... loc 2 IRP_MJ_READ on CPU 0 at DISPATCH_LEVEL</c>.</summary>
    /// <returns>The line.</returns>
    public override string ToString() => Irp is null
        ? string.Create(CultureInfo.InvariantCulture, $"{Kind} {RoutineName} ({ImageName ?? "?"}) on CPU {Processor} at {Irql.ToDisplayString()}")
        : string.Create(CultureInfo.InvariantCulture,
            $"{Kind} {RoutineName} ({ImageName ?? "?"}) {Irp} loc {Location} {MajorFunction.ToDisplayString()} on CPU {Processor} at {Irql.ToDisplayString()}");
}

/// <summary>Told of every routine the I/O manager runs, before and after.</summary>
public interface IIoRoutineObserver
{
    /// <summary>A routine is about to run.</summary>
    /// <param name="routine">What runs.</param>
    void RoutineStarted(in IoRoutineEvent routine);

    /// <summary>A routine returned.</summary>
    /// <param name="routine">What ran.</param>
    /// <param name="result">Its status (STATUS_SUCCESS for routines that return none).</param>
    void RoutineFinished(in IoRoutineEvent routine, NtStatus result);
}

/// <summary>
/// The one place every dispatch, completion, cancel, StartIo and timer routine passes through: an
/// ActivitySource span and a Meter counter per routine. The processor model reports ISRs and DPCs
/// here too (kind <see cref="IoRoutineKind.Isr"/> / <see cref="IoRoutineKind.Dpc"/>, with their
/// <see cref="IoRoutineEvent.Module"/>), guarded by <see cref="Enabled"/> so it costs one check
/// when nothing listens.
/// </summary>
public static class IoTrace
{
    /// <summary>The name of the ActivitySource and Meter.</summary>
    public const string SourceName = "ActorKernel.Io";

    /// <summary>Spans: one per routine run, tagged with processor, IRQL, driver, device, IRP and major function.</summary>
    public static ActivitySource Source { get; } = new(SourceName);

    /// <summary>Metrics of the I/O manager.</summary>
    public static Meter Meter { get; } = new(SourceName);

    private static readonly Counter<long> RoutinesRun = Meter.CreateCounter<long>("actorkernel.io.routines", "{routine}", "Driver routines run, by kind and driver.");

    private static readonly Counter<long> IrpsCompleted = Meter.CreateCounter<long>("actorkernel.io.irps_completed", "{irp}", "IRPs whose completion reached the top of the stack, by major function and status.");

    /// <summary>Whether anyone listens to the source or the meter, or a <see cref="IoTraceRecorder"/> is attached.</summary>
    public static bool Enabled => IoTraceRecorder.Active || Source.HasListeners() || RoutinesRun.Enabled || IrpsCompleted.Enabled;

    /// <summary>Whether an ActivityListener or a meter listener wants each routine (the recorder aside): the ISR and DPC hooks skip the Activity work otherwise.</summary>
    internal static bool Listened
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] // read per ISR, DPC and IoCallDriver hop while tracing
        get => Source.HasListeners() || RoutinesRun.Enabled;
    }

    /// <summary>
    /// NtReadFile/NtWriteFile/NtDeviceIoControlFile hand <paramref name="irp"/> to the I/O manager for
    /// <paramref name="file"/>: the request's trace starts here (one static check when nothing records).
    /// </summary>
    internal static void RequestIssued(Irp irp, FileObject file, string requester)
    {
        if (IoTraceRecorder.Active && IoTraceRecorder.For(irp.Manager) is { } recorder)
        {
            var cpu = Processor.CurrentOrNull; // read once (a thread-static) and passed on
            recorder.RequestIssued(irp, file, requester, cpu, cpu?.Number ?? InlineIoProcessor.Current.Number);
        }
    }

    /// <summary>The synchronous requester of <paramref name="irp"/> runs again after its wait.</summary>
    internal static void RequesterResumed(Irp irp)
    {
        if (IoTraceRecorder.Active)
        {
            IoTraceRecorder.For(irp.Manager)?.RequesterResumed(irp);
        }
    }

    private static DateTimeOffset SimulatedTime(IoTraceRecorder? recorder, IoManager? manager)
    {
        var ns = Processor.CurrentOrNull is { } p ? p.Now + (p.Top?.PendingChargeNs ?? 0) : manager?.IopNow() ?? 0;
        var epoch = recorder?.Options.EpochUnixNs ?? KernelTraceOptions.DefaultEpochUnixNs;
        return DateTimeOffset.FromUnixTimeMilliseconds(0).AddTicks((epoch + ns) / 100);
    }

    /// <summary>Reports the start of a routine; returns the span to end, or null when nothing listens.</summary>
    /// <param name="routine">What runs.</param>
    /// <param name="observer">An in-process observer, or null.</param>
    /// <returns>The span, or null.</returns>
    public static Activity? RoutineStarted(in IoRoutineEvent routine, IIoRoutineObserver? observer)
    {
        observer?.RoutineStarted(routine);
        if (RoutinesRun.Enabled)
        {
            RoutinesRun.Add(1, new KeyValuePair<string, object?>("kind", routine.Kind.ToString()), new KeyValuePair<string, object?>("driver", routine.ImageName));
        }
        var manager = routine.Driver?.Manager;
        var recorder = IoTraceRecorder.Active ? IoTraceRecorder.For(manager) : null;
        if (recorder is not null && routine.Kind is not (IoRoutineKind.Isr or IoRoutineKind.Dpc))
        {
            recorder.RoutineStarted(routine);
        }
        // Simulated time, not the wall clock, so a listener's spans line up with the machine's.
        var activity = Source.HasListeners()
            ? Source.StartActivity(routine.Kind + " " + routine.RoutineName, ActivityKind.Internal, default(ActivityContext), null, null, SimulatedTime(recorder, manager))
            : null;
        if (activity is not null)
        {
            activity.SetTag("ak.processor", routine.Processor);
            activity.SetTag("ak.irql", (int)routine.Irql);
            activity.SetTag("ak.driver", routine.ImageName);
            activity.SetTag("ak.device", routine.Device?.Name);
            if (routine.Irp is not null)
            {
                // ISRs and DPCs run for no particular request: no IRP tags rather than misleading ones.
                activity.SetTag("ak.irp", routine.Irp.Address);
                activity.SetTag("ak.major", routine.MajorFunction.ToDisplayString());
                activity.SetTag("ak.location", routine.Location);
            }
        }
        return activity;
    }

    /// <summary>Reports the end of a routine.</summary>
    /// <param name="routine">What ran.</param>
    /// <param name="activity">The span from <see cref="RoutineStarted"/>.</param>
    /// <param name="observer">The observer given to <see cref="RoutineStarted"/>.</param>
    /// <param name="result">The routine's status.</param>
    public static void RoutineFinished(in IoRoutineEvent routine, Activity? activity, IIoRoutineObserver? observer, NtStatus result)
    {
        var manager = routine.Driver?.Manager;
        var recorder = IoTraceRecorder.Active ? IoTraceRecorder.For(manager) : null;
        if (recorder is not null && routine.Kind is not (IoRoutineKind.Isr or IoRoutineKind.Dpc))
        {
            recorder.RoutineFinished(routine, result);
        }
        if (activity is not null)
        {
            activity.SetTag("ak.status", result.ToDisplayString());
            var end = SimulatedTime(recorder, manager).UtcDateTime;
            activity.SetEndTime(end < activity.StartTimeUtc ? activity.StartTimeUtc : end);
            activity.Dispose();
        }
        observer?.RoutineFinished(routine, result);
    }

    internal static void IrpCompleted(Irp irp, IrpMajorFunction major)
    {
        if (IoTraceRecorder.Active)
        {
            IoTraceRecorder.For(irp.Manager)?.IrpCompleted(irp);
        }
        if (IrpsCompleted.Enabled)
        {
            IrpsCompleted.Add(1, new KeyValuePair<string, object?>("major", major.ToDisplayString()), new KeyValuePair<string, object?>("status", irp.IoStatus.Status.ToDisplayString()));
        }
    }

    /// <summary>
    /// The W3C <c>traceparent</c> of the traced request <paramref name="irp"/> belongs to (a driver
    /// carries it in the packet it sends for it), or null when nothing traces it.
    /// </summary>
    /// <param name="irp">The request being sent.</param>
    /// <returns>"00-TRACEID-SPANID-01", or null.</returns>
    public static string? GetTraceParent(Irp irp)
    {
        ArgumentNullException.ThrowIfNull(irp);
        return IoTraceRecorder.Active && IoTraceRecorder.For(irp.Manager) is { } recorder ? recorder.TraceParentOf(irp) : null;
    }

    /// <summary>
    /// The request <paramref name="irp"/> belongs to continues the caller's trace named by
    /// <paramref name="traceParent"/> (found in a received packet): its spans take that trace id.
    /// </summary>
    /// <param name="irp">The request completed with the packet.</param>
    /// <param name="traceParent">The W3C traceparent carried in the packet.</param>
    public static void ContinueRemoteTrace(Irp irp, string traceParent)
    {
        ArgumentNullException.ThrowIfNull(irp);
        ArgumentNullException.ThrowIfNull(traceParent);
        if (IoTraceRecorder.Active && IoTraceRecorder.For(irp.Manager) is { } recorder)
        {
            recorder.ContinueRemote(irp, traceParent);
        }
    }
}
