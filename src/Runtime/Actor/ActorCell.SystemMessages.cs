namespace ActorKernel.Runtime;

internal sealed partial class ActorCell
{
    /// <summary>Drains the system queue; switches over the whole closed family.</summary>
    public void ProcessSystemMessages()
    {
        while (Mailbox.TryDequeueSystem(out var message))
        {
            AssertInvariants();
            if (_terminated)
            {
                HandleDeadSystemMessage(message);
                continue;
            }
            try
            {
                switch (message)
                {
                    case Create:
                        HandleCreate();
                        break;
                    case Recreate recreate:
                        HandleRecreate(recreate.Cause);
                        break;
                    case Suspend:
                        HandleSuspend();
                        break;
                    case Resume:
                        HandleResume();
                        break;
                    case Terminate:
                        HandleTerminate();
                        break;
                    case Watch watch:
                        HandleWatch(watch.Watcher);
                        break;
                    case Unwatch unwatch:
                        _watchedBy.Remove(unwatch.Watcher);
                        break;
                    case DeathWatchNotification notification:
                        HandleDeathWatchNotification(notification.Actor, notification.ExistenceConfirmed);
                        break;
                    case Failed failed:
                        HandleFailed(failed.Child, failed.Cause);
                        break;
                    default:
                        throw new InvalidOperationException($"Unknown system message {message.GetType().Name} sent to {Path}.");
                }
            }
            catch (Exception e)
            {
                HandleInvokeFailure(e);
            }
        }
    }

    private void DrainDeadSystemMessages()
    {
        while (Mailbox.TryDequeueSystem(out var message))
        {
            HandleDeadSystemMessage(message);
        }
    }

    /// <summary>A system message for an actor that has stopped: only a watch needs an answer.</summary>
    private void HandleDeadSystemMessage(SystemMessage message)
    {
        if (message is Watch watch)
        {
            watch.Watcher.SendSystem(new DeathWatchNotification(this, existenceConfirmed: false));
        }
    }

    private void HandleCreate()
    {
        try
        {
            CreateInstance();
            _actor!.PreStart();
        }
        catch (Exception e)
        {
            throw new ActorInitializationException(Path, e);
        }
    }

    private void HandleSuspend()
    {
        SuspendCount++;
        ForEachChild(static child => child.SendSystem(new Suspend()));
    }

    private void HandleResume()
    {
        if (SuspendCount > 0)
        {
            SuspendCount--;
        }
        ForEachChild(static child => child.SendSystem(new Resume()));
    }
}
