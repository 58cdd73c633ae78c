namespace ActorKernel.Hardware;

/// <summary>
/// The block controller's register map: byte offsets into its 128-byte memory-mapped BAR. Every
/// register is 32 bits wide and read or written whole (a narrower access reads the low bytes and
/// writes zero-extended). See <see cref="BlockController"/> for what each register does.
/// </summary>
public enum BlockControllerRegister
{
    /// <summary>CAP (RO): bits 0-15 the largest queue depth, bits 16-23 the most segments per command, bits 24-27 log2 of the sector size.</summary>
    Capabilities = 0x00,

    /// <summary>CAPACITY_LO (RO): the disk's size in sectors, low 32 bits.</summary>
    CapacityLow = 0x04,

    /// <summary>CAPACITY_HI (RO): the disk's size in sectors, high 32 bits.</summary>
    CapacityHigh = 0x08,

    /// <summary>VERSION (RO): 0x00010000 (1.0).</summary>
    Version = 0x0C,

    /// <summary>SQ_BASE_LO (RW while disabled): physical address of the command (submission) queue, low 32 bits; 64-byte aligned.</summary>
    SubmissionQueueBaseLow = 0x10,

    /// <summary>SQ_BASE_HI (RW while disabled): physical address of the command queue, high 32 bits.</summary>
    SubmissionQueueBaseHigh = 0x14,

    /// <summary>CQ_BASE_LO (RW while disabled): physical address of the completion queue, low 32 bits; 16-byte aligned.</summary>
    CompletionQueueBaseLow = 0x18,

    /// <summary>CQ_BASE_HI (RW while disabled): physical address of the completion queue, high 32 bits.</summary>
    CompletionQueueBaseHigh = 0x1C,

    /// <summary>QUEUE_DEPTH (RW while disabled): entries in each queue, 2 to CAP's largest depth.</summary>
    QueueDepth = 0x20,

    /// <summary>SQ_TAIL (doorbell, RW): the driver writes the index after its last new command; the controller starts fetching.</summary>
    SubmissionQueueTail = 0x24,

    /// <summary>SQ_HEAD (RO): the index of the next command the controller will fetch; slots before it are free again.</summary>
    SubmissionQueueHead = 0x28,

    /// <summary>CQ_TAIL (RO): the index after the last completion the controller posted.</summary>
    CompletionQueueTail = 0x2C,

    /// <summary>CQ_HEAD (RW): the driver writes the index after the last completion it consumed, freeing those slots.</summary>
    CompletionQueueHead = 0x30,

    /// <summary>INT_STATUS (RW1C): pending interrupt causes (<see cref="BlockInterrupt"/>); writing 1 to a bit acknowledges it.</summary>
    InterruptStatus = 0x34,

    /// <summary>INT_ENABLE (RW): which causes assert the interrupt line (<see cref="BlockInterrupt"/>).</summary>
    InterruptEnable = 0x38,

    /// <summary>CONTROL (RW): <see cref="BlockControl"/> bits: enable, write-back cache.</summary>
    Control = 0x3C,

    /// <summary>STATUS (RO): <see cref="BlockStatus"/> bits: ready, busy, cache dirty.</summary>
    Status = 0x40,

    /// <summary>ERROR (RW): the status of the last command that failed (<see cref="BlockCommandStatus"/>) in bits 0-15 and its command id's low 16 bits in bits 16-31; any write clears it.</summary>
    Error = 0x44,
}

/// <summary>INT_STATUS / INT_ENABLE bits.</summary>
[Flags]
public enum BlockInterrupt : uint
{
    /// <summary>No cause.</summary>
    None = 0,

    /// <summary>CMPL: the controller posted at least one completion entry.</summary>
    Completion = 1 << 0,

    /// <summary>ERR: a command completed with an error status (ERROR holds it).</summary>
    Error = 1 << 1,
}

/// <summary>CONTROL bits.</summary>
[Flags]
public enum BlockControl : uint
{
    /// <summary>Nothing set.</summary>
    None = 0,

    /// <summary>EN: the controller processes its queues. Clearing it resets both queues (heads and tails to 0).</summary>
    Enable = 1 << 0,

    /// <summary>WCE: write-back cache enabled; clearing it writes the dirty sectors back first.</summary>
    WriteCacheEnable = 1 << 1,
}

/// <summary>STATUS bits.</summary>
[Flags]
public enum BlockStatus : uint
{
    /// <summary>Nothing set.</summary>
    None = 0,

    /// <summary>RDY: the controller is enabled and takes doorbells.</summary>
    Ready = 1 << 0,

    /// <summary>BSY: a command is being executed.</summary>
    Busy = 1 << 1,

    /// <summary>DIRTY: the write-back cache holds sectors not yet on the medium.</summary>
    CacheDirty = 1 << 2,
}
