using ActorKernel.Runtime;

namespace ActorKernel.Runtime.Tests;

/// <summary>
/// The concurrent dispatcher's hand-off slot: an idle actor told something inside another actor's
/// turn runs right after that turn on the same worker (no thread-pool round trip), and a chain of
/// such hand-offs is cut after <see cref="ConcurrentDispatcher.MaxHandOffs"/> turns so that it
/// cannot keep a worker to itself. (The counts are kept in Debug builds, which the tests run.)
/// </summary>
[Trait("Area", "Runtime")]
public sealed class HandOffSpec
{
    private sealed class Rally
    {
        public int Hits;
        public readonly ManualResetEventSlim Done = new();
    }

    /// <summary>Returns every ball to its sender until the rally has <c>limit</c> hits.</summary>
    private sealed class Player(Rally rally, int limit) : ActorBase
    {
        protected internal override bool Receive(object message)
        {
            if (Interlocked.Increment(ref rally.Hits) >= limit)
            {
                rally.Done.Set();
                return true;
            }
            Sender.Tell(message, Self);
            return true;
        }
    }

    [Fact]
    public void Replies_inside_turns_run_from_the_hand_off_slot_and_long_chains_are_cut()
    {
        const int Hits = 3_300;
        using var system = ActorSystem.Create("handoff", ActorSystemOptions.ConcurrentWith(throughput: 64));
        var dispatcher = (ConcurrentDispatcher)system.Dispatcher;
        var rally = new Rally();
        var a = system.ActorOf(Props.Create(() => new Player(rally, Hits)), "a");
        var b = system.ActorOf(Props.Create(() => new Player(rally, Hits)), "b");

        a.Tell("ball", b); // the serve comes from outside any turn: the pool runs it

        Assert.True(rally.Done.Wait(TimeSpan.FromSeconds(30)), "the rally finished");
        var (handOffs, cut) = dispatcher.HandOffCounts;
        // Every return after the serve was told inside a turn to an idle actor: it went to the slot, and
        // either ran from it or (every MaxHandOffs + 1 turns) was cut and requeued. The first return may
        // find its receiver still scheduled for its start (ActorOf ran it from outside): that one did not.
        Assert.InRange(handOffs + cut, Hits - 2, Hits - 1);
        Assert.InRange(cut, (Hits - 1) / (ConcurrentDispatcher.MaxHandOffs + 1), Hits / ConcurrentDispatcher.MaxHandOffs);
    }
}
