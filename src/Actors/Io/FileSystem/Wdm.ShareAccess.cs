namespace ActorKernel.Actors;

// IoCheckShareAccess and friends (ntoskrnl/io/iomgr/file.c): the file system calls them in its
// create and cleanup paths with the FCB's SHARE_ACCESS; the I/O manager itself checks nothing.
public static partial class Wdm
{
    /// <summary>
    /// IoCheckShareAccess: whether an open asking for <paramref name="desiredAccess"/> and allowing
    /// <paramref name="desiredShareAccess"/> fits the file's current opens; with
    /// <paramref name="update"/> the open is counted in <paramref name="shareAccess"/>. Sets the file
    /// object's DeleteAccess and Shared* (what IoRemoveShareAccess takes out later).
    /// </summary>
    /// <param name="desiredAccess">The open's access (FILE_READ_DATA / FILE_EXECUTE read, FILE_WRITE_DATA / FILE_APPEND_DATA write, DELETE).</param>
    /// <param name="desiredShareAccess">FILE_SHARE_READ / WRITE / DELETE.</param>
    /// <param name="fileObject">The new open.</param>
    /// <param name="shareAccess">The file's SHARE_ACCESS.</param>
    /// <param name="update">Count the open when it fits.</param>
    /// <returns>STATUS_SUCCESS, or STATUS_SHARING_VIOLATION (0xC0000043) when the new open asks for an access an earlier open does not share, or does not share an access an earlier open has.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL. An open asking for none of read, write and delete always fits and is not counted.</remarks>
    public static NtStatus IoCheckShareAccess(FileAccessMask desiredAccess, FileShareMode desiredShareAccess, FileObject fileObject, ShareAccess shareAccess, bool update)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        ArgumentNullException.ThrowIfNull(shareAccess);
        KiChargeCc(30);
        var (read, write, delete) = IopAccessKinds(desiredAccess);
        fileObject.DeleteAccess = delete;
        fileObject.IopShareAccessKinds = (read, write, delete);
        if (!read && !write && !delete)
        {
            return NtStatus.Success;
        }
        var sharedRead = (desiredShareAccess & FileShareMode.Read) != 0;
        var sharedWrite = (desiredShareAccess & FileShareMode.Write) != 0;
        var sharedDelete = (desiredShareAccess & FileShareMode.Delete) != 0;
        fileObject.SharedRead = sharedRead;
        fileObject.SharedWrite = sharedWrite;
        fileObject.SharedDelete = sharedDelete;
        lock (shareAccess)
        {
            var open = shareAccess.OpenCount;
            if ((read && shareAccess.SharedRead < open) || (write && shareAccess.SharedWrite < open) || (delete && shareAccess.SharedDelete < open)
                || (shareAccess.Readers != 0 && !sharedRead) || (shareAccess.Writers != 0 && !sharedWrite) || (shareAccess.Deleters != 0 && !sharedDelete))
            {
                return NtStatus.SharingViolation;
            }
            if (update)
            {
                IopAddShareAccess(shareAccess, read, write, delete, sharedRead, sharedWrite, sharedDelete, 1);
            }
        }
        return NtStatus.Success;
    }

    /// <summary>IoSetShareAccess: the first open of a file: <paramref name="shareAccess"/> becomes this open's (or all zero when it asks for none of read, write and delete).</summary>
    /// <param name="desiredAccess">The open's access.</param>
    /// <param name="desiredShareAccess">What it shares.</param>
    /// <param name="fileObject">The open.</param>
    /// <param name="shareAccess">The file's SHARE_ACCESS.</param>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static void IoSetShareAccess(FileAccessMask desiredAccess, FileShareMode desiredShareAccess, FileObject fileObject, ShareAccess shareAccess)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        ArgumentNullException.ThrowIfNull(shareAccess);
        KiChargeCc(20);
        var (read, write, delete) = IopAccessKinds(desiredAccess);
        fileObject.DeleteAccess = delete;
        fileObject.IopShareAccessKinds = (read, write, delete);
        var any = read || write || delete;
        fileObject.SharedRead = any && (desiredShareAccess & FileShareMode.Read) != 0;
        fileObject.SharedWrite = any && (desiredShareAccess & FileShareMode.Write) != 0;
        fileObject.SharedDelete = any && (desiredShareAccess & FileShareMode.Delete) != 0;
        lock (shareAccess)
        {
            shareAccess.OpenCount = shareAccess.Readers = shareAccess.Writers = shareAccess.Deleters = 0;
            shareAccess.SharedRead = shareAccess.SharedWrite = shareAccess.SharedDelete = 0;
            if (any)
            {
                IopAddShareAccess(shareAccess, read, write, delete, fileObject.SharedRead, fileObject.SharedWrite, fileObject.SharedDelete, 1);
            }
        }
    }

    /// <summary>IoUpdateShareAccess: counts an open that IoCheckShareAccess (without update) let in.</summary>
    /// <param name="fileObject">The open (its access and share flags as IoCheckShareAccess set them).</param>
    /// <param name="shareAccess">The file's SHARE_ACCESS.</param>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static void IoUpdateShareAccess(FileObject fileObject, ShareAccess shareAccess)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        ArgumentNullException.ThrowIfNull(shareAccess);
        KiChargeCc(20);
        var (read, write, delete) = IopFileAccessKinds(fileObject);
        if (read || write || delete)
        {
            lock (shareAccess)
            {
                IopAddShareAccess(shareAccess, read, write, delete, fileObject.SharedRead, fileObject.SharedWrite, fileObject.SharedDelete, 1);
            }
        }
    }

    /// <summary>IoRemoveShareAccess: takes an open out of the file's SHARE_ACCESS (the file system's IRP_MJ_CLEANUP).</summary>
    /// <param name="fileObject">The open.</param>
    /// <param name="shareAccess">The file's SHARE_ACCESS.</param>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static void IoRemoveShareAccess(FileObject fileObject, ShareAccess shareAccess)
    {
        ArgumentNullException.ThrowIfNull(fileObject);
        ArgumentNullException.ThrowIfNull(shareAccess);
        KiChargeCc(20);
        var (read, write, delete) = IopFileAccessKinds(fileObject);
        if (read || write || delete)
        {
            lock (shareAccess)
            {
                IopAddShareAccess(shareAccess, read, write, delete, fileObject.SharedRead, fileObject.SharedWrite, fileObject.SharedDelete, -1);
            }
        }
    }

    private static (bool Read, bool Write, bool Delete) IopAccessKinds(FileAccessMask access)
    {
        access = FileAccessMapping.MapGeneric(access);
        return ((access & (FileAccessMask.FileReadData | FileAccessMask.FileExecute)) != 0,
            (access & (FileAccessMask.FileWriteData | FileAccessMask.FileAppendData)) != 0,
            (access & FileAccessMask.Delete) != 0);
    }

    // FileObject->ReadAccess/WriteAccess/DeleteAccess as IoCheckShareAccess/IoSetShareAccess set them
    // (kept apart here: the simulator's ReadAccess/WriteAccess are the handle's granted access).
    private static (bool Read, bool Write, bool Delete) IopFileAccessKinds(FileObject file) => file.IopShareAccessKinds;

    private static void IopAddShareAccess(ShareAccess s, bool read, bool write, bool delete, bool sharedRead, bool sharedWrite, bool sharedDelete, int sign)
    {
        s.OpenCount = (uint)(s.OpenCount + sign);
        s.Readers = (uint)(s.Readers + (read ? sign : 0));
        s.Writers = (uint)(s.Writers + (write ? sign : 0));
        s.Deleters = (uint)(s.Deleters + (delete ? sign : 0));
        s.SharedRead = (uint)(s.SharedRead + (sharedRead ? sign : 0));
        s.SharedWrite = (uint)(s.SharedWrite + (sharedWrite ? sign : 0));
        s.SharedDelete = (uint)(s.SharedDelete + (sharedDelete ? sign : 0));
    }
}
