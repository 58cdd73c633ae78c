using ActorKernel.Actors;
using static ActorKernel.Conformance.Tests.Memory.MemoryTestSupport;

namespace ActorKernel.Conformance.Tests.Rules.Ke;

/// <summary>MEM-: ExAllocatePoolWithTag / ExAllocatePool2 / ExFreePoolWithTag rules with BAD_POOL_CALLER (0xC2) parameters as Microsoft's 0xC2 page lists them.</summary>
[Trait("Area", "Conformance")]
public sealed class PoolRuleTests
{
    private static readonly MemoryAccessContext Passive = DriverAt(Irql.PassiveLevel);

    [Fact]
    public void Paged_pool_allocated_at_DISPATCH_LEVEL_bugchecks_BAD_POOL_CALLER_8_with_IRQL_type_and_size()
    {
        var mm = SmallMachine();
        var e = AssertBugCheck(BugCheckCode.BadPoolCaller, () => mm.ExAllocatePoolWithTag(DriverAt(Irql.DispatchLevel), PoolType.PagedPool, 64, Tag1));
        Assert.Equal([0x08UL, 2UL, (ulong)PoolType.PagedPool, 64UL], [e.Parameter1, e.Parameter2, e.Parameter3, e.Parameter4]);
    }

    [Fact]
    public void Nonpaged_pool_allocated_at_DISPATCH_LEVEL_succeeds_and_above_it_bugchecks_BAD_POOL_CALLER_8()
    {
        var mm = SmallMachine();
        Assert.NotEqual(0UL, mm.ExAllocatePoolWithTag(DriverAt(Irql.DispatchLevel), PoolType.NonPagedPoolNx, 64, Tag1));
        var e = AssertBugCheck(BugCheckCode.BadPoolCaller, () => mm.ExAllocatePoolWithTag(DriverAt((Irql)5), PoolType.NonPagedPoolNx, 64, Tag1));
        Assert.Equal([0x08UL, 5UL, (ulong)PoolType.NonPagedPoolNx, 64UL], [e.Parameter1, e.Parameter2, e.Parameter3, e.Parameter4]);
    }

    [Fact]
    public void Nonpaged_pool_freed_above_DISPATCH_LEVEL_bugchecks_BAD_POOL_CALLER_9_with_IRQL_type_and_address()
    {
        var mm = SmallMachine();
        var p = mm.ExAllocatePoolWithTag(Passive, PoolType.NonPagedPoolNx, 64, Tag1);
        var e = AssertBugCheck(BugCheckCode.BadPoolCaller, () => mm.ExFreePoolWithTag(DriverAt((Irql)5), p, Tag1));
        Assert.Equal([0x09UL, 5UL, (ulong)PoolType.NonPagedPoolNx, p], [e.Parameter1, e.Parameter2, e.Parameter3, e.Parameter4]);
    }

    [Fact]
    public void MustSucceed_pool_bugchecks_BAD_POOL_CALLER_9A_with_type_size_and_tag()
    {
        var mm = SmallMachine();
        var e = AssertBugCheck(BugCheckCode.BadPoolCaller, () => mm.ExAllocatePoolWithTag(Passive, PoolType.NonPagedPoolMustSucceed, 32, Tag1));
        Assert.Equal([0x9AUL, (ulong)PoolType.NonPagedPoolMustSucceed, 32UL, (ulong)Tag1], [e.Parameter1, e.Parameter2, e.Parameter3, e.Parameter4]);
    }

    [Fact]
    public void Freeing_a_system_address_that_was_never_pool_bugchecks_BAD_POOL_CALLER_42()
    {
        var mm = SmallMachine();
        const ulong NotPool = 0xFFFF_F800_1234_0000;
        var e = AssertBugCheck(BugCheckCode.BadPoolCaller, () => mm.ExFreePool(Passive, NotPool));
        Assert.Equal([0x42UL, NotPool, 0UL, 0UL], [e.Parameter1, e.Parameter2, e.Parameter3, e.Parameter4]);
    }

    [Fact]
    public void ExAllocatePoolWithTag_of_paged_pool_at_APC_LEVEL_is_allowed_and_ExFreePool_at_APC_LEVEL_too()
    {
        var mm = SmallMachine();
        var apc = DriverAt(Irql.ApcLevel);
        var p = mm.ExAllocatePoolWithTag(apc, PoolType.PagedPool, 128, Tag1);
        Assert.NotEqual(0UL, p);
        mm.ExFreePool(apc, p);
        Assert.Empty(mm.GetOutstandingAllocations(Driver));
    }

    [Fact]
    public void ExAllocatePool_tags_the_block_None()
    {
        var mm = SmallMachine();
        var p = mm.ExAllocatePool(Passive, PoolType.NonPagedPoolNx, 16);
        Assert.Equal("None", Assert.Single(mm.GetOutstandingAllocations(Driver), a => a.Address == p).Tag);
    }
}
