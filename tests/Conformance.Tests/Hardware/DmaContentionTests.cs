using ActorKernel.Actors;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Hardware;

[Trait("Area", "Hardware")]
public sealed class DmaContentionTests
{
    private const int PageSize = 4096;

    /// <summary>
    /// Four processors request scatter/gather lists of 2 map registers from one adapter owning 5, so
    /// requests keep waiting; each processor puts back the lists whose AdapterListControl ran on it
    /// (its own, or a waiter's run inside its free). Every request is served exactly once and
    /// everything returns to the adapter.
    /// </summary>
    [Theory]
    [InlineData(DispatcherKind.Deterministic, 300)]
    [InlineData(DispatcherKind.Concurrent, 300)]
    public void Four_processors_contending_for_map_registers_get_every_list_exactly_once_and_return_every_register(DispatcherKind dispatcher, int perProcessor)
    {
        const int Processors = 4;
        using var bed = new HalBed(processors: Processors, mapRegistersPerAdapter: 5, dispatcher: dispatcher);
        DmaAdapter? adapter = null;
        Mdl? mdl = null;
        bed.Run(() =>
        {
            var pool = ExAllocatePool2(PoolFlags.NonPaged, PageSize, PoolTag.FromString("Dma "));
            mdl = IoAllocateMdl(pool + 0x800, PageSize)!; // spans two pages: 2 map registers
            MmBuildMdlForNonPagedPool(mdl);
            adapter = IoGetDmaAdapter(bed.Pdo, new DeviceDescription { Master = true, ScatterGather = true, Dma32BitAddresses = true, MaximumLength = 2 * PageSize }, out _);
            return ValueTask.CompletedTask;
        });
        var stash = Enumerable.Range(0, Processors).Select(_ => new Queue<ScatterGatherList>()).ToArray();
        var served = 0;
        var deferred = 0;
        var finished = 0;
        for (var cpu = 0; cpu < Processors; cpu++)
        {
            var me = cpu;
            bed.Machine.RunRoutine(cpu, bed.Driver.Module, "DmaLoop", async () =>
            {
                var old = KeRaiseIrql(Irql.DispatchLevel);
                for (var i = 0; i < perProcessor; i++)
                {
                    var requester = me;
                    await adapter!.DmaOperations.GetScatterGatherList(adapter, bed.Fdo, mdl!, MmGetMdlVirtualAddress(mdl!), PageSize, (_, _, list, _) =>
                    {
                        var runner = KeGetCurrentProcessorNumber();
                        if (runner != requester)
                        {
                            Interlocked.Increment(ref deferred);
                        }
                        Interlocked.Increment(ref served);
                        stash[runner].Enqueue(list);
                        return ValueTask.CompletedTask;
                    }, null, writeToDevice: true);
                    await KeCompute(300);
                    while (stash[me].TryDequeue(out var list))
                    {
                        await adapter.DmaOperations.PutScatterGatherList(adapter, list, true);
                    }
                }
                await KeLowerIrql(old);
                Interlocked.Increment(ref finished);
            });
        }
        var total = Processors * perProcessor;
        bed.WaitUntil(() => Volatile.Read(ref finished) == Processors || bed.Machine.IsBugChecked);
        Assert.False(bed.Machine.IsBugChecked, bed.Machine.CrashDump?.Analysis);
        Assert.Equal(Processors, Volatile.Read(ref finished));
        Assert.Equal(total, Volatile.Read(ref served));
        if (dispatcher == DispatcherKind.Deterministic)
        {
            // On the concurrent dispatcher whether any request had to wait depends on the host's thread timing.
            Assert.True(deferred > 0, "with 5 registers for 4 processors some requests waited and ran inside another processor's free");
        }
        Assert.Equal((5u, 0, 0), (adapter!.FreeRegisters, adapter.OutstandingScatterGatherLists, adapter.WaitingRequests));
        Assert.Empty(bed.Machine.Hal.Findings);
    }
}
