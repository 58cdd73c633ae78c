namespace ActorKernel.Actors;

/// <summary>
/// Parameter 1 of bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION (Bug Check Code Reference, "Bug Check
/// 0xE6"): the subcodes this HAL raises when the driver runs under Driver Verifier.
/// </summary>
public enum DmaVerifierViolation : uint
{
    /// <summary>0x00: miscellaneous; P2 = 0x1: flushed too many bytes past the end of the map register file (P3 bytes left in the MDL, P4 bytes asked to flush).</summary>
    Miscellaneous = 0x00,

    /// <summary>0x03: freed too many common buffers (usually the same one twice). P2 = extra buffers freed.</summary>
    TooManyCommonBuffersFreed = 0x03,

    /// <summary>0x04: freed too many adapter channels. P2 = extra channels freed.</summary>
    TooManyAdapterChannelsFreed = 0x04,

    /// <summary>0x05: freed too many map registers. P2 = extra map registers freed.</summary>
    TooManyMapRegistersFreed = 0x05,

    /// <summary>0x06: freed too many scatter/gather lists. P2 = lists allocated, P3 = lists freed.</summary>
    TooManyScatterGatherListsFreed = 0x06,

    /// <summary>0x07: released the adapter with common buffers outstanding. P2 = adapter, P3 = outstanding buffers.</summary>
    AdapterReleasedWithCommonBuffers = 0x07,

    /// <summary>0x08: released the adapter with adapter channels outstanding. P2 = adapter, P3 = outstanding channels.</summary>
    AdapterReleasedWithAdapterChannels = 0x08,

    /// <summary>0x09: released the adapter with map registers outstanding. P2 = adapter, P3 = outstanding map registers.</summary>
    AdapterReleasedWithMapRegisters = 0x09,

    /// <summary>0x0A: released the adapter with scatter/gather lists outstanding. P2 = adapter, P3 = outstanding lists.</summary>
    AdapterReleasedWithScatterGatherLists = 0x0A,

    /// <summary>0x0C: tried to allocate (or map) too many map registers at once. P2 = map registers needed, P3 = the most the adapter grants.</summary>
    TooManyMapRegisters = 0x0C,
}
