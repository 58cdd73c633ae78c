using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace ActorKernel.Actors;

/// <summary>
/// IoCallDriver on a processor, as one pooled object: the hop (the calling frame's suspension until
/// its processor's own Continue after IoCallDriver's charge) and the task the caller awaits.
/// <see cref="Start"/> suspends the calling frame; when the processor resumes it,
/// <see cref="Resume"/> runs the dispatch routine at the caller's
/// IRQL (under the trace hook and the verifier when on, through <see cref="IoManager.IopCallDriverChecked"/>)
/// and completes the task with its status. What an async method did here (a state machine copied into
/// a pooled box at every hop, a second box behind it) is a few fields of this object: the hop is
/// taken from its processor's pool by IoCallDriver and given back when the caller reads the status.
/// </summary>
internal sealed class IopIrpHop(Processor processor) : KiHop(processor), IValueTaskSource<NtStatus>
{
    /// <summary>The device the IRP goes to.</summary>
    public DeviceObject Device = null!;

    /// <summary>The IRQL the dispatch routine runs at (the caller's at IoCallDriver).</summary>
    public Irql Irql;

    /// <summary>The target driver's dispatch routine for the location's major function.</summary>
    public DriverDispatch Dispatch = null!;

    /// <summary>The IRP.</summary>
    public Irp Request = null!;

    /// <summary>The device's stack location.</summary>
    public IoStackLocation StackLocation = null!;

    /// <summary>Whether the verifier checks the call.</summary>
    public bool Verify;

    private ManualResetValueTaskSourceCore<NtStatus> _core;
    private Action? _resume;
    private Action? _dispatchDone;
    private ConfiguredValueTaskAwaitable<NtStatus>.ConfiguredValueTaskAwaiter _pending;
    private KeIoProcessor.Attribution _attribution;
    // An unsampled request whose dispatch routine this hop reported to the recorder itself (IoManager.IopUnsampledTrace), until it returns.
    private IoRequestTrace? _unsampled;

    /// <summary>The I/O manager whose IoCallDriver this is.</summary>
    public IoManager Manager = null!;

    /// <summary>Suspends the running frame until its processor's own Continue (no actor gets the hop); the task ends with the dispatch routine's status.</summary>
    public ValueTask<NtStatus> Start()
    {
        var version = _core.Version;
        try
        {
            Processor.KiSuspendForHop(this, null, _resume ??= Resume);
        }
        catch (Exception e)
        {
            // As the awaiting method's builder did: the call's task carries what the suspension threw.
            IoManager.IopReleaseHop(this);
            return ValueTask.FromException<NtStatus>(e);
        }
        return new ValueTask<NtStatus>(this, version);
    }

    /// <summary>
    /// A dispatch routine passes down the IRP it is dispatching, in the slice the I/O manager called it
    /// in: the next dispatch routine runs now, nested in the caller's, with no suspension and no delivery
    /// (NT runs it inside IoCallDriver, on the same thread at the same IRQL); IoCallDriver's charge is
    /// paid at the frame's next yield. The task ends with the dispatch routine's status, as after a hop.
    /// </summary>
    public ValueTask<NtStatus> StartNested()
    {
        var version = _core.Version;
        Resume();
        return new ValueTask<NtStatus>(this, version);
    }

    /// <summary>The frame resumed (the charge is paid), or the call is nested (<see cref="StartNested"/>): run the dispatch routine.</summary>
    private void Resume()
    {
        var processor = Processor;
        var manager = Manager;
        var dispatch = Dispatch;
        var device = Device;
        var irp = Request;
        var irqlBefore = Irql;
        var verify = Verify;
        ConfiguredValueTaskAwaitable<NtStatus>.ConfiguredValueTaskAwaiter awaiter;
        try
        {
            processor.KiCheckHopIrql(irqlBefore);
        }
        catch (Exception e)
        {
            _core.SetException(e);
            return;
        }
        // Until the dispatch routine first suspends (or returns), an IoCallDriver of this IRP from it is nested.
        var outer = processor.IoDispatchingIrp;
        processor.IoDispatchingIrp = irp;
        try
        {
            if (verify || manager.TracingFor(irp, irqlBefore))
            {
                if (!verify && manager.IopUnsampledTrace(irp) is { } unsampled)
                {
                    // Tracing, and this request sampled out (the IRP's mark): two calls to the recorder, no traced frame.
                    manager.TraceRecorder!.UnsampledDispatchStarted(unsampled, processor, StackLocation.Location, device);
                    _unsampled = unsampled;
                    _attribution = IoManager.IopAttribute(processor, device.DriverObject, dispatch);
                    awaiter = dispatch(device, irp).ConfigureAwait(false).GetAwaiter();
                }
                else
                {
                    awaiter = manager.IopCallDriverChecked(dispatch, device, irp, StackLocation, irqlBefore, verify).ConfigureAwait(false).GetAwaiter();
                }
            }
            else
            {
                _attribution = IoManager.IopAttribute(processor, device.DriverObject, dispatch);
                awaiter = dispatch(device, irp).ConfigureAwait(false).GetAwaiter();
            }
        }
        catch (Exception e)
        {
            processor.IoDispatchingIrp = outer;
            Fail(e);
            return;
        }
        processor.IoDispatchingIrp = outer;
        if (awaiter.IsCompleted)
        {
            Finish(ref awaiter);
            return;
        }
        _pending = awaiter;
        awaiter.UnsafeOnCompleted(_dispatchDone ??= DispatchDone);
    }

    private void DispatchDone()
    {
        var awaiter = _pending;
        _pending = default;
        Finish(ref awaiter);
    }

    private void Finish(ref ConfiguredValueTaskAwaitable<NtStatus>.ConfiguredValueTaskAwaiter awaiter)
    {
        NtStatus status;
        try
        {
            status = awaiter.GetResult();
        }
        catch (Exception e)
        {
            Fail(e);
            return;
        }
        EndAttribution();
        if (_unsampled is { } unsampled)
        {
            // As IopCallDriverChecked reports a return: after the attribution ends, before the caller sees the status.
            _unsampled = null;
            Manager.TraceRecorder?.UnsampledDispatchFinished(unsampled, StackLocation.Location, Request, status);
        }
        _core.SetResult(status);
    }

    private void Fail(Exception e)
    {
        _unsampled = null; // a routine that threw reports no return (as IopCallDriverChecked)
        EndAttribution();
        if (e is not BugCheckException)
        {
            // A caller that did not await IoCallDriver drops this task: the exception would vanish with it and the
            // IRP never complete. Stop the machine now, as a routine's unhandled exception does when it is awaited.
            Processor.KiBugCheckForHopException(e);
        }
        _core.SetException(e);
    }

    private void EndAttribution()
    {
        var attribution = _attribution;
        _attribution = default;
        attribution.Dispose();
    }

    /// <inheritdoc />
    public NtStatus GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            // Read once, on the processor's turn (the caller's continuation runs inline at completion): back to its pool.
            // A second read with the same token (a misuse) failed above and must not give the hop back twice.
            if (token == _core.Version)
            {
                _core.Reset();
                IoManager.IopReleaseHop(this);
            }
        }
    }

    /// <inheritdoc />
    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    /// <inheritdoc />
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
