using System.Runtime.CompilerServices;
using ActorKernel.Runtime;

namespace ActorKernel.Runtime.Tests;

/// <summary>
/// Rules the dispatch hot path must keep while it is tuned for speed (bench/, docs/performance.md):
/// system messages still overtake queued user messages, and an answered Ask keeps nothing alive.
/// </summary>
[Trait("Area", "Runtime")]
public sealed class HotPathSpec
{
    private sealed class Handled
    {
        public int Count;
    }

    /// <summary>Stops itself on the first message it handles.</summary>
    private sealed class StopOnFirst(Handled handled) : ActorBase
    {
        protected internal override bool Receive(object message)
        {
            Interlocked.Increment(ref handled.Count);
            Context.Stop(Self);
            return true;
        }
    }

    private sealed class Question;

    private sealed class Answerer : ActorBase
    {
        protected internal override bool Receive(object message)
        {
            Sender.Tell("answer", Self);
            return true;
        }
    }

    [Theory]
    [InlineData(DispatcherKind.Deterministic)]
    [InlineData(DispatcherKind.Concurrent)]
    public void Stop_of_self_takes_effect_before_the_next_queued_message_even_within_one_turn(DispatcherKind kind)
    {
        using var system = ActorSystem.Create("hotpath", kind == DispatcherKind.Deterministic
            ? ActorSystemOptions.DeterministicWith(3)
            : ActorSystemOptions.ConcurrentWith(throughput: 64));
        var handled = new Handled();
        var actor = system.ActorOf(Props.Create(() => new StopOnFirst(handled)), "stopper");
        for (var i = 0; i < 100; i++)
        {
            actor.Tell(i);
        }
        if (system.Deterministic is { } deterministic)
        {
            deterministic.RunUntilQuiescent();
        }
        else
        {
            SpinWait.SpinUntil(() => system.DeadLetterCount == 99, TimeSpan.FromSeconds(10));
        }
        Assert.Equal(1, Volatile.Read(ref handled.Count));
        Assert.Equal(99, system.DeadLetterCount);
    }

    [Fact]
    public void Answered_ask_releases_its_question_before_its_timeout_is_due()
    {
        using var system = ActorSystem.Create("hotpath", ActorSystemOptions.DeterministicWith(4));
        var answerer = system.ActorOf(Props.Create(() => new Answerer()), "answerer");

        var question = AskAndForget(system, answerer);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        // The timeout (an hour of virtual time away) is still queued; it must not hold the promise.
        Assert.False(question.IsAlive, "an answered Ask's cancelled timeout still holds its promise and question");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference AskAndForget(ActorSystem system, IActorRef target)
    {
        var question = new Question();
        var reply = target.Ask<string>(question, TimeSpan.FromHours(1));
        Assert.True(system.Deterministic!.RunUntil(() => reply.IsCompleted));
        Assert.Equal("answer", reply.Result);
        return new WeakReference(question);
    }
}
