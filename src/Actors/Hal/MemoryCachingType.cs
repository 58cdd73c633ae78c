namespace ActorKernel.Actors;

/// <summary>MEMORY_CACHING_TYPE (wdm.h values): how MmMapIoSpace maps device memory (informational here: the model has no caches).</summary>
public enum MemoryCachingType
{
    /// <summary>MmNonCached (0): device registers.</summary>
    MmNonCached = 0,

    /// <summary>MmCached (1).</summary>
    MmCached = 1,

    /// <summary>MmWriteCombined (2): frame buffers.</summary>
    MmWriteCombined = 2,
}
