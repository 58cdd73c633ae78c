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

    /// <summary>
    /// FILE_OBJECT.Vpb: the VPB of the mounted volume the file is on (set by IopParseDevice for an open
    /// with a name under a device that has a VPB); null for a direct device open.
    /// </summary>
    public Vpb? Vpb { get; internal set; }

    /// <summary>FILE_OBJECT.FileName: the remaining name of the open, what the file system parses (<c>\dir\file.txt</c>, or relative to <see cref="RelatedFileObject"/>); empty for a volume or device open.</summary>
    public string FileName { get; set; } = "";

    /// <summary>FILE_OBJECT.RelatedFileObject: the directory a relative open names its file in (NtCreateFile's RootDirectory), or null.</summary>
    public FileObject? RelatedFileObject { get; internal set; }

    /// <summary>FILE_OBJECT.Flags (FO_*): the I/O manager sets FO_SYNCHRONOUS_IO, FO_NO_INTERMEDIATE_BUFFERING, FO_WRITE_THROUGH, FO_DELETE_ON_CLOSE at create; the file system sets FO_CACHE_SUPPORTED, FO_FILE_MODIFIED...</summary>
    public FileObjectFlags Flags
    {
        get => (FileObjectFlags)Volatile.Read(ref _flags);
        set => Volatile.Write(ref _flags, (uint)value);
    }

    private uint _flags;

    /// <summary>FILE_OBJECT.SectionObjectPointer: the stream's SECTION_OBJECT_POINTERS, shared by every open of the stream (the file system points it at its FCB's; the cache manager hangs the shared cache map on it).</summary>
    public SectionObjectPointers? SectionObjectPointer { get; set; }

    /// <summary>FILE_OBJECT.PrivateCacheMap: set by CcInitializeCacheMap for this open, cleared by CcUninitializeCacheMap (a file system tests it for "cache initialized on this file object").</summary>
    public object? PrivateCacheMap { get; internal set; }

    /// <summary>FILE_OBJECT.DeleteAccess: the open asked for DELETE (IoCheckShareAccess/IoSetShareAccess set it).</summary>
    public bool DeleteAccess { get; internal set; }

    /// <summary>FILE_OBJECT.SharedRead: the open lets others read (IoSetShareAccess/IoCheckShareAccess set it).</summary>
    public bool SharedRead { get; internal set; }

    /// <summary>FILE_OBJECT.SharedWrite: the open lets others write.</summary>
    public bool SharedWrite { get; internal set; }

    /// <summary>FILE_OBJECT.SharedDelete: the open lets others delete.</summary>
    public bool SharedDelete { get; internal set; }

    /// <summary>The read/write/delete kinds IoCheckShareAccess or IoSetShareAccess counted for this open (what IoRemoveShareAccess takes out).</summary>
    internal (bool Read, bool Write, bool Delete) IopShareAccessKinds { get; set; }

    /// <summary>FILE_OBJECT.DeletePending: the file system marks the file object when the file is to be deleted at last close.</summary>
    public bool DeletePending { get; set; }

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
    public FileCompletionContext? CompletionContext { get => Volatile.Read(ref _completionContext); internal set => Volatile.Write(ref _completionContext, value); }

    private FileCompletionContext? _completionContext;

    /// <summary>
    /// Sets <see cref="CompletionContext"/> if the file has none (one atomic step, so two threads
    /// associating the file at once cannot both win).
    /// </summary>
    /// <param name="context">The association.</param>
    /// <returns>Whether this call set it (false: the file was already associated).</returns>
    internal bool IopTrySetCompletionContext(FileCompletionContext context) =>
        Interlocked.CompareExchange(ref _completionContext, context, null) is null;

    /// <summary>Whether IRP_MJ_CLEANUP was sent (the last handle closed).</summary>
    public bool CleanupComplete { get; internal set; }

    /// <summary>FO_SYNCHRONOUS_IO: every request waits for its result (FILE_SYNCHRONOUS_IO_NONALERT); false for an overlapped open.</summary>
    public bool SynchronousIo { get; init; } = true;

    /// <summary>
    /// FILE_OBJECT.FinalStatus: the status of the last request whose completion signalled the file
    /// object's event; what a synchronous service waiting on that event returns.
    /// </summary>
    public NtStatus FinalStatus { get; internal set; }

    /// <summary>FILE_OBJECT.CurrentByteOffset: where a synchronous request without an explicit offset starts; it advances by the bytes moved.</summary>
    public long CurrentByteOffset { get; set; }

    /// <summary>The access granted at open (after generic mapping).</summary>
    public FileAccessMask GrantedAccess { get; init; }

    /// <summary>The share access asked for at open (recorded; device opens do not check it, as NT leaves that to IoCheckShareAccess in the driver).</summary>
    public FileShareMode ShareAccess { get; init; }

    /// <summary>Handles to this file object in process handle tables (OBJECT_HEADER.HandleCount): IRP_MJ_CLEANUP is sent when the last one closes.</summary>
    public int HandleCount => Volatile.Read(ref HandleCountField);

    internal int HandleCountField;

    /// <summary>Whether IRP_MJ_CREATE succeeded (FO_FILE_OPEN): only then is IRP_MJ_CLOSE owed when the last reference goes.</summary>
    internal bool Opened;

    /// <summary>FILE_OBJECT.Lock: a synchronization event, signalled while no synchronous request of a user-mode open is in progress.</summary>
    internal KEvent Lock { get; } = CreateLock();

    private static KEvent CreateLock()
    {
        var lockEvent = new KEvent();
        Wdm.KeInitializeEvent(lockEvent, EventType.SynchronizationEvent, true);
        return lockEvent;
    }

    /// <summary>Whether IRP_MJ_CLOSE was sent.</summary>
    public bool CloseSent { get; internal set; }

    /// <summary>IopDeleteFile: the last reference went; IRP_MJ_CLOSE is sent from a system worker thread at PASSIVE_LEVEL.</summary>
    protected override void OnLastReferenceReleased() => DeviceObject.DriverObject.Manager.IopDeleteFile(this);

    /// <inheritdoc />
    public override string ObjectTypeName => "File";
}
