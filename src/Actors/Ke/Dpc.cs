using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

/// <summary>A DPC routine (WDM <c>KDEFERRED_ROUTINE</c>); runs at DISPATCH_LEVEL.</summary>
/// <param name="dpc">The DPC object.</param>
/// <param name="deferredContext">The context given to KeInitializeDpc.</param>
/// <param name="systemArgument1">The first argument given to KeInsertQueueDpc.</param>
/// <param name="systemArgument2">The second argument given to KeInsertQueueDpc.</param>
public delegate ValueTask KDeferredRoutine(KDpc dpc, object? deferredContext, object? systemArgument1, object? systemArgument2);

/// <summary>DPC importance (WDM <c>KDPC_IMPORTANCE</c>), with the real values.</summary>
public enum KDpcImportance
{
    /// <summary>LowImportance (0): queued at the end.</summary>
    LowImportance = 0,

    /// <summary>MediumImportance (1, the default): queued at the end.</summary>
    MediumImportance = 1,

    /// <summary>HighImportance (2): queued at the front.</summary>
    HighImportance = 2,

    /// <summary>MediumHighImportance (3): queued at the end.</summary>
    MediumHighImportance = 3,
}

/// <summary>
/// A deferred procedure call object (WDM <c>KDPC</c>). Initialise it with
/// <c>Wdm.KeInitializeDpc</c>; queue it with <see cref="Wdm.KeInsertQueueDpc"/>.
/// </summary>
public sealed class KDpc : KeObject
{
    /// <summary>The routine.</summary>
    public KDeferredRoutine? DeferredRoutine { get; internal set; }

    /// <summary>The context passed to the routine.</summary>
    public object? DeferredContext { get; internal set; }

    /// <summary>Where KeInsertQueueDpc puts it in the queue.</summary>
    public KDpcImportance Importance { get; internal set; } = KDpcImportance.MediumImportance;

    /// <summary>The processor it runs on (KeSetTargetProcessorDpc), or -1 for the processor that queues it.</summary>
    public int TargetProcessor { get; internal set; } = -1;

    /// <summary>The module that owns the routine (the one that initialised the DPC).</summary>
    public KernelModule Module { get; internal set; } = KernelModule.Kernel;

    /// <summary>The routine's name, for crash dumps.</summary>
    public string RoutineName { get; internal set; } = "";

    /// <summary>Whether the DPC is in a processor's queue now.</summary>
    public bool IsQueued => QueuedOn is not null;

    internal Processor? QueuedOn;
    internal KDpc? Next;
    internal KDpc? Previous;
    internal object? SystemArgument1;
    internal object? SystemArgument2;
    internal object? TraceQueuedBy; // tracing: the ISR that queued it (IoTraceRecorder.DpcQueued), so the DPC joins its trace
}

public static partial class Wdm
{
    /// <summary>KeInitializeDpc: sets the DPC's routine and context; the DPC belongs to the calling routine's module.</summary>
    /// <param name="dpc">The DPC.</param>
    /// <param name="deferredRoutine">Its routine.</param>
    /// <param name="deferredContext">Its context.</param>
    /// <param name="routineName">Filled in by the compiler: the routine's name for crash dumps.</param>
    /// <remarks>Any IRQL; may also be called outside a routine (the DPC then belongs to ntoskrnl.exe unless <see cref="KeInitializeDpc(KDpc, KDeferredRoutine, object?, KernelModule, string)"/> names a module).</remarks>
    public static void KeInitializeDpc(KDpc dpc, KDeferredRoutine deferredRoutine, object? deferredContext,
        [CallerArgumentExpression(nameof(deferredRoutine))] string routineName = "") =>
        KeInitializeDpc(dpc, deferredRoutine, deferredContext, Processor.CurrentOrNull?.Top?.Module ?? KernelModule.Kernel, routineName);

    /// <summary>KeInitializeDpc for a DPC owned by <paramref name="module"/>.</summary>
    /// <param name="dpc">The DPC.</param>
    /// <param name="deferredRoutine">Its routine.</param>
    /// <param name="deferredContext">Its context.</param>
    /// <param name="module">The module that owns the routine.</param>
    /// <param name="routineName">The routine's name for crash dumps.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void KeInitializeDpc(KDpc dpc, KDeferredRoutine deferredRoutine, object? deferredContext, KernelModule module,
        [CallerArgumentExpression(nameof(deferredRoutine))] string routineName = "")
    {
        ArgumentNullException.ThrowIfNull(dpc);
        ArgumentNullException.ThrowIfNull(deferredRoutine);
        ArgumentNullException.ThrowIfNull(module);
        dpc.DeferredRoutine = deferredRoutine;
        dpc.DeferredContext = deferredContext;
        dpc.Importance = KDpcImportance.MediumImportance;
        dpc.TargetProcessor = -1;
        dpc.Module = module;
        dpc.RoutineName = KiRoutineName(routineName, deferredRoutine.Method.Name);
        Processor.CurrentOrNull?.KiCharge(Processor.CurrentOrNull.Costs.DpcQueueNs);
    }

    /// <summary>
    /// KeInsertQueueDpc: queues the DPC on its target processor (or the current one). Returns
    /// <see langword="false"/> and queues nothing when it is already queued. HighImportance goes to
    /// the front of the queue, the others to the end. The DPC runs at DISPATCH_LEVEL once that
    /// processor's IRQL drops below DISPATCH_LEVEL.
    /// </summary>
    /// <remarks>Any IRQL (typically called from an ISR at DIRQL).</remarks>
    public static bool KeInsertQueueDpc(KDpc dpc, object? systemArgument1, object? systemArgument2)
    {
        KiSchedulingPoint.Write(dpc);
        ArgumentNullException.ThrowIfNull(dpc);
        KiChecked.KeInsertQueueDpc(dpc);
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.DpcQueueNs);
        processor.KiTraceDpcQueued(dpc);
        return processor.Machine.KiInsertQueueDpc(dpc, systemArgument1, systemArgument2, processor);
    }

    /// <summary>KeRemoveQueueDpc: takes a queued DPC out of its queue; false if it was not queued.</summary>
    /// <remarks>Any IRQL.</remarks>
    public static bool KeRemoveQueueDpc(KDpc dpc)
    {
        KiSchedulingPoint.Write(dpc);
        ArgumentNullException.ThrowIfNull(dpc);
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.DpcQueueNs);
        return processor.Machine.KiRemoveQueueDpc(dpc);
    }

    /// <summary>KeSetImportanceDpc: where later inserts put the DPC (HighImportance: the front).</summary>
    /// <remarks>Any IRQL; also outside a routine.</remarks>
    public static void KeSetImportanceDpc(KDpc dpc, KDpcImportance importance)
    {
        ArgumentNullException.ThrowIfNull(dpc);
        dpc.Importance = importance;
        Processor.CurrentOrNull?.KiCharge(Processor.CurrentOrNull.Costs.DpcQueueNs);
    }

    /// <summary>KeSetTargetProcessorDpc: the DPC will run on processor <paramref name="number"/>.</summary>
    /// <remarks>Any IRQL; also outside a routine. A processor number the machine does not have bugchecks TIMER_OR_DPC_INVALID (0xC7, P1 = 3) when the DPC is queued.</remarks>
    public static void KeSetTargetProcessorDpc(KDpc dpc, int number)
    {
        ArgumentNullException.ThrowIfNull(dpc);
        ArgumentOutOfRangeException.ThrowIfNegative(number);
        dpc.TargetProcessor = number;
        Processor.CurrentOrNull?.KiCharge(Processor.CurrentOrNull.Costs.DpcQueueNs);
    }

    internal static string KiRoutineName(string expression, string methodName)
    {
        // "this.TimerDpcRoutine" or "Driver.TimerDpcRoutine" -> "TimerDpcRoutine"; lambdas keep their text, shortened.
        var name = string.IsNullOrWhiteSpace(expression) ? methodName : expression.Trim();
        if (!name.Contains("=>", StringComparison.Ordinal))
        {
            var dot = name.LastIndexOf('.');
            return dot >= 0 ? name[(dot + 1)..] : name;
        }
        return methodName;
    }
}
