using ActorKernel.Actors;
using BenchmarkDotNet.Attributes;

namespace ActorKernel.Benchmarks.Memory;

/// <summary>
/// Pool throughput: allocate/free pairs of the shapes drivers use, and kernel reads of resident and
/// paged-out memory. `dotnet run -c Release --project bench/Benchmarks -- --filter '*PoolBenchmarks*' --job short`.
/// </summary>
[MemoryDiagnoser]
public class PoolBenchmarks
{
    private const int Batch = 1024;
    private static readonly uint Tag = PoolTag.FromString("Bnch");
    private readonly ulong[] _live = new ulong[Batch];
    private readonly byte[] _buffer = new byte[64];
    private MemoryManager _mm = null!;
    private MemoryAccessContext _ctx;
    private ulong _paged;

    [GlobalSetup]
    public void Setup()
    {
        _mm = new MemoryManager();
        _ctx = new MemoryAccessContext(Irql.PassiveLevel, null, "bench.sys", 0);
        _paged = _mm.ExAllocatePool2(_ctx, PoolFlags.Paged, 64, Tag);
        // Warm the free lists so steady state is measured.
        AllocateFreeBatchMixed();
    }

    /// <summary>One ExAllocatePool2 + ExFreePoolWithTag of 64 bytes of nonpaged pool.</summary>
    [Benchmark(Baseline = true)]
    public void AllocateFree_64B_NonPaged()
    {
        ulong p = _mm.ExAllocatePool2(_ctx, PoolFlags.NonPaged, 64, Tag);
        _mm.ExFreePoolWithTag(_ctx, p, Tag);
    }

    /// <summary>The same in paged pool.</summary>
    [Benchmark]
    public void AllocateFree_64B_Paged()
    {
        ulong p = _mm.ExAllocatePool2(_ctx, PoolFlags.Paged, 64, Tag);
        _mm.ExFreePoolWithTag(_ctx, p, Tag);
    }

    /// <summary>A three-page allocation (big pages: frames mapped and unmapped each time).</summary>
    [Benchmark]
    public void AllocateFree_12KiB_Paged()
    {
        ulong p = _mm.ExAllocatePool2(_ctx, PoolFlags.Paged, 12 * 1024, Tag);
        _mm.ExFreePoolWithTag(_ctx, p, Tag);
    }

    /// <summary>1024 live allocations of mixed sizes (16 B .. 2 KiB) then all freed; reported per allocate+free pair.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void AllocateFreeBatchMixed()
    {
        for (int i = 0; i < Batch; i++)
            _live[i] = _mm.ExAllocatePool2(_ctx, (i & 1) == 0 ? PoolFlags.NonPaged : PoolFlags.Paged, (ulong)(16 << (i % 8)), Tag);
        for (int i = 0; i < Batch; i++) _mm.ExFreePoolWithTag(_ctx, _live[i], Tag);
    }

    /// <summary>A 64-byte kernel read of resident paged pool.</summary>
    [Benchmark]
    public long Read_64B_Resident() => _mm.Read(_ctx, _paged, _buffer);

    /// <summary>Page the block out, then read it: one hard fault handled (page-out + page-in).</summary>
    [Benchmark]
    public long Read_64B_AfterPageOut()
    {
        _mm.MmPageOut(null, _paged, 64);
        return _mm.Read(_ctx, _paged, _buffer);
    }
}

/// <summary>
/// Four host threads (as four processors on the concurrent dispatcher) allocating and freeing at once
/// on one machine's pools: the cost of the single Mm lock under contention, per allocate+free pair.
/// </summary>
[MemoryDiagnoser]
public class PoolContentionBenchmarks
{
    private const int Threads = 4;
    private const int PairsPerThread = 20_000;
    private static readonly uint Tag = PoolTag.FromString("Cont");
    private MemoryManager _mm = null!;

    [GlobalSetup]
    public void Setup() => _mm = new MemoryManager();

    [Benchmark(OperationsPerInvoke = Threads * PairsPerThread)]
    public void AllocateFree_64B_4Threads()
    {
        var workers = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            var ctx = new MemoryAccessContext(Irql.DispatchLevel, null, "cpu" + t, 0);
            workers[t] = new Thread(() =>
            {
                for (int i = 0; i < PairsPerThread; i++)
                {
                    ulong p = _mm.ExAllocatePool2(ctx, PoolFlags.NonPaged, 64, Tag);
                    _mm.ExFreePoolWithTag(ctx, p, Tag);
                }
            });
            workers[t].Start();
        }
        foreach (Thread w in workers) w.Join();
    }
}
