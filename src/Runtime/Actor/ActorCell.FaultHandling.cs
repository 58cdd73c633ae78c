namespace ActorKernel.Runtime;

internal sealed partial class ActorCell
{
    private bool _terminating;
    private bool _terminated;
    private Exception? _pendingRecreate;
    private object? _failedMessage;
    private ActorBase? _restartedInstance; // had PreRestart (and so PostStop); a new instance is not built yet
    private TaskCompletionSource? _whenTerminated;

    /// <summary>Completes when this actor has fully stopped.</summary>
    public Task WhenTerminated
    {
        get
        {
            lock (_childrenGate)
            {
                _whenTerminated ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (_terminated)
                {
                    _whenTerminated.TrySetResult();
                }
                return _whenTerminated.Task;
            }
        }
    }

    /// <summary>Whether the actor has fully stopped; safe to read from any thread.</summary>
    public bool IsTerminated => Volatile.Read(ref _terminated);

    /// <summary>
    /// A handler or lifecycle hook threw: suspend this actor and its children and ask the parent.
    /// The actor handles no user message until the parent's directive arrives.
    /// </summary>
    /// <param name="cause">The exception.</param>
    /// <param name="escalatedBy">The child whose failure is escalated: already suspended, so not suspended twice.</param>
    private void HandleInvokeFailure(Exception cause, ActorCell? escalatedBy = null)
    {
        if (_terminating)
        {
            System.EventStream.Publish(new RuntimeError(this, cause, $"{Path} failed while stopping."));
            return;
        }
        _failedMessage = _current.Message;
        SuspendCount++;
        ForEachChild(child =>
        {
            if (child != escalatedBy)
            {
                child.SendSystem(new Suspend());
            }
        });
        if (_parent is null)
        {
            System.EventStream.Publish(new RuntimeError(this, cause, $"The root actor {Path} failed; stopping it."));
            HandleTerminate();
            return;
        }
        _parent.SendSystem(new Failed(this, cause));
    }

    /// <summary>This actor supervises <paramref name="child"/>, which failed with <paramref name="cause"/>.</summary>
    private void HandleFailed(ActorCell child, Exception cause)
    {
        if (!IsChild(child) || child.StopRequested)
        {
            return; // already stopping: nothing left to decide
        }
        var strategy = _actor?.SupervisorStrategy() ?? SupervisorStrategy.Default;
        var directive = strategy.Decider(cause);
        if (directive == Directive.Restart && !strategy.RequestRestartPermission(ref child.RestartStats, System.Scheduler.NowNanoseconds))
        {
            directive = Directive.Stop;
        }
        System.EventStream.Publish(new SupervisionDecision(this, child, cause, directive));
        switch (directive)
        {
            case Directive.Resume:
                child.SendSystem(new Resume());
                break;
            case Directive.Restart:
                if (strategy.AppliesToAllChildren)
                {
                    ForEachChild(sibling =>
                    {
                        if (sibling != child && !sibling.StopRequested)
                        {
                            sibling.SendSystem(new Suspend());
                            sibling.SendSystem(new Recreate(cause));
                        }
                    });
                }
                child.SendSystem(new Recreate(cause));
                break;
            case Directive.Stop:
                if (strategy.AppliesToAllChildren)
                {
                    ForEachChild(Stop);
                }
                else
                {
                    Stop(child);
                }
                break;
            case Directive.Escalate:
                HandleInvokeFailure(cause, escalatedBy: child);
                break;
            default:
                throw new InvalidOperationException($"Unknown directive {directive}.");
        }
    }

    private void HandleRecreate(Exception cause)
    {
        if (_terminating)
        {
            return;
        }
        _timers?.CancelAll();
        if (_actor is { } old)
        {
            // Stashed messages go back ahead of the mailbox; the new instance sees them first.
            old.StashOrNull?.UnstashAll();
            try
            {
                old.PreRestart(cause, _failedMessage);
            }
            catch (Exception e)
            {
                System.EventStream.Publish(new RuntimeError(this, e, $"PreRestart of {Path} failed; restarting anyway."));
            }
            _restartedInstance = old;
        }
        _failedMessage = null;
        if (HasStoppingChildren)
        {
            _pendingRecreate = cause; // finished when the last stopping child is gone
        }
        else
        {
            FinishRecreate(cause);
        }
    }

    private void FinishRecreate(Exception cause)
    {
        _pendingRecreate = null;
        SuspendCount--; // balances the suspension of the failure (or of the parent's failure, for survivors)
        ForEachChild(survivor => survivor.SendSystem(new Recreate(cause)));
        try
        {
            CreateInstance();
            _restartedInstance = null;
            _actor!.PostRestart(cause);
        }
        catch (Exception e)
        {
            throw new ActorInitializationException(Path, e);
        }
    }

    private void HandleTerminate()
    {
        if (_terminating)
        {
            return;
        }
        _terminating = true;
        SuspendCount++; // no user message is handled while children stop
        _timers?.CancelAll();
        ForEachChild(Stop);
        if (!HasChildren)
        {
            FinishTerminate();
        }
    }

    /// <summary>Children are gone: PostStop, close the mailbox, report leftovers, tell watchers and parent.</summary>
    private void FinishTerminate()
    {
        if (_terminated)
        {
            return;
        }
        _terminated = true;
        // An instance whose restart is pending or whose successor failed to construct has had its PostStop.
        if (_actor is { } actor && _pendingRecreate is null && !ReferenceEquals(actor, _restartedInstance))
        {
            try
            {
                actor.PostStop();
            }
            catch (Exception e)
            {
                System.EventStream.Publish(new RuntimeError(this, e, $"PostStop of {Path} failed."));
            }
        }
        DrainStashToDeadLetters();
        _actor = null;
        _behavior = null;
        Mailbox.Close();
        DrainToDeadLetters();
        NotifyWatchersOfDeath();
        if (_parent is null)
        {
            System.OnRootTerminated();
        }
        lock (_childrenGate)
        {
            _whenTerminated?.TrySetResult();
        }
    }
}
