using System.Globalization;
using ActorKernel.Actors;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Wdm;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.Rules.IoRules;

/// <summary>How a filter (Top or Mid) handles a request.</summary>
internal enum LayerMode
{
    /// <summary>IoSkipCurrentIrpStackLocation, IoCallDriver, return its status.</summary>
    Skip,

    /// <summary>IoCopyCurrentIrpStackLocationToNext without a completion routine.</summary>
    Copy,

    /// <summary>IoCopyCurrentIrpStackLocationToNext and IoSetCompletionRoutine with the plan's Invoke flags.</summary>
    CopyWithRoutine,

    /// <summary>Completes the request itself at once with the plan's status and returns it (an error: fails synchronously).</summary>
    Complete,
}

/// <summary>A filter's part in one request.</summary>
internal sealed record LayerPlan(LayerMode Mode, bool OnSuccess, bool OnError, bool OnCancel, NtStatus Status)
{
    public override string ToString() => Mode switch
    {
        LayerMode.CopyWithRoutine => $"CopyWithRoutine({(OnSuccess ? "S" : "-")}{(OnError ? "E" : "-")}{(OnCancel ? "C" : "-")})",
        LayerMode.Complete => $"Complete({Status.ToDisplayString().Split(' ')[0]})",
        _ => Mode.ToString(),
    };
}

/// <summary>One request: Top's and Mid's handling, and whether Bottom pends it or completes it at once with Status.</summary>
internal sealed record RequestPlan(int Id, LayerPlan Top, LayerPlan Mid, bool BottomPends, NtStatus BottomStatus)
{
    public override string ToString() =>
        $"#{Id} top={Top} mid={Mid} bottom={(BottomPends ? "Pend" : "Complete(" + BottomStatus.ToDisplayString().Split(' ')[0] + ")")}";
}

/// <summary>A legal driver action of a sequence.</summary>
internal abstract record Step;

/// <summary>The sender builds the request (IoBuildDeviceIoControlRequest with an event and a status block) and calls IoCallDriver on the top.</summary>
internal sealed record Send(RequestPlan Plan) : Step
{
    public override string ToString() => "Send " + Plan;
}

/// <summary>Bottom completes a request it pended, at DISPATCH_LEVEL (as its DPC would).</summary>
internal sealed record CompleteHeld(int Id, NtStatus Status) : Step
{
    public override string ToString() => $"CompleteHeld #{Id} {Status.ToDisplayString().Split(' ')[0]}";
}

/// <summary>The sender cancels a pending request (IoCancelIrp); Bottom's cancel routine completes it STATUS_CANCELLED.</summary>
internal sealed record CancelHeld(int Id) : Step
{
    public override string ToString() => $"Cancel #{Id}";
}

/// <summary>The file is closed: IRP_MJ_CLEANUP goes down the stack (skipped by the filters) and Bottom completes every request it holds STATUS_CANCELLED.</summary>
internal sealed record Close : Step
{
    public override string ToString() => "Close";
}

/// <summary>
/// Runs a sequence of <see cref="Step"/>s through a three-deep stack (Top filter, Mid filter, Bottom)
/// on a fresh machine and checks, after each step, the rule book's invariants for every request the
/// step finished: IRP-/CMP-/CAN- rows of docs/conformance.md. Returns the violations (none: the run conforms).
/// </summary>
internal sealed class IrpLifecycleRunner
{
    private static readonly KernelModule Sender = new("sender.sys");

    private readonly object _gate = new();
    private readonly Dictionary<int, RequestPlan> _plans = [];
    private readonly Dictionary<int, Irp> _held = [];
    private readonly Dictionary<int, int> _completions = [];
    private readonly List<(int Id, string Layer, bool PendingReturned, Irql Irql, NtStatus Status, bool Cancel)> _routines = [];
    private DeviceObject _top = null!, _mid = null!, _bottom = null!;

    public static IReadOnlyList<string> Run(IReadOnlyList<Step> steps, DispatcherKind dispatcher, ulong seed) =>
        new IrpLifecycleRunner().Execute(steps, dispatcher, seed);

    private static IoControlCode CodeOf(int id) =>
        IoControlCode.CtlCode(DeviceType.Unknown, (ushort)(0x800 + id), TransferMethod.MethodNeither, IoctlAccess.FileAnyAccess);

    private static int IdOf(Irp irp) => IoGetCurrentIrpStackLocation(irp).Parameters.DeviceIoControl.IoControlCode.Function - 0x800;

    private List<string> Execute(IReadOnlyList<Step> steps, DispatcherKind dispatcher, ulong seed)
    {
        var failures = new List<string>();
        using var machine = Machine.Create(new MachineOptions { Processors = 2, Seed = seed, ClockIntervalNs = 0, Dispatcher = dispatcher });
        var io = new IoMgr();
        io.AttachTo(machine);
        LoadStack(io);
        machine.Start();
        var done = false;
        using var finished = new ManualResetEventSlim();
        machine.CreateSystemThread(0, Sender, "Sender", async _ =>
        {
            try
            {
                await RunSteps(steps, failures);
            }
            catch (Exception e) when (e is not BugCheckException)
            {
                lock (failures)
                {
                    failures.Add("the sender threw " + e);
                }
            }
            finally
            {
                Volatile.Write(ref done, true);
                finished.Set();
            }
        });
        if (dispatcher == DispatcherKind.Deterministic)
        {
            machine.RunUntil(() => Volatile.Read(ref done) || machine.IsBugChecked, TimeSpan.FromSeconds(100));
        }
        else
        {
            // A hang is reported as "did not finish", never waited out: 60 s of wall clock at most.
            var deadline = Environment.TickCount64 + 60_000;
            while (!finished.Wait(10) && !machine.IsBugChecked && Environment.TickCount64 < deadline)
            {
            }
        }
        lock (failures)
        {
            if (machine.IsBugChecked)
            {
                failures.Add("bugcheck: " + machine.CrashDump?.Analysis);
            }
            else if (!Volatile.Read(ref done))
            {
                failures.Add("the sender did not finish");
            }
            return [.. failures];
        }
    }

    private void LoadStack(IoMgr io)
    {
        _bottom = CreateDevice(io, "Bottom", BottomDispatch, null);
        _mid = CreateDevice(io, "Mid", (d, i) => FilterDispatch(d, i, "Mid", _bottom), _bottom);
        _top = CreateDevice(io, "Top", (d, i) => FilterDispatch(d, i, "Top", _mid), _bottom);
    }

    private static DeviceObject CreateDevice(IoMgr io, string name, DriverDispatch dispatch, DeviceObject? attachTo)
    {
        DeviceObject? device = null;
        var load = io.LoadDriverAsync(name, name.ToLowerInvariant() + ".sys", (d, _) =>
        {
            d.MajorFunction[(int)IrpMajorFunction.DeviceControl] = dispatch;
            d.MajorFunction[(int)IrpMajorFunction.Cleanup] = dispatch;
            Assert.Equal(NtStatus.Success, IoCreateDevice(d, null, null, DeviceType.Unknown, 0, false, out device));
            if (attachTo is not null)
            {
                Assert.NotNull(IoAttachDeviceToDeviceStack(device!, attachTo));
            }
            device!.Flags &= ~DeviceObjectFlags.DeviceInitializing;
            return ValueTask.FromResult(NtStatus.Success);
        });
        Assert.True(load.IsCompleted);
        return device!;
    }

    private async ValueTask<NtStatus> FilterDispatch(DeviceObject device, Irp irp, string name, DeviceObject lower)
    {
        if (IoGetCurrentIrpStackLocation(irp).MajorFunction == IrpMajorFunction.Cleanup)
        {
            IoSkipCurrentIrpStackLocation(irp);
            return await IoCallDriver(lower, irp);
        }
        var id = IdOf(irp);
        RequestPlan plan;
        lock (_gate)
        {
            plan = _plans[id];
        }
        var layer = name == "Top" ? plan.Top : plan.Mid;
        switch (layer.Mode)
        {
            case LayerMode.Skip:
                IoSkipCurrentIrpStackLocation(irp);
                return await IoCallDriver(lower, irp);
            case LayerMode.Copy:
                IoCopyCurrentIrpStackLocationToNext(irp);
                return await IoCallDriver(lower, irp);
            case LayerMode.CopyWithRoutine:
                IoCopyCurrentIrpStackLocationToNext(irp);
                IoSetCompletionRoutine(irp, Routine, name, layer.OnSuccess, layer.OnError, layer.OnCancel);
                return await IoCallDriver(lower, irp);
            default:
                return await Complete(irp, id, layer.Status);
        }
    }

    private ValueTask<NtStatus> Routine(DeviceObject? device, Irp irp, object? context)
    {
        lock (_gate)
        {
            _routines.Add((IdOf(irp), (string)context!, irp.PendingReturned, KeGetCurrentIrql(), irp.IoStatus.Status, irp.Cancel));
        }
        if (irp.PendingReturned)
        {
            IoMarkIrpPending(irp);
        }
        return ValueTask.FromResult(NtStatus.Success); // STATUS_CONTINUE_COMPLETION
    }

    private async ValueTask<NtStatus> Complete(Irp irp, int id, NtStatus status)
    {
        lock (_gate)
        {
            _completions[id] = _completions.GetValueOrDefault(id) + 1;
        }
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = (ulong)id;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    private async ValueTask<NtStatus> BottomDispatch(DeviceObject device, Irp irp)
    {
        if (IoGetCurrentIrpStackLocation(irp).MajorFunction == IrpMajorFunction.Cleanup)
        {
            // IRP_MJ_CLEANUP: every request the file still has here is completed STATUS_CANCELLED.
            List<(int, Irp)> taken;
            lock (_gate)
            {
                taken = [.. _held.OrderBy(h => h.Key).Select(h => (h.Key, h.Value))];
            }
            foreach (var (id, held) in taken)
            {
                if (IoSetCancelRoutine(held, null) is not null)
                {
                    lock (_gate)
                    {
                        _held.Remove(id);
                    }
                    await Complete(held, id, NtStatus.Cancelled);
                }
            }
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        }
        var requestId = IdOf(irp);
        RequestPlan plan;
        lock (_gate)
        {
            plan = _plans[requestId];
        }
        if (!plan.BottomPends)
        {
            return await Complete(irp, requestId, plan.BottomStatus);
        }
        IoMarkIrpPending(irp);
        lock (_gate)
        {
            _held[requestId] = irp;
        }
        IoSetCancelRoutine(irp, CancelRoutine);
        return NtStatus.Pending;
    }

    private async ValueTask CancelRoutine(DeviceObject device, Irp irp)
    {
        IoReleaseCancelSpinLock(irp.CancelIrql);
        var id = IdOf(irp);
        lock (_gate)
        {
            _held.Remove(id);
        }
        await Complete(irp, id, NtStatus.Cancelled);
    }

    private sealed class Request(RequestPlan plan, KEvent done, IoStatusBlock iosb)
    {
        public RequestPlan Plan { get; } = plan;

        public KEvent Done { get; } = done;

        public IoStatusBlock Iosb { get; } = iosb;

        public NtStatus Returned { get; set; }

        public Irp Irp { get; set; } = null!;
    }

    private static readonly NtStatus Untouched = (NtStatus)0x0BADF00D;

    private async ValueTask RunSteps(IReadOnlyList<Step> steps, List<string> failures)
    {
        var requests = new Dictionary<int, Request>();
        for (var index = 0; index < steps.Count; index++)
        {
            var step = steps[index];
            var finishedNow = new List<(Request Request, NtStatus Final, Irql Irql, bool Cancel)>();
            switch (step)
            {
                case Send(var plan):
                {
                    lock (_gate)
                    {
                        _plans[plan.Id] = plan;
                    }
                    var done = new KEvent();
                    KeInitializeEvent(done, EventType.NotificationEvent, false);
                    var request = new Request(plan, done, new IoStatusBlock { Status = Untouched, Information = 0xFFFF });
                    requests[plan.Id] = request;
                    request.Irp = IoBuildDeviceIoControlRequest(CodeOf(plan.Id), _top, null, 0, null, 0, false, done.IoSignal, request.Iosb)!;
                    request.Returned = await IoCallDriver(_top, request.Irp);
                    var (completer, final) = Oracle.Completer(plan);
                    var pends = completer == "Bottom" && plan.BottomPends;
                    Check(failures, step, request.Returned == (pends ? NtStatus.Pending : final),
                        $"IoCallDriver returned {request.Returned.ToDisplayString()}, expected {(pends ? "STATUS_PENDING" : final.ToDisplayString())}");
                    if (!pends)
                    {
                        finishedNow.Add((request, final, Irql.PassiveLevel, false));
                    }
                    break;
                }
                case CompleteHeld(var id, var status):
                {
                    Irp irp;
                    lock (_gate)
                    {
                        irp = _held[id];
                        _held.Remove(id);
                    }
                    var old = KeRaiseIrql(Irql.DispatchLevel);
                    IoSetCancelRoutine(irp, null);
                    await Complete(irp, id, status);
                    await KeLowerIrql(old);
                    finishedNow.Add((requests[id], status, Irql.DispatchLevel, false));
                    break;
                }
                case CancelHeld(var id):
                {
                    Check(failures, step, await IoCancelIrp(requests[id].Irp), "IoCancelIrp returned FALSE for a request with a cancel routine");
                    finishedNow.Add((requests[id], NtStatus.Cancelled, Irql.PassiveLevel, true));
                    break;
                }
                case Close:
                {
                    List<int> held;
                    lock (_gate)
                    {
                        held = [.. _held.Keys.Order()];
                    }
                    var cleanup = IoAllocateIrp(_top.DriverObject.Manager, _top.StackSize, false);
                    IoGetNextIrpStackLocation(cleanup).MajorFunction = IrpMajorFunction.Cleanup;
                    IoSetCompletionRoutine(cleanup, static (_, _, _) => ValueTask.FromResult(NtStatus.MoreProcessingRequired), null, true, true, true);
                    Check(failures, step, await IoCallDriver(_top, cleanup) == NtStatus.Success, "IRP_MJ_CLEANUP did not succeed");
                    IoFreeIrp(cleanup);
                    finishedNow.AddRange(held.Select(id => (requests[id], NtStatus.Cancelled, Irql.PassiveLevel, false)));
                    break;
                }
            }
            foreach (var (request, final, irql, cancel) in finishedNow)
            {
                CheckFinished(failures, step, request, final, irql, cancel);
            }
        }
    }

    private void CheckFinished(List<string> failures, Step step, Request request, NtStatus final, Irql irql, bool cancel)
    {
        var plan = request.Plan;
        var (completer, _) = Oracle.Completer(plan);
        var pended = completer == "Bottom" && plan.BottomPends;
        var id = plan.Id;
        int completions;
        List<(int Id, string Layer, bool PendingReturned, Irql Irql, NtStatus Status, bool Cancel)> routines;
        lock (_gate)
        {
            completions = _completions.GetValueOrDefault(id);
            routines = [.. _routines.Where(r => r.Id == id)];
        }
        // CMP-: exactly once.
        Check(failures, step, completions == 1, $"#{id} was completed {completions} times");
        // IRP-/CMP-: the requester's status block and event (no file object, not IRP_SYNCHRONOUS_API).
        var reported = pended || !final.IsError();
        var signalled = KeReadStateEvent(request.Done) != 0;
        Check(failures, step, signalled == reported, $"#{id} event signalled {signalled}, expected {reported} (final {final.ToDisplayString()}, pended {pended})");
        Check(failures, step, reported ? request.Iosb.Status == final && request.Iosb.Information == (ulong)id : request.Iosb.Status == Untouched,
            $"#{id} status block {request.Iosb.Status.ToDisplayString()}/{request.Iosb.Information}, expected {(reported ? final.ToDisplayString() : "untouched")}");
        // CMP-: which routines run, bottom-up, at the completer's IRQL, seeing PendingReturned and Cancel.
        var expected = Oracle.Routines(plan, completer, final, cancel);
        var actual = routines.Select(r => r.Layer).ToList();
        Check(failures, step, actual.SequenceEqual(expected), $"#{id} completion routines [{string.Join(", ", actual)}], expected [{string.Join(", ", expected)}]");
        foreach (var r in routines)
        {
            Check(failures, step, r.PendingReturned == pended, $"#{id} {r.Layer}'s routine saw PendingReturned {r.PendingReturned}, expected {pended}");
            Check(failures, step, r.Irql == irql, $"#{id} {r.Layer}'s routine ran at {r.Irql.ToDisplayString()}, expected {irql.ToDisplayString()}");
            Check(failures, step, r.Status == final && r.Cancel == cancel, $"#{id} {r.Layer}'s routine saw {r.Status.ToDisplayString()} Cancel={r.Cancel}");
        }
    }

    private static void Check(List<string> failures, Step step, bool holds, string what)
    {
        if (!holds)
        {
            lock (failures)
            {
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"after [{step}]: {what}"));
            }
        }
    }
}

/// <summary>What NT does with a plan: which layer completes it, and which completion routines run.</summary>
internal static class Oracle
{
    public static (string Completer, NtStatus Status) Completer(RequestPlan plan) =>
        plan.Top.Mode == LayerMode.Complete ? ("Top", plan.Top.Status)
        : plan.Mid.Mode == LayerMode.Complete ? ("Mid", plan.Mid.Status)
        : ("Bottom", plan.BottomStatus);

    /// <summary>
    /// Routines set by the layers above the completer that copied with a routine, bottom-up, each only
    /// when NT_SUCCESS and InvokeOnSuccess, !NT_SUCCESS and InvokeOnError, or Cancel and InvokeOnCancel.
    /// </summary>
    public static List<string> Routines(RequestPlan plan, string completer, NtStatus final, bool cancel)
    {
        var routines = new List<string>();
        var above = completer switch { "Bottom" => new[] { ("Mid", plan.Mid), ("Top", plan.Top) }, "Mid" => [("Top", plan.Top)], _ => [] };
        foreach (var (name, layer) in above)
        {
            if (layer.Mode == LayerMode.CopyWithRoutine &&
                ((final.IsSuccess() && layer.OnSuccess) || (!final.IsSuccess() && layer.OnError) || (cancel && layer.OnCancel)))
            {
                routines.Add(name);
            }
        }
        return routines;
    }
}
