using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Stacks.FileSystem;

// IRP_MJ_QUERY_INFORMATION, IRP_MJ_SET_INFORMATION, IRP_MJ_DIRECTORY_CONTROL and IRP_MJ_FLUSH_BUFFERS
// of testfs<tag>.sys: the structures go in and out of Irp->AssociatedIrp.SystemBuffer.
internal sealed partial class TestFs
{
    private async ValueTask<NtStatus> TestFsQueryInformation(DeviceObject deviceObject, Irp irp)
    {
        Log(deviceObject, irp);
        var stack = IoGetCurrentIrpStackLocation(irp);
        var file = stack.FileObject!;
        if (file.FsContext is not TestFcb fcb)
        {
            return await Complete(irp, NtStatus.InvalidDeviceRequest);
        }
        var buffer = irp.SystemBuffer.AsSpan(0, (int)stack.Parameters.QueryFile.Length);
        var standard = new FileStandardInformation(fcb.AllocationSize, fcb.FileSize, 1, fcb.DeletePending, fcb.IsDirectory);
        var name = new FileNameInformation(fcb.FullPath);
        switch (stack.Parameters.QueryFile.FileInformationClass)
        {
            case FileInformationClass.FileBasicInformation:
                BasicOf(fcb).Write(buffer);
                return await Complete(irp, NtStatus.Success, FileBasicInformation.Size);
            case FileInformationClass.FileStandardInformation:
                standard.Write(buffer);
                return await Complete(irp, NtStatus.Success, FileStandardInformation.Size);
            case FileInformationClass.FileInternalInformation:
                new FileInternalInformation(fcb.FileId).Write(buffer);
                return await Complete(irp, NtStatus.Success, FileInternalInformation.Size);
            case FileInformationClass.FileNameInformation:
                var written = name.Write(buffer);
                return await Complete(irp, written < name.Size ? NtStatus.BufferOverflow : NtStatus.Success, (ulong)written);
            case FileInformationClass.FileAllInformation:
                var all = new FileAllInformation(BasicOf(fcb), standard, new FileInternalInformation(fcb.FileId), 0, (uint)file.GrantedAccess,
                    new FilePositionInformation(file.CurrentByteOffset), IopMode(file), 0, name);
                var allWritten = all.Write(buffer);
                return await Complete(irp, allWritten < all.Size ? NtStatus.BufferOverflow : NtStatus.Success, (ulong)allWritten);
            default:
                return await Complete(irp, NtStatus.InvalidParameter);
        }
    }

    private static uint IopMode(FileObject file) => (file.Flags & FileObjectFlags.SynchronousIo) != 0 ? (uint)FileCreateOptions.SynchronousIoNonalert : 0;

    private async ValueTask<NtStatus> TestFsSetInformation(DeviceObject deviceObject, Irp irp)
    {
        Log(deviceObject, irp);
        var stack = IoGetCurrentIrpStackLocation(irp);
        var file = stack.FileObject!;
        if (file.FsContext is not TestFcb fcb)
        {
            return await Complete(irp, NtStatus.InvalidDeviceRequest);
        }
        var buffer = irp.SystemBuffer.AsSpan(0, (int)stack.Parameters.SetFile.Length);
        var volume = deviceObject.GetExtension<TestFsVolume>();
        switch (stack.Parameters.SetFile.FileInformationClass)
        {
            case FileInformationClass.FileBasicInformation:
                var basic = FileBasicInformation.Read(buffer);
                if (basic.FileAttributes != FileAttribute.None && !fcb.IsDirectory)
                {
                    fcb.Attributes = basic.FileAttributes;
                }
                return await Complete(irp, NtStatus.Success);
            case FileInformationClass.FileDispositionInformation:
                var delete = FileDispositionInformation.Read(buffer).DeleteFile;
                if (delete && fcb.Parent is null)
                {
                    return await Complete(irp, NtStatus.CannotDelete);
                }
                if (delete && fcb.IsDirectory && fcb.Children.Count > 0)
                {
                    return await Complete(irp, NtStatus.DirectoryNotEmpty);
                }
                if (delete && (fcb.Attributes & FileAttribute.ReadOnly) != 0)
                {
                    return await Complete(irp, NtStatus.CannotDelete);
                }
                fcb.DeletePending = delete;
                file.DeletePending = delete;
                return await Complete(irp, NtStatus.Success);
            case FileInformationClass.FileEndOfFileInformation:
                var size = FileEndOfFileInformation.Read(buffer).EndOfFile;
                if (fcb.IsDirectory || size > fcb.AllocationSize || size < 0)
                {
                    return await Complete(irp, fcb.IsDirectory ? NtStatus.InvalidParameter : NtStatus.DiskFull);
                }
                fcb.FileSize = size;
                fcb.ValidDataLength = Math.Min(fcb.ValidDataLength, size);
                CcSetFileSizes(file, CcFileSizes.From(fcb));
                return await Complete(irp, NtStatus.Success);
            case FileInformationClass.FileAllocationInformation:
                return await Complete(irp, NtStatus.Success);
            case FileInformationClass.FileRenameInformation:
                return await Complete(irp, TestFsRename(volume, fcb, FileRenameInformation.Read(buffer)));
            default:
                return await Complete(irp, NtStatus.InvalidParameter);
        }
    }

    /// <summary>A rename: the target is a path from the root (<c>\dir\new</c>) or a name in the same directory.</summary>
    private static NtStatus TestFsRename(TestFsVolume volume, TestFcb fcb, FileRenameInformation rename)
    {
        if (fcb.Parent is null)
        {
            return NtStatus.InvalidParameter;
        }
        TestFcb? parent;
        string leaf;
        if (rename.FileName.StartsWith('\\'))
        {
            var status = Walk(volume.Root, rename.FileName, out parent, out leaf);
            if (!status.IsSuccess())
            {
                return status;
            }
        }
        else
        {
            (parent, leaf) = (fcb.Parent, rename.FileName);
        }
        if (leaf.Length == 0)
        {
            return NtStatus.ObjectNameInvalid;
        }
        var existing = Find(parent!, leaf);
        if (existing is not null && existing != fcb)
        {
            if (!rename.ReplaceIfExists)
            {
                return NtStatus.ObjectNameCollision;
            }
            if (existing.IsDirectory || existing.OpenCount > 0)
            {
                return NtStatus.AccessDenied;
            }
            parent!.Children.Remove(existing);
            if (existing.Slot != 0)
            {
                volume.SlotsInUse[existing.Slot] = false;
            }
        }
        fcb.Parent!.Children.Remove(fcb);
        fcb.Name = leaf;
        fcb.Parent = parent;
        parent!.Children.Add(fcb);
        parent.Children.Sort((a, b) => string.CompareOrdinal(a.Name.ToUpperInvariant(), b.Name.ToUpperInvariant()));
        return NtStatus.Success;
    }

    private async ValueTask<NtStatus> TestFsDirectoryControl(DeviceObject deviceObject, Irp irp)
    {
        Log(deviceObject, irp);
        var stack = IoGetCurrentIrpStackLocation(irp);
        var file = stack.FileObject!;
        if (stack.MinorFunction != (byte)DirectoryControlMinorFunction.QueryDirectory || file.FsContext is not TestFcb { IsDirectory: true } directory)
        {
            return await Complete(irp, NtStatus.InvalidDeviceRequest);
        }
        var ccb = (TestCcb)file.FsContext2!;
        var parameters = stack.Parameters.QueryDirectory;
        var restart = (stack.Flags & StackLocationFlags.SlRestartScan) != 0;
        if (ccb.Pattern is null || (restart && parameters.FileName is not null))
        {
            // The expression of the first query (or of a restart) stays with the handle (FatQueryDirectory).
            ccb.Pattern = (parameters.FileName ?? "*").ToUpperInvariant();
        }
        if (restart)
        {
            ccb.Index = 0;
            ccb.Queried = false;
        }
        var matches = directory.Children.FindAll(c => FsRtlIsNameInExpression(ccb.Pattern, c.Name, ignoreCase: true))
            .ConvertAll(c => new FileDirectoryEntry((uint)c.FileId, c.FileId, c.FileId, c.FileId, c.FileId, c.FileSize, c.AllocationSize,
                c.IsDirectory ? FileAttribute.Directory : c.Attributes, c.Name));
        var first = !ccb.Queried;
        ccb.Queried = true;
        if (ccb.Index >= matches.Count)
        {
            return await Complete(irp, first ? NtStatus.NoSuchFile : NtStatus.NoMoreFiles);
        }
        var used = FileDirectoryEntry.Pack(irp.SystemBuffer.AsSpan(0, (int)parameters.Length), parameters.FileInformationClass, matches, ccb.Index,
            (stack.Flags & StackLocationFlags.SlReturnSingleEntry) != 0, out var written, out var overflow);
        ccb.Index += written;
        return await Complete(irp, overflow ? NtStatus.BufferOverflow : NtStatus.Success, (ulong)used);
    }

    private async ValueTask<NtStatus> TestFsFlush(DeviceObject deviceObject, Irp irp)
    {
        Log(deviceObject, irp);
        var file = IoGetCurrentIrpStackLocation(irp).FileObject!;
        if (file.FsContext is TestFcb fcb)
        {
            var iosb = new IoStatusBlock();
            await CcFlushCache(fcb.SectionObjectPointers, null, 0, iosb);
            return await Complete(irp, iosb.Status);
        }
        return await Complete(irp, NtStatus.Success);
    }
}
