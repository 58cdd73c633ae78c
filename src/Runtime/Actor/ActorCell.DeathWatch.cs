namespace ActorKernel.Runtime;

internal sealed partial class ActorCell
{
    // Lists, not hash sets: iteration order must not vary between runs.
    private readonly List<ActorCell> _watching = [];
    private readonly List<ActorCell> _watchedBy = [];

    public IActorRef Watch(IActorRef actor)
    {
        if (actor is not ActorCell cell)
        {
            throw new ArgumentException($"{actor} cannot be watched: only actors of this runtime can.", nameof(actor));
        }
        if (cell != this && !_watching.Contains(cell))
        {
            _watching.Add(cell);
            cell.SendSystem(new Watch(this));
        }
        return actor;
    }

    public IActorRef Unwatch(IActorRef actor)
    {
        if (actor is ActorCell cell && _watching.Remove(cell))
        {
            cell.SendSystem(new Unwatch(this));
        }
        return actor;
    }

    private void HandleWatch(ActorCell watcher)
    {
        if (!_watchedBy.Contains(watcher))
        {
            _watchedBy.Add(watcher);
        }
    }

    private void HandleDeathWatchNotification(ActorCell actor, bool existenceConfirmed)
    {
        if (actor._parent == this)
        {
            RemoveChild(actor);
        }
        if (_watching.Contains(actor) && !_terminating)
        {
            // Through the mailbox, so it is ordered after messages the dead actor sent before it died.
            Mailbox.Post(new Envelope(new Terminated(actor, existenceConfirmed), actor));
        }
        if (_terminating)
        {
            if (!HasChildren)
            {
                FinishTerminate();
            }
        }
        else if (_pendingRecreate is { } cause && !HasStoppingChildren)
        {
            FinishRecreate(cause);
        }
    }

    /// <summary>Tells watchers and the parent, once, that this actor is gone.</summary>
    private void NotifyWatchersOfDeath()
    {
        var parentNotified = false;
        foreach (var watcher in _watchedBy)
        {
            watcher.SendSystem(new DeathWatchNotification(this, existenceConfirmed: true));
            parentNotified |= watcher == _parent;
        }
        _watchedBy.Clear();
        if (!parentNotified)
        {
            _parent?.SendSystem(new DeathWatchNotification(this, existenceConfirmed: true));
        }
        foreach (var watched in _watching)
        {
            watched.SendSystem(new Unwatch(this));
        }
        _watching.Clear();
    }
}
