namespace ActorKernel.Actors;

/// <summary>
/// FILE_OBJECT: one open of a device. Requests on it carry it in their stack locations;
/// IRP_MJ_CLEANUP names it when its last handle closes, so a driver can complete its queued IRPs.
/// </summary>
public sealed class FileObject : KernelObject
{
    /// <summary>Creates an open of <paramref name="deviceObject"/>.</summary>
    /// <param name="deviceObject">The opened device.</param>
    public FileObject(DeviceObject deviceObject) => DeviceObject = deviceObject;

    /// <summary>The device the file was opened on.</summary>
    public DeviceObject DeviceObject { get; }

    /// <summary>FsContext: per-open state of the driver.</summary>
    public object? FsContext { get; set; }

    /// <summary>FsContext2: more per-open state of the driver.</summary>
    public object? FsContext2 { get; set; }

    /// <summary>Whether the handle has read access (FILE_READ_DATA), checked against FILE_READ_ACCESS IOCTLs.</summary>
    public bool ReadAccess { get; init; } = true;

    /// <summary>Whether the handle has write access (FILE_WRITE_DATA), checked against FILE_WRITE_ACCESS IOCTLs.</summary>
    public bool WriteAccess { get; init; } = true;

    /// <summary>The mode of the open's requester: UserMode requests have their buffers probed.</summary>
    public KProcessorMode RequestorMode { get; init; } = KProcessorMode.KernelMode;

    /// <summary>FILE_OBJECT.Event outside the processor model: signalled when a request on the file that went pending completes.</summary>
    public IoCompletionEvent Event { get; } = new();

    /// <summary>FILE_OBJECT.Event in the processor model (a notification KEVENT): the requesting thread waits on it.</summary>
    public KEvent KeEvent { get; } = new();

    /// <summary>FILE_OBJECT.CompletionContext: the completion port the file is associated with and its key (CreateIoCompletionPort), or null.</summary>
    public FileCompletionContext? CompletionContext { get; internal set; }

    /// <summary>Whether IRP_MJ_CLEANUP was sent (the last handle closed).</summary>
    public bool CleanupComplete { get; internal set; }

    /// <inheritdoc />
    public override string ObjectTypeName => "File";
}
