using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.IoManager;

/// <summary>
/// An I/O manager with one inline processor current on the test's thread, a recording observer,
/// and helpers to load drivers and build stacks by hand.
/// </summary>
internal sealed class IoTestBed : IDisposable
{
    private readonly InlineIoProcessor.CurrentProcessorScope _cpuScope;
    private readonly IoMgr.AmbientScope _ioScope;

    public IoTestBed(bool verifyAll = false, bool observe = true)
    {
        Io = new IoMgr { VerifyAllDrivers = verifyAll, Observer = observe ? Trace : null };
        _cpuScope = InlineIoProcessor.Enter(Cpu);
        _ioScope = Io.Enter();
    }

    public IoMgr Io { get; }

    public InlineIoProcessor Cpu { get; } = new(0);

    public RoutineRecorder Trace { get; } = new();

    public DriverObject LoadDriver(string name, Action<DriverObject> entry, bool verify = false) =>
        Run(Io.LoadDriverAsync(name, name.ToLowerInvariant() + ".sys", (d, _) =>
        {
            entry(d);
            return ValueTask.FromResult(NtStatus.Success);
        }, verify)).Driver!;

    public DriverObject LoadDriver(string name, string image, DriverInitialize entry, bool verify = false) =>
        Run(Io.LoadDriverAsync(name, image, entry, verify)).Driver!;

    public DeviceObject CreateDevice(DriverObject driver, string? name = null, object? extension = null, DeviceObject? attachTo = null)
    {
        Assert.Equal(NtStatus.Success, IoCreateDevice(driver, extension, name, DeviceType.Unknown, 0, false, out var device));
        if (attachTo is not null)
        {
            Assert.NotNull(IoAttachDeviceToDeviceStack(device!, attachTo));
        }
        device!.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return device;
    }

    /// <summary>The test's own "thread": what a driver sets in Irp-&gt;Tail.Overlay.Thread of an IRP it allocates.</summary>
    public object RequesterThread { get; } = new();

    /// <summary>
    /// An IRP for the top of <paramref name="target"/>'s stack with its first location filled, its
    /// Tail.Overlay.Thread the bed's (as a driver sets PsGetCurrentThread()): completion that reaches the
    /// top is finished and the IRP freed by the I/O manager, as on NT.
    /// </summary>
    public Irp NewIrp(DeviceObject target, IrpMajorFunction major, sbyte extraLocations = 0)
    {
        var irp = IoAllocateIrp(Io, (sbyte)(target.StackSize + extraLocations), false);
        irp.Thread = RequesterThread;
        IoGetNextIrpStackLocation(irp).MajorFunction = major;
        return irp;
    }

    /// <summary>
    /// An IRP its allocator keeps (no thread; a completion routine in the target's location returns
    /// STATUS_MORE_PROCESSING_REQUIRED), so the allocator frees or reuses it once it completed.
    /// </summary>
    public Irp NewOwnedIrp(DeviceObject target, IrpMajorFunction major)
    {
        var irp = IoAllocateIrp(Io, target.StackSize, false);
        IoGetNextIrpStackLocation(irp).MajorFunction = major;
        IoSetCompletionRoutine(irp, static (_, _, _) => ValueTask.FromResult(NtStatus.MoreProcessingRequired), null, true, true, true);
        return irp;
    }

    public static T Run<T>(ValueTask<T> task)
    {
        Assert.True(task.IsCompleted, "the inline routine should have run to completion");
        return task.GetAwaiter().GetResult();
    }

    public static void Run(ValueTask task)
    {
        Assert.True(task.IsCompleted, "the inline routine should have run to completion");
        task.GetAwaiter().GetResult();
    }

    public static BugCheckException BugCheck(Func<ValueTask> action) =>
        Assert.Throws<BugCheckException>(() => Run(action()));

    public static BugCheckException BugCheck<T>(Func<ValueTask<T>> action) =>
        Assert.Throws<BugCheckException>(() => Run(action()));

    public void Dispose()
    {
        _ioScope.Dispose();
        _cpuScope.Dispose();
    }
}

/// <summary>Records every routine the I/O manager ran, as one line each: "Kind Routine driver loc irql cpu".</summary>
internal sealed class RoutineRecorder : IIoRoutineObserver
{
    public List<IoRoutineEvent> Started { get; } = [];

    public List<string> Lines { get; } = [];

    public void RoutineStarted(in IoRoutineEvent routine)
    {
        Started.Add(routine);
        Lines.Add($"{routine.Kind} {routine.RoutineName} {routine.Driver?.ImageName} loc={routine.Location} {routine.Irql.ToDisplayString()} cpu={routine.Processor}");
    }

    public void RoutineFinished(in IoRoutineEvent routine, NtStatus result)
    {
    }

    public IEnumerable<string> Of(IoRoutineKind kind) => Started.Where(s => s.Kind == kind).Select(s => s.RoutineName);
}
