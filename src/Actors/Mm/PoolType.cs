namespace ActorKernel.Actors;

/// <summary>POOL_TYPE from <c>wdm.h</c>, real values.</summary>
public enum PoolType
{
    /// <summary>NonPagedPool (0): resident, executable.</summary>
    NonPagedPool = 0,

    /// <summary>PagedPool (1): pageable; touch only below DISPATCH_LEVEL.</summary>
    PagedPool = 1,

    /// <summary>NonPagedPoolMustSucceed (2): obsolete; bugchecks 0xC2/0x9A when used.</summary>
    NonPagedPoolMustSucceed = 2,

    /// <summary>NonPagedPoolCacheAligned (4).</summary>
    NonPagedPoolCacheAligned = 4,

    /// <summary>PagedPoolCacheAligned (5).</summary>
    PagedPoolCacheAligned = 5,

    /// <summary>NonPagedPoolNx (512): resident, not executable.</summary>
    NonPagedPoolNx = 512,

    /// <summary>NonPagedPoolNxCacheAligned (516).</summary>
    NonPagedPoolNxCacheAligned = 516,
}

/// <summary>POOL_FLAGS for ExAllocatePool2 (<c>wdm.h</c> values). Low 32 bits are required, high 32 optional.</summary>
[Flags]
public enum PoolFlags : ulong
{
    /// <summary>No flag: invalid on its own (a pool type flag is required).</summary>
    None = 0,

    /// <summary>POOL_FLAG_USE_QUOTA (0x1): charge quota to the current process.</summary>
    UseQuota = 0x1,

    /// <summary>POOL_FLAG_UNINITIALIZED (0x2): do not zero the allocation.</summary>
    Uninitialized = 0x2,

    /// <summary>POOL_FLAG_SESSION (0x4): session pool (reserved for the system).</summary>
    Session = 0x4,

    /// <summary>POOL_FLAG_CACHE_ALIGNED (0x8).</summary>
    CacheAligned = 0x8,

    /// <summary>POOL_FLAG_RAISE_ON_FAILURE (0x20): raise STATUS_INSUFFICIENT_RESOURCES instead of returning NULL.</summary>
    RaiseOnFailure = 0x20,

    /// <summary>POOL_FLAG_NON_PAGED (0x40): nonpaged, no-execute.</summary>
    NonPaged = 0x40,

    /// <summary>POOL_FLAG_NON_PAGED_EXECUTE (0x80): nonpaged, executable.</summary>
    NonPagedExecute = 0x80,

    /// <summary>POOL_FLAG_PAGED (0x100).</summary>
    Paged = 0x100,
}

/// <summary>Helpers for pool types.</summary>
public static class PoolTypeExtensions
{
    /// <summary>True for the pageable pool types (odd base type, as in NT: <c>PoolType &amp; BASE_POOL_TYPE_MASK</c>).</summary>
    /// <param name="type">The pool type.</param>
    /// <returns><see langword="true"/> for PagedPool and its variants.</returns>
    public static bool IsPaged(this PoolType type) => ((int)type & 1) != 0;
}
