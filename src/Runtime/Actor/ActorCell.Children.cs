namespace ActorKernel.Runtime;

internal sealed partial class ActorCell
{
    // The one table another thread may touch: system.ActorOf adds top-level actors from outside.
    private readonly Lock _childrenGate = new();
    private readonly Dictionary<string, ActorCell> _childrenByName = new(StringComparer.Ordinal);
    private readonly List<ActorCell> _children = [];
    private long _nextChildNumber;

    /// <summary>Set by whoever stops this actor, so a parent's restart knows which children to wait for.</summary>
    public bool StopRequested { get; private set; }

    /// <summary>This child's restarts, counted by its parent only.</summary>
    public ChildRestartStats RestartStats;

    public IReadOnlyList<IActorRef> Children
    {
        get
        {
            lock (_childrenGate)
            {
                return [.. _children];
            }
        }
    }

    public IActorRef? Child(string name)
    {
        lock (_childrenGate)
        {
            return _childrenByName.GetValueOrDefault(name);
        }
    }

    public IActorRef ActorOf(Props props, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(props);
        ActorCell child;
        lock (_childrenGate)
        {
            if (_terminating)
            {
                throw new InvalidOperationException($"{Path} is stopping and cannot create children.");
            }
            name = name is null ? "$" + (++_nextChildNumber).ToString(global::System.Globalization.CultureInfo.InvariantCulture) : ValidateName(name);
            if (_childrenByName.ContainsKey(name))
            {
                throw new InvalidActorNameException($"Actor name [{name}] is not unique under {Path}.");
            }
            child = new ActorCell(System, this, Path.Child(name), props);
            _childrenByName.Add(name, child);
            _children.Add(child);
        }
        child.Start();
        return child;
    }

    public void Stop(IActorRef actor)
    {
        if (actor is not ActorCell cell)
        {
            throw new ArgumentException($"{actor} is not an actor of this runtime and cannot be stopped.", nameof(actor));
        }
        cell.StopRequested = true;
        cell.SendSystem(new Terminate());
    }

    private bool HasChildren
    {
        get
        {
            lock (_childrenGate)
            {
                return _children.Count > 0;
            }
        }
    }

    private bool HasStoppingChildren
    {
        get
        {
            lock (_childrenGate)
            {
                return _children.Exists(static c => c.StopRequested);
            }
        }
    }

    private bool IsChild(ActorCell cell)
    {
        lock (_childrenGate)
        {
            return _childrenByName.TryGetValue(cell.Path.Name, out var existing) && existing == cell;
        }
    }

    private void RemoveChild(ActorCell child)
    {
        lock (_childrenGate)
        {
            if (_childrenByName.TryGetValue(child.Path.Name, out var existing) && existing == child)
            {
                _childrenByName.Remove(child.Path.Name);
                _children.Remove(child);
            }
        }
    }

    private void ForEachChild(Action<ActorCell> action)
    {
        ActorCell[] snapshot;
        lock (_childrenGate)
        {
            if (_children.Count == 0)
            {
                return;
            }
            snapshot = [.. _children];
        }
        foreach (var child in snapshot)
        {
            action(child);
        }
    }

    private static string ValidateName(string name)
    {
        if (name.Length == 0 || name.StartsWith('$') || name.Contains('/', StringComparison.Ordinal) || name.Any(char.IsWhiteSpace))
        {
            throw new InvalidActorNameException($"Invalid actor name [{name}]: it must be non-empty, must not start with '$' and must contain no '/' or white space.");
        }
        return name;
    }
}
