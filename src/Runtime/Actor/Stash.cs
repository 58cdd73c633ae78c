namespace ActorKernel.Runtime;

/// <summary>Messages an actor sets aside until it can handle them (Akka.NET's unbounded stash).</summary>
public interface IStash
{
    /// <summary>Sets the current message aside.</summary>
    void Stash();

    /// <summary>Puts every stashed message back, ahead of the mailbox, in the order they were stashed.</summary>
    void UnstashAll();

    /// <summary>How many messages are stashed.</summary>
    int Count { get; }
}

internal sealed class UnboundedStash(ActorCell cell) : IStash
{
    private readonly List<Envelope> _stashed = [];

    public int Count => _stashed.Count;

    public void Stash()
    {
        var current = cell.CurrentEnvelope;
        if (current.Message is null)
        {
            throw new InvalidOperationException("Stash() is only valid while handling a message.");
        }
        _stashed.Add(current);
    }

    public void UnstashAll()
    {
        cell.Unstash(_stashed);
        _stashed.Clear();
    }
}
