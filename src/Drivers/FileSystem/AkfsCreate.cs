/*++

Module Name:

    AkfsCreate.cs

Abstract:

    IRP_MJ_CREATE (create.c). The I/O manager sends it to the VDO with FileObject->FileName the
    path below the volume (\dir\file) or, with a RelatedFileObject, a name relative to an open
    directory. AkfsCommonCreate walks the path from the root DCB (an intermediate component that is
    missing or is not a directory: STATUS_OBJECT_PATH_NOT_FOUND), then applies the disposition to
    the last component:

        exists    FILE_OPEN, FILE_OPEN_IF                     open              FILE_OPENED
                  FILE_OVERWRITE, FILE_OVERWRITE_IF          truncate to 0     FILE_OVERWRITTEN
                  FILE_SUPERSEDE                             truncate to 0     FILE_SUPERSEDED
                  FILE_CREATE                                STATUS_OBJECT_NAME_COLLISION
        missing   FILE_OPEN, FILE_OVERWRITE                  STATUS_OBJECT_NAME_NOT_FOUND
                  FILE_CREATE, FILE_OPEN_IF, _OVERWRITE_IF,  create            FILE_CREATED
                  FILE_SUPERSEDE

    FILE_DIRECTORY_FILE on a file is STATUS_NOT_A_DIRECTORY, FILE_NON_DIRECTORY_FILE on a directory
    STATUS_FILE_IS_A_DIRECTORY; a directory is created only with FILE_CREATE or FILE_OPEN_IF
    (otherwise STATUS_INVALID_PARAMETER). A file being deleted is STATUS_DELETE_PENDING. Share
    access is IoCheckShareAccess against the FCB's SHARE_ACCESS (the first open sets it,
    IoSetShareAccess). The file object gets the FCB (FsContext, which is its FSRTL_COMMON_FCB_HEADER),
    a CCB (FsContext2), the FCB's SECTION_OBJECT_POINTERS and, unless the open is non-cached,
    FO_CACHE_SUPPORTED. An open of the CDO, or of the volume itself (no name), gets no FCB.

Environment:

    Kernel mode, PASSIVE_LEVEL, under the VCB's resource.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.FileSystem;

public static partial class Akfs
{
    // CreateOptions bits (ntifs.h) akfs reads.
    private const uint FileDirectoryFile = 0x0000_0001;
    private const uint FileNonDirectoryFile = 0x0000_0040;
    private const uint FileNoIntermediateBuffering = 0x0000_0008;
    private const uint FileDeleteOnClose = 0x0000_1000;

    /// <summary>IRP_MJ_CREATE: the CDO opens as itself; the VDO opens a path (AkfsCommonCreate).</summary>
    private static async ValueTask<NtStatus> AkfsFsdCreate(DeviceObject deviceObject, Irp irp)
    {
        if (deviceObject.DeviceExtension is not AkfsVcb vcb)
        {
            return await AkfsCompleteRequest(irp, NtStatus.Success, (ulong)CreateResult.Opened);
        }
        await AkfsAcquireVcb(vcb);
        NtStatus status;
        ulong information;
        try
        {
            (status, information) = await AkfsCommonCreate(vcb, irp);
        }
        finally
        {
            AkfsReleaseVcb(vcb);
        }
        return await AkfsCompleteRequest(irp, status, information);
    }

    private static async ValueTask<(NtStatus Status, ulong Information)> AkfsCommonCreate(AkfsVcb vcb, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        var file = stack.FileObject!;
        var options = stack.Parameters.Create.Options;
        var disposition = (CreateDisposition)(options >> 24);
        var wantDirectory = (options & FileDirectoryFile) != 0;
        var wantFile = (options & FileNonDirectoryFile) != 0;
        var name = file.FileName;
        var parent = file.RelatedFileObject?.FsContext as AkfsFcb;
        if (parent is null && name.Length == 0)
        {
            // The volume itself (\\.\StripeVolume0 through the VPB): an open without an FCB.
            file.FsContext2 = new AkfsCcb();
            return (NtStatus.Success, (ulong)CreateResult.Opened);
        }
        if (parent is not null && !parent.IsDirectory)
        {
            return (NtStatus.ObjectPathNotFound, 0);
        }
        var trailing = name.Length > 1 && name.EndsWith('\\');
        if (trailing)
        {
            if (wantFile)
            {
                return (NtStatus.ObjectNameInvalid, 0); // a trailing backslash names a directory
            }
            wantDirectory = true;
        }
        var components = name.Split('\\', StringSplitOptions.RemoveEmptyEntries);
        var dcb = parent ?? vcb.RootDcb;
        if (components.Length == 0)
        {
            // The root directory.
            return await AkfsOpenExisting(vcb.RootDcb, irp, file, disposition, wantDirectory, wantFile);
        }
        for (var i = 0; i < components.Length - 1; i++)
        {
            var status = await AkfsLoadDirectory(dcb);
            if (!status.IsSuccess())
            {
                return (status, 0);
            }
            var slot = AkfsDirectory.Find(dcb.Entries!, components[i]);
            if (!AkfsDirectory.IsValidName(components[i]))
            {
                return (NtStatus.ObjectNameInvalid, 0);
            }
            if (slot < 0)
            {
                return (NtStatus.ObjectPathNotFound, 0);
            }
            var next = AkfsGetFcb(vcb, dcb, dcb.Entries![slot]);
            if (!next.IsDirectory)
            {
                return (NtStatus.ObjectPathNotFound, 0);
            }
            dcb = next;
        }
        var last = components[^1];
        if (!AkfsDirectory.IsValidName(last))
        {
            return (NtStatus.ObjectNameInvalid, 0);
        }
        var loaded = await AkfsLoadDirectory(dcb);
        if (!loaded.IsSuccess())
        {
            return (loaded, 0);
        }
        var found = AkfsDirectory.Find(dcb.Entries!, last);
        if (found >= 0)
        {
            if (disposition == CreateDisposition.Create)
            {
                return (NtStatus.ObjectNameCollision, 0);
            }
            return await AkfsOpenExisting(AkfsGetFcb(vcb, dcb, dcb.Entries![found]), irp, file, disposition, wantDirectory, wantFile);
        }
        if (disposition is CreateDisposition.Open or CreateDisposition.Overwrite)
        {
            return (NtStatus.ObjectNameNotFound, 0);
        }
        if (wantDirectory && disposition is not (CreateDisposition.Create or CreateDisposition.OpenIf))
        {
            return (NtStatus.InvalidParameter, 0);
        }
        var (created, fcb) = await AkfsCreateInode(dcb, last, wantDirectory, stack.Parameters.Create.FileAttributes);
        if (!created.IsSuccess())
        {
            return (created, 0);
        }
        IoSetShareAccess(file.GrantedAccess, (FileShareMode)stack.Parameters.Create.ShareAccess, file, fcb!.ShareAccess);
        AkfsSetupFileObject(fcb!, file, options);
        return (NtStatus.Success, (ulong)CreateResult.Created);
    }

    /// <summary>The last component exists: type checks, delete pending, share access, then open, overwrite or supersede.</summary>
    private static async ValueTask<(NtStatus Status, ulong Information)> AkfsOpenExisting(AkfsFcb fcb, Irp irp, FileObject file, CreateDisposition disposition, bool wantDirectory, bool wantFile)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        if (wantDirectory && !fcb.IsDirectory)
        {
            return (NtStatus.NotADirectory, 0);
        }
        if (wantFile && fcb.IsDirectory)
        {
            return (NtStatus.FileIsADirectory, 0);
        }
        if (fcb.DeletePending)
        {
            return (NtStatus.DeletePending, 0);
        }
        var truncate = disposition is CreateDisposition.Overwrite or CreateDisposition.OverwriteIf or CreateDisposition.Supersede;
        if (truncate && fcb.IsDirectory)
        {
            return (NtStatus.FileIsADirectory, 0); // a directory is never overwritten
        }
        var share = (FileShareMode)stack.Parameters.Create.ShareAccess;
        var status = fcb.UncleanCount == 0
            ? AkfsSetShare(fcb, file, share)
            : IoCheckShareAccess(file.GrantedAccess, share, file, fcb.ShareAccess, true);
        if (!status.IsSuccess())
        {
            return (status, 0);
        }
        if (truncate && fcb.FileSize + fcb.AllocationSize > 0)
        {
            if (fcb.UncleanCount > 0 && fcb.SectionObjectPointers.SharedCacheMap is not null)
            {
                CcPurgeCacheSection(fcb.SectionObjectPointers, null, 0, false);
            }
            status = await AkfsSetAllocation(fcb, 0);
            if (status.IsSuccess())
            {
                fcb.FileSize = 0;
                fcb.ValidDataLength = 0;
                fcb.LastWriteTime = fcb.ChangeTime = KeQuerySystemTime();
                status = await AkfsWriteInode(fcb);
            }
            if (!status.IsSuccess())
            {
                IoRemoveShareAccess(file, fcb.ShareAccess);
                return (status, 0);
            }
        }
        AkfsSetupFileObject(fcb, file, stack.Parameters.Create.Options);
        var result = disposition switch
        {
            CreateDisposition.Supersede => CreateResult.Superseded,
            CreateDisposition.Overwrite or CreateDisposition.OverwriteIf => CreateResult.Overwritten,
            _ => CreateResult.Opened,
        };
        return (NtStatus.Success, (ulong)result);
    }

    private static NtStatus AkfsSetShare(AkfsFcb fcb, FileObject file, FileShareMode share)
    {
        IoSetShareAccess(file.GrantedAccess, share, file, fcb.ShareAccess);
        return NtStatus.Success;
    }

    /// <summary>FatSetFileObject: FsContext (the FCB and its common header), FsContext2 (a new CCB), the section object pointers, FO_CACHE_SUPPORTED.</summary>
    private static void AkfsSetupFileObject(AkfsFcb fcb, FileObject file, uint options)
    {
        var data = AkfsGetData(fcb.Vcb.VolumeDeviceObject!);
        var ccb = new AkfsCcb
        {
            DeleteOnClose = (options & FileDeleteOnClose) != 0,
            NonCached = (options & FileNoIntermediateBuffering) != 0 || !data.Options.Cached,
        };
        file.FsContext = fcb;
        file.FsContext2 = ccb;
        file.SectionObjectPointer = fcb.SectionObjectPointers;
        if (!fcb.IsDirectory && !ccb.NonCached)
        {
            file.Flags |= FileObjectFlags.CacheSupported;
        }
        fcb.OpenCount++;
        fcb.UncleanCount++;
    }
}
