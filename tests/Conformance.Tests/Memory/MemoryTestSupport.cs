using ActorKernel.Actors;

namespace ActorKernel.Conformance.Tests.Memory;

/// <summary>Shared contexts and assertions for the memory conformance tests.</summary>
internal static class MemoryTestSupport
{
    public const string Driver = "x.sys";
    public const ulong CodeAddress = 0xFFFF_F800_1000_1234;
    public static readonly uint Tag1 = PoolTag.FromString("Tag1");

    public static MemoryAccessContext DriverAt(Irql irql, AddressSpace? process = null) => new(irql, process, Driver, CodeAddress);

    public static MemoryAccessContext KernelAt(Irql irql, AddressSpace? process = null) => new(irql, process, null, CodeAddress);

    public static BugCheckException AssertBugCheck(BugCheckCode code, Action action)
    {
        BugCheckException e = Assert.Throws<BugCheckException>(action);
        Assert.Equal(code, e.Code);
        return e;
    }

    public static MemoryManager SmallMachine() => new(new MemoryManagerOptions
    {
        PhysicalMemoryBytes = 16UL << 20,
        NonPagedPoolBytes = 4UL << 20,
        PagedPoolBytes = 4UL << 20,
    });
}
