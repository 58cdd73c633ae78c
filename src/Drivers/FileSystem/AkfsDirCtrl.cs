/*++

Module Name:

    AkfsDirCtrl.cs

Abstract:

    IRP_MJ_DIRECTORY_CONTROL (dirctrl.c): IRP_MN_QUERY_DIRECTORY on an open directory. The first
    query of a handle fixes its pattern (Parameters.QueryDirectory.FileName, "*" when none; a later
    query with SL_RESTART_SCAN may give a new one); the CCB remembers where the enumeration stands.
    Entries whose names match the pattern (FsRtlIsNameInExpression, case-insensitive) are packed in
    the caller's buffer, each 8-byte aligned and chained by NextEntryOffset, as many as fit
    (SL_RETURN_SINGLE_ENTRY: one). Nothing matching on the first query is STATUS_NO_SUCH_FILE,
    nothing more on a later one STATUS_NO_MORE_FILES; a buffer too small for one entry's fixed part
    STATUS_BUFFER_TOO_SMALL; a first entry whose name does not fit is returned cut, with
    STATUS_BUFFER_OVERFLOW, as FastFAT answers.

    Classes: FileDirectoryInformation, FileFullDirectoryInformation, FileBothDirectoryInformation,
    FileNamesInformation (x64 layouts, FileDirectoryEntry; akfs has no short names, so
    ShortNameLength is 0). The entries go into the system buffer the I/O manager copies back. "." and ".." are not returned
    (akfs stores no such entries). IRP_MN_NOTIFY_CHANGE_DIRECTORY is STATUS_INVALID_DEVICE_REQUEST.

Environment:

    Kernel mode, PASSIVE_LEVEL in the requester's thread, under the VCB's resource.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.FileSystem;

public static partial class Akfs
{
    /// <summary>IRP_MJ_DIRECTORY_CONTROL.</summary>
    private static async ValueTask<NtStatus> AkfsFsdDirectoryControl(DeviceObject deviceObject, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        var file = stack.FileObject!;
        if (deviceObject.DeviceExtension is not AkfsVcb vcb || file.FsContext is not AkfsFcb dcb
            || (DirectoryControlMinorFunction)stack.MinorFunction != DirectoryControlMinorFunction.QueryDirectory)
        {
            return await AkfsCompleteRequest(irp, NtStatus.InvalidDeviceRequest);
        }
        if (!dcb.IsDirectory)
        {
            return await AkfsCompleteRequest(irp, NtStatus.InvalidParameter);
        }
        await AkfsAcquireVcb(vcb);
        (NtStatus Status, int Bytes) result;
        try
        {
            result = await AkfsQueryDirectory(dcb, (AkfsCcb)file.FsContext2!, stack, irp.SystemBuffer);
        }
        finally
        {
            AkfsReleaseVcb(vcb);
        }
        return await AkfsCompleteRequest(irp, result.Status, (ulong)result.Bytes);
    }

    /// <summary>
    /// FatQueryDirectory: the matching entries from the CCB's place on, packed into the system buffer
    /// (FileDirectoryEntry.Pack: 8-byte aligned, NextEntryOffset chained, a first entry cut short
    /// with STATUS_BUFFER_OVERFLOW); the CCB moves past what was returned.
    /// </summary>
    private static async ValueTask<(NtStatus Status, int Bytes)> AkfsQueryDirectory(AkfsFcb dcb, AkfsCcb ccb, IoStackLocation stack, byte[]? buffer)
    {
        var parameters = stack.Parameters.QueryDirectory;
        var infoClass = parameters.FileInformationClass;
        if (FileDirectoryEntry.FixedSize(infoClass) < 0)
        {
            return (NtStatus.InvalidInfoClass, 0);
        }
        var loaded = await AkfsLoadDirectory(dcb);
        if (!loaded.IsSuccess())
        {
            return (loaded, 0);
        }
        var restart = (stack.Flags & StackLocationFlags.SlRestartScan) != 0;
        var first = ccb.SearchPattern is null;
        if (first || (restart && parameters.FileName is not null))
        {
            ccb.SearchPattern = string.IsNullOrEmpty(parameters.FileName) ? "*" : parameters.FileName;
        }
        if (restart)
        {
            ccb.NextSlot = 0;
        }
        if ((stack.Flags & StackLocationFlags.SlIndexSpecified) != 0)
        {
            ccb.NextSlot = (int)parameters.FileIndex;
        }
        var slots = new List<int>();
        var entries = new List<FileDirectoryEntry>();
        var directory = dcb.Entries!;
        for (var slot = ccb.NextSlot; slot < directory.Count; slot++)
        {
            var entry = directory[slot];
            if (entry.Inode != 0 && FsRtlIsNameInExpression(ccb.SearchPattern!, entry.Name, true))
            {
                slots.Add(slot);
                entries.Add(AkfsDirectoryEntry(dcb.Vcb, slot, entry));
            }
        }
        if (entries.Count == 0)
        {
            ccb.NextSlot = directory.Count;
            return (first ? NtStatus.NoSuchFile : NtStatus.NoMoreFiles, 0);
        }
        var span = buffer.AsSpan(0, (int)Math.Min(parameters.Length, (uint)(buffer?.Length ?? 0)));
        var used = FileDirectoryEntry.Pack(span, infoClass, entries, 0, (stack.Flags & StackLocationFlags.SlReturnSingleEntry) != 0, out var written, out var overflow);
        if (written == 0)
        {
            return (NtStatus.BufferTooSmall, 0);
        }
        ccb.NextSlot = slots[written - 1] + 1;
        return (overflow ? NtStatus.BufferOverflow : NtStatus.Success, used);
    }

    /// <summary>One entry as the enumeration reports it: the open FCB's sizes when the file is open, else the inode's.</summary>
    private static FileDirectoryEntry AkfsDirectoryEntry(AkfsVcb vcb, int slot, AkfsDirEntry entry)
    {
        var inode = vcb.Fcbs.TryGetValue(entry.Inode, out var open) ? open.ToInode() : vcb.ReadInode(entry.Inode);
        var clusters = 0L;
        foreach (var extent in inode.Extents)
        {
            clusters += extent.ClusterCount;
        }
        return new FileDirectoryEntry((uint)slot, inode.CreationTime, inode.LastAccessTime, inode.LastWriteTime, inode.ChangeTime, inode.FileSize,
            clusters * vcb.Superblock.BytesPerCluster, (FileAttribute)AkfsReportedAttributes(inode.FileAttributes), entry.Name);
    }
}
