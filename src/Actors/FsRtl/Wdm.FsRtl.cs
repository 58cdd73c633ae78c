using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

// FsRtl's generic fast I/O routines and name matching (ntoskrnl/fsrtl/fastio.c, name.c): what FastFAT
// puts in its FAST_IO_DISPATCH and calls for directory patterns.
public static partial class Wdm
{
    /// <summary>
    /// FsRtlCopyRead: the generic FastIoRead. Serves the read from the cache when the file object is
    /// cached (PrivateCacheMap set) and its FCB header says fast I/O is possible (or, when questionable,
    /// the file system's FastIoCheckIfPossible agrees); clips at FileSize (at or past it: TRUE with
    /// STATUS_END_OF_FILE); copies with CcCopyRead and advances CurrentByteOffset. Returns FALSE, and the
    /// I/O manager builds an IRP, when any of that fails or when <paramref name="wait"/> is FALSE and a
    /// page is not resident.
    /// </summary>
    /// <param name="fileObject">The open; FsContext is the file system's FCB (an <see cref="FsRtlCommonFcbHeader"/>).</param>
    /// <param name="fileOffset">Where.</param>
    /// <param name="length">How many bytes.</param>
    /// <param name="wait">Whether the caller may block.</param>
    /// <param name="lockKey">The byte-range lock key.</param>
    /// <param name="buffer">The caller's buffer.</param>
    /// <param name="ioStatus">Receives the outcome when TRUE.</param>
    /// <param name="deviceObject">The file system's device.</param>
    /// <returns>TRUE when done; FALSE to take the IRP path.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL. Takes the header's Resource shared around the copy.</remarks>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<bool> FsRtlCopyRead(FileObject fileObject, long fileOffset, uint length, bool wait, uint lockKey, UserBuffer buffer,
        IoStatusBlock ioStatus, DeviceObject deviceObject)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        ArgumentNullException.ThrowIfNull(ioStatus);
        KiChargeCc(50);
        if (length == 0)
        {
            ioStatus.Status = NtStatus.Success;
            ioStatus.Information = 0;
            return true;
        }
        if (fileOffset < 0 || fileOffset + length < fileOffset || fileObject.FsContext is not FsRtlCommonFcbHeader header)
        {
            return false;
        }
        if (!await ExAcquireResourceSharedLite(header.Resource, wait))
        {
            return false;
        }
        try
        {
            if (fileObject.PrivateCacheMap is null || header.IsFastIoPossible == FastIoPossible.FastIoIsNotPossible)
            {
                return false;
            }
            if (header.IsFastIoPossible == FastIoPossible.FastIoIsQuestionable
                && !FsRtlpCheckIfPossible(fileObject, fileOffset, length, wait, lockKey, checkForReadOperation: true, ioStatus))
            {
                return false;
            }
            if (fileOffset + length > header.FileSize)
            {
                if (fileOffset >= header.FileSize)
                {
                    ioStatus.Status = NtStatus.EndOfFile;
                    ioStatus.Information = 0;
                    return true;
                }
                length = (uint)(header.FileSize - fileOffset);
            }
            bool copied;
            try
            {
                copied = await CcCopyRead(fileObject, fileOffset, length, wait, buffer, ioStatus).ConfigureAwait(false);
            }
            catch (NtStatusException)
            {
                // The fast path never fails a request: the IRP path will meet the error and report it.
                return false;
            }
            fileObject.Flags |= FileObjectFlags.FileFastIoRead;
            if (copied && ioStatus.Status.IsSuccess())
            {
                fileObject.CurrentByteOffset = fileOffset + (long)ioStatus.Information;
            }
            return copied;
        }
        finally
        {
            ExReleaseResourceLite(header.Resource);
        }
    }

    /// <summary>
    /// FsRtlCopyWrite: the generic FastIoWrite. Writes into the cache when the file object is cached and
    /// fast I/O is possible, the write starts at or below ValidDataLength and ends within
    /// AllocationSize; extends FileSize (CcSetFileSizes) and ValidDataLength, marks the file object
    /// FO_FILE_MODIFIED (and FO_FILE_SIZE_CHANGED), advances CurrentByteOffset. FALSE otherwise.
    /// </summary>
    /// <param name="fileObject">The open; FsContext is the FCB.</param>
    /// <param name="fileOffset">Where.</param>
    /// <param name="length">How many bytes.</param>
    /// <param name="wait">Whether the caller may block.</param>
    /// <param name="lockKey">The byte-range lock key.</param>
    /// <param name="buffer">The caller's data.</param>
    /// <param name="ioStatus">Receives STATUS_SUCCESS and the bytes when TRUE.</param>
    /// <param name="deviceObject">The file system's device.</param>
    /// <returns>TRUE when done; FALSE to take the IRP path.</returns>
    /// <remarks>
    /// IRQL = PASSIVE_LEVEL. Takes the header's Resource shared, exclusive when the write extends the
    /// file. Declines a write past ValidDataLength (NT zeroes the gap with CcZeroData first; not modelled)
    /// and one past AllocationSize (the file system must allocate).
    /// </remarks>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    public static async ValueTask<bool> FsRtlCopyWrite(FileObject fileObject, long fileOffset, uint length, bool wait, uint lockKey, UserBuffer buffer,
        IoStatusBlock ioStatus, DeviceObject deviceObject)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        ArgumentNullException.ThrowIfNull(ioStatus);
        KiChargeCc(50);
        if (length == 0)
        {
            ioStatus.Status = NtStatus.Success;
            ioStatus.Information = 0;
            return true;
        }
        if (fileOffset < 0 || fileOffset + length < fileOffset || fileObject.FsContext is not FsRtlCommonFcbHeader header)
        {
            return false;
        }
        var end = fileOffset + length;
        var extending = end > header.ValidDataLength;
        if (!await (extending ? ExAcquireResourceExclusiveLite(header.Resource, wait) : ExAcquireResourceSharedLite(header.Resource, wait)))
        {
            return false;
        }
        try
        {
            if (fileObject.PrivateCacheMap is null || header.IsFastIoPossible == FastIoPossible.FastIoIsNotPossible
                || fileOffset > header.ValidDataLength || end > header.AllocationSize)
            {
                return false;
            }
            if (header.IsFastIoPossible == FastIoPossible.FastIoIsQuestionable
                && !FsRtlpCheckIfPossible(fileObject, fileOffset, length, wait, lockKey, checkForReadOperation: false, ioStatus))
            {
                return false;
            }
            var oldFileSize = header.FileSize;
            var sizeChanged = end > oldFileSize;
            if (sizeChanged)
            {
                header.FileSize = end;
                CcSetFileSizes(fileObject, CcFileSizes.From(header));
            }
            bool copied;
            try
            {
                copied = await CcCopyWrite(fileObject, fileOffset, length, wait, buffer).ConfigureAwait(false);
            }
            catch (NtStatusException)
            {
                copied = false;
            }
            if (!copied)
            {
                if (sizeChanged)
                {
                    header.FileSize = oldFileSize;
                    CcSetFileSizes(fileObject, CcFileSizes.From(header));
                }
                return false;
            }
            fileObject.Flags |= FileObjectFlags.FileModified | (sizeChanged ? FileObjectFlags.FileSizeChanged : 0);
            if (end > header.ValidDataLength)
            {
                header.ValidDataLength = end;
                CcSetFileSizes(fileObject, CcFileSizes.From(header));
            }
            fileObject.CurrentByteOffset = end;
            ioStatus.Status = NtStatus.Success;
            ioStatus.Information = length;
            return true;
        }
        finally
        {
            ExReleaseResourceLite(header.Resource);
        }
    }

    private static bool FsRtlpCheckIfPossible(FileObject fileObject, long fileOffset, uint length, bool wait, uint lockKey, bool checkForReadOperation, IoStatusBlock ioStatus)
    {
        var device = IoGetRelatedDeviceObject(fileObject);
        return device.DriverObject.FastIoDispatch?.FastIoCheckIfPossible is { } check
            && check(fileObject, fileOffset, length, wait, lockKey, checkForReadOperation, ioStatus, device);
    }

    /// <summary>FsRtlDoesNameContainWildCards: whether <paramref name="name"/> has <c>*</c>, <c>?</c> or a DOS wildcard (<c>&lt;</c> <c>&gt;</c> <c>"</c>).</summary>
    /// <param name="name">A name or search expression.</param>
    /// <returns>TRUE when it is an expression rather than a single name.</returns>
    /// <remarks>IRQL &lt;= APC_LEVEL.</remarks>
    public static bool FsRtlDoesNameContainWildCards(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.AsSpan().IndexOfAny("*?<>\"") >= 0;
    }

    /// <summary>
    /// FsRtlIsNameInExpression: whether <paramref name="name"/> matches <paramref name="expression"/>:
    /// <c>*</c> any run of characters, <c>?</c> one character, and the DOS forms <c>&lt;</c> (DOS_STAR: any
    /// run up to the last dot), <c>&gt;</c> (DOS_QM: one character, or none at a dot or the end) and
    /// <c>"</c> (DOS_DOT: a dot, or the end).
    /// </summary>
    /// <param name="expression">The search expression (upper case when <paramref name="ignoreCase"/>, as NT requires).</param>
    /// <param name="name">The file name.</param>
    /// <param name="ignoreCase">Compare without case.</param>
    /// <returns>TRUE on a match.</returns>
    /// <remarks>IRQL &lt;= APC_LEVEL (the upcase table is pageable).</remarks>
    public static bool FsRtlIsNameInExpression(string expression, string name, bool ignoreCase)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(name);
        KiChargeCc(20 + (expression.Length + name.Length));
        var memo = new sbyte[(expression.Length + 1) * (name.Length + 1)];
        return FsRtlpMatch(expression, 0, name, 0, ignoreCase, memo);
    }

    private static bool FsRtlpMatch(string expression, int e, string name, int n, bool ignoreCase, sbyte[] memo)
    {
        var slot = (e * (name.Length + 1)) + n;
        if (memo[slot] != 0)
        {
            return memo[slot] > 0;
        }
        bool result;
        if (e == expression.Length)
        {
            result = n == name.Length;
        }
        else
        {
            var c = expression[e];
            switch (c)
            {
                case '*':
                    result = FsRtlpMatch(expression, e + 1, name, n, ignoreCase, memo) || (n < name.Length && FsRtlpMatch(expression, e, name, n + 1, ignoreCase, memo));
                    break;
                case '<':
                    // DOS_STAR: any run of characters that does not pass the name's last dot.
                    var lastDot = name.LastIndexOf('.');
                    result = FsRtlpMatch(expression, e + 1, name, n, ignoreCase, memo)
                        || (n < name.Length && (lastDot < 0 || n < lastDot) && FsRtlpMatch(expression, e, name, n + 1, ignoreCase, memo));
                    break;
                case '>':
                    // DOS_QM: one character, or nothing at a dot or at the end.
                    result = (n < name.Length && name[n] != '.' && FsRtlpMatch(expression, e + 1, name, n + 1, ignoreCase, memo))
                        || ((n == name.Length || name[n] == '.') && FsRtlpMatch(expression, e + 1, name, n, ignoreCase, memo));
                    break;
                case '"':
                    // DOS_DOT: a dot, or the end of the name.
                    result = (n < name.Length && name[n] == '.' && FsRtlpMatch(expression, e + 1, name, n + 1, ignoreCase, memo))
                        || (n == name.Length && FsRtlpMatch(expression, e + 1, name, n, ignoreCase, memo));
                    break;
                case '?':
                    result = n < name.Length && FsRtlpMatch(expression, e + 1, name, n + 1, ignoreCase, memo);
                    break;
                default:
                    result = n < name.Length
                        && (ignoreCase ? char.ToUpperInvariant(c) == char.ToUpperInvariant(name[n]) : c == name[n])
                        && FsRtlpMatch(expression, e + 1, name, n + 1, ignoreCase, memo);
                    break;
            }
        }
        memo[slot] = result ? (sbyte)1 : (sbyte)-1;
        return result;
    }
}
