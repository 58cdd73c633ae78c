namespace ActorKernel.Actors;

/// <summary>IRP.Flags (<c>IRP_*</c> in <c>wdm.h</c>): what the I/O manager must do at completion.</summary>
[Flags]
public enum IrpFlags : uint
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>IRP_NOCACHE (0x1).</summary>
    NoCache = 0x00000001,
    /// <summary>IRP_PAGING_IO (0x2).</summary>
    PagingIo = 0x00000002,
    /// <summary>IRP_MOUNT_COMPLETION (0x2): alias used for mount requests.</summary>
    MountCompletion = 0x00000002,
    /// <summary>IRP_SYNCHRONOUS_API (0x4): the requester waits for the result.</summary>
    SynchronousApi = 0x00000004,
    /// <summary>IRP_ASSOCIATED_IRP (0x8).</summary>
    AssociatedIrp = 0x00000008,
    /// <summary>IRP_BUFFERED_IO (0x10): AssociatedIrp.SystemBuffer is the I/O manager's buffer.</summary>
    BufferedIo = 0x00000010,
    /// <summary>IRP_DEALLOCATE_BUFFER (0x20): free the system buffer at completion.</summary>
    DeallocateBuffer = 0x00000020,
    /// <summary>IRP_INPUT_OPERATION (0x40): data flows from the device; copy the system buffer back to the user buffer.</summary>
    InputOperation = 0x00000040,
    /// <summary>IRP_SYNCHRONOUS_PAGING_IO (0x40).</summary>
    SynchronousPagingIo = 0x00000040,
    /// <summary>IRP_CREATE_OPERATION (0x80).</summary>
    CreateOperation = 0x00000080,
    /// <summary>IRP_READ_OPERATION (0x100).</summary>
    ReadOperation = 0x00000100,
    /// <summary>IRP_WRITE_OPERATION (0x200).</summary>
    WriteOperation = 0x00000200,
    /// <summary>IRP_CLOSE_OPERATION (0x400).</summary>
    CloseOperation = 0x00000400,
    /// <summary>IRP_DEFER_IO_COMPLETION (0x800): the caller of IoCallDriver finishes a request that did not return STATUS_PENDING.</summary>
    DeferIoCompletion = 0x00000800,
}
