using ActorKernel.Runtime;

namespace ActorKernel.Hardware;

/// <summary>
/// The block controller's actor: it runs the controller's commands one after another on the
/// dispatcher's clock (a virtual-clock timer per command, never a sleep). All device state stays in
/// <see cref="BlockController"/>; this actor only decides when the controller looks at its rings.
/// </summary>
internal sealed class BlockControllerEngine(BlockController controller) : ActorBase
{
    /// <summary>Look at the submission ring (a doorbell, EN set, or completion-ring room).</summary>
    internal static readonly object Kick = new KickMessage();

    private static readonly object Done = new DoneMessage();
    private bool _timing;

    /// <inheritdoc />
    protected override bool Receive(object message)
    {
        switch (message)
        {
            case KickMessage:
                StartNext();
                return true;
            case DoneMessage:
                _timing = false;
                controller.EngineComplete();
                StartNext();
                return true;
            default:
                throw new InvalidOperationException($"The block controller does not handle {message.GetType().Name}.");
        }
    }

    private void StartNext()
    {
        if (_timing)
        {
            return; // one command at a time; its Done looks at the ring again
        }
        long cost;
        while ((cost = controller.EngineStartNext()) == 0)
        {
            controller.EngineComplete(); // no time to wait for: done in this turn
        }
        if (cost < 0)
        {
            return;
        }
        _timing = true;
        Context.System.Scheduler.ScheduleTellOnce(cost, Self, Done, Self);
    }

    private sealed class KickMessage;

    private sealed class DoneMessage;
}
