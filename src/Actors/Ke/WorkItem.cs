namespace ActorKernel.Actors;

/// <summary>A work item routine (WDM <c>IO_WORKITEM_ROUTINE</c>); runs at PASSIVE_LEVEL in a system worker thread.</summary>
/// <param name="deviceObject">The device object the work item was allocated for (the I/O manager's device object type, when it exists).</param>
/// <param name="context">The context given to IoQueueWorkItem.</param>
public delegate ValueTask IoWorkItemRoutine(object? deviceObject, object? context);

/// <summary>WDM <c>WORK_QUEUE_TYPE</c>.</summary>
public enum WorkQueueType
{
    /// <summary>CriticalWorkQueue (0).</summary>
    CriticalWorkQueue = 0,

    /// <summary>DelayedWorkQueue (1).</summary>
    DelayedWorkQueue = 1,

    /// <summary>HyperCriticalWorkQueue (2).</summary>
    HyperCriticalWorkQueue = 2,
}

/// <summary>
/// A work item (WDM <c>IO_WORKITEM</c>) from IoAllocateWorkItem. Queued with IoQueueWorkItem, its
/// routine runs once in a system worker thread, on behalf of the module that allocated it.
/// </summary>
public sealed class IoWorkItem : KeObject
{
    internal IoWorkItem(object? deviceObject, KernelModule module)
    {
        DeviceObject = deviceObject;
        Module = module;
    }

    /// <summary>The device object it was allocated for.</summary>
    public object? DeviceObject { get; }

    /// <summary>The module that allocated it (its routine is attributed to it).</summary>
    public KernelModule Module { get; }

    /// <summary>Whether it is queued and has not run yet.</summary>
    public bool Queued { get; internal set; }

    internal IoWorkItemRoutine? Routine;
    internal object? Context;
    internal string RoutineName = "";
}

public static partial class Wdm
{
    /// <summary>IoAllocateWorkItem: a work item owned by the calling routine's module.</summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static IoWorkItem IoAllocateWorkItem(object? deviceObject)
    {
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.DefaultCallNs);
        var item = new IoWorkItem(deviceObject, processor.Top?.Module ?? KernelModule.Kernel);
        item.EnsureAddress(processor.Machine);
        return item;
    }

    /// <summary>IoFreeWorkItem.</summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static void IoFreeWorkItem(IoWorkItem ioWorkItem)
    {
        ArgumentNullException.ThrowIfNull(ioWorkItem);
        Processor.Current.KiCharge(Processor.Current.Costs.DefaultCallNs);
    }

    /// <summary>
    /// IoQueueWorkItem: <paramref name="workerRoutine"/> will run at PASSIVE_LEVEL in a system worker
    /// thread. The queue type is recorded; all types share the machine's worker threads.
    /// </summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static void IoQueueWorkItem(IoWorkItem ioWorkItem, IoWorkItemRoutine workerRoutine, WorkQueueType queueType, object? context,
        [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(workerRoutine))] string routineName = "")
    {
        ArgumentNullException.ThrowIfNull(ioWorkItem);
        ArgumentNullException.ThrowIfNull(workerRoutine);
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.DispatcherObjectNs);
        ioWorkItem.Routine = workerRoutine;
        ioWorkItem.Context = context;
        ioWorkItem.RoutineName = KiRoutineName(routineName, workerRoutine.Method.Name);
        processor.Machine.KiQueueWorkItem(ioWorkItem, processor);
    }
}

public sealed partial class Machine
{
    private readonly Queue<IoWorkItem> _workQueue = new();
    private readonly KSemaphore _workSemaphore = new();

    private void KiCreateSystemWorkers()
    {
        Wdm.KeInitializeSemaphore(_workSemaphore, 0, int.MaxValue);
        for (var i = 0; i < Options.SystemWorkerThreads; i++)
        {
            CreateSystemThread(i % _processors.Length, KernelModule.Kernel, "ExpWorkerThread", KiWorkerThread, null, 12);
        }
    }

    internal void KiQueueWorkItem(IoWorkItem item, Processor processor)
    {
        lock (DispatcherLock)
        {
            item.Queued = true;
            KiReferenceImage(item.Module);
            _workQueue.Enqueue(item);
            _workSemaphore.SignalState++;
            KiWaitTest(_workSemaphore);
        }
    }

    /// <summary>ExpWorkerThread: waits for work items and runs each routine on behalf of its module.</summary>
    private async ValueTask KiWorkerThread(object? context)
    {
        while (true)
        {
            await Wdm.KeWaitForSingleObject(_workSemaphore, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            IoWorkItem item;
            lock (DispatcherLock)
            {
                item = _workQueue.Dequeue();
                item.Queued = false;
            }
            var frame = Processor.Current.Top!;
            frame.Module = item.Module;
            frame.RoutineName = item.RoutineName;
            // Tracing: the routine is a span of kernel work of its own (one static check when nothing records).
            var traced = IoTraceRecorder.Active ? IoTraceRecorder.For(this)?.WorkItemStarted(item.RoutineName, item.Module, Processor.Current.Number, Processor.Current.Irql) : null;
            await item.Routine!(item.DeviceObject, item.Context);
            if (traced is not null)
            {
                IoTraceRecorder.For(this)?.WorkItemFinished(traced);
            }
            var processor = Processor.Current;
            if (processor.Irql != Irql.PassiveLevel)
            {
                // As ExpWorkerThread after each item: the routine NT's worker called is IopProcessWorkItem, whose parameter and
                // WORK_QUEUE_ITEM are the IO_WORKITEM (P1 = IopProcessWorkItem, P2 = IRQL, P3 = P4 = the work item).
                var address = item.EnsureAddress(this);
                throw processor.KiBugCheck(processor.Top, BugCheckCode.WorkerThreadReturnedAtBadIrql, RoutineAddress(KernelModule.Kernel, "IopProcessWorkItem"),
                    (ulong)processor.Irql, address, address, $"work item routine {item.RoutineName} returned at {processor.Irql.ToDisplayString()}");
            }
            frame = processor.Top!;
            frame.Module = KernelModule.Kernel;
            frame.RoutineName = "ExpWorkerThread";
            KiDereferenceImage(item.Module);
        }
    }
}
