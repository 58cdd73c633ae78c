/*++

Module Name:

    AkfsFcb.cs

Abstract:

    The file control block (FCB; for a directory the DCB): one per open file or directory, shared
    by every file object that opens it (FileObject->FsContext). It is an FSRTL_COMMON_FCB_HEADER
    (AllocationSize, FileSize, ValidDataLength, IsFastIoPossible, the resources the cache manager and
    FsRtlCopyRead/Write read) and holds the inode's state in
    memory (size, extents, attributes, times), the open and cleanup counts, the share access of
    its opens, delete-pending, and for a directory its entries (loaded at first use, written back a
    sector at a time). Mapping a file offset to a volume offset is Map.

Environment:

    Kernel mode. Changes are made under the VCB's resource; Map reads an extents array that is
    replaced, never changed in place, so reads need no lock.

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.FileSystem;

/// <summary>A file control block: the in-memory state of one file or directory.</summary>
public sealed class AkfsFcb : FsRtlCommonFcbHeader
{
    private AkfsExtent[] _extents;

    internal AkfsFcb(AkfsVcb vcb, uint inode, AkfsInode value, AkfsFcb? parent, string name)
    {
        Vcb = vcb;
        Inode = inode;
        Parent = parent;
        Name = name;
        IsDirectory = value.IsDirectory;
        FileSize = value.FileSize;
        ValidDataLength = value.FileSize; // akfs keeps no valid data length on disk: what is in the file was written
        NodeTypeCode = value.IsDirectory ? AkfsNodeTypeDcb : AkfsNodeTypeFcb;
        // Fast I/O is for files; FsRtlCopyRead still declines a file object that is not cached.
        IsFastIoPossible = value.IsDirectory ? FastIoPossible.FastIoIsNotPossible : FastIoPossible.FastIoIsPossible;
        FileAttributes = value.FileAttributes;
        CreationTime = value.CreationTime;
        LastAccessTime = value.LastAccessTime;
        LastWriteTime = value.LastWriteTime;
        ChangeTime = value.ChangeTime;
        _extents = [.. value.Extents];
        AllocationSize = ClusterCount * (long)vcb.Superblock.BytesPerCluster;
    }

    /// <summary>NodeTypeCode of a file's FCB (FastFAT's FAT_NTC_FCB).</summary>
    public const short AkfsNodeTypeFcb = 0x0502;

    /// <summary>NodeTypeCode of a directory's DCB (FastFAT's FAT_NTC_DCB).</summary>
    public const short AkfsNodeTypeDcb = 0x0503;

    /// <summary>The volume.</summary>
    public AkfsVcb Vcb { get; }

    /// <summary>The inode number (FILE_INTERNAL_INFORMATION's IndexNumber).</summary>
    public uint Inode { get; }

    /// <summary>The parent directory (null for the root).</summary>
    public AkfsFcb? Parent { get; internal set; }

    /// <summary>The name in its parent (empty for the root).</summary>
    public string Name { get; internal set; }

    /// <summary>Whether this is a directory (a DCB).</summary>
    public bool IsDirectory { get; }

    /// <summary>FILE_ATTRIBUTE_*.</summary>
    public uint FileAttributes { get; internal set; }

    /// <summary>Creation time (100 ns units).</summary>
    public long CreationTime { get; internal set; }

    /// <summary>Last access.</summary>
    public long LastAccessTime { get; internal set; }

    /// <summary>Last write.</summary>
    public long LastWriteTime { get; internal set; }

    /// <summary>Last change.</summary>
    public long ChangeTime { get; internal set; }

    /// <summary>The extents (replaced whole when they change; AllocationSize follows).</summary>
    internal AkfsExtent[] Extents
    {
        get => Volatile.Read(ref _extents);
        set
        {
            Volatile.Write(ref _extents, value);
            AllocationSize = ClusterCount * (long)Vcb.Superblock.BytesPerCluster;
        }
    }

    /// <summary>The clusters of all extents.</summary>
    internal long ClusterCount
    {
        get
        {
            long n = 0;
            foreach (var e in Extents)
            {
                n += e.ClusterCount;
            }
            return n;
        }
    }

    /// <summary>SHARE_ACCESS of the file's opens (IoCheckShareAccess / IoSetShareAccess / IoRemoveShareAccess).</summary>
    public ShareAccess ShareAccess { get; } = new();

    /// <summary>SECTION_OBJECT_POINTERS of the file's stream: every file object of the file points here (the cache manager's shared cache map hangs on it).</summary>
    public SectionObjectPointers SectionObjectPointers { get; } = new();

    /// <summary>File objects that reference the FCB (IRP_MJ_CLOSE owed).</summary>
    internal int OpenCount;

    /// <summary>File objects whose IRP_MJ_CLEANUP has not come yet (handles open).</summary>
    internal int UncleanCount;

    /// <summary>FCB_STATE_DELETE_ON_CLOSE: the file goes when its last handle closes.</summary>
    public bool DeletePending { get; internal set; }

    /// <summary>The file was deleted (its inode and clusters are free); the FCB lives on until its last close.</summary>
    public bool Deleted { get; internal set; }

    /// <summary>A directory's entries, slot by slot (free slots have inode 0); null until loaded.</summary>
    internal List<AkfsDirEntry>? Entries { get; set; }

    /// <summary>The full path from the root (<c>\dir\file</c>).</summary>
    public string FullName => Parent is null ? "\\" : (Parent.Parent is null ? "\\" : Parent.FullName + "\\") + Name;

    /// <summary>The inode as it should be written back.</summary>
    internal AkfsInode ToInode() => new()
    {
        Flags = (ushort)(AkfsFormatConstants.InodeInUse | (IsDirectory ? AkfsFormatConstants.InodeDirectory : 0)),
        FileAttributes = FileAttributes,
        FileSize = FileSize,
        CreationTime = CreationTime,
        LastAccessTime = LastAccessTime,
        LastWriteTime = LastWriteTime,
        ChangeTime = ChangeTime,
        ParentInode = Parent?.Inode ?? AkfsFormatConstants.RootInode,
        Extents = Extents,
    };

    /// <summary>
    /// Maps <paramref name="fileOffset"/> to the volume: the volume offset and how many bytes from
    /// there lie in the same extent (the run), or (-1, 0) beyond the allocation.
    /// </summary>
    /// <param name="fileOffset">A byte offset in the file.</param>
    /// <returns>The volume offset and the run's length.</returns>
    public (long VolumeOffset, long Run) Map(long fileOffset)
    {
        var cluster = (long)Vcb.Superblock.BytesPerCluster;
        var start = 0L;
        foreach (var extent in Extents)
        {
            var length = extent.ClusterCount * cluster;
            if (fileOffset < start + length)
            {
                var within = fileOffset - start;
                return ((extent.StartCluster * cluster) + within, length - within);
            }
            start += length;
        }
        return (-1, 0);
    }
}
