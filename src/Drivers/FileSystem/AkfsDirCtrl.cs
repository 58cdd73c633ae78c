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
    FileNamesInformation, FileIdBothDirectoryInformation, FileIdFullDirectoryInformation (x64
    layouts; akfs has no short names, so ShortNameLength is 0). "." and ".." are not returned
    (akfs stores no such entries). IRP_MN_NOTIFY_CHANGE_DIRECTORY is STATUS_INVALID_DEVICE_REQUEST.

Environment:

    Kernel mode, PASSIVE_LEVEL in the requester's thread, under the VCB's resource.

--*/

using System.Buffers.Binary;
using System.Text;
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
        (NtStatus Status, byte[] Bytes) result;
        try
        {
            result = await AkfsQueryDirectory(dcb, (AkfsCcb)file.FsContext2!, stack);
        }
        finally
        {
            AkfsReleaseVcb(vcb);
        }
        if (result.Bytes.Length > 0)
        {
            await RtlCopyMemory(irp.UserBuffer!, result.Bytes);
        }
        return await AkfsCompleteRequest(irp, result.Status, (ulong)result.Bytes.Length);
    }

    private static async ValueTask<(NtStatus Status, byte[] Bytes)> AkfsQueryDirectory(AkfsFcb dcb, AkfsCcb ccb, IoStackLocation stack)
    {
        var parameters = stack.Parameters.QueryDirectory;
        var infoClass = parameters.FileInformationClass;
        if (AkfsDirEntryFixedSize(infoClass) is not { } fixedSize)
        {
            return (NtStatus.InvalidInfoClass, []);
        }
        var loaded = await AkfsLoadDirectory(dcb);
        if (!loaded.IsSuccess())
        {
            return (loaded, []);
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
        var single = (stack.Flags & StackLocationFlags.SlReturnSingleEntry) != 0;
        var capacity = (int)parameters.Length;
        if (capacity < fixedSize)
        {
            return (NtStatus.BufferTooSmall, []);
        }
        var output = new byte[capacity];
        var used = 0;
        var lastEntry = -1;
        var status = NtStatus.Success;
        var entries = dcb.Entries!;
        while (ccb.NextSlot < entries.Count)
        {
            var entry = entries[ccb.NextSlot];
            if (entry.Inode == 0 || !FsRtlIsNameInExpression(ccb.SearchPattern!, entry.Name, true, null))
            {
                ccb.NextSlot++;
                continue;
            }
            var start = (used + 7) & ~7;
            var nameBytes = Encoding.Unicode.GetBytes(entry.Name);
            var size = fixedSize + nameBytes.Length;
            if (start + size > capacity)
            {
                if (lastEntry >= 0)
                {
                    break; // the next query resumes here
                }
                // The first entry alone does not fit: return it cut (FastFAT), the rest next time.
                nameBytes = nameBytes[..((capacity - fixedSize) & ~1)];
                size = fixedSize + nameBytes.Length;
                status = NtStatus.BufferOverflow;
            }
            if (lastEntry >= 0)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(output.AsSpan(lastEntry), (uint)(start - lastEntry));
            }
            AkfsWriteDirEntry(output.AsSpan(start, size), infoClass, (uint)ccb.NextSlot, entry.Inode, AkfsEntryInformation(dcb, entry), dcb.Vcb.Superblock.BytesPerCluster, nameBytes, entry.Name.Length * 2);
            lastEntry = start;
            used = start + size;
            ccb.NextSlot++;
            if (single || status == NtStatus.BufferOverflow)
            {
                break;
            }
        }
        if (lastEntry < 0)
        {
            return (first ? NtStatus.NoSuchFile : NtStatus.NoMoreFiles, []);
        }
        return (status, output[..used]);
    }

    /// <summary>The inode of a directory entry as the enumeration reports it (the open FCB's sizes when the file is open).</summary>
    private static AkfsInode AkfsEntryInformation(AkfsFcb dcb, AkfsDirEntry entry) =>
        dcb.Vcb.Fcbs.TryGetValue(entry.Inode, out var open) ? open.ToInode() : dcb.Vcb.ReadInode(entry.Inode);

    /// <summary>The size of an entry's fixed part (up to FileName), or null for a class IRP_MN_QUERY_DIRECTORY does not take.</summary>
    private static int? AkfsDirEntryFixedSize(FileInformationClass infoClass) => infoClass switch
    {
        FileInformationClass.FileDirectoryInformation => 64,
        FileInformationClass.FileFullDirectoryInformation => 68,
        FileInformationClass.FileIdFullDirectoryInformation => 80,
        FileInformationClass.FileBothDirectoryInformation => 94,
        FileInformationClass.FileIdBothDirectoryInformation => 104,
        FileInformationClass.FileNamesInformation => 12,
        _ => null,
    };

    /// <summary>One FILE_*_DIR_INFORMATION entry (NextEntryOffset left 0; the caller chains them).</summary>
    private static void AkfsWriteDirEntry(Span<byte> entry, FileInformationClass infoClass, uint fileIndex, uint fileId, AkfsInode inode, uint bytesPerCluster, byte[] name, int fullNameLength)
    {
        entry.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(entry[4..], fileIndex);
        if (infoClass == FileInformationClass.FileNamesInformation)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], (uint)fullNameLength);
            name.CopyTo(entry[12..]);
            return;
        }
        var clusters = 0L;
        foreach (var e in inode.Extents)
        {
            clusters += e.ClusterCount;
        }
        BinaryPrimitives.WriteInt64LittleEndian(entry[8..], inode.CreationTime);
        BinaryPrimitives.WriteInt64LittleEndian(entry[16..], inode.LastAccessTime);
        BinaryPrimitives.WriteInt64LittleEndian(entry[24..], inode.LastWriteTime);
        BinaryPrimitives.WriteInt64LittleEndian(entry[32..], inode.ChangeTime);
        BinaryPrimitives.WriteInt64LittleEndian(entry[40..], inode.FileSize);
        BinaryPrimitives.WriteInt64LittleEndian(entry[48..], clusters * bytesPerCluster);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[56..], AkfsReportedAttributes(inode.FileAttributes));
        BinaryPrimitives.WriteUInt32LittleEndian(entry[60..], (uint)fullNameLength);
        var nameAt = infoClass switch
        {
            FileInformationClass.FileDirectoryInformation => 64,
            FileInformationClass.FileFullDirectoryInformation => 68,
            FileInformationClass.FileIdFullDirectoryInformation => 80,
            FileInformationClass.FileBothDirectoryInformation => 94,
            _ => 104,
        };
        if (infoClass is FileInformationClass.FileIdFullDirectoryInformation)
        {
            BinaryPrimitives.WriteInt64LittleEndian(entry[72..], fileId);
        }
        if (infoClass is FileInformationClass.FileIdBothDirectoryInformation)
        {
            BinaryPrimitives.WriteInt64LittleEndian(entry[96..], fileId);
        }
        name.CopyTo(entry[nameAt..]);
    }
}
