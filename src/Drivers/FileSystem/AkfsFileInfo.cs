/*++

Module Name:

    AkfsFileInfo.cs

Abstract:

    IRP_MJ_QUERY_INFORMATION and IRP_MJ_SET_INFORMATION (fileinfo.c). The structure lies in
    Irp->AssociatedIrp.SystemBuffer.

    Query: FileBasicInformation, FileStandardInformation, FileInternalInformation (the inode),
    FilePositionInformation, FileNameInformation (the path from the volume's root); a buffer too
    small for the fixed part is STATUS_INFO_LENGTH_MISMATCH, a name cut short STATUS_BUFFER_OVERFLOW;
    other classes STATUS_INVALID_PARAMETER.

    Set: FileBasicInformation (a time of 0 is left alone; the directory attribute cannot change),
    FilePositionInformation (whole sectors on a non-cached open, else STATUS_INVALID_PARAMETER),
    FileEndOfFileInformation and FileAllocationInformation (grow or cut the allocation, the cache's
    sizes with it), FileDispositionInformation (delete at last cleanup; the root and read-only files
    STATUS_CANNOT_DELETE, a non-empty directory STATUS_DIRECTORY_NOT_EMPTY), FileRenameInformation
    (a name in the same directory or a path from the root; an existing target is
    STATUS_OBJECT_NAME_COLLISION unless ReplaceIfExists, and even then STATUS_ACCESS_DENIED when it is
    a directory or open; a directory moved under itself STATUS_INVALID_PARAMETER).

Environment:

    Kernel mode, PASSIVE_LEVEL, under the VCB's resource.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.FileSystem;

public static partial class Akfs
{
    /// <summary>The FILE_BASIC_INFORMATION of <paramref name="fcb"/>.</summary>
    internal static FileBasicInformation AkfsBasicInformation(AkfsFcb fcb) =>
        new(fcb.CreationTime, fcb.LastAccessTime, fcb.LastWriteTime, fcb.ChangeTime, (FileAttribute)AkfsReportedAttributes(fcb.FileAttributes));

    /// <summary>The FILE_STANDARD_INFORMATION of <paramref name="fcb"/>.</summary>
    internal static FileStandardInformation AkfsStandardInformation(AkfsFcb fcb) =>
        new(fcb.AllocationSize, fcb.FileSize, fcb.DeletePending ? 0u : 1u, fcb.DeletePending, fcb.IsDirectory);

    /// <summary>FILE_ATTRIBUTE_NORMAL when no other attribute is set, as NT reports it.</summary>
    internal static uint AkfsReportedAttributes(uint attributes) => attributes == 0 ? AkfsFileAttributes.Normal : attributes;

    /// <summary>IRP_MJ_QUERY_INFORMATION.</summary>
    private static async ValueTask<NtStatus> AkfsFsdQueryInformation(DeviceObject deviceObject, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        var file = stack.FileObject!;
        if (deviceObject.DeviceExtension is not AkfsVcb || file.FsContext is not AkfsFcb fcb)
        {
            return await AkfsCompleteRequest(irp, NtStatus.InvalidParameter);
        }
        var buffer = irp.SystemBuffer.AsSpan(0, (int)stack.Parameters.QueryFile.Length);
        var status = NtStatus.Success;
        ulong information = 0;
        switch (stack.Parameters.QueryFile.FileInformationClass)
        {
            case FileInformationClass.FileBasicInformation when buffer.Length >= FileBasicInformation.Size:
                AkfsBasicInformation(fcb).Write(buffer);
                information = FileBasicInformation.Size;
                break;
            case FileInformationClass.FileStandardInformation when buffer.Length >= FileStandardInformation.Size:
                AkfsStandardInformation(fcb).Write(buffer);
                information = FileStandardInformation.Size;
                break;
            case FileInformationClass.FileInternalInformation when buffer.Length >= FileInternalInformation.Size:
                new FileInternalInformation(fcb.Inode).Write(buffer);
                information = FileInternalInformation.Size;
                break;
            case FileInformationClass.FilePositionInformation when buffer.Length >= FilePositionInformation.Size:
                new FilePositionInformation(file.CurrentByteOffset).Write(buffer);
                information = FilePositionInformation.Size;
                break;
            case FileInformationClass.FileNameInformation when buffer.Length >= FileNameInformation.HeaderSize:
                var name = new FileNameInformation(fcb.FullName);
                information = (ulong)name.Write(buffer);
                status = information < (ulong)name.Size ? NtStatus.BufferOverflow : NtStatus.Success;
                break;
            case FileInformationClass.FileBasicInformation or FileInformationClass.FileStandardInformation or FileInformationClass.FileInternalInformation
                or FileInformationClass.FilePositionInformation or FileInformationClass.FileNameInformation:
                status = NtStatus.InfoLengthMismatch;
                break;
            default:
                status = NtStatus.InvalidParameter;
                break;
        }
        return await AkfsCompleteRequest(irp, status, information);
    }

    /// <summary>IRP_MJ_SET_INFORMATION.</summary>
    private static async ValueTask<NtStatus> AkfsFsdSetInformation(DeviceObject deviceObject, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        var file = stack.FileObject!;
        if (deviceObject.DeviceExtension is not AkfsVcb vcb || file.FsContext is not AkfsFcb fcb)
        {
            return await AkfsCompleteRequest(irp, NtStatus.InvalidParameter);
        }
        var buffer = irp.SystemBuffer.AsMemory(0, (int)stack.Parameters.SetFile.Length);
        NtStatus status;
        await AkfsAcquireVcb(vcb);
        try
        {
            status = stack.Parameters.SetFile.FileInformationClass switch
            {
                FileInformationClass.FileBasicInformation when buffer.Length >= FileBasicInformation.Size => await AkfsSetBasicInfo(fcb, FileBasicInformation.Read(buffer.Span)),
                FileInformationClass.FilePositionInformation when buffer.Length >= FilePositionInformation.Size => AkfsSetPositionInfo(file, FilePositionInformation.Read(buffer.Span).CurrentByteOffset),
                FileInformationClass.FileEndOfFileInformation when buffer.Length >= FileEndOfFileInformation.Size => await AkfsSetEndOfFile(fcb, file, FileEndOfFileInformation.Read(buffer.Span).EndOfFile),
                FileInformationClass.FileAllocationInformation when buffer.Length >= FileAllocationInformation.Size => await AkfsSetAllocationInfo(fcb, file, FileAllocationInformation.Read(buffer.Span).AllocationSize),
                FileInformationClass.FileDispositionInformation when buffer.Length >= FileDispositionInformation.Size => await AkfsSetDispositionInfo(fcb, file, FileDispositionInformation.Read(buffer.Span).DeleteFile),
                FileInformationClass.FileRenameInformation => await AkfsSetRenameInfo(vcb, fcb, FileRenameInformation.Read(buffer.Span), stack.Parameters.SetFile.ReplaceIfExists),
                FileInformationClass.FileBasicInformation or FileInformationClass.FilePositionInformation or FileInformationClass.FileEndOfFileInformation
                    or FileInformationClass.FileAllocationInformation or FileInformationClass.FileDispositionInformation => NtStatus.InfoLengthMismatch,
                _ => NtStatus.InvalidParameter,
            };
        }
        finally
        {
            AkfsReleaseVcb(vcb);
        }
        return await AkfsCompleteRequest(irp, status);
    }

    private static async ValueTask<NtStatus> AkfsSetBasicInfo(AkfsFcb fcb, FileBasicInformation info)
    {
        fcb.CreationTime = info.CreationTime > 0 ? info.CreationTime : fcb.CreationTime;
        fcb.LastAccessTime = info.LastAccessTime > 0 ? info.LastAccessTime : fcb.LastAccessTime;
        fcb.LastWriteTime = info.LastWriteTime > 0 ? info.LastWriteTime : fcb.LastWriteTime;
        fcb.ChangeTime = info.ChangeTime > 0 ? info.ChangeTime : KeQuerySystemTime();
        var attributes = (uint)info.FileAttributes;
        if (attributes != 0)
        {
            // FILE_ATTRIBUTE_NORMAL alone means none; the directory bit is the FCB's, not the caller's.
            attributes &= ~(AkfsFileAttributes.Normal | AkfsFileAttributes.Directory);
            fcb.FileAttributes = attributes | (fcb.IsDirectory ? AkfsFileAttributes.Directory : 0);
        }
        return await AkfsWriteInode(fcb);
    }

    private static NtStatus AkfsSetPositionInfo(FileObject file, long offset)
    {
        if (offset < 0 || (file.FsContext2 is AkfsCcb { NonCached: true } && offset % SectorSize != 0))
        {
            return NtStatus.InvalidParameter;
        }
        file.CurrentByteOffset = offset;
        return NtStatus.Success;
    }

    private static async ValueTask<NtStatus> AkfsSetEndOfFile(AkfsFcb fcb, FileObject file, long size)
    {
        if (fcb.IsDirectory || size < 0)
        {
            return NtStatus.InvalidParameter;
        }
        if (size > fcb.AllocationSize)
        {
            var status = await AkfsSetAllocation(fcb, size);
            if (!status.IsSuccess())
            {
                return status;
            }
        }
        fcb.FileSize = size;
        fcb.ValidDataLength = Math.Min(fcb.ValidDataLength, size);
        fcb.ChangeTime = fcb.LastWriteTime = KeQuerySystemTime();
        if (file.SectionObjectPointer?.SharedCacheMap is not null)
        {
            CcSetFileSizes(file, CcFileSizes.From(fcb));
        }
        return await AkfsWriteInode(fcb);
    }

    private static async ValueTask<NtStatus> AkfsSetAllocationInfo(AkfsFcb fcb, FileObject file, long size)
    {
        if (fcb.IsDirectory || size < 0)
        {
            return NtStatus.InvalidParameter;
        }
        var status = await AkfsSetAllocation(fcb, size);
        if (!status.IsSuccess())
        {
            return status;
        }
        if (fcb.FileSize > fcb.AllocationSize)
        {
            fcb.FileSize = fcb.AllocationSize; // cutting the allocation below end of file moves end of file
            fcb.ValidDataLength = Math.Min(fcb.ValidDataLength, fcb.FileSize);
        }
        if (file.SectionObjectPointer?.SharedCacheMap is not null)
        {
            CcSetFileSizes(file, CcFileSizes.From(fcb));
        }
        return await AkfsWriteInode(fcb);
    }

    private static async ValueTask<NtStatus> AkfsSetDispositionInfo(AkfsFcb fcb, FileObject file, bool delete)
    {
        if (delete)
        {
            if (fcb.Parent is null || (fcb.FileAttributes & AkfsFileAttributes.ReadOnly) != 0)
            {
                return NtStatus.CannotDelete;
            }
            if (fcb.IsDirectory)
            {
                var loaded = await AkfsLoadDirectory(fcb);
                if (!loaded.IsSuccess())
                {
                    return loaded;
                }
                if (!AkfsDirectory.IsEmpty(fcb.Entries!))
                {
                    return NtStatus.DirectoryNotEmpty;
                }
            }
        }
        fcb.DeletePending = delete;
        file.DeletePending = delete;
        return NtStatus.Success;
    }

    /// <summary>FatSetRenameInfo: the new name in the same directory, or a path from the root.</summary>
    private static async ValueTask<NtStatus> AkfsSetRenameInfo(AkfsVcb vcb, AkfsFcb fcb, FileRenameInformation info, bool replaceIfExists)
    {
        if (fcb.Parent is null)
        {
            return NtStatus.InvalidParameter; // the root has no name to change
        }
        replaceIfExists |= info.ReplaceIfExists;
        var target = info.FileName;
        var targetDcb = fcb.Parent;
        if (target.StartsWith('\\'))
        {
            var parts = target.Split('\\', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                return NtStatus.ObjectNameInvalid;
            }
            targetDcb = vcb.RootDcb;
            for (var i = 0; i < parts.Length - 1; i++)
            {
                var status = await AkfsLoadDirectory(targetDcb);
                var slot = status.IsSuccess() ? AkfsDirectory.Find(targetDcb.Entries!, parts[i]) : -1;
                if (slot < 0)
                {
                    return NtStatus.ObjectPathNotFound;
                }
                targetDcb = AkfsGetFcb(vcb, targetDcb, targetDcb.Entries![slot]);
                if (!targetDcb.IsDirectory)
                {
                    return NtStatus.ObjectPathNotFound;
                }
            }
            target = parts[^1];
        }
        if (!AkfsDirectory.IsValidName(target))
        {
            return NtStatus.ObjectNameInvalid;
        }
        for (var up = targetDcb; up is not null; up = up.Parent)
        {
            if (up == fcb)
            {
                return NtStatus.InvalidParameter; // a directory cannot move under itself
            }
        }
        var loaded = await AkfsLoadDirectory(targetDcb);
        if (!loaded.IsSuccess())
        {
            return loaded;
        }
        var existing = AkfsDirectory.Find(targetDcb.Entries!, target);
        if (existing >= 0 && targetDcb.Entries![existing].Inode != fcb.Inode)
        {
            if (!replaceIfExists)
            {
                return NtStatus.ObjectNameCollision;
            }
            var victim = AkfsGetFcb(vcb, targetDcb, targetDcb.Entries[existing]);
            if (victim.IsDirectory || victim.UncleanCount > 0)
            {
                return NtStatus.AccessDenied;
            }
            var deleted = await AkfsDeleteFile(victim);
            if (!deleted.IsSuccess())
            {
                return deleted;
            }
        }
        var status2 = await AkfsRemoveEntry(fcb.Parent, fcb.Name);
        if (!status2.IsSuccess())
        {
            return status2;
        }
        status2 = await AkfsAddEntry(targetDcb, target, fcb.Inode);
        if (!status2.IsSuccess())
        {
            await AkfsAddEntry(fcb.Parent, fcb.Name, fcb.Inode); // put it back where it was
            return status2;
        }
        fcb.Parent = targetDcb;
        fcb.Name = target;
        fcb.ChangeTime = KeQuerySystemTime();
        return await AkfsWriteInode(fcb);
    }
}
