using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Stacks.FileSystem;

// IRP_MJ_CREATE, IRP_MJ_CLEANUP and IRP_MJ_CLOSE of testfs<tag>.sys (FastFAT's FatCommonCreate,
// FatCommonCleanup in miniature).
internal sealed partial class TestFs
{
    /// <summary>Splits a path into its directory (walked from <paramref name="start"/>) and last element.</summary>
    private static NtStatus Walk(TestFcb start, string path, out TestFcb? parent, out string leaf)
    {
        parent = start;
        leaf = "";
        var elements = path.Split('\\', StringSplitOptions.RemoveEmptyEntries);
        if (elements.Length == 0)
        {
            return NtStatus.Success; // the start directory itself
        }
        for (var i = 0; i < elements.Length - 1; i++)
        {
            var next = Find(parent!, elements[i]);
            if (next is null || !next.IsDirectory)
            {
                parent = null;
                return NtStatus.ObjectPathNotFound;
            }
            parent = next;
        }
        leaf = elements[^1];
        return NtStatus.Success;
    }

    internal static TestFcb? Find(TestFcb directory, string name) =>
        directory.Children.Find(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    private async ValueTask<NtStatus> TestFsCreate(DeviceObject deviceObject, Irp irp)
    {
        Log(deviceObject, irp);
        if (deviceObject == ControlDevice)
        {
            return await Complete(irp, NtStatus.Success, (ulong)CreateResult.Opened); // an open of the file system itself
        }
        var volume = deviceObject.GetExtension<TestFsVolume>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var file = stack.FileObject!;
        var parameters = stack.Parameters.Create;
        var disposition = (CreateDisposition)(parameters.Options >> 24);
        var options = (FileCreateOptions)(parameters.Options & 0x00FF_FFFF);
        var access = (parameters.SecurityContext as IoSecurityContext)?.DesiredAccess ?? FileAccessMask.FileReadData;
        var share = (FileShareMode)parameters.ShareAccess;
        var start = file.RelatedFileObject?.FsContext as TestFcb ?? volume.Root;
        var status = Walk(start, file.FileName, out var parent, out var leaf);
        if (!status.IsSuccess())
        {
            return await Complete(irp, status);
        }
        var fcb = leaf.Length == 0 ? parent : Find(parent!, leaf);
        CreateResult result;
        if (fcb is not null)
        {
            if (disposition == CreateDisposition.Create)
            {
                return await Complete(irp, NtStatus.ObjectNameCollision);
            }
            if ((options & FileCreateOptions.DirectoryFile) != 0 && !fcb.IsDirectory)
            {
                return await Complete(irp, NtStatus.NotADirectory);
            }
            if ((options & FileCreateOptions.NonDirectoryFile) != 0 && fcb.IsDirectory)
            {
                return await Complete(irp, NtStatus.FileIsADirectory);
            }
            if (fcb.DeletePending)
            {
                return await Complete(irp, NtStatus.DeletePending);
            }
            status = fcb.OpenCount == 0 ? NtStatus.Success : IoCheckShareAccess(access, share, file, fcb.ShareAccess, update: false);
            if (!status.IsSuccess())
            {
                return await Complete(irp, status);
            }
            if (disposition is CreateDisposition.Overwrite or CreateDisposition.OverwriteIf or CreateDisposition.Supersede)
            {
                if (fcb.IsDirectory)
                {
                    return await Complete(irp, NtStatus.ObjectNameCollision);
                }
                fcb.FileSize = fcb.ValidDataLength = 0;
                if (fcb.SectionObjectPointers.SharedCacheMap is not null)
                {
                    CcPurgeCacheSection(fcb.SectionObjectPointers, null, 0, false);
                }
                result = disposition == CreateDisposition.Supersede ? CreateResult.Superseded : CreateResult.Overwritten;
            }
            else
            {
                result = CreateResult.Opened;
            }
        }
        else
        {
            if (disposition is CreateDisposition.Open or CreateDisposition.Overwrite)
            {
                return await Complete(irp, NtStatus.ObjectNameNotFound);
            }
            var directory = (options & FileCreateOptions.DirectoryFile) != 0;
            var slot = 0;
            if (!directory)
            {
                slot = Array.IndexOf(volume.SlotsInUse, false, 1);
                if (slot < 0)
                {
                    return await Complete(irp, NtStatus.DiskFull);
                }
                volume.SlotsInUse[slot] = true;
            }
            fcb = new TestFcb(leaf, directory, parent, slot, volume.NextFileId++)
            {
                Attributes = (FileAttribute)parameters.FileAttributes == FileAttribute.None ? FileAttribute.Archive : (FileAttribute)parameters.FileAttributes,
            };
            parent!.Children.Add(fcb);
            parent.Children.Sort((a, b) => string.CompareOrdinal(a.Name.ToUpperInvariant(), b.Name.ToUpperInvariant()));
            result = CreateResult.Created;
        }
        if (fcb.OpenCount == 0)
        {
            IoSetShareAccess(access, share, file, fcb.ShareAccess);
        }
        else
        {
            IoUpdateShareAccess(file, fcb.ShareAccess);
        }
        fcb.OpenCount++;
        file.FsContext = fcb;
        file.FsContext2 = new TestCcb { DeleteOnClose = (options & FileCreateOptions.DeleteOnClose) != 0 };
        file.SectionObjectPointer = fcb.SectionObjectPointers;
        if (!fcb.IsDirectory && (file.Flags & FileObjectFlags.NoIntermediateBuffering) == 0)
        {
            file.Flags |= FileObjectFlags.CacheSupported;
        }
        return await Complete(irp, NtStatus.Success, (ulong)result);
    }

    private async ValueTask<NtStatus> TestFsCleanup(DeviceObject deviceObject, Irp irp)
    {
        Log(deviceObject, irp);
        var file = IoGetCurrentIrpStackLocation(irp).FileObject!;
        if (file.FsContext is TestFcb fcb)
        {
            IoRemoveShareAccess(file, fcb.ShareAccess);
            await CcUninitializeCacheMap(file, null);
            fcb.OpenCount--;
            if (file.FsContext2 is TestCcb { DeleteOnClose: true })
            {
                fcb.DeletePending = true;
            }
            if (fcb.OpenCount == 0 && fcb.DeletePending && fcb.Parent is { } parent)
            {
                parent.Children.Remove(fcb);
                if (fcb.Slot != 0)
                {
                    deviceObject.GetExtension<TestFsVolume>().SlotsInUse[fcb.Slot] = false;
                }
                CcPurgeCacheSection(fcb.SectionObjectPointers, null, 0, false);
            }
        }
        file.Flags |= FileObjectFlags.CleanupComplete;
        return await Complete(irp, NtStatus.Success);
    }

    private async ValueTask<NtStatus> TestFsClose(DeviceObject deviceObject, Irp irp)
    {
        Log(deviceObject, irp);
        return await Complete(irp, NtStatus.Success);
    }
}
