using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

public sealed partial class IoManager
{
    private readonly List<DeviceObject> _timerDevices = [];

    /// <summary>The interval of device timers: one second.</summary>
    public static readonly TimeSpan DeviceTimerInterval = TimeSpan.FromSeconds(1);

    [AsyncMethodBuilder(typeof(KernelRoutineBuilder))]
    internal async ValueTask IopInvokeStartIo(DeviceObject device, Irp irp)
    {
        // IoStartPacket calls DriverObject->DriverStartIo at DISPATCH_LEVEL: a driver that set none jumps to address 0,
        // a fault at raised IRQL, DRIVER_IRQL_NOT_LESS_OR_EQUAL (P1 the address, P2 the IRQL, P3 8 = execute, P4 the IP).
        var startIo = device.DriverObject.DriverStartIo
            ?? throw IopBugCheck(BugCheckCode.DriverIrqlNotLessOrEqual, 0, (ulong)InlineIoProcessor.Current.CurrentIrql, 8, 0);
        using var attribution = KeIoProcessor.Attribute(device.DriverObject, startIo);
        if (!Tracing)
        {
            await startIo(device, irp).ConfigureAwait(false);
            return;
        }
        if (IopUnsampledTrace(irp) is { } unsampled && TraceRecorder is { } recorder)
        {
            var processor = Processor.CurrentOrNull; // a thread-static read: once
            if (processor is not null && recorder.CoveredByFirstDispatch(unsampled, processor))
            {
                // IoStartPacket from the request's first dispatch routine before it suspended, outside any ISR or DPC:
                // StartIo starts and returns inside that routine, whose report already holds the request and ends after.
                await startIo(device, irp).ConfigureAwait(false);
                return;
            }
            // A request sampled out (the IRP's mark), only the recorder listening: told directly, no event built.
            recorder.UnsampledStartIoStarted(unsampled, processor?.Number ?? InlineIoProcessor.Current.Number);
            await startIo(device, irp).ConfigureAwait(false);
            TraceRecorder?.UnsampledStartIoFinished(unsampled);
            return;
        }
        var cpu = InlineIoProcessor.Current;
        var run = new IoRoutineEvent(IoRoutineKind.StartIo, startIo.Method.Name, device.DriverObject, device, irp, irp.CurrentLocation,
            irp.CurrentStackLocation.MajorFunction, cpu.Number, cpu.CurrentIrql);
        var activity = IoTrace.RoutineStarted(run, Observer);
        await startIo(device, irp).ConfigureAwait(false);
        IoTrace.RoutineFinished(run, activity, Observer, NtStatus.Success);
    }

    private int _timerTicking;

    /// <summary>
    /// On a machine, the first IoStartTimer starts a once-a-second tick of simulated time that runs
    /// <see cref="IopTimerTick"/> at DISPATCH_LEVEL on processor 0; the tick stops rescheduling itself
    /// once no timer is started (so an idle machine can go quiescent).
    /// </summary>
    internal void IopEnsureTimerTicking()
    {
        if (Machine is not { } machine || Interlocked.Exchange(ref _timerTicking, 1) == 1)
        {
            return;
        }
        machine.System.Scheduler.ScheduleOnce(DeviceTimerInterval, () => IopTimerDue(machine));
    }

    private void IopTimerDue(Machine machine)
    {
        if (!IopAnyTimerStarted() || machine.IsBugChecked)
        {
            Volatile.Write(ref _timerTicking, 0);
            return;
        }
        machine.RunRoutine(0, KernelModule.Kernel, "IopTimerDispatch", () => IopTimerTick(), Irql.DispatchLevel);
        machine.System.Scheduler.ScheduleOnce(DeviceTimerInterval, () => IopTimerDue(machine));
    }

    private bool IopAnyTimerStarted()
    {
        lock (_timerDevices)
        {
            return _timerDevices.Exists(d => d.Timer is { Started: true } && !d.DeletePending);
        }
    }

    internal void IopRegisterTimer(DeviceObject device)
    {
        lock (_timerDevices)
        {
            if (!_timerDevices.Contains(device))
            {
                _timerDevices.Add(device);
            }
        }
    }

    /// <summary>
    /// IopTimerDispatch: runs every started device timer once, at DISPATCH_LEVEL on the current
    /// processor, in the order the timers were initialised. The machine's clock calls it once a
    /// second of simulated time.
    /// </summary>
    /// <returns>A task that ends when every timer routine returned.</returns>
    internal async ValueTask IopTimerTick()
    {
        DeviceObject[] devices;
        lock (_timerDevices)
        {
            devices = [.. _timerDevices];
        }
        var cpu = InlineIoProcessor.Current;
        var old = cpu.SwapIrql(Irql.DispatchLevel);
        foreach (var device in devices)
        {
            if (device.Timer is not { Started: true } timer || device.DeletePending)
            {
                continue;
            }
            IopCheckLoaded(device.DriverObject, timer.Routine);
            timer.Ticks++;
            if (Tracing)
            {
                var run = new IoRoutineEvent(IoRoutineKind.Timer, timer.Routine.Method.Name, device.DriverObject, device, null, 0, 0, cpu.Number, cpu.CurrentIrql);
                var activity = IoTrace.RoutineStarted(run, Observer);
                await timer.Routine(device, timer.Context).ConfigureAwait(false);
                IoTrace.RoutineFinished(run, activity, Observer, NtStatus.Success);
            }
            else
            {
                await timer.Routine(device, timer.Context).ConfigureAwait(false);
            }
        }
        cpu.SwapIrql(old);
    }
}
