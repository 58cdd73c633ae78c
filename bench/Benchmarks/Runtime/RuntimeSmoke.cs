using ActorKernel.Runtime;

namespace ActorKernel.Benchmarks;

/// <summary>
/// The <c>smoke</c> verb: quick correctness checks of the dispatch hot path, run after every speed
/// change (the runtime's real tests live in tests/Runtime.Tests). Exit code 0 when all hold.
/// </summary>
internal static class RuntimeSmoke
{
    private sealed record Numbered(int Sender, int Number);

    private sealed record Go(IActorRef Target, int Sender, int Count);

    private sealed class Sequencer(int senders, Finish finish, long total) : ActorBase
    {
        private readonly int[] _next = new int[senders];
        private long _seen;

        public string? Error { get; private set; }

        protected internal override bool Receive(object message)
        {
            var m = (Numbered)message;
            if (m.Number != _next[m.Sender] && Error is null)
            {
                Error = $"sender {m.Sender}: expected #{_next[m.Sender]}, got #{m.Number}";
            }
            _next[m.Sender] = m.Number + 1;
            if (++_seen == total)
            {
                finish.PartDone();
            }
            return true;
        }
    }

    private sealed class Sender : ActorBase
    {
        protected internal override bool Receive(object message)
        {
            var go = (Go)message;
            for (var i = 0; i < go.Count; i++)
            {
                go.Target.Tell(new Numbered(go.Sender, i), Self);
            }
            return true;
        }
    }

    private sealed class Counter : ActorBase
    {
        public int Count;

        protected internal override bool Receive(object message)
        {
            Count++;
            return true;
        }
    }

    private sealed class Chatter(DeterministicRandom random, IActorRef[] peers) : ActorBase
    {
        private int _left = 500;

        protected internal override bool Receive(object message)
        {
            if (_left-- > 0)
            {
                peers[random.Next(peers.Length)].Tell(Ball.Instance, Self);
                if (random.Chance(0.05))
                {
                    Context.System.Scheduler.ScheduleTellOnce(random.NextInt64(1, 1_000_000), Self, Ball.Instance, Self);
                }
            }
            return true;
        }
    }

    public static int Run()
    {
        var failures = 0;
        failures += Check("8 outside senders, 1M messages: per-sender FIFO, none lost", OutsideSenders);
        failures += Check("8 actor senders, 1M messages: per-sender FIFO, none lost", ActorSenders);
        failures += Check("system messages before user messages: Stop overtakes queued mail, which becomes dead letters", SystemFirst);
        failures += Check("same seed, same delivery-log hash; another seed, another hash", Replay);
        failures += Check("terminate under load completes", TerminateUnderLoad);
        Console.WriteLine(failures == 0 ? "smoke: all passed" : $"smoke: {failures} failed");
        return failures == 0 ? 0 : 1;
    }

    private static int Check(string name, Func<string?> check)
    {
        string? error;
        try
        {
            error = check();
        }
        catch (Exception e)
        {
            error = e.ToString();
        }
        Console.WriteLine($"{(error is null ? "PASS" : "FAIL")} {name}{(error is null ? "" : ": " + error)}");
        return error is null ? 0 : 1;
    }

    private static string? OutsideSenders()
    {
        const int senders = 8, each = 125_000;
        using var system = ActorSystem.Create("smoke", ActorSystemOptions.ConcurrentWith());
        var finish = new Finish(1);
        Sequencer? sequencer = null;
        var target = system.ActorOf(Props.Create(() => sequencer = new Sequencer(senders, finish, senders * each)), "target");
        var threads = Enumerable.Range(0, senders).Select(s => new Thread(() =>
        {
            for (var i = 0; i < each; i++)
            {
                target.Tell(new Numbered(s, i));
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return !finish.WaitFor(TimeSpan.FromSeconds(60)) ? "not all messages arrived within 60 s" : sequencer!.Error;
    }

    private static string? ActorSenders()
    {
        const int senders = 8, each = 125_000;
        using var system = ActorSystem.Create("smoke", ActorSystemOptions.ConcurrentWith());
        var finish = new Finish(1);
        Sequencer? sequencer = null;
        var target = system.ActorOf(Props.Create(() => sequencer = new Sequencer(senders, finish, senders * each)), "target");
        for (var s = 0; s < senders; s++)
        {
            system.ActorOf(Props.Create(() => new Sender()), $"sender{s}").Tell(new Go(target, s, each));
        }
        return !finish.WaitFor(TimeSpan.FromSeconds(60)) ? "not all messages arrived within 60 s" : sequencer!.Error;
    }

    private static string? SystemFirst()
    {
        using var system = ActorSystem.Create("smoke", ActorSystemOptions.DeterministicWith(7));
        Counter? counter = null;
        var actor = system.ActorOf(Props.Create(() => counter = new Counter()), "counter");
        system.Deterministic!.RunUntilQuiescent();
        for (var i = 0; i < 100; i++)
        {
            actor.Tell(Ball.Instance);
        }
        system.Stop(actor);
        system.Deterministic.RunUntilQuiescent();
        return counter!.Count != 0 ? $"{counter.Count} user messages were handled after Stop was sent"
            : system.DeadLetterCount != 100 ? $"{system.DeadLetterCount} dead letters, expected 100" : null;
    }

    private static string? Replay()
    {
        var a = Workload(11);
        var b = Workload(11);
        var c = Workload(12);
        return a != b ? $"seed 11 gave {a:X16} then {b:X16}" : a == c ? "seeds 11 and 12 gave the same hash" : null;
    }

    private static ulong Workload(ulong seed)
    {
        using var system = ActorSystem.Create("replay", ActorSystemOptions.DeterministicWith(seed, recordDeliveries: true));
        var random = new DeterministicRandom(seed).Derive("workload");
        var peers = new IActorRef[50];
        for (var i = 0; i < peers.Length; i++)
        {
            peers[i] = system.ActorOf(Props.Create(() => new Chatter(random, peers)), $"a{i}");
        }
        foreach (var peer in peers)
        {
            peer.Tell(Ball.Instance);
        }
        system.Deterministic!.RunUntilQuiescent();
        return system.Deterministic.DeliveryLog!.Hash;
    }

    private static string? TerminateUnderLoad()
    {
        var system = ActorSystem.Create("smoke", ActorSystemOptions.ConcurrentWith());
        var finish = new Finish(4);
        for (var i = 0; i < 4; i++)
        {
            var pong = system.ActorOf(Props.Create(() => new PongActor()), $"pong{i}");
            system.ActorOf(Props.Create(() => new PingActor(pong, finish)), $"ping{i}").Tell(new Start(100, long.MaxValue));
        }
        Thread.Sleep(200);
        return system.Terminate().Wait(TimeSpan.FromSeconds(10)) ? null : "not terminated within 10 s";
    }
}
