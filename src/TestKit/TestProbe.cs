namespace ActorKernel.TestKit;

/// <summary>
/// An actor a test talks through (Akka.NET's <c>TestProbe</c>): give its <see cref="Ref"/> to the actors
/// under test, then assert on what it received with <c>ExpectMsg</c>, <c>ExpectNoMsg</c>,
/// <c>FishForMessage</c>, <c>ReceiveN</c>, <c>Within</c> and <c>ExpectTerminated</c>.
/// </summary>
/// <remarks>
/// On the deterministic dispatcher an expectation never sleeps: it drives the dispatcher until a
/// message arrives or its timeout passes in virtual time. On the concurrent dispatcher it blocks the
/// test thread for at most the timeout on the wall clock. Use a probe from one test thread only.
/// </remarks>
public sealed partial class TestProbe
{
    private readonly object _gate = new();
    private readonly Queue<(object Message, IActorRef Sender)> _queue = new();
    private readonly SystemWaiter _waiter;
    private long _commandsSent;
    private long _commandsDone;
    private IActorRef? _lastSender;

    /// <summary>Creates a probe: a new top-level actor in <paramref name="system"/>.</summary>
    /// <param name="system">The system the probe's actor lives in.</param>
    /// <param name="name">The actor's name under <c>/user</c>; a generated one when null.</param>
    public TestProbe(ActorSystem system, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        _waiter = new SystemWaiter(system);
        DefaultTimeout = SystemWaiter.DefaultTimeoutFor(system);
        Ref = system.ActorOf(Props.Create(() => new ProbeActor(this)), name);
    }

    /// <summary>
    /// How long an expectation waits when given no timeout, in dispatcher time: 3 s (virtual) on the
    /// deterministic dispatcher, 10 s on the concurrent one, where a loaded machine can be slow.
    /// </summary>
    public TimeSpan DefaultTimeout { get; set; }

    /// <summary>The probe's own actor reference: hand it out as a receiver or a sender.</summary>
    public IActorRef Ref { get; }

    /// <summary>The system the probe lives in.</summary>
    public ActorSystem System => _waiter.System;

    /// <summary>The sender of the message received last (dead letters when it had none).</summary>
    /// <exception cref="InvalidOperationException">Before any message was received.</exception>
    public IActorRef LastSender => _lastSender ?? throw new InvalidOperationException($"Probe {Ref.Path} has received no message yet, so it has no last sender.");

    /// <summary>Messages received and not yet taken by an expectation.</summary>
    public int MessageCount
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Tells <paramref name="message"/> to <paramref name="target"/> with this probe as sender.</summary>
    public void Send(IActorRef target, object message)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Tell(message, Ref);
    }

    /// <summary>Tells <paramref name="message"/> to <see cref="LastSender"/> with this probe as sender.</summary>
    public void Reply(object message) => LastSender.Tell(message, Ref);

    /// <summary>Watches <paramref name="actor"/>: its stop will arrive here as <see cref="Terminated"/>. Returns once the watch is set.</summary>
    public void Watch(IActorRef actor) => RunCommand(new ProbeCommand(actor, Watch: true));

    /// <summary>Stops watching <paramref name="actor"/>. Returns once the watch is removed.</summary>
    public void Unwatch(IActorRef actor) => RunCommand(new ProbeCommand(actor, Watch: false));

    /// <inheritdoc />
    public override string ToString() => $"TestProbe({Ref.Path})";

    internal void Enqueue(object message, IActorRef sender)
    {
        lock (_gate)
        {
            _queue.Enqueue((message, sender));
            Monitor.PulseAll(_gate);
        }
    }

    internal void Acknowledge()
    {
        lock (_gate)
        {
            _commandsDone++;
            Monitor.PulseAll(_gate);
        }
    }

    private void RunCommand(ProbeCommand command)
    {
        ArgumentNullException.ThrowIfNull(command.Target);
        long ticket;
        lock (_gate)
        {
            ticket = ++_commandsSent;
        }
        Ref.Tell(command, Ref);
        if (!_waiter.WaitUntil(() => Interlocked.Read(ref _commandsDone) >= ticket, DefaultTimeout, _gate))
        {
            throw new ExpectationFailedException(
                $"Probe {Ref.Path} could not {(command.Watch ? "watch" : "unwatch")} {command.Target.Path} within {SystemWaiter.Format(DefaultTimeout)} ({_waiter.ClockNote}): its actor did not run.");
        }
    }

    private bool TryTake(out object message, out IActorRef sender)
    {
        lock (_gate)
        {
            if (_queue.TryDequeue(out var next))
            {
                (message, sender) = next;
                _lastSender = sender;
                return true;
            }
        }
        message = null!;
        sender = null!;
        return false;
    }
}
