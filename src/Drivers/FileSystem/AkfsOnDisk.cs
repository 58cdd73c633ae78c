/*++

Module Name:

    AkfsOnDisk.cs

Abstract:

    The on-disk format of akfs, the small disk file system (docs/stacks-storage.md, "akfs on disk").
    All integers little-endian; a volume is a run of clusters, the cluster being the allocation unit;
    format picks the cluster size equal to the stripe unit of the volume, so a run of a file never
    straddles two members and a read inside one cluster is one child IRP on one disk.

        cluster 0            sector 0: the superblock (AkfsSuperblock); the rest of the cluster is zero
        BitmapCluster..      the allocation bitmap: bit c (byte c / 8, bit c % 8) set = cluster c in use
        InodeTableCluster..  the inode table: InodeCount inodes of 128 bytes (AkfsInode); inode 0 is never
                             used ("no inode"), inode 1 is the root directory
        FirstDataCluster..   file and directory data, in extents (runs of whole clusters)

    A directory is a file of 128-byte entries (AkfsDirEntry): an inode number (0 = a free slot) and a
    name of up to 60 UTF-16 characters. "." and ".." are not stored (the parent is in the inode).
    A file's data is described by up to nine extents in its inode (start cluster, cluster count), in
    file order; its allocation is the sum of their clusters, its size (EndOfFile) at most that.

    Superblock (sector 0):
        0x00  8  signature "AKFSVOL1"         0x28  4  InodeCount
        0x08  4  version (1)                  0x2C  4  InodeSize (128)
        0x0C  4  BytesPerSector (512)         0x30  4  RootInode (1)
        0x10  4  BytesPerCluster              0x34  4  DirEntrySize (128)
        0x14  4  TotalClusters                0x38  4  FirstDataCluster
        0x18  4  BitmapCluster                0x3C  4  SerialNumber
        0x1C  4  BitmapClusters               0x40  8  VolumeLength (bytes)
        0x20  4  InodeTableCluster            0x48  2  label length (bytes), 0x4A 32 bytes UTF-16 label
        0x24  4  InodeTableClusters           0x1FE 2  0x55 0xAA

    Inode (128 bytes):
        0x00  2  flags (1 in use, 2 directory) 0x20  8  LastWriteTime (100 ns units)
        0x02  2  extent count (0..9)          0x28  8  ChangeTime
        0x04  4  FILE_ATTRIBUTE_*             0x30  4  parent directory's inode
        0x08  8  FileSize (EndOfFile)         0x34  4  reserved
        0x10  8  CreationTime                 0x38 72  nine extents: 4 start cluster, 4 cluster count
        0x18  8  LastAccessTime

Environment:

    Kernel mode and user mode (the format utility builds the same structures).

--*/

using System.Buffers.Binary;
using System.Text;

namespace ActorKernel.Drivers.FileSystem;

/// <summary>The constants of the akfs on-disk format.</summary>
public static class AkfsFormatConstants
{
    /// <summary>The superblock's signature, "AKFSVOL1" as a little-endian integer.</summary>
    public const ulong Signature = 0x314C4F5653464B41; // 'A','K','F','S','V','O','L','1'

    /// <summary>The format version.</summary>
    public const uint Version = 1;

    /// <summary>Bytes per sector.</summary>
    public const int SectorSize = 512;

    /// <summary>Bytes per inode.</summary>
    public const int InodeSize = 128;

    /// <summary>Bytes per directory entry.</summary>
    public const int DirEntrySize = 128;

    /// <summary>The root directory's inode.</summary>
    public const uint RootInode = 1;

    /// <summary>Extents an inode holds.</summary>
    public const int MaxExtents = 9;

    /// <summary>The longest name, in UTF-16 characters.</summary>
    public const int MaxNameLength = 60;

    /// <summary>Inode flag: in use.</summary>
    public const ushort InodeInUse = 1;

    /// <summary>Inode flag: a directory.</summary>
    public const ushort InodeDirectory = 2;
}

/// <summary>The superblock (sector 0 of the volume).</summary>
public sealed record AkfsSuperblock
{
    /// <summary>Bytes per cluster (the allocation unit; format makes it the stripe unit).</summary>
    public required uint BytesPerCluster { get; init; }

    /// <summary>Clusters on the volume.</summary>
    public required uint TotalClusters { get; init; }

    /// <summary>The bitmap's first cluster.</summary>
    public uint BitmapCluster { get; init; } = 1;

    /// <summary>The bitmap's clusters.</summary>
    public required uint BitmapClusters { get; init; }

    /// <summary>The inode table's first cluster.</summary>
    public required uint InodeTableCluster { get; init; }

    /// <summary>The inode table's clusters.</summary>
    public required uint InodeTableClusters { get; init; }

    /// <summary>Inodes in the table.</summary>
    public required uint InodeCount { get; init; }

    /// <summary>The first cluster after the metadata.</summary>
    public required uint FirstDataCluster { get; init; }

    /// <summary>The volume serial number (VPB.SerialNumber).</summary>
    public uint SerialNumber { get; init; }

    /// <summary>The volume's length in bytes.</summary>
    public required long VolumeLength { get; init; }

    /// <summary>The volume label (at most 16 characters).</summary>
    public string Label { get; init; } = "";

    /// <summary>The byte offset of <paramref name="cluster"/> on the volume.</summary>
    public long ClusterOffset(uint cluster) => (long)cluster * BytesPerCluster;

    /// <summary>Writes the superblock into a 512-byte sector.</summary>
    /// <param name="sector">The sector (at least 512 bytes).</param>
    public void WriteTo(Span<byte> sector)
    {
        sector[..AkfsFormatConstants.SectorSize].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(sector, AkfsFormatConstants.Signature);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[0x08..], AkfsFormatConstants.Version);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[0x0C..], AkfsFormatConstants.SectorSize);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[0x10..], BytesPerCluster);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[0x14..], TotalClusters);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[0x18..], BitmapCluster);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[0x1C..], BitmapClusters);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[0x20..], InodeTableCluster);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[0x24..], InodeTableClusters);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[0x28..], InodeCount);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[0x2C..], AkfsFormatConstants.InodeSize);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[0x30..], AkfsFormatConstants.RootInode);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[0x34..], AkfsFormatConstants.DirEntrySize);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[0x38..], FirstDataCluster);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[0x3C..], SerialNumber);
        BinaryPrimitives.WriteInt64LittleEndian(sector[0x40..], VolumeLength);
        var label = Label.Length > 16 ? Label[..16] : Label;
        var bytes = Encoding.Unicode.GetBytes(label);
        BinaryPrimitives.WriteUInt16LittleEndian(sector[0x48..], (ushort)bytes.Length);
        bytes.CopyTo(sector[0x4A..]);
        sector[0x1FE] = 0x55;
        sector[0x1FF] = 0xAA;
    }

    /// <summary>
    /// Reads a superblock: null unless the signature, version, sector, inode and entry sizes are
    /// akfs's and the geometry is consistent (what mount checks before it says the volume is its own).
    /// </summary>
    /// <param name="sector">Sector 0 of the volume.</param>
    /// <returns>The superblock, or null.</returns>
    public static AkfsSuperblock? TryRead(ReadOnlySpan<byte> sector)
    {
        if (sector.Length < AkfsFormatConstants.SectorSize
            || BinaryPrimitives.ReadUInt64LittleEndian(sector) != AkfsFormatConstants.Signature
            || BinaryPrimitives.ReadUInt32LittleEndian(sector[0x08..]) != AkfsFormatConstants.Version
            || BinaryPrimitives.ReadUInt32LittleEndian(sector[0x0C..]) != AkfsFormatConstants.SectorSize
            || BinaryPrimitives.ReadUInt32LittleEndian(sector[0x2C..]) != AkfsFormatConstants.InodeSize
            || BinaryPrimitives.ReadUInt32LittleEndian(sector[0x34..]) != AkfsFormatConstants.DirEntrySize
            || sector[0x1FE] != 0x55 || sector[0x1FF] != 0xAA)
        {
            return null;
        }
        var labelLength = Math.Min((int)BinaryPrimitives.ReadUInt16LittleEndian(sector[0x48..]), 32) & ~1;
        var block = new AkfsSuperblock
        {
            BytesPerCluster = BinaryPrimitives.ReadUInt32LittleEndian(sector[0x10..]),
            TotalClusters = BinaryPrimitives.ReadUInt32LittleEndian(sector[0x14..]),
            BitmapCluster = BinaryPrimitives.ReadUInt32LittleEndian(sector[0x18..]),
            BitmapClusters = BinaryPrimitives.ReadUInt32LittleEndian(sector[0x1C..]),
            InodeTableCluster = BinaryPrimitives.ReadUInt32LittleEndian(sector[0x20..]),
            InodeTableClusters = BinaryPrimitives.ReadUInt32LittleEndian(sector[0x24..]),
            InodeCount = BinaryPrimitives.ReadUInt32LittleEndian(sector[0x28..]),
            FirstDataCluster = BinaryPrimitives.ReadUInt32LittleEndian(sector[0x38..]),
            SerialNumber = BinaryPrimitives.ReadUInt32LittleEndian(sector[0x3C..]),
            VolumeLength = BinaryPrimitives.ReadInt64LittleEndian(sector[0x40..]),
            Label = Encoding.Unicode.GetString(sector.Slice(0x4A, labelLength)),
        };
        var consistent = block.BytesPerCluster >= AkfsFormatConstants.SectorSize && block.BytesPerCluster % AkfsFormatConstants.SectorSize == 0
            && block.TotalClusters > block.FirstDataCluster
            && (long)block.TotalClusters * block.BytesPerCluster <= block.VolumeLength
            && block.InodeCount >= 2
            && (long)block.InodeCount * AkfsFormatConstants.InodeSize <= (long)block.InodeTableClusters * block.BytesPerCluster
            && (long)block.BitmapClusters * block.BytesPerCluster * 8 >= block.TotalClusters;
        return consistent ? block : null;
    }
}

/// <summary>One extent: a run of whole clusters.</summary>
/// <param name="StartCluster">The run's first cluster.</param>
/// <param name="ClusterCount">Its clusters.</param>
public readonly record struct AkfsExtent(uint StartCluster, uint ClusterCount);

/// <summary>An inode as the table holds it.</summary>
public sealed record AkfsInode
{
    /// <summary>In use (<see cref="AkfsFormatConstants.InodeInUse"/>) and directory (<see cref="AkfsFormatConstants.InodeDirectory"/>) flags.</summary>
    public ushort Flags { get; init; }

    /// <summary>FILE_ATTRIBUTE_*.</summary>
    public uint FileAttributes { get; init; }

    /// <summary>EndOfFile.</summary>
    public long FileSize { get; init; }

    /// <summary>Times in 100 ns units.</summary>
    public long CreationTime { get; init; }

    /// <summary>Last access.</summary>
    public long LastAccessTime { get; init; }

    /// <summary>Last write.</summary>
    public long LastWriteTime { get; init; }

    /// <summary>Last change of the inode.</summary>
    public long ChangeTime { get; init; }

    /// <summary>The parent directory's inode.</summary>
    public uint ParentInode { get; init; }

    /// <summary>The extents, in file order.</summary>
    public IReadOnlyList<AkfsExtent> Extents { get; init; } = [];

    /// <summary>Whether the slot is in use.</summary>
    public bool InUse => (Flags & AkfsFormatConstants.InodeInUse) != 0;

    /// <summary>Whether it is a directory.</summary>
    public bool IsDirectory => (Flags & AkfsFormatConstants.InodeDirectory) != 0;

    /// <summary>Writes the inode into its 128 bytes.</summary>
    /// <param name="slot">The inode's slot in the table.</param>
    public void WriteTo(Span<byte> slot)
    {
        if (Extents.Count > AkfsFormatConstants.MaxExtents)
        {
            throw new InvalidOperationException("an inode holds at most nine extents");
        }
        slot[..AkfsFormatConstants.InodeSize].Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(slot, Flags);
        BinaryPrimitives.WriteUInt16LittleEndian(slot[0x02..], (ushort)Extents.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(slot[0x04..], FileAttributes);
        BinaryPrimitives.WriteInt64LittleEndian(slot[0x08..], FileSize);
        BinaryPrimitives.WriteInt64LittleEndian(slot[0x10..], CreationTime);
        BinaryPrimitives.WriteInt64LittleEndian(slot[0x18..], LastAccessTime);
        BinaryPrimitives.WriteInt64LittleEndian(slot[0x20..], LastWriteTime);
        BinaryPrimitives.WriteInt64LittleEndian(slot[0x28..], ChangeTime);
        BinaryPrimitives.WriteUInt32LittleEndian(slot[0x30..], ParentInode);
        for (var i = 0; i < Extents.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(slot[(0x38 + (8 * i))..], Extents[i].StartCluster);
            BinaryPrimitives.WriteUInt32LittleEndian(slot[(0x3C + (8 * i))..], Extents[i].ClusterCount);
        }
    }

    /// <summary>Reads an inode from its 128 bytes.</summary>
    /// <param name="slot">The slot.</param>
    /// <returns>The inode.</returns>
    public static AkfsInode ReadFrom(ReadOnlySpan<byte> slot)
    {
        var count = Math.Min((int)BinaryPrimitives.ReadUInt16LittleEndian(slot[0x02..]), AkfsFormatConstants.MaxExtents);
        var extents = new AkfsExtent[count];
        for (var i = 0; i < count; i++)
        {
            extents[i] = new AkfsExtent(BinaryPrimitives.ReadUInt32LittleEndian(slot[(0x38 + (8 * i))..]), BinaryPrimitives.ReadUInt32LittleEndian(slot[(0x3C + (8 * i))..]));
        }
        return new AkfsInode
        {
            Flags = BinaryPrimitives.ReadUInt16LittleEndian(slot),
            FileAttributes = BinaryPrimitives.ReadUInt32LittleEndian(slot[0x04..]),
            FileSize = BinaryPrimitives.ReadInt64LittleEndian(slot[0x08..]),
            CreationTime = BinaryPrimitives.ReadInt64LittleEndian(slot[0x10..]),
            LastAccessTime = BinaryPrimitives.ReadInt64LittleEndian(slot[0x18..]),
            LastWriteTime = BinaryPrimitives.ReadInt64LittleEndian(slot[0x20..]),
            ChangeTime = BinaryPrimitives.ReadInt64LittleEndian(slot[0x28..]),
            ParentInode = BinaryPrimitives.ReadUInt32LittleEndian(slot[0x30..]),
            Extents = extents,
        };
    }
}

/// <summary>A directory entry: a name and its inode (inode 0: a free slot).</summary>
/// <param name="Inode">The inode.</param>
/// <param name="Name">The name.</param>
public readonly record struct AkfsDirEntry(uint Inode, string Name)
{
    /// <summary>Writes the entry into its 128 bytes.</summary>
    /// <param name="slot">The slot.</param>
    public void WriteTo(Span<byte> slot)
    {
        slot[..AkfsFormatConstants.DirEntrySize].Clear();
        if (Inode == 0)
        {
            return;
        }
        var bytes = Encoding.Unicode.GetBytes(Name);
        BinaryPrimitives.WriteUInt32LittleEndian(slot, Inode);
        BinaryPrimitives.WriteUInt16LittleEndian(slot[0x04..], (ushort)bytes.Length);
        bytes.CopyTo(slot[0x08..]);
    }

    /// <summary>Reads an entry from its 128 bytes.</summary>
    /// <param name="slot">The slot.</param>
    /// <returns>The entry (Inode 0 for a free slot).</returns>
    public static AkfsDirEntry ReadFrom(ReadOnlySpan<byte> slot)
    {
        var inode = BinaryPrimitives.ReadUInt32LittleEndian(slot);
        if (inode == 0)
        {
            return default;
        }
        var length = Math.Min((int)BinaryPrimitives.ReadUInt16LittleEndian(slot[0x04..]), AkfsFormatConstants.MaxNameLength * 2) & ~1;
        return new AkfsDirEntry(inode, Encoding.Unicode.GetString(slot.Slice(0x08, length)));
    }
}
