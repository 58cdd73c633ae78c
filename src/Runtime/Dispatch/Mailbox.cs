using System.Collections.Concurrent;
using System.Diagnostics;

namespace ActorKernel.Runtime;

/// <summary>
/// An actor's two queues and its run loop, shared by both dispatchers: system messages first, then
/// user messages up to a budget, re-draining system messages after each user message.
/// </summary>
internal sealed class Mailbox : IThreadPoolWorkItem
{
    private const int Scheduled = 1;
    private const int Closed = 2;

    private readonly ConcurrentQueue<Envelope> _user = new();
    private readonly ConcurrentQueue<SystemMessage> _system = new();
    private readonly Dispatcher _dispatcher;

    // Scheduled/Closed bits; touched only through Interlocked so a Tell racing the end of a turn is never lost.
    private int _statusDoNotCallMeDirectly;

    public Mailbox(ActorCell cell, Dispatcher dispatcher)
    {
        Cell = cell;
        _dispatcher = dispatcher;
    }

    public ActorCell Cell { get; }

    /// <summary>Slot in the deterministic dispatcher's ready set; -1 when not in it.</summary>
    public int ReadyIndex { get; set; } = -1;

    public bool IsClosed => (Volatile.Read(ref _statusDoNotCallMeDirectly) & Closed) != 0;

    public bool HasUserMessages => !_user.IsEmpty;

    public bool HasSystemMessages => !_system.IsEmpty;

    /// <summary>Whether a turn would do anything now.</summary>
    public bool HasWork => !_system.IsEmpty || (!IsClosed && Cell.SuspendCount == 0 && (!_user.IsEmpty || Cell.HasUnstashed));

    /// <summary>Enqueues and makes the actor runnable; false if the mailbox was already closed (the caller reroutes).</summary>
    public bool Post(in Envelope envelope)
    {
        _user.Enqueue(envelope);
        if (IsClosed)
        {
            return false;
        }
        _dispatcher.Schedule(this);
        return true;
    }

    public bool PostSystem(SystemMessage message)
    {
        _system.Enqueue(message);
        if (IsClosed)
        {
            return false;
        }
        _dispatcher.Schedule(this);
        return true;
    }

    public bool TryDequeueUser(out Envelope envelope) => _user.TryDequeue(out envelope);

    public bool TryDequeueSystem([System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out SystemMessage message) =>
        _system.TryDequeue(out message);

    /// <summary>Claims the right to run (concurrent dispatcher); false if already scheduled or closed.</summary>
    public bool TrySetScheduled()
    {
        while (true)
        {
            var status = Volatile.Read(ref _statusDoNotCallMeDirectly);
            if ((status & (Scheduled | Closed)) != 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _statusDoNotCallMeDirectly, status | Scheduled, status) == status)
            {
                return true;
            }
        }
    }

    public void SetIdle() => Interlocked.And(ref _statusDoNotCallMeDirectly, ~Scheduled);

    public void Close() => Interlocked.Or(ref _statusDoNotCallMeDirectly, Closed);

    /// <summary>One turn: all system messages, then up to <paramref name="throughput"/> user messages.</summary>
    /// <returns>Whether work remains.</returns>
    public bool Run(int throughput)
    {
        Debug.Assert(throughput > 0, "a turn must be allowed to deliver at least one message");
        Cell.ProcessSystemMessages();
        for (var delivered = 0; delivered < throughput; delivered++)
        {
            if (IsClosed || Cell.SuspendCount != 0 || !Cell.TryDequeueNext(out var envelope))
            {
                break;
            }
            Cell.Invoke(envelope);
            if (!_system.IsEmpty)
            {
                Cell.ProcessSystemMessages();
            }
        }
        return HasWork;
    }

    /// <summary>Concurrent dispatcher: one turn on a thread-pool thread, then hand back or reschedule.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        try
        {
            Run(_dispatcher.Throughput);
        }
        finally
        {
            SetIdle();
            if (HasWork)
            {
                _dispatcher.Schedule(this);
            }
        }
    }
}
