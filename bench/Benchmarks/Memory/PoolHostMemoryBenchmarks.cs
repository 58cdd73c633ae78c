using ActorKernel.Actors;
using BenchmarkDotNet.Attributes;

namespace ActorKernel.Benchmarks.Memory;

/// <summary>
/// Host memory per simulated MiB of pool. The "Allocated" column of <see cref="Fill32MiB"/> minus that
/// of <see cref="ConstructOnly"/>, divided by 32, is the host bytes allocated per simulated MiB; the
/// retained figure (after a full GC, everything still reachable) is printed by <see cref="GlobalSetup"/>
/// as "host bytes retained per simulated MiB".
/// </summary>
[MemoryDiagnoser]
public class PoolHostMemoryBenchmarks
{
    private const int MiB = 32;
    private static readonly uint Tag = PoolTag.FromString("Host");
    private static readonly MemoryManagerOptions Options = new()
    {
        PhysicalMemoryBytes = 64UL << 20,
        NonPagedPoolBytes = 48UL << 20,
        PagedPoolBytes = 48UL << 20,
    };

    /// <summary>Block size of the fill, bytes.</summary>
    [Params(64, 1024, 16384)]
    public int BlockSize { get; set; }

    [GlobalSetup]
    public void GlobalSetup()
    {
        long before = GC.GetTotalMemory(forceFullCollection: true);
        MemoryManager empty = new(Options);
        long constructed = GC.GetTotalMemory(forceFullCollection: true);
        Fill(empty, BlockSize);
        long filled = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(empty);
        Console.WriteLine(FormattableString.Invariant(
            $"// host bytes retained: machine {constructed - before}, per simulated MiB of pool in {BlockSize}-byte blocks {(filled - constructed) / MiB}"));
    }

    /// <summary>An empty machine with 64 MiB of RAM.</summary>
    [Benchmark(Baseline = true)]
    public MemoryManager ConstructOnly() => new(Options);

    /// <summary>The same machine with 32 MiB of nonpaged pool allocated, every page written once.</summary>
    [Benchmark]
    public MemoryManager Fill32MiB()
    {
        var mm = new MemoryManager(Options);
        Fill(mm, BlockSize);
        return mm;
    }

    private static void Fill(MemoryManager mm, int blockSize)
    {
        var ctx = new MemoryAccessContext(Irql.PassiveLevel, null, "fill.sys", 0);
        long blocks = (MiB << 20) / blockSize;
        for (long i = 0; i < blocks; i++)
        {
            ulong p = mm.ExAllocatePool2(ctx, PoolFlags.NonPaged, (ulong)blockSize, Tag);
            if (p == 0) throw new InvalidOperationException("pool exhausted");
            // Touch every page of the block: frames get host bytes on first touch only.
            for (int offset = 0; offset < blockSize; offset += MmLayout.PageSize) mm.WriteUInt32(ctx, p + (ulong)offset, 1);
        }
    }
}
