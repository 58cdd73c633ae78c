using ActorKernel.Runtime;

namespace ActorKernel.Hardware;

/// <summary>
/// The host controller's actor: it runs the asynchronous schedule one descriptor at a time on the
/// dispatcher's clock and times each port reset. All device state stays in <see cref="UsbHostController"/>.
/// </summary>
internal sealed class UsbHostControllerEngine(UsbHostController controller) : ActorBase
{
    /// <summary>Look at the ring (doorbell, RS or ASE set, a detach).</summary>
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
            case PortResetDone reset:
                controller.EnginePortResetDone(reset.Port);
                return true;
            case StartPortReset start:
                Context.System.Scheduler.ScheduleTellOnce(start.DurationNs, Self, new PortResetDone(start.Port), Self);
                return true;
            default:
                throw new InvalidOperationException($"The USB host controller does not handle {message.GetType().Name}.");
        }
    }

    private void StartNext()
    {
        if (_timing)
        {
            return;
        }
        var cost = controller.EngineStartNext();
        if (cost < 0)
        {
            return;
        }
        _timing = true;
        if (cost == 0)
        {
            Self.Tell(Done, Self);
        }
        else
        {
            Context.System.Scheduler.ScheduleTellOnce(cost, Self, Done, Self);
        }
    }

    /// <summary>Time a reset of <paramref name="Port"/>.</summary>
    internal sealed record StartPortReset(int Port, long DurationNs);

    private sealed record PortResetDone(int Port);

    private sealed class KickMessage;

    private sealed class DoneMessage;
}
