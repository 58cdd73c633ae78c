/*++

Module Name:

    AkfsVcb.cs

Abstract:

    The volume control block (VCB) of a mounted akfs volume, the device extension of its volume
    device object (VDO): the superblock, the allocation bitmap and the inode table held in memory
    (read at mount, written back a sector at a time whenever they change: akfs writes its metadata
    through, so a crash never finds a bitmap newer than its inodes), the FCB table, the device below
    (the volume's device object) and the counters tests read.

    Allocation (allocsup): first fit of a run of free clusters, extending a file's last extent when
    the clusters after it are free; a file holds at most nine extents (STATUS_DISK_FULL beyond).

Environment:

    Kernel mode. Callers hold Resource (a KMUTEX, at PASSIVE_LEVEL) while they change the bitmap,
    the inode table or the FCB table.

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.FileSystem;

/// <summary>The volume control block: a mounted volume's state (the VDO's device extension).</summary>
public sealed class AkfsVcb
{
    private readonly Dictionary<uint, AkfsFcb> _fcbs = [];

    internal AkfsVcb(AkfsSuperblock superblock, byte[] bitmap, byte[] inodeTable, DeviceObject targetDevice)
    {
        Superblock = superblock;
        Bitmap = bitmap;
        InodeTable = inodeTable;
        TargetDevice = targetDevice;
        Wdm.KeInitializeMutex(Resource, 0);
        for (uint c = 0; c < superblock.TotalClusters; c++)
        {
            FreeClusters += IsAllocated(c) ? 0 : 1;
        }
    }

    /// <summary>The superblock read at mount.</summary>
    public AkfsSuperblock Superblock { get; }

    /// <summary>The allocation bitmap (all its clusters).</summary>
    internal byte[] Bitmap { get; }

    /// <summary>The inode table (all its clusters).</summary>
    internal byte[] InodeTable { get; }

    /// <summary>The volume's device (the top of its stack): every read and write of the volume goes there.</summary>
    public DeviceObject TargetDevice { get; }

    /// <summary>The VPB the volume is mounted through (set at mount).</summary>
    public Vpb? Vpb { get; internal set; }

    /// <summary>The volume device object (set at mount).</summary>
    public DeviceObject? VolumeDeviceObject { get; internal set; }

    /// <summary>Vcb->Resource: held while metadata changes.</summary>
    internal KMutex Resource { get; } = new();

    /// <summary>The root directory's FCB (the DCB), set at mount.</summary>
    internal AkfsFcb RootDcb { get; set; } = null!;

    /// <summary>Free clusters.</summary>
    public long FreeClusters { get; private set; }

    /// <summary>Reads the fast I/O path served from the cache (FastIoRead returned TRUE).</summary>
    public long FastIoReads;

    /// <summary>Times the fast I/O path declined (FastIoRead returned FALSE, so the I/O manager built an IRP).</summary>
    public long FastIoDeclined;

    /// <summary>IRP_MJ_READ requests from programs the file system served (the fast path declined or not offered).</summary>
    public long IrpReads;

    /// <summary>Paging reads (IRP_PAGING_IO: the cache manager filling its pages).</summary>
    public long PagingReads;

    /// <summary>Non-cached (or paging) transfers the file system sent to the volume.</summary>
    public long NonCachedTransfers;

    /// <summary>The open FCBs, by inode.</summary>
    internal IReadOnlyDictionary<uint, AkfsFcb> Fcbs => _fcbs;

    internal void AddFcb(AkfsFcb fcb) => _fcbs[fcb.Inode] = fcb;

    internal void RemoveFcb(AkfsFcb fcb)
    {
        if (_fcbs.TryGetValue(fcb.Inode, out var present) && ReferenceEquals(present, fcb))
        {
            _fcbs.Remove(fcb.Inode); // a deleted file's inode may already name a new file
        }
    }

    internal bool IsAllocated(uint cluster) => (Bitmap[cluster / 8] & (1 << (int)(cluster % 8))) != 0;

    private void SetAllocated(uint cluster, bool used)
    {
        if (used)
        {
            Bitmap[cluster / 8] |= (byte)(1 << (int)(cluster % 8));
        }
        else
        {
            Bitmap[cluster / 8] &= (byte)~(1 << (int)(cluster % 8));
        }
        FreeClusters += used ? -1 : 1;
    }

    /// <summary>The volume offset of the bitmap sector that holds <paramref name="cluster"/>'s bit.</summary>
    internal long BitmapSectorOffset(uint cluster) =>
        Superblock.ClusterOffset(Superblock.BitmapCluster) + (cluster / 8 / AkfsFormatConstants.SectorSize * AkfsFormatConstants.SectorSize);

    /// <summary>The volume offset of the inode-table sector that holds <paramref name="inode"/>.</summary>
    internal long InodeSectorOffset(uint inode) =>
        Superblock.ClusterOffset(Superblock.InodeTableCluster) + ((long)inode * AkfsFormatConstants.InodeSize / AkfsFormatConstants.SectorSize * AkfsFormatConstants.SectorSize);

    /// <summary>The inode <paramref name="inode"/> as the table holds it.</summary>
    internal AkfsInode ReadInode(uint inode) => AkfsInode.ReadFrom(InodeTable.AsSpan((int)inode * AkfsFormatConstants.InodeSize, AkfsFormatConstants.InodeSize));

    /// <summary>Puts <paramref name="value"/> in the table (the caller writes its sector back).</summary>
    internal void WriteInode(uint inode, AkfsInode value) => value.WriteTo(InodeTable.AsSpan((int)inode * AkfsFormatConstants.InodeSize, AkfsFormatConstants.InodeSize));

    /// <summary>A free inode (the lowest), or 0 when the table is full.</summary>
    internal uint FindFreeInode()
    {
        for (var i = AkfsFormatConstants.RootInode + 1; i < Superblock.InodeCount; i++)
        {
            if ((InodeTable[(int)i * AkfsFormatConstants.InodeSize] & AkfsFormatConstants.InodeInUse) == 0)
            {
                return i;
            }
        }
        return 0;
    }

    /// <summary>
    /// Grows <paramref name="extents"/> by <paramref name="clusters"/> clusters: the last extent first
    /// (if the clusters after it are free), then first-fit runs. Marks them allocated.
    /// </summary>
    /// <param name="extents">The file's extents.</param>
    /// <param name="clusters">Clusters to add.</param>
    /// <param name="changedClusters">Receives the clusters whose bitmap bits changed (their sectors are written back).</param>
    /// <returns>The new extents, or null (nothing allocated) when the volume or the inode's extent slots run out.</returns>
    internal AkfsExtent[]? AllocateClusters(IReadOnlyList<AkfsExtent> extents, uint clusters, List<uint> changedClusters)
    {
        if (clusters > FreeClusters)
        {
            return null;
        }
        var result = new List<AkfsExtent>(extents);
        var taken = new List<uint>();
        var left = clusters;
        if (result.Count > 0)
        {
            var last = result[^1];
            var next = last.StartCluster + last.ClusterCount;
            var grown = 0u;
            while (left > 0 && next + grown < Superblock.TotalClusters && !IsAllocated(next + grown))
            {
                taken.Add(next + grown);
                SetAllocated(next + grown, true);
                grown++;
                left--;
            }
            result[^1] = last with { ClusterCount = last.ClusterCount + grown };
        }
        var cursor = Superblock.FirstDataCluster;
        while (left > 0 && cursor < Superblock.TotalClusters)
        {
            if (IsAllocated(cursor))
            {
                cursor++;
                continue;
            }
            var start = cursor;
            var run = 0u;
            while (run < left && cursor < Superblock.TotalClusters && !IsAllocated(cursor))
            {
                taken.Add(cursor);
                SetAllocated(cursor, true);
                cursor++;
                run++;
            }
            result.Add(new AkfsExtent(start, run));
            left -= run;
        }
        if (left > 0 || result.Count > AkfsFormatConstants.MaxExtents)
        {
            foreach (var c in taken)
            {
                SetAllocated(c, false);
            }
            return null;
        }
        changedClusters.AddRange(taken);
        return [.. result];
    }

    /// <summary>Frees every cluster of <paramref name="extents"/>.</summary>
    /// <param name="extents">The extents.</param>
    /// <param name="changedClusters">Receives the clusters freed.</param>
    internal void FreeExtents(IReadOnlyList<AkfsExtent> extents, List<uint> changedClusters)
    {
        foreach (var extent in extents)
        {
            for (var c = extent.StartCluster; c < extent.StartCluster + extent.ClusterCount; c++)
            {
                SetAllocated(c, false);
                changedClusters.Add(c);
            }
        }
    }

    /// <summary>Keeps the clusters that hold the first <paramref name="clusters"/> clusters of the file; frees the rest.</summary>
    internal AkfsExtent[] TruncateExtents(IReadOnlyList<AkfsExtent> extents, uint clusters, List<uint> changedClusters)
    {
        var kept = new List<AkfsExtent>();
        var freed = new List<AkfsExtent>();
        var left = clusters;
        foreach (var extent in extents)
        {
            if (left >= extent.ClusterCount)
            {
                kept.Add(extent);
                left -= extent.ClusterCount;
            }
            else
            {
                if (left > 0)
                {
                    kept.Add(extent with { ClusterCount = left });
                }
                freed.Add(new AkfsExtent(extent.StartCluster + left, extent.ClusterCount - left));
                left = 0;
            }
        }
        FreeExtents(freed, changedClusters);
        return [.. kept];
    }
}
