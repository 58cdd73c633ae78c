/*++

Module Name:

    AkfsCcb.cs

Abstract:

    The context control block (CCB): one per file object (FileObject->FsContext2), what differs
    between two opens of one file: the directory enumeration's place and pattern, and whether the
    open asked for FILE_DELETE_ON_CLOSE or non-cached I/O.

Environment:

    Kernel mode.

--*/

namespace ActorKernel.Drivers.FileSystem;

/// <summary>The per-open state of akfs (FileObject->FsContext2).</summary>
internal sealed class AkfsCcb
{
    /// <summary>The next directory slot IRP_MN_QUERY_DIRECTORY returns.</summary>
    public int NextSlot;

    /// <summary>The enumeration's pattern (set by the first query; <c>*</c> when none was given).</summary>
    public string? SearchPattern;

    /// <summary>FILE_DELETE_ON_CLOSE was asked at create.</summary>
    public bool DeleteOnClose;

    /// <summary>FILE_NO_INTERMEDIATE_BUFFERING: every transfer goes to the volume.</summary>
    public bool NonCached;
}
