namespace ActorKernel.Runtime.Tests;

/// <summary>Replies to every message with the same message.</summary>
internal sealed class EchoActor : ActorBase
{
    protected internal override bool Receive(object message)
    {
        Sender.Tell(message, Self);
        return true;
    }
}

/// <summary>Handles nothing: every message is unhandled.</summary>
internal sealed class DeafActor : ActorBase
{
    protected internal override bool Receive(object message) => false;
}

/// <summary>Forwards every message to a probe, unchanged, and never replies.</summary>
internal sealed class ForwardActor(IActorRef target) : ActorBase
{
    protected internal override bool Receive(object message)
    {
        target.Tell(message, Sender);
        return true;
    }
}

/// <summary>Thrown on purpose by test actors.</summary>
internal sealed class TestFailure(string message) : Exception(message);

/// <summary>
/// A worker with state: an <c>int</c> adds to its total and is reported as "instance:n"; "fail" throws
/// <see cref="TestFailure"/>; "state" replies with the total; every lifecycle hook is reported to the
/// reporter as "name:Hook#instance".
/// </summary>
internal sealed class Worker : ActorBase
{
    private readonly IActorRef _reporter;
    private readonly string _name;
    private readonly int _instance;
    private int _total;

    public Worker(IActorRef reporter, string name, int instance)
    {
        _reporter = reporter;
        _name = name;
        _instance = instance;
        _reporter.Tell($"{_name}:ctor#{_instance}");
    }

    protected internal override bool Receive(object message)
    {
        switch (message)
        {
            case int n:
                _total += n;
                _reporter.Tell($"{_name}#{_instance}:{n}");
                return true;
            case "fail":
                throw new TestFailure($"{_name} failed on purpose");
            case "state":
                Sender.Tell(_total, Self);
                return true;
            default:
                return false;
        }
    }

    protected internal override void PreStart() => _reporter.Tell($"{_name}:PreStart#{_instance}");

    protected internal override void PostStop() => _reporter.Tell($"{_name}:PostStop#{_instance}");

    protected internal override void PreRestart(Exception reason, object? message)
    {
        _reporter.Tell($"{_name}:PreRestart#{_instance}({message})");
        base.PreRestart(reason, message);
    }

    protected internal override void PostRestart(Exception reason)
    {
        _reporter.Tell($"{_name}:PostRestart#{_instance}");
        base.PostRestart(reason);
    }

    /// <summary>Props that number each new instance from 1 (restarts make new instances).</summary>
    public static Props Props(IActorRef reporter, string name)
    {
        var instances = 0;
        return Runtime.Props.Create(() => new Worker(reporter, name, Interlocked.Increment(ref instances)));
    }
}

/// <summary>
/// A parent that supervises children with a given strategy. It creates the named children at start
/// and reports each ref to the reporter; a <see cref="ToChild"/> is forwarded to the named child.
/// </summary>
internal sealed class Supervisor : ActorBase
{
    private readonly SupervisorStrategy _strategy;
    private readonly IActorRef _reporter;
    private readonly Func<string, Props> _childProps;
    private readonly string[] _children;

    public Supervisor(SupervisorStrategy strategy, IActorRef reporter, Func<string, Props> childProps, params string[] children)
    {
        _strategy = strategy;
        _reporter = reporter;
        _childProps = childProps;
        _children = children;
    }

    protected internal override bool Receive(object message)
    {
        switch (message)
        {
            case ToChild(var name, var payload):
                Context.Child(name)!.Tell(payload, Sender);
                return true;
            case "fail":
                throw new TestFailure("supervisor failed on purpose");
            default:
                return false;
        }
    }

    protected internal override void PreStart()
    {
        foreach (var name in _children)
        {
            _reporter.Tell(Context.ActorOf(_childProps(name), name));
        }
    }

    protected internal override SupervisorStrategy SupervisorStrategy() => _strategy;
}

internal sealed record ToChild(string Name, object Payload);
