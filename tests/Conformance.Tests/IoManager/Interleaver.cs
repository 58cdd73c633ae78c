using System.Runtime.CompilerServices;
using ActorKernel.Actors;
using ActorKernel.Runtime;

namespace ActorKernel.Conformance.Tests.IoManager;

/// <summary>
/// Runs several routines, each on its own inline processor, interleaved at their yield points in an
/// order drawn from a seed: the same seed gives the same interleaving. A stand-in for the
/// multiprocessor deterministic dispatcher where routines run inline.
/// </summary>
internal sealed class Interleaver(ulong seed)
{
    private readonly List<(InlineIoProcessor Cpu, Action Continuation)> _ready = [];
    private readonly DeterministicRandom _random = new(seed);
    private readonly List<ValueTask> _tasks = [];

    public void Spawn(InlineIoProcessor cpu, Func<ValueTask> routine) =>
        _ready.Add((cpu, () => _tasks.Add(routine())));

    /// <summary>A yield point: the routine continues when the seeded choice picks it again.</summary>
    public YieldAwaitable Yield() => new(this, (InlineIoProcessor)InlineIoProcessor.Current);

    public void RunAll()
    {
        // Continuations must run here, inline, not be posted to the test framework's context.
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            RunReady();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
        foreach (var task in _tasks)
        {
            Assert.True(task.IsCompleted, "every routine ran to its end");
            task.GetAwaiter().GetResult();
        }
    }

    private void RunReady()
    {
        while (_ready.Count > 0)
        {
            var index = _random.Next(_ready.Count);
            var (cpu, continuation) = _ready[index];
            _ready[index] = _ready[^1];
            _ready.RemoveAt(_ready.Count - 1);
            using (InlineIoProcessor.Enter(cpu))
            {
                continuation();
            }
        }
    }

    internal readonly struct YieldAwaitable(Interleaver owner, InlineIoProcessor cpu) : INotifyCompletion
    {
        public YieldAwaitable GetAwaiter() => this;

        public bool IsCompleted => false;

        public void GetResult()
        {
        }

        public void OnCompleted(Action continuation) => owner._ready.Add((cpu, continuation));
    }
}

/// <summary>A spin lock for driver queues in interleaved tests: waiting yields, holding raises to DISPATCH_LEVEL.</summary>
internal sealed class InterleavedSpinLock(Interleaver interleaver)
{
    private IIoProcessor? _owner;

    public async ValueTask<Irql> Acquire()
    {
        await interleaver.Yield();
        var cpu = InlineIoProcessor.Current;
        Assert.NotSame(cpu, _owner);
        for (var spins = 0; _owner is not null; spins++)
        {
            Assert.True(spins < 10_000, "the queue lock's holder never released it");
            await interleaver.Yield();
        }
        _owner = InlineIoProcessor.Current;
        return _owner.SwapIrql(Irql.DispatchLevel);
    }

    public void Release(Irql irql)
    {
        Assert.Same(InlineIoProcessor.Current, _owner);
        _owner = null;
        InlineIoProcessor.Current.SwapIrql(irql);
    }
}
