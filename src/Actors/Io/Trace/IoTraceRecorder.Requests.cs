using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

/// <summary>The request side: the user call, the routines of each stack location, completion and the wake-up.</summary>
public sealed partial class IoTraceRecorder
{
    /// <summary>NtReadFile/NtWriteFile/NtDeviceIoControlFile handed an IRP to the I/O manager: the request's trace starts.</summary>
    internal void RequestIssued(Irp irp, FileObject file, string requester, Processor? current, int processor)
    {
        // The trace id first, as for every request, so ids do not depend on what is sampled.
        var sequence = NextTraceSequence();
        var lo = TraceLoOf(sequence);
        var major = irp.CurrentLocation > 1 ? irp.NextStackLocation.MajorFunction : IrpMajorFunction.Create;
        if (!HeadSampled(lo) && irp.TraceRequest is null && current is { } cpu && ReferenceEquals(cpu.Machine, _machine))
        {
            // Sampled out at its start (head sampling), on a processor: no lock, nothing recorded but what its metrics need
            // (not even the id's high half: nothing reads an unsampled request's id, TraceParentOf gives none).
            var state = ProcessorState(cpu.Number);
            var unsampled = state.RentUnsampled(irp, 0, lo, sequence, Now(cpu), major, file.DeviceObject.Name, _serial); // a finished one of this processor's, reused: no allocation
            state.AddLive(unsampled);
            Volatile.Write(ref irp.TraceRequest, unsampled);
            return;
        }
        RequestIssuedLocked(irp, file, requester, processor, sequence, lo, major);
    }

    // The rest of RequestIssued (a recorded request, or one off a processor): out of line, so the unsampled path above
    // keeps a small frame (the lock and the spans are set up only here).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RequestIssuedLocked(Irp irp, FileObject file, string requester, int processor, long sequence, ulong lo, IrpMajorFunction major)
    {
        var hi = TraceHiOf(sequence);
        lock (_gate)
        {
            var now = NowLocked();
            if (irp.TraceRequest is { } stale)
            {
                irp.TraceRequest = null;
                // Completed, its requester gone on, but the DPC that completed it still runs: it finishes when that returns
                // (the DPC holds it). Never completed: the IRP was handed to a new request, so the old one ends as it stands.
                if (!stale.Completed && stale.Claim())
                {
                    MarkUnfinished(stale);
                    FinishClaimedLocked(stale, now);
                }
            }
            var request = new IoRequestTrace(irp, hi, lo, sequence, _serial) { StartNs = now, EndNs = now, FromService = true };
            request.Sampled = HeadSampled(lo);
            request.Major = major;
            request.Device = file.DeviceObject.Name;
            AddLiveLocked(request);
            if (!request.Sampled)
            {
                return; // sampled out at its start (head sampling): nothing recorded but what its metrics need
            }
            var user = file.RequestorMode == KProcessorMode.UserMode;
            var win32 = requester switch
            {
                "NtReadFile" => "ReadFile",
                "NtWriteFile" => "WriteFile",
                "NtDeviceIoControlFile" => "DeviceIoControl",
                "NtCreateFile" => "CreateFile",
                _ => null,
            };
            var root = NewSpanLocked(user && win32 is not null ? win32 : requester, user && win32 is not null ? TraceSpanCategory.UserCall : TraceSpanCategory.SystemService, now);
            root.Owner = request;
            request.Root = root;
            request.Spans.Add(root);
            var service = root;
            if (root.Category == TraceSpanCategory.UserCall)
            {
                service = NewSpanLocked(requester, TraceSpanCategory.SystemService, now);
                service.Owner = request;
                service.ParentSpan = root;
                request.Spans.Add(service);
            }
            request.Service = service;
            request.Major = major;
            request.Device = file.DeviceObject.Name;
            root.Set(TraceAttributes.Service, requester);
            root.Set(TraceAttributes.UserMode, user);
            root.Set(TraceAttributes.Device, request.Device);
            root.Set(TraceAttributes.MajorFunction, major.ToDisplayString());
            root.Set(TraceAttributes.MajorFunctionCode, (long)major);
            root.Set(TraceAttributes.IrpAddress, Hex(irp.Address));
            root.Set(TraceAttributes.Processor, (long)processor);
            service.ProcessorNumber = processor;
            StackOf(processor).Add(service);
        }
    }

    /// <summary>A dispatch, StartIo, completion, cancel or IoTimer routine starts.</summary>
    internal void RoutineStarted(in IoRoutineEvent e)
    {
        if (e.Irp?.TraceRequest is { Sampled: false } unsampled)
        {
            UnsampledRoutineStarted(unsampled, e); // the per-IRP mark: no lock, no look-up
            return;
        }
        RoutineStartedLocked(e);
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // apart from the unsampled path above: its frame stays small
    private void RoutineStartedLocked(in IoRoutineEvent e)
    {
        lock (_gate)
        {
            var now = NowLocked();
            var stack = StackOf(e.Processor);
            IoRequestTrace? request = null;
            if (e.Irp is { } irp)
            {
                request = irp.TraceRequest ?? DriverRequestLocked(irp, e, stack, now);
                if (!request.Sampled)
                {
                    UnsampledRoutineStarted(request, e);
                    return;
                }
            }
            var category = e.Kind switch
            {
                IoRoutineKind.Dispatch => TraceSpanCategory.Dispatch,
                IoRoutineKind.StartIo => TraceSpanCategory.StartIo,
                IoRoutineKind.Completion => TraceSpanCategory.Completion,
                IoRoutineKind.Cancel => TraceSpanCategory.Cancel,
                _ => TraceSpanCategory.Timer,
            };
            var name = e.Kind == IoRoutineKind.Dispatch ? e.MajorFunction.ToDisplayString() + " " + e.RoutineName : e.Kind + " " + e.RoutineName;
            var span = NewSpanLocked(name, category, now);
            span.ProcessorNumber = e.Processor;
            span.SetRoutine(RoutineAttributes.Of(e));
            var key = new OpenKey((object?)e.Irp ?? (object?)e.Device ?? e.RoutineName, e.Location, e.Kind);
            if (_open.Remove(key, out var previous))
            {
                // The same routine for the same location again before the first returned: close the first as it stands.
                previous.MarkUnfinished();
                previous.Open = false;
            }
            _open[key] = span;
            if (request is not null)
            {
                span.Owner = request;
                request.Spans.Add(span);
                Interlocked.Increment(ref request.Open);
                TraceSpan? parent = null;
                for (var i = stack.Count - 1; i >= 0 && parent is null; i--)
                {
                    if (ReferenceEquals(stack[i].Owner, request))
                    {
                        parent = stack[i];
                    }
                }
                if (ProcessorState(e.Processor).Innermost is { Running: true } kernel && (parent is null || kernel.Sequence > parent.Sequence))
                {
                    // A routine of the request inside an ISR or DPC: whose trace the DPC joins is decided when it returns.
                    kernel.AnySampled = true;
                    parent = MaterializeLocked(kernel);
                    if (kernel.Add(request))
                    {
                        Interlocked.Increment(ref request.Open);
                    }
                    kernel.AddChild(span);
                }
                span.ParentSpan = parent ?? request.Service ?? request.Root;
                if (e.Kind == IoRoutineKind.Dispatch && request.FirstDispatch is null)
                {
                    request.FirstDispatch = span;
                    request.Device ??= e.Device?.Name;
                    if (request.Root.Category == TraceSpanCategory.DriverRequest)
                    {
                        request.Root.Set(TraceAttributes.Device, e.Device?.Name);
                    }
                }
            }
            stack.Add(span);
        }
    }

    /// <summary>The routine started by <see cref="RoutineStarted"/> with the same event returned <paramref name="result"/>.</summary>
    internal void RoutineFinished(in IoRoutineEvent e, NtStatus result)
    {
        if (e.Irp?.TraceRequest is { Sampled: false } unsampled)
        {
            UnsampledRoutineFinished(unsampled, e, result); // the per-IRP mark: no lock, no look-up
            return;
        }
        RoutineFinishedLocked(e, result);
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // apart from the unsampled path above: its frame stays small
    private void RoutineFinishedLocked(in IoRoutineEvent e, NtStatus result)
    {
        lock (_gate)
        {
            var key = new OpenKey((object?)e.Irp ?? (object?)e.Device ?? e.RoutineName, e.Location, e.Kind);
            if (!_open.Remove(key, out var span))
            {
                return;
            }
            var now = NowLocked();
            span.EndNs = Math.Max(span.StartNs, now);
            span.Open = false;
            span.SetNtStatus(result);
            RemoveFrom(StackOf(span.ProcessorNumber), span);
            AddTimelineLocked(new TimelineEvent(TimelineKind.Interval, span.StartNs, span.DurationNs, span.ProcessorNumber, null, span.Name,
                CategoryName(span.Category), span.Sequence, e.ImageName));
            if (e.Device?.Name is { } deviceName && span.Category is TraceSpanCategory.Dispatch or TraceSpanCategory.StartIo)
            {
                AddTimelineLocked(new TimelineEvent(TimelineKind.Interval, span.StartNs, span.DurationNs, -1, deviceName, span.Name,
                    CategoryName(span.Category), span.Sequence, e.ImageName));
            }
            if (span.Owner is not { } request)
            {
                var (hi, lo) = NewTraceId();
                FinishKernelWorkLocked(span, null, hi, lo, KeepKernelWork(lo, span));
                return;
            }
            if (ReferenceEquals(span, request.FirstDispatch))
            {
                if (result == NtStatus.Pending && request.Service is not null && !e.Irp!.AsynchronousRequest && e.Irp.ThreadedByIoManager)
                {
                    request.ExpectResume = true; // IopSynchronousServiceTail waits for the completion's event
                }
                request.FirstDispatchReturned = true;
            }
            ReleaseLocked(request);
        }
    }

    /// <summary>Completion reached the top of the stack (IopCompleteRequest).</summary>
    internal void IrpCompleted(Irp irp)
    {
        if (irp.TraceRequest is not { } request)
        {
            return;
        }
        if (!request.Sampled)
        {
            // The per-IRP mark: an unsampled request needs its status and the time, and the ISR or DPC that served it; no lock.
            var generation = request.Generation; // held until Completed is set: it cannot finish before
            var cpu = OwnProcessor();
            TouchRunningKernelRoutine(request, sampled: false, cpu);
            request.CompletedNs = Now(cpu);
            request.Status = irp.IoStatus.Status;
            request.Information = irp.IoStatus.Information;
            request.Completed = true;
            TryFinish(request, generation, cpu);
            return;
        }
        IrpCompletedLocked(irp, request);
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // a recorded request: apart from the unsampled path above
    private void IrpCompletedLocked(Irp irp, IoRequestTrace request)
    {
        lock (_gate)
        {
            var now = NowLocked();
            TouchRunningKernelRoutine(request, sampled: true, OwnProcessor());
            request.CompletedNs = now;
            request.Status = irp.IoStatus.Status;
            request.Information = irp.IoStatus.Information;
            request.Completed = true;
            TryFinishLocked(request, now, request.Generation);
        }
    }

    /// <summary>Completed from an ISR or DPC (with or without completion routines): that routine served <paramref name="request"/>.</summary>
    private void TouchRunningKernelRoutine(IoRequestTrace request, bool sampled, Processor? cpu)
    {
        if (cpu is not null && ProcessorState(cpu.Number).Innermost is { Running: true } kernel)
        {
            if (sampled)
            {
                kernel.AnySampled = true;
            }
            if (kernel.Add(request))
            {
                TraceAtomic.Increment(ref request.Open, _serial);
            }
        }
    }

    /// <summary>The synchronous requester's wait ended: it runs again.</summary>
    internal void RequesterResumed(Irp irp)
    {
        if (irp.TraceRequest is not { } request)
        {
            return;
        }
        if (!request.Sampled)
        {
            var generation = request.Generation; // held until Resumed is set (the first dispatch returned STATUS_PENDING, so it waits for this)
            var cpu = OwnProcessor();
            request.ExtendTo(Now(cpu));
            request.Resumed = true;
            TryFinish(request, generation, cpu);
            return;
        }
        lock (_gate)
        {
            var now = NowLocked();
            var wake = NewSpanLocked("Wake-up " + (request.Service?.Name ?? "requester"), TraceSpanCategory.WakeUp, request.Completed ? request.CompletedNs : now);
            wake.EndNs = Math.Max(wake.StartNs, now);
            wake.Open = false;
            wake.Owner = request;
            wake.ParentSpan = request.Service ?? request.Root;
            wake.Set(TraceAttributes.Processor, (long)(Processor.CurrentOrNull?.Number ?? 0));
            request.Spans.Add(wake);
            request.Resumed = true;
            TryFinishLocked(request, now, request.Generation);
        }
    }

    private IoRequestTrace DriverRequestLocked(Irp irp, in IoRoutineEvent e, List<TraceSpan> stack, long now)
    {
        var (hi, lo) = NewTraceId(out var sequence);
        var request = new IoRequestTrace(irp, hi, lo, sequence, _serial) { StartNs = now, EndNs = now };
        request.Sampled = HeadSampled(lo);
        request.Major = e.MajorFunction;
        AddLiveLocked(request);
        if (!request.Sampled)
        {
            return request;
        }
        var root = NewSpanLocked("IoCallDriver " + e.MajorFunction.ToDisplayString(), TraceSpanCategory.DriverRequest, now);
        root.Owner = request;
        request.Root = root;
        request.Major = e.MajorFunction;
        request.Spans.Add(root);
        root.Set(TraceAttributes.MajorFunction, e.MajorFunction.ToDisplayString());
        root.Set(TraceAttributes.MajorFunctionCode, (long)e.MajorFunction);
        root.Set(TraceAttributes.IrpAddress, Hex(irp.Address));
        root.Set(TraceAttributes.Processor, (long)e.Processor);
        root.Set(TraceAttributes.DriverImage, e.ImageName);
        if (stack.Count > 0 && stack[^1] is { Owner: not null } spawner)
        {
            // Built and sent by a routine of another request (an associated IRP, a request across stacks).
            (root.LinkSpans ??= []).Add((spawner, "spawned-by"));
        }
        return request;
    }

    /// <summary>Registers a new request: the IRP's mark, the list Flush ends, the count the device hooks read.</summary>
    private void AddLiveLocked(IoRequestTrace request)
    {
        request.LiveIndex = _live.Count;
        _live.Add(request);
        request.Irp.TraceRequest = request;
        if (request.Sampled)
        {
            Volatile.Write(ref _sampledOpen, _sampledOpen + 1);
        }
    }

    private void RemoveLiveLocked(IoRequestTrace request)
    {
        var i = request.LiveIndex;
        if (i >= 0 && i < _live.Count && ReferenceEquals(_live[i], request))
        {
            var last = _live[^1];
            _live[i] = last;
            last.LiveIndex = i;
            _live.RemoveAt(_live.Count - 1);
        }
        request.LiveIndex = -1;
        Interlocked.CompareExchange(ref request.Irp.TraceRequest, null, request);
        if (request.Sampled)
        {
            Volatile.Write(ref _sampledOpen, _sampledOpen - 1);
        }
    }

    /// <summary>One of <paramref name="request"/>'s routines, or an ISR/DPC that touched it, is over, on <paramref name="cpu"/> (<see cref="OwnProcessor"/>; no lock).</summary>
    private void Release(IoRequestTrace request, Processor? cpu)
    {
        var generation = request.Generation; // read while still holding it: once let go, another may finish it and its record be reused
        TraceAtomic.Decrement(ref request.Open, _serial); // a full fence already (when several threads may run hooks)
        TryFinish(request, generation, cpu, fenced: true);
    }

    private void ReleaseLocked(IoRequestTrace request)
    {
        var generation = request.Generation;
        Interlocked.Decrement(ref request.Open);
        TryFinishLocked(request, NowLocked(), generation);
    }

    /// <summary>Finishes <paramref name="request"/> if nothing of it is left, on <paramref name="cpu"/> (<see cref="OwnProcessor"/>; no lock until then; exactly one caller finishes).</summary>
    private void TryFinish(IoRequestTrace request, int generation, Processor? cpu, bool fenced = false)
    {
        // Every updater writes its part and then checks: the fence makes sure the last of two concurrent ones sees both.
        if (!fenced)
        {
            TraceAtomic.MemoryBarrier(_serial);
        }
        if (!request.Finishable || !request.Claim(generation))
        {
            return;
        }
        if (!request.Sampled && request.LiveIndex < 0 && cpu is not null)
        {
            // Unsampled, issued without the lock and finishing on a processor: its metrics go to that processor's histograms.
            TraceAtomic.CompareExchangeReference(ref request.Irp.TraceRequest, null, request, _serial);
            FinishUnsampled(request, Now(cpu), cpu.Number);
            return;
        }
        FinishClaimed(request);
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // a recorded request (or one off a processor): apart from the unsampled path above
    private void FinishClaimed(IoRequestTrace request)
    {
        lock (_gate)
        {
            FinishClaimedLocked(request, NowLocked());
        }
    }

    private void TryFinishLocked(IoRequestTrace request, long now, int generation)
    {
        if (request.Finishable && request.Claim(generation))
        {
            FinishClaimedLocked(request, now);
        }
    }

    private void FinishClaimedLocked(IoRequestTrace request, long now)
    {
        RemoveLiveLocked(request);
        if (!request.Sampled)
        {
            FinishUnsampled(request, now, -1);
            return;
        }
        ForgetDeviceWorkLocked(request);
        var root = request.Root;
        var end = root.StartNs;
        foreach (var s in request.Spans)
        {
            if (s.Open && !ReferenceEquals(s, root) && !ReferenceEquals(s, request.Service))
            {
                s.EndNs = Math.Max(s.StartNs, now);
            }
            end = Math.Max(end, s.EndNs);
        }
        if (request.Completed)
        {
            end = Math.Max(end, request.CompletedNs); // a request lasts until its completion reached the top, even with no routine then
        }
        if (request.Spans.Exists(static s => s.Unfinished))
        {
            end = Math.Max(end, now);
        }
        root.EndNs = end;
        root.Open = false;
        if (request.Service is { } service)
        {
            service.EndNs = end;
            service.Open = false;
            RemoveFrom(StackOf(service.ProcessorNumber), service);
        }
        root.Set(TraceAttributes.Device, request.Device);
        root.Set(TraceAttributes.Bytes, (long)request.Information);
        var status = request.Completed ? request.Status : NtStatus.Pending;
        root.SetNtStatus(status);
        if (request.Service is { } svc && !ReferenceEquals(svc, root))
        {
            svc.SetNtStatus(status);
        }
        // Where the request's time went: routines ran (their own time, without the routines they called), the rest it waited.
        long ran = 0;
        foreach (var s in request.Spans)
        {
            if (s.Category is TraceSpanCategory.Dispatch or TraceSpanCategory.StartIo or TraceSpanCategory.Isr or TraceSpanCategory.Dpc
                or TraceSpanCategory.Completion or TraceSpanCategory.Cancel)
            {
                ran += ExclusiveNs(s, request.Spans);
            }
        }
        root.Set(TraceAttributes.RanNs, ran);
        root.Set(TraceAttributes.WaitedNs, Math.Max(0, root.DurationNs - ran));
        Metrics.RecordRequest(request, root.DurationNs, status, -1);
        // Ratio sampling was decided at the request's start (it is recorded, so it is in); tail sampling decides now.
        var keep = _sampling switch
        {
            TraceSampling.Off => false,
            TraceSampling.ErrorsAndSlow => !status.IsSuccess() || status == NtStatus.Pending || root.DurationNs >= Options.SlowRequestNs,
            _ => true,
        };
        EmitLocked(request.TraceHi, request.TraceLo, request.Spans, keep);
    }

    /// <summary>
    /// Head sampling: whether a request whose trace id ends in <paramref name="lo"/> is recorded at all,
    /// decided when it starts. Ratio decides by trace id (deterministic: the ids come from the seed);
    /// tail sampling must record everything to decide at the end.
    /// </summary>
    private bool HeadSampled(ulong lo) => _sampling switch
    {
        TraceSampling.Off => false,
        TraceSampling.Ratio => InRatio(lo),
        _ => true,
    };

    /// <summary>A routine of an unsampled request starts: counted, no span (it may join the running ISR or DPC, as a span would). No lock.</summary>
    private void UnsampledRoutineStarted(IoRequestTrace request, in IoRoutineEvent e) =>
        UnsampledStarted(request, e.Processor, e.Kind == IoRoutineKind.Dispatch, e.Location, e.Device);

    /// <summary>
    /// IoCallDriver's hop calls the dispatch routine of unsampled <paramref name="request"/> for the device at
    /// <paramref name="location"/> on <paramref name="cpu"/>, with only the recorder listening: what
    /// <see cref="RoutineStarted"/> does for it, without the traced frame, the event and the look-ups around it.
    /// The caller holds <paramref name="request"/> until it reports the return (<see cref="UnsampledDispatchFinished"/>).
    /// </summary>
    internal void UnsampledDispatchStarted(IoRequestTrace request, Processor cpu, int location, DeviceObject device) =>
        UnsampledStarted(request, cpu.Number, dispatch: true, location, device);

    /// <summary>The dispatch routine reported by <see cref="UnsampledDispatchStarted"/> returned <paramref name="result"/>.</summary>
    internal void UnsampledDispatchFinished(IoRequestTrace request, int location, Irp irp, NtStatus result) =>
        UnsampledFinished(request, dispatch: true, location, irp, result);

    /// <summary>
    /// Whether StartIo of unsampled <paramref name="request"/>, called now on <paramref name="cpu"/>, needs no report of its
    /// own: it is called in the synchronous part of a dispatch routine of the request's IRP (the processor's
    /// <c>IoDispatchingIrp</c>, as IoCallDriver decides nesting) while its first dispatch routine has not returned, and no
    /// ISR or DPC runs on this processor. StartIo then starts and returns inside the first dispatch routine (IoStartPacket
    /// is awaited, as NT's is a call), which holds the request open and extends its latency past StartIo's end; outside
    /// any ISR or DPC it changes neither which routines served the request nor its latency. (As for nested dispatch
    /// routines: a dispatch routine that did not await IoStartPacket would end before StartIo; no driver here does.)
    /// </summary>
    internal bool CoveredByFirstDispatch(IoRequestTrace request, Processor cpu) =>
        ReferenceEquals(cpu.IoDispatchingIrp, request.Irp) && cpu.Top is { State: FrameState.Running }
        && request.FirstDispatchLocation >= 0 && !request.FirstDispatchReturned
        && ProcessorState(cpu.Number).Innermost is not { Running: true };

    /// <summary>IoStartPacket or IoStartNextPacket calls DriverStartIo for unsampled <paramref name="request"/> on processor <paramref name="processor"/> (as <see cref="UnsampledDispatchStarted"/>).</summary>
    internal void UnsampledStartIoStarted(IoRequestTrace request, int processor) =>
        UnsampledStarted(request, processor, dispatch: false, 0, null);

    /// <summary>The StartIo routine reported by <see cref="UnsampledStartIoStarted"/> returned.</summary>
    internal void UnsampledStartIoFinished(IoRequestTrace request) =>
        UnsampledFinished(request, dispatch: false, 0, null, NtStatus.Success);

    /// <summary>A routine of an unsampled request returned: its latency lasts at least until now. No lock.</summary>
    private void UnsampledRoutineFinished(IoRequestTrace request, in IoRoutineEvent e, NtStatus result) =>
        UnsampledFinished(request, e.Kind == IoRoutineKind.Dispatch, e.Location, e.Irp, result);

    private void UnsampledStarted(IoRequestTrace request, int processor, bool dispatch, int location, DeviceObject? device)
    {
        TraceAtomic.Increment(ref request.Open, _serial);
        if (ProcessorState(processor).Innermost is { Running: true } kernel && kernel.Add(request))
        {
            TraceAtomic.Increment(ref request.Open, _serial);
        }
        if (dispatch && request.FirstDispatchLocation < 0
            && TraceAtomic.CompareExchange(ref request.FirstDispatchLocation, location, -1, _serial) == -1)
        {
            request.Device ??= device?.Name;
        }
    }

    private void UnsampledFinished(IoRequestTrace request, bool dispatch, int location, Irp? irp, NtStatus result)
    {
        var cpu = OwnProcessor();
        request.ExtendTo(Now(cpu));
        if (dispatch && !request.FirstDispatchReturned && location == request.FirstDispatchLocation)
        {
            if (result == NtStatus.Pending && request.FromService && !irp!.AsynchronousRequest && irp.ThreadedByIoManager)
            {
                request.ExpectResume = true;
            }
            request.FirstDispatchReturned = true;
        }
        Release(request, cpu);
    }

    /// <summary>An unsampled request ends: its latency and status go to the metrics, computed as a recorded request's root span would be.</summary>
    /// <param name="request">The request, claimed.</param>
    /// <param name="now">Simulated now.</param>
    /// <param name="processor">The processor it finishes on (its histograms, no lock), or -1 under the recorder's lock.</param>
    private void FinishUnsampled(IoRequestTrace request, long now, int processor)
    {
        var end = request.EndNs;
        if (request.Completed)
        {
            end = Math.Max(end, request.CompletedNs);
        }
        if (Volatile.Read(ref request.Open) > 0 || request.Unfinished)
        {
            end = Math.Max(end, now);
        }
        var status = request.Completed ? request.Status : NtStatus.Pending;
        Metrics.RecordRequest(request, end - request.StartNs, status, processor);
        if (processor >= 0)
        {
            var state = ProcessorState(processor);
            Volatile.Write(ref state.Dropped, state.Dropped + 1); // that processor's own count: no interlocked add
        }
        else
        {
            Interlocked.Increment(ref _dropped);
        }
        request.MarkDone(); // nothing reads it after this: the processor that issued it may reuse its record
    }

    private static void MarkUnfinished(IoRequestTrace request)
    {
        if (request.Sampled)
        {
            request.Root.MarkUnfinished();
        }
        else
        {
            request.Unfinished = true;
        }
    }

    private static long ExclusiveNs(TraceSpan span, List<TraceSpan> spans)
    {
        var own = span.DurationNs;
        foreach (var s in spans)
        {
            if (ReferenceEquals(s.ParentSpan, span))
            {
                own -= Math.Max(0, Math.Min(s.EndNs, span.EndNs) - Math.Max(s.StartNs, span.StartNs)); // only what ran inside it
            }
        }
        return Math.Max(0, own);
    }

    private bool InRatio(ulong lo) => (lo >> 11) < _ratioBound; // Ratio >= 1: all (the shifted half is below 2^53); <= 0: none

    private void EmitLocked(ulong hi, ulong lo, List<TraceSpan> spans, bool keep)
    {
        foreach (var s in spans)
        {
            s.SetTraceId(hi, lo); // formatted only if read (a kept trace, or a link to this one)
        }
        if (!keep)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }
        var traceId = IoRequestTrace.TraceIdText(hi, lo);
        var root = spans[0];
        var ordered = new List<TraceSpan>(spans.Count) { root };
        var rest = spans.GetRange(1, spans.Count - 1);
        rest.Sort(static (a, b) => a.StartNs != b.StartNs ? a.StartNs.CompareTo(b.StartNs) : a.Sequence.CompareTo(b.Sequence));
        ordered.AddRange(rest);
        foreach (var s in ordered)
        {
            if (s.LinkSpans is { } links)
            {
                foreach (var (target, relation) in links)
                {
                    var id = target.Owner?.TraceId ?? target.TraceId;
                    if (id.Length > 0)
                    {
                        s.Links.Add(new TraceLink(id, target.SpanId, relation));
                    }
                }
                s.LinkSpans = null;
            }
        }
        var trace = new FinishedTrace(traceId, ordered);
        if (Options.KeepTraces)
        {
            if (_traces.Count < Options.MaxTraces)
            {
                _traces.Add(trace);
            }
            else
            {
                NotKept++;
            }
        }
        TraceFinished?.Invoke(trace);
    }

    internal static string CategoryName(TraceSpanCategory category) => category switch
    {
        TraceSpanCategory.UserCall => "user",
        TraceSpanCategory.SystemService => "service",
        TraceSpanCategory.DriverRequest => "request",
        TraceSpanCategory.Dispatch => "dispatch",
        TraceSpanCategory.StartIo => "startio",
        TraceSpanCategory.Isr => "isr",
        TraceSpanCategory.Dpc => "dpc",
        TraceSpanCategory.Completion => "completion",
        TraceSpanCategory.Cancel => "cancel",
        TraceSpanCategory.Timer => "timer",
        TraceSpanCategory.WakeUp => "wakeup",
        TraceSpanCategory.WorkItem => "workitem",
        TraceSpanCategory.Device => "device",
        _ => "kernel",
    };
}
