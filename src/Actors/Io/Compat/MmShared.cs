namespace ActorKernel.Actors;

// Stand-ins for two enums the memory manager (h/mm, Mm/MemoryAccessContext.cs) defines with the same
// names and values; this file goes when that branch is merged.

/// <summary>KPROCESSOR_MODE: the mode a request was made from.</summary>
public enum KProcessorMode : byte
{
    /// <summary>KernelMode (0).</summary>
    KernelMode = 0,

    /// <summary>UserMode (1).</summary>
    UserMode = 1,
}

/// <summary>LOCK_OPERATION for MmProbeAndLockPages.</summary>
public enum LockOperation
{
    /// <summary>IoReadAccess (0): the device reads the buffer (a write to the device).</summary>
    IoReadAccess = 0,

    /// <summary>IoWriteAccess (1): the device writes the buffer (a read from the device).</summary>
    IoWriteAccess = 1,

    /// <summary>IoModifyAccess (2): both.</summary>
    IoModifyAccess = 2,
}
