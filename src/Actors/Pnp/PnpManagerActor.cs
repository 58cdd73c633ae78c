using ActorKernel.Runtime;

namespace ActorKernel.Actors;

/// <summary>
/// The PnP manager's actor: the device action queue (IopDeviceActionRequestList) and its worker
/// (PipDeviceActionWorker). Actions run one at a time, each in a system thread at PASSIVE_LEVEL on
/// processor 0; when one ends the thread tells the actor, which starts the next.
/// </summary>
internal sealed class PnpManagerActor : ReceiveActor
{
    private readonly PnpManager _manager;
    private readonly Queue<PnpDeviceAction> _queue = new();
    private bool _running;

    public PnpManagerActor(PnpManager manager)
    {
        _manager = manager;
        Receive<PnpDeviceAction>(action =>
        {
            _queue.Enqueue(action);
            StartNext();
        });
        Receive<PnpActionDone>(_ =>
        {
            _running = false;
            StartNext();
        });
    }

    private void StartNext()
    {
        if (_running || !_queue.TryDequeue(out var action) || _manager.Machine.IsBugChecked)
        {
            return;
        }
        _running = true;
        var self = Self;
        _manager.Machine.CreateSystemThread(0, KernelModule.Kernel, "PipDeviceActionWorker", async _ =>
        {
            try
            {
                await _manager.PipDeviceAction(action);
            }
            finally
            {
                self.Tell(PnpActionDone.Instance);
            }
        });
    }

    /// <summary>Told by the worker thread when its action is done.</summary>
    internal sealed class PnpActionDone
    {
        public static readonly PnpActionDone Instance = new();
    }
}
