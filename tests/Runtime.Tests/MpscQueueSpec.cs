using ActorKernel.Runtime;

namespace ActorKernel.Runtime.Tests;

/// <summary>The mailbox's multi-producer, single-consumer queue: FIFO per producer, nothing lost, across growth and wrap-around.</summary>
[Trait("Area", "Runtime")]
public sealed class MpscQueueSpec
{
    [Theory]
    [InlineData(0)]
    [InlineData(int.MaxValue - 1_000)]
    public void Four_producers_and_one_consumer_lose_nothing_and_keep_each_producers_order(int startPosition)
    {
        const int producers = 4, each = 200_000;
        var queue = new MpscQueue<(int Producer, int Number)>(startPosition);
        using var go = new ManualResetEventSlim(false);
        var threads = Enumerable.Range(0, producers).Select(p => new Thread(() =>
        {
            go.Wait();
            for (var i = 0; i < each; i++)
            {
                queue.Enqueue((p, i));
            }
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }
        go.Set();

        var next = new int[producers];
        var received = 0;
        var spinner = default(SpinWait);
        while (received < producers * each)
        {
            if (!queue.TryDequeue(out var item))
            {
                Assert.True(threads.Any(t => t.IsAlive) || !queue.IsEmpty, $"the queue ran dry after {received} of {producers * each}");
                spinner.SpinOnce(sleep1Threshold: -1);
                continue;
            }
            Assert.Equal(next[item.Producer], item.Number);
            next[item.Producer]++;
            received++;
        }
        foreach (var thread in threads)
        {
            thread.Join();
        }
        Assert.True(queue.IsEmpty);
        Assert.False(queue.TryDequeue(out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(int.MaxValue - 40)]
    [InlineData(int.MaxValue)]
    public void Positions_wrap_around_int_MaxValue_in_order_through_segment_growth(int startPosition)
    {
        var queue = new MpscQueue<int>(startPosition);
        var expected = 0;
        var written = 0;
        // Fill past several segment boundaries, drain part, refill: both the growth path and the
        // steady ring cross the wrap from int.MaxValue to int.MinValue.
        for (var round = 0; round < 50; round++)
        {
            for (var i = 0; i < 100 + round; i++)
            {
                queue.Enqueue(written++);
            }
            Assert.False(queue.IsEmpty);
            for (var i = 0; i < 90; i++)
            {
                Assert.True(queue.TryDequeue(out var value));
                Assert.Equal(expected++, value);
            }
        }
        while (queue.TryDequeue(out var value))
        {
            Assert.Equal(expected++, value);
        }
        Assert.Equal(written, expected);
        Assert.True(queue.IsEmpty);
    }

    [Fact]
    public void IsEmpty_tells_the_truth_at_every_step_of_a_single_thread()
    {
        var queue = new MpscQueue<string>();
        Assert.True(queue.IsEmpty);
        queue.Enqueue("a");
        Assert.False(queue.IsEmpty);
        Assert.True(queue.TryDequeue(out var a));
        Assert.Equal("a", a);
        Assert.True(queue.IsEmpty);
        Assert.False(queue.TryDequeue(out _));
    }
}
