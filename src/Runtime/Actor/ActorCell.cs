using System.Diagnostics;

namespace ActorKernel.Runtime;

/// <summary>
/// Marks the messages the cell handles itself before any behaviour (PoisonPill, Kill, timer
/// messages, Terminated). The delivery path tests the four sealed types exactly (IsAutoReceived):
/// a new implementation must be added there too.
/// </summary>
internal interface IAutoReceivedMessage;

/// <summary>
/// The running form of one actor: its mailbox, the current instance, behaviours, children, watchers
/// and failure state. It is also the actor's <see cref="IActorRef"/> (the ref outlives restarts
/// because the cell does) and its <see cref="IActorContext"/>. Split by concern across partial files.
/// </summary>
/// <remarks>
/// Everything but the mailbox queues and the children table is touched only from the actor's own
/// turn, which the dispatcher runs on one thread at a time.
/// </remarks>
[DebuggerDisplay("{Path}")]
internal sealed partial class ActorCell : IActorRef, IActorContext
{
    /// <summary>The cell whose actor instance is being constructed on this thread (read by <see cref="ActorBase"/>'s constructor).</summary>
    [ThreadStatic]
    internal static ActorCell? Constructing;

    private readonly Props _props;
    private readonly ActorCell? _parent;
    private readonly List<Receive> _behaviors = [];
    private ActorBase? _actor;
    private Receive? _behavior;
    private Envelope _current;
    private Queue<Envelope>? _unstashed;
    private bool _nextIsUnstashed; // set by TryDequeueNext, read by the Invoke that follows on the same turn
    private TimerScheduler? _timers;

    public ActorCell(ActorSystem system, ActorCell? parent, ActorPath path, Props props)
    {
        System = system;
        _parent = parent;
        Path = path;
        _props = props;
        Mailbox = new Mailbox(this, system.Dispatcher);
    }

    public ActorPath Path { get; }

    public ActorSystem System { get; }

    public Mailbox Mailbox { get; }

    /// <summary>User messages are held while this is non-zero (a failure awaits its supervisor, or the actor is stopping).</summary>
    public int SuspendCount { get; private set; }

    public bool HasUnstashed => _unstashed is { Count: > 0 };

    public Envelope CurrentEnvelope => _current;

    public IActorRef? SenderOrNull => _current.Sender;

    public IActorRef Self => this;

    public IActorRef Sender => _current.Sender ?? System.DeadLetters;

    public IActorRef Parent => (IActorRef?)_parent ?? System.DeadLetters;

    public ITimerScheduler Timers => _timers ??= new TimerScheduler(this);

    /// <summary>The instance now running, for tests and inspection; null before start and after stop.</summary>
    internal ActorBase? Actor => _actor;

    public void Tell(object message, IActorRef? sender = null) => Tell(message, sender, ask: false);

    /// <summary>A Tell; for an Ask's question (<paramref name="ask"/>) the turn may run on the asking thread (<see cref="Dispatcher.ScheduleForAsk"/>).</summary>
    internal void Tell(object message, IActorRef? sender, bool ask)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!Mailbox.Post(new Envelope(message, sender), ask))
        {
            DrainToDeadLetters();
        }
    }

    public void SendSystem(SystemMessage message)
    {
        if (!Mailbox.PostSystem(message))
        {
            DrainDeadSystemMessages();
        }
    }

    public void Start() => SendSystem(new Create());

    public bool TryDequeueNext(out Envelope envelope)
    {
        if (_unstashed is { Count: > 0 })
        {
            envelope = _unstashed.Dequeue();
            _nextIsUnstashed = true;
            return true;
        }
        _nextIsUnstashed = false;
        return Mailbox.TryDequeueUser(out envelope);
    }

    /// <summary>Delivers one user message to the current behaviour; a failure goes to the supervisor.</summary>
    public void Invoke(in Envelope envelope)
    {
        AssertInvariants();
        Debug.Assert(SuspendCount == 0 && !_terminating, "user messages reach only a running actor that is not stopping");
        _current = envelope;
        var unstashed = _nextIsUnstashed;
        _nextIsUnstashed = false;
        try
        {
            System.Dispatcher.Log?.Record(System.Scheduler.NowNanoseconds, envelope.Sender, this, envelope.Message);
            // A stashed Terminated was accepted when it first came; the second time it goes straight to the behaviour.
            if (IsAutoReceived(envelope.Message) && !(unstashed && envelope.Message is Terminated))
            {
                AutoReceive(envelope.Message);
            }
            else
            {
                Deliver(envelope.Message);
            }
        }
        catch (Exception e)
        {
            HandleInvokeFailure(e);
        }
        finally
        {
            _current = default;
        }
    }

    /// <summary>
    /// Whether <paramref name="message"/> is an <see cref="IAutoReceivedMessage"/>: the four sealed types
    /// that implement it, compared exactly (an interface test scans the type's interfaces at every delivery).
    /// </summary>
    private static bool IsAutoReceived(object message) => message is TimerMessage or Terminated or PoisonPill or Kill;

    public void Become(Receive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        if (_behaviors.Count > 1)
        {
            _behaviors[^1] = receive;
        }
        else
        {
            _behaviors.Add(receive);
        }
        _behavior = receive;
    }

    public void BecomeStacked(Receive receive)
    {
        ArgumentNullException.ThrowIfNull(receive);
        _behaviors.Add(receive);
        _behavior = receive;
    }

    public void Unbecome()
    {
        if (_behaviors.Count > 1)
        {
            _behaviors.RemoveAt(_behaviors.Count - 1);
        }
        _behavior = _behaviors[^1];
    }

    /// <summary>Puts stashed messages back ahead of the mailbox, in stash order.</summary>
    public void Unstash(List<Envelope> stashed)
    {
        if (stashed.Count == 0)
        {
            return;
        }
        _unstashed ??= new Queue<Envelope>(stashed.Count);
        foreach (var envelope in stashed)
        {
            _unstashed.Enqueue(envelope);
        }
    }

    public override string ToString() => Path.ToString();

    [Conditional("DEBUG")]
    internal void AssertInvariants()
    {
        Debug.Assert(SuspendCount >= 0, "the suspend count is balanced: every Suspend (or failure) is undone once, never more");
        Debug.Assert(_pendingRecreate is null || SuspendCount > 0, "an actor whose restart waits for its children stays suspended");
        Debug.Assert(!_terminated || (_actor is null && Mailbox.IsClosed), "a stopped actor has no instance and a closed mailbox");
    }

    private void Deliver(object message)
    {
        Debug.Assert(_actor is not null && _behavior is not null, "user messages are delivered only to a live instance");
        if (!_behavior(message))
        {
            _actor.Unhandled(message);
        }
    }

    private void AutoReceive(object message)
    {
        switch (message)
        {
            case PoisonPill:
                Stop(this);
                break;
            case Kill:
                throw new ActorKilledException($"Kill message received by {Path}");
            case TimerMessage timer:
                if (timer.Owner == _timers && _timers.Accept(timer) is { } inner)
                {
                    // The behaviour sees (and Stash keeps) the timer's own message, not the accepted wrapper.
                    _current = new Envelope(inner, _current.Sender);
                    Deliver(inner);
                }
                break;
            case Terminated terminated:
                // Watched and not unwatched since: deliver; otherwise the Terminated is stale.
                if (terminated.ActorRef is ActorCell watched && _watching.Remove(watched))
                {
                    Deliver(terminated);
                }
                break;
            default:
                throw new InvalidOperationException($"Unknown auto-received message {message.GetType()}.");
        }
    }

    private void CreateInstance()
    {
        Constructing = this;
        try
        {
            _actor = _props.NewActor();
        }
        finally
        {
            Constructing = null;
        }
        _behaviors.Clear();
        _behavior = _actor.Receive;
        _behaviors.Add(_behavior);
    }

    /// <summary>Reports what is left in the closed mailbox; any thread (a Tell that found it closed) may call it.</summary>
    private void DrainToDeadLetters()
    {
        while (Mailbox.TryDequeueUser(out var envelope))
        {
            System.DeadLetterSink.Publish(envelope.Message, envelope.Sender, this);
        }
    }

    /// <summary>Reports stashed and unstashed messages; only the actor's own turn touches these queues.</summary>
    private void DrainStashToDeadLetters()
    {
        _actor?.StashOrNull?.UnstashAll();
        while (_unstashed is { Count: > 0 })
        {
            var envelope = _unstashed.Dequeue();
            System.DeadLetterSink.Publish(envelope.Message, envelope.Sender, this);
        }
    }
}
