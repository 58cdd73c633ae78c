using ActorKernel.Actors;
using ActorKernel.Drivers.FileSystem;
using ActorKernel.Drivers.FileSystem.Format;

namespace ActorKernel.Conformance.Tests.Stacks.FileSystem;

/// <summary>
/// akfs's on-disk format and its in-memory halves, without a machine: the layout format picks, the
/// superblock's recognition rules, inodes and directory entries round-tripping, cluster allocation
/// in extents, and the file-to-volume mapping (docs/stacks-storage.md, "akfs on disk").
/// </summary>
[Trait("Area", "Stacks")]
public sealed class AkfsOnDiskTests
{
    private const uint Cluster = 64 * 1024;

    [Fact]
    public void Format_puts_the_superblock_in_cluster_0_then_the_bitmap_then_the_inode_table()
    {
        var superblock = AkfsFormat.Layout(8 << 20, Cluster, "VOL", 7);

        Assert.Equal(128u, superblock.TotalClusters);
        Assert.Equal(1u, superblock.BitmapCluster);
        Assert.Equal(1u, superblock.BitmapClusters);
        Assert.Equal(2u, superblock.InodeTableCluster);
        Assert.Equal(2u, superblock.InodeTableClusters); // one inode per 8 KiB: 1024 inodes of 128 bytes
        Assert.Equal(1024u, superblock.InodeCount);
        Assert.Equal(4u, superblock.FirstDataCluster);
        var image = AkfsFormat.Image(superblock, 1234);
        Assert.Equal([0L, Cluster, 2L * Cluster], image.Select(w => w.Offset));
        Assert.All(image, w => Assert.Equal(0, w.Data.Length % AkfsFormatConstants.SectorSize));
        Assert.Equal(0b1111, image[1].Data[0]); // the four metadata clusters are in use, nothing else
        Assert.All(image[1].Data.Skip(1), b => Assert.Equal(0, b));
        var root = AkfsInode.ReadFrom(image[2].Data.AsSpan((int)AkfsFormatConstants.RootInode * AkfsFormatConstants.InodeSize, AkfsFormatConstants.InodeSize));
        Assert.True(root.InUse && root.IsDirectory);
        Assert.Equal(0, root.FileSize);
        Assert.Equal(1234, root.CreationTime);
    }

    [Fact]
    public void A_superblock_reads_back_and_a_sector_without_the_signature_is_not_akfs()
    {
        var superblock = AkfsFormat.Layout(4 << 20, Cluster, "LABEL", 0xCAFE);
        var sector = new byte[512];
        superblock.WriteTo(sector);

        Assert.Equal(superblock, AkfsSuperblock.TryRead(sector));
        Assert.Null(AkfsSuperblock.TryRead(new byte[512]));
        var wrongVersion = (byte[])sector.Clone();
        wrongVersion[8] = 2;
        Assert.Null(AkfsSuperblock.TryRead(wrongVersion));
        var noEndMark = (byte[])sector.Clone();
        noEndMark[511] = 0;
        Assert.Null(AkfsSuperblock.TryRead(noEndMark));
        var tooManyClusters = (byte[])sector.Clone();
        tooManyClusters[0x14] = 0xFF;
        tooManyClusters[0x15] = 0xFF;
        Assert.Null(AkfsSuperblock.TryRead(tooManyClusters)); // more clusters than the volume holds
    }

    [Fact]
    public void A_cluster_size_that_is_not_whole_sectors_or_a_volume_too_small_is_refused()
    {
        Assert.Throws<ArgumentException>(() => AkfsFormat.Layout(8 << 20, 1000, "", 0));
        Assert.Throws<ArgumentException>(() => AkfsFormat.Layout(3 * Cluster, Cluster, "", 0));
    }

    [Fact]
    public void Inodes_with_nine_extents_and_directory_entries_round_trip()
    {
        var inode = new AkfsInode
        {
            Flags = AkfsFormatConstants.InodeInUse,
            FileAttributes = 0x20,
            FileSize = 123_456,
            CreationTime = 1,
            LastAccessTime = 2,
            LastWriteTime = 3,
            ChangeTime = 4,
            ParentInode = 1,
            Extents = [.. Enumerable.Range(0, 9).Select(i => new AkfsExtent((uint)(10 * i), (uint)i + 1))],
        };
        var slot = new byte[128];
        inode.WriteTo(slot);
        var back = AkfsInode.ReadFrom(slot);
        Assert.Equal(inode.Extents, back.Extents);
        Assert.Equal(inode with { Extents = back.Extents }, back);
        Assert.Throws<InvalidOperationException>(() => (inode with { Extents = [.. inode.Extents, new AkfsExtent(99, 1)] }).WriteTo(slot));

        var entry = new AkfsDirEntry(42, new string('n', AkfsFormatConstants.MaxNameLength));
        entry.WriteTo(slot);
        Assert.Equal(entry, AkfsDirEntry.ReadFrom(slot));
        default(AkfsDirEntry).WriteTo(slot);
        Assert.Equal(0u, AkfsDirEntry.ReadFrom(slot).Inode);
    }

    [Fact]
    public void Directory_entries_are_found_without_regard_to_case_and_a_freed_slot_is_reused()
    {
        List<AkfsDirEntry> entries = [];
        Assert.Equal(0, AkfsDirectory.Add(entries, new AkfsDirEntry(5, "Alpha.txt")));
        Assert.Equal(1, AkfsDirectory.Add(entries, new AkfsDirEntry(6, "beta")));
        Assert.Equal(0, AkfsDirectory.Find(entries, "ALPHA.TXT"));
        entries[0] = default;
        Assert.Equal(-1, AkfsDirectory.Find(entries, "alpha.txt"));
        Assert.Equal(0, AkfsDirectory.Add(entries, new AkfsDirEntry(7, "gamma")));
        Assert.False(AkfsDirectory.IsEmpty(entries));
        var (offset, sector) = AkfsDirectory.SectorOf(entries, 1);
        Assert.Equal(0, offset);
        Assert.Equal(entries, AkfsDirectory.Parse(sector, 2 * AkfsFormatConstants.DirEntrySize));
        Assert.False(AkfsDirectory.IsValidName("a*b"));
        Assert.False(AkfsDirectory.IsValidName(".."));
        Assert.False(AkfsDirectory.IsValidName(new string('x', 61)));
        Assert.True(AkfsDirectory.IsValidName("report 2026.txt"));
    }

    [Fact]
    public void Allocation_extends_the_last_extent_then_takes_first_fit_runs_and_maps_file_offsets_through_them()
    {
        var superblock = AkfsFormat.Layout(4 << 20, Cluster, "", 0); // 64 clusters, data from cluster 3
        var image = AkfsFormat.Image(superblock, 0);
        var vcb = new AkfsVcb(superblock, image[1].Data, image[2].Data, null!);
        var changed = new List<uint>();
        var first = vcb.AllocateClusters([], 2, changed)!;
        Assert.Equal([new AkfsExtent(superblock.FirstDataCluster, 2)], first);
        var blocker = vcb.AllocateClusters([], 1, changed)!; // another file takes the next cluster
        var grown = vcb.AllocateClusters(first, 2, changed)!;
        Assert.Equal([new AkfsExtent(superblock.FirstDataCluster, 2), new AkfsExtent(superblock.FirstDataCluster + 3, 2)], grown);
        var longer = vcb.AllocateClusters(grown, 1, changed)!;
        Assert.Equal(new AkfsExtent(superblock.FirstDataCluster + 3, 3), longer[^1]); // the clusters after the last extent were free
        Assert.Equal(superblock.TotalClusters - superblock.FirstDataCluster - 6, vcb.FreeClusters);

        var fcb = new AkfsFcb(vcb, 2, new AkfsInode { Flags = AkfsFormatConstants.InodeInUse, Extents = longer }, null, "f");
        Assert.Equal(((long)superblock.FirstDataCluster * Cluster, 2L * Cluster), fcb.Map(0));
        Assert.Equal(((long)(superblock.FirstDataCluster + 3) * Cluster + 4096, (3L * Cluster) - 4096), fcb.Map((2L * Cluster) + 4096));
        Assert.Equal((-1L, 0L), fcb.Map(5L * Cluster));

        var kept = vcb.TruncateExtents(longer, 3, changed);
        Assert.Equal([new AkfsExtent(superblock.FirstDataCluster, 2), new AkfsExtent(superblock.FirstDataCluster + 3, 1)], kept);
        Assert.False(vcb.IsAllocated(superblock.FirstDataCluster + 4));
        _ = blocker;
    }

    [Fact]
    public void Allocation_that_would_need_a_tenth_extent_or_more_clusters_than_are_free_allocates_nothing()
    {
        var superblock = AkfsFormat.Layout(4 << 20, Cluster, "", 0);
        var image = AkfsFormat.Image(superblock, 0);
        var vcb = new AkfsVcb(superblock, image[1].Data, image[2].Data, null!);
        var changed = new List<uint>();
        // Every other cluster taken: a file can only get one-cluster runs.
        AkfsExtent[] file = [];
        for (var i = 0; i < 9; i++)
        {
            file = vcb.AllocateClusters(file, 1, changed)!;
            vcb.AllocateClusters([], 1, changed);
        }
        Assert.Equal(9, file.Length);
        var free = vcb.FreeClusters;
        Assert.Null(vcb.AllocateClusters(file, 1, changed));
        Assert.Equal(free, vcb.FreeClusters);
        Assert.Null(vcb.AllocateClusters([], (uint)free + 1, changed));
        Assert.Equal(free, vcb.FreeClusters);
    }
}
