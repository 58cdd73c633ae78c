namespace ActorKernel.Actors;

/// <summary>FAST_IO_CHECK_IF_POSSIBLE: may a read or write at this offset go the fast way (no byte-range lock in the way)?</summary>
/// <param name="fileObject">The open.</param>
/// <param name="fileOffset">Where.</param>
/// <param name="length">How many bytes.</param>
/// <param name="wait">Whether the caller may block.</param>
/// <param name="lockKey">The byte-range lock key.</param>
/// <param name="checkForReadOperation">TRUE for a read, FALSE for a write.</param>
/// <param name="ioStatus">Receives a status when the answer is FALSE for a reason worth telling.</param>
/// <param name="deviceObject">The file system's device the request was aimed at.</param>
/// <returns>TRUE when fast I/O may proceed.</returns>
public delegate bool FastIoCheckIfPossibleRoutine(FileObject fileObject, long fileOffset, uint length, bool wait, uint lockKey, bool checkForReadOperation,
    IoStatusBlock ioStatus, DeviceObject deviceObject);

/// <summary>FAST_IO_READ / FAST_IO_WRITE: do the transfer from/to the cache without an IRP, or return FALSE (the I/O manager then builds an IRP).</summary>
/// <param name="fileObject">The open.</param>
/// <param name="fileOffset">Where in the file.</param>
/// <param name="length">How many bytes.</param>
/// <param name="wait">Whether the caller may block (FALSE: return FALSE rather than wait for a page).</param>
/// <param name="lockKey">The byte-range lock key.</param>
/// <param name="buffer">The caller's buffer (a user-mode caller's pages: the routine runs in its context).</param>
/// <param name="ioStatus">Receives the status and the bytes moved when the routine returns TRUE.</param>
/// <param name="deviceObject">The file system's device the request was aimed at.</param>
/// <returns>TRUE when the request was done (its outcome in <paramref name="ioStatus"/>); FALSE to fall back to an IRP.</returns>
public delegate ValueTask<bool> FastIoReadWriteRoutine(FileObject fileObject, long fileOffset, uint length, bool wait, uint lockKey, UserBuffer buffer,
    IoStatusBlock ioStatus, DeviceObject deviceObject);

/// <summary>FAST_IO_QUERY_BASIC_INFO.</summary>
/// <param name="fileObject">The open.</param>
/// <param name="wait">Whether the caller may block.</param>
/// <param name="buffer">Receives the information.</param>
/// <param name="ioStatus">Receives the status and sizeof(FILE_BASIC_INFORMATION).</param>
/// <param name="deviceObject">The file system's device.</param>
/// <returns>TRUE when answered; FALSE to fall back to IRP_MJ_QUERY_INFORMATION.</returns>
public delegate bool FastIoQueryBasicInfoRoutine(FileObject fileObject, bool wait, out FileBasicInformation buffer, IoStatusBlock ioStatus, DeviceObject deviceObject);

/// <summary>FAST_IO_QUERY_STANDARD_INFO.</summary>
/// <param name="fileObject">The open.</param>
/// <param name="wait">Whether the caller may block.</param>
/// <param name="buffer">Receives the information.</param>
/// <param name="ioStatus">Receives the status and sizeof(FILE_STANDARD_INFORMATION).</param>
/// <param name="deviceObject">The file system's device.</param>
/// <returns>TRUE when answered; FALSE to fall back to IRP_MJ_QUERY_INFORMATION.</returns>
public delegate bool FastIoQueryStandardInfoRoutine(FileObject fileObject, bool wait, out FileStandardInformation buffer, IoStatusBlock ioStatus, DeviceObject deviceObject);

/// <summary>
/// FAST_IO_DISPATCH (<c>DriverObject-&gt;FastIoDispatch</c>): the routines a file system offers the
/// I/O manager to call instead of building an IRP. NtReadFile / NtWriteFile try
/// <see cref="FastIoRead"/> / <see cref="FastIoWrite"/> first on a file object with FO_CACHE_SUPPORTED
/// (and neither FO_NO_INTERMEDIATE_BUFFERING nor paging I/O); NtQueryInformationFile tries the query
/// routines first. A null routine, or one that returns FALSE, means an IRP. File systems usually set
/// FastIoRead and FastIoWrite to <see cref="Wdm.FsRtlCopyRead"/> / <see cref="Wdm.FsRtlCopyWrite"/>.
/// </summary>
public sealed class FastIoDispatch
{
    /// <summary>SizeOfFastIoDispatch: sizeof(FAST_IO_DISPATCH) on x64 (the I/O manager checks a routine's slot lies inside it).</summary>
    public uint SizeOfFastIoDispatch { get; set; } = 224;

    /// <summary>FastIoCheckIfPossible (FsRtlCopyRead/Write call it when the header says FastIoIsQuestionable).</summary>
    public FastIoCheckIfPossibleRoutine? FastIoCheckIfPossible { get; set; }

    /// <summary>FastIoRead.</summary>
    public FastIoReadWriteRoutine? FastIoRead { get; set; }

    /// <summary>FastIoWrite.</summary>
    public FastIoReadWriteRoutine? FastIoWrite { get; set; }

    /// <summary>FastIoQueryBasicInfo.</summary>
    public FastIoQueryBasicInfoRoutine? FastIoQueryBasicInfo { get; set; }

    /// <summary>FastIoQueryStandardInfo.</summary>
    public FastIoQueryStandardInfoRoutine? FastIoQueryStandardInfo { get; set; }
}

/// <summary>
/// How often the I/O manager's fast path was taken and declined for a driver (what a test reads and
/// <c>!drvobj</c> shows). "Taken" counts a routine that returned TRUE, "declined" one that returned
/// FALSE (the request then went as an IRP); a file object the I/O manager never tries (not cached,
/// no routine) counts as neither.
/// </summary>
public sealed class FastIoStatistics
{
    private long _readsTaken;
    private long _readsDeclined;
    private long _writesTaken;
    private long _writesDeclined;
    private long _queriesTaken;
    private long _queriesDeclined;

    /// <summary>FastIoRead returned TRUE.</summary>
    public long ReadsTaken => Interlocked.Read(ref _readsTaken);

    /// <summary>FastIoRead returned FALSE (an IRP_MJ_READ followed).</summary>
    public long ReadsDeclined => Interlocked.Read(ref _readsDeclined);

    /// <summary>FastIoWrite returned TRUE.</summary>
    public long WritesTaken => Interlocked.Read(ref _writesTaken);

    /// <summary>FastIoWrite returned FALSE (an IRP_MJ_WRITE followed).</summary>
    public long WritesDeclined => Interlocked.Read(ref _writesDeclined);

    /// <summary>FastIoQueryBasicInfo / FastIoQueryStandardInfo returned TRUE.</summary>
    public long QueriesTaken => Interlocked.Read(ref _queriesTaken);

    /// <summary>A fast query routine returned FALSE (an IRP_MJ_QUERY_INFORMATION followed).</summary>
    public long QueriesDeclined => Interlocked.Read(ref _queriesDeclined);

    internal void IopCountRead(bool taken) => Interlocked.Increment(ref taken ? ref _readsTaken : ref _readsDeclined);

    internal void IopCountWrite(bool taken) => Interlocked.Increment(ref taken ? ref _writesTaken : ref _writesDeclined);

    internal void IopCountQuery(bool taken) => Interlocked.Increment(ref taken ? ref _queriesTaken : ref _queriesDeclined);

    /// <inheritdoc />
    public override string ToString() =>
        $"fast I/O: reads {ReadsTaken} taken / {ReadsDeclined} declined, writes {WritesTaken} / {WritesDeclined}, queries {QueriesTaken} / {QueriesDeclined}";
}
