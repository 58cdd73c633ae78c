/*++

Module Name:

    AkfsStrucSup.cs

Abstract:

    Structure support (strucsup, allocsup, dirsup's writing half): taking the VCB's resource,
    finding or making an FCB, writing an inode, the bitmap and a directory slot back to the volume,
    growing and shrinking a file's allocation, adding and removing a directory entry, and deleting
    a file. akfs writes metadata through: each change reaches the volume before the request that
    made it completes, so what is on disk always matches what the VCB holds.

Environment:

    Kernel mode, PASSIVE_LEVEL; callers hold the VCB's resource around every change.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.FileSystem;

public static partial class Akfs
{
    /// <summary>FatAcquireExclusiveVcb: waits for the VCB's resource.</summary>
    internal static async ValueTask AkfsAcquireVcb(AkfsVcb vcb) =>
        await KeWaitForSingleObject(vcb.Resource, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);

    /// <summary>FatReleaseVcb.</summary>
    internal static void AkfsReleaseVcb(AkfsVcb vcb) => KeReleaseMutex(vcb.Resource, false);

    /// <summary>The FCB of the entry <paramref name="entry"/> of <paramref name="parent"/>: the open one, or a new one read from its inode.</summary>
    internal static AkfsFcb AkfsGetFcb(AkfsVcb vcb, AkfsFcb parent, AkfsDirEntry entry)
    {
        if (vcb.Fcbs.TryGetValue(entry.Inode, out var fcb))
        {
            return fcb;
        }
        fcb = new AkfsFcb(vcb, entry.Inode, vcb.ReadInode(entry.Inode), parent, entry.Name);
        vcb.AddFcb(fcb);
        return fcb;
    }

    /// <summary>Writes <paramref name="fcb"/>'s inode to the table and its sector to the volume.</summary>
    internal static ValueTask<NtStatus> AkfsWriteInode(AkfsFcb fcb)
    {
        var vcb = fcb.Vcb;
        vcb.WriteInode(fcb.Inode, fcb.ToInode());
        return AkfsWriteInodeSector(vcb, fcb.Inode);
    }

    private static ValueTask<NtStatus> AkfsWriteInodeSector(AkfsVcb vcb, uint inode)
    {
        var offset = vcb.InodeSectorOffset(inode);
        var within = (int)(offset - vcb.Superblock.ClusterOffset(vcb.Superblock.InodeTableCluster));
        return AkfsVolumeIo(vcb.TargetDevice, IrpMajorFunction.Write, offset, vcb.InodeTable.AsSpan(within, (int)SectorSize).ToArray());
    }

    /// <summary>Writes the bitmap sectors that hold <paramref name="clusters"/>' bits.</summary>
    internal static async ValueTask<NtStatus> AkfsWriteBitmap(AkfsVcb vcb, List<uint> clusters)
    {
        var bitmapStart = vcb.Superblock.ClusterOffset(vcb.Superblock.BitmapCluster);
        long last = -1;
        foreach (var offset in clusters.Select(vcb.BitmapSectorOffset).Order())
        {
            if (offset == last)
            {
                continue;
            }
            last = offset;
            var status = await AkfsVolumeIo(vcb.TargetDevice, IrpMajorFunction.Write, offset, vcb.Bitmap.AsSpan((int)(offset - bitmapStart), (int)SectorSize).ToArray());
            if (!status.IsSuccess())
            {
                return status;
            }
        }
        return NtStatus.Success;
    }

    /// <summary>
    /// Makes the allocation of <paramref name="fcb"/> hold <paramref name="size"/> bytes: grows it
    /// (STATUS_DISK_FULL when the volume or the inode's nine extents run out) or frees the clusters past it.
    /// The inode is written by the caller.
    /// </summary>
    internal static async ValueTask<NtStatus> AkfsSetAllocation(AkfsFcb fcb, long size)
    {
        var vcb = fcb.Vcb;
        var cluster = (long)vcb.Superblock.BytesPerCluster;
        var want = (size + cluster - 1) / cluster;
        var have = fcb.ClusterCount;
        var changed = new List<uint>();
        if (want > have)
        {
            var grown = vcb.AllocateClusters(fcb.Extents, (uint)(want - have), changed);
            if (grown is null)
            {
                return NtStatus.DiskFull;
            }
            fcb.Extents = grown;
        }
        else if (want < have)
        {
            fcb.Extents = vcb.TruncateExtents(fcb.Extents, (uint)want, changed);
        }
        return changed.Count == 0 ? NtStatus.Success : await AkfsWriteBitmap(vcb, changed);
    }

    /// <summary>Writes slot <paramref name="slot"/> of <paramref name="dcb"/> back, growing the directory file when the slot is new.</summary>
    internal static async ValueTask<NtStatus> AkfsWriteDirectorySlot(AkfsFcb dcb, int slot)
    {
        var entries = dcb.Entries!;
        var size = (long)entries.Count * AkfsFormatConstants.DirEntrySize;
        if (size > dcb.FileSize)
        {
            if (size > dcb.AllocationSize)
            {
                var status = await AkfsSetAllocation(dcb, size);
                if (!status.IsSuccess())
                {
                    return status;
                }
            }
            dcb.FileSize = size;
            var written = await AkfsWriteInode(dcb);
            if (!written.IsSuccess())
            {
                return written;
            }
        }
        var (fileOffset, sector) = AkfsDirectory.SectorOf(entries, slot);
        var (at, _) = dcb.Map(fileOffset);
        return await AkfsVolumeIo(dcb.Vcb.TargetDevice, IrpMajorFunction.Write, at, sector);
    }

    /// <summary>Adds <paramref name="name"/> → <paramref name="inode"/> to <paramref name="dcb"/> and writes it back; undone when the write fails.</summary>
    internal static async ValueTask<NtStatus> AkfsAddEntry(AkfsFcb dcb, string name, uint inode)
    {
        var entries = dcb.Entries!;
        var count = entries.Count;
        var slot = AkfsDirectory.Add(entries, new AkfsDirEntry(inode, name));
        var status = await AkfsWriteDirectorySlot(dcb, slot);
        if (!status.IsSuccess())
        {
            if (entries.Count > count)
            {
                entries.RemoveAt(slot);
            }
            else
            {
                entries[slot] = default;
            }
        }
        return status;
    }

    /// <summary>Clears the entry of <paramref name="name"/> in <paramref name="dcb"/> and writes its slot back.</summary>
    internal static ValueTask<NtStatus> AkfsRemoveEntry(AkfsFcb dcb, string name)
    {
        var slot = AkfsDirectory.Find(dcb.Entries!, name);
        if (slot < 0)
        {
            return ValueTask.FromResult(NtStatus.ObjectNameNotFound);
        }
        dcb.Entries![slot] = default;
        return AkfsWriteDirectorySlot(dcb, slot);
    }

    /// <summary>A new inode for a file or directory in <paramref name="parent"/>, written to the volume, and its FCB.</summary>
    internal static async ValueTask<(NtStatus Status, AkfsFcb? Fcb)> AkfsCreateInode(AkfsFcb parent, string name, bool directory, uint attributes)
    {
        var vcb = parent.Vcb;
        var inode = vcb.FindFreeInode();
        if (inode == 0)
        {
            return (NtStatus.DiskFull, null);
        }
        var now = KeQuerySystemTime();
        var value = new AkfsInode
        {
            Flags = (ushort)(AkfsFormatConstants.InodeInUse | (directory ? AkfsFormatConstants.InodeDirectory : 0)),
            FileAttributes = directory ? AkfsFileAttributes.Directory : (attributes & ~AkfsFileAttributes.Normal & ~AkfsFileAttributes.Directory) | AkfsFileAttributes.Archive,
            CreationTime = now,
            LastAccessTime = now,
            LastWriteTime = now,
            ChangeTime = now,
            ParentInode = parent.Inode,
        };
        var fcb = new AkfsFcb(vcb, inode, value, parent, name);
        if (directory)
        {
            fcb.Entries = [];
        }
        var status = await AkfsWriteInode(fcb);
        if (!status.IsSuccess())
        {
            vcb.WriteInode(inode, new AkfsInode());
            return (status, null);
        }
        status = await AkfsAddEntry(parent, name, inode);
        if (!status.IsSuccess())
        {
            vcb.WriteInode(inode, new AkfsInode());
            await AkfsWriteInodeSector(vcb, inode);
            return (status, null);
        }
        vcb.AddFcb(fcb);
        return (NtStatus.Success, fcb);
    }

    /// <summary>
    /// Deletes <paramref name="fcb"/>'s file: its entry in its parent, its clusters, its inode. The
    /// FCB stays in the table until its last close (an open file object may still name it).
    /// </summary>
    internal static async ValueTask<NtStatus> AkfsDeleteFile(AkfsFcb fcb)
    {
        var vcb = fcb.Vcb;
        var status = await AkfsRemoveEntry(fcb.Parent!, fcb.Name);
        if (!status.IsSuccess())
        {
            return status;
        }
        var changed = new List<uint>();
        vcb.FreeExtents(fcb.Extents, changed);
        fcb.Extents = [];
        fcb.FileSize = 0;
        await AkfsWriteBitmap(vcb, changed);
        vcb.WriteInode(fcb.Inode, new AkfsInode());
        fcb.Deleted = true;
        vcb.RemoveFcb(fcb);
        return await AkfsWriteInodeSector(vcb, fcb.Inode);
    }
}
