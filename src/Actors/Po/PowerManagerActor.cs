using ActorKernel.Runtime;

namespace ActorKernel.Actors;

/// <summary>
/// The power manager's actor: the queue of system transitions (each runs in a system thread at
/// PASSIVE_LEVEL, one at a time) and the once-a-second scan that advances idle counters and checks
/// the power IRP watchdog (PopCheckForIdleness / PopCheckIrpWatchdog).
/// </summary>
internal sealed class PowerManagerActor : ReceiveActor
{
    private readonly PowerManager _manager;
    private readonly Queue<PopSystemAction> _queue = new();
    private bool _running;

    public PowerManagerActor(PowerManager manager)
    {
        _manager = manager;
        Receive<PopSystemAction>(action =>
        {
            _queue.Enqueue(action);
            StartNext();
        });
        Receive<PopActionDone>(_ =>
        {
            _running = false;
            _manager.PopActionDone();
            StartNext();
        });
        Receive<PopScan>(_ =>
        {
            if (_manager.Machine.IsBugChecked || _manager.IsPoweredOff)
            {
                return;
            }
            _manager.PopCheckIrpWatchdog();
            _manager.PopScanIdleList();
            Schedule();
        });
        Schedule();
    }

    private void Schedule() =>
        _manager.Machine.System.Scheduler.ScheduleTellOnce((long)_manager.Options.ScanInterval.TotalNanoseconds, Self, PopScan.Instance, null);

    private void StartNext()
    {
        if (_running || _manager.Machine.IsBugChecked || !_queue.TryDequeue(out var action))
        {
            return;
        }
        _running = true;
        var self = Self;
        _manager.Machine.CreateSystemThread(0, KernelModule.Kernel, "PopSetSystemPowerState", async _ =>
        {
            try
            {
                await _manager.PopSetSystemPowerState(action.State);
            }
            finally
            {
                self.Tell(PopActionDone.Instance);
            }
        });
    }

    private sealed class PopActionDone
    {
        public static readonly PopActionDone Instance = new();
    }

    private sealed class PopScan
    {
        public static readonly PopScan Instance = new();
    }
}
