/*++

Module Name:

    AkfsFormat.cs

Abstract:

    format for akfs, as format.com lays down a file system: a user-mode program opens the raw volume
    (\\.\StripeVolume0), asks its length (IOCTL_DISK_GET_LENGTH_INFO), and writes a fresh layout
    through it with WriteFile: the superblock cluster, the allocation bitmap (the metadata clusters
    in use) and the inode table with the root directory's inode (an empty directory). The volume
    must not be mounted (format.com locks and dismounts it first; akfs has no FSCTL_LOCK_VOLUME, so
    the caller formats before the first open of a path on the volume mounts it).

    Left out: FSCTL_LOCK_VOLUME / FSCTL_DISMOUNT_VOLUME, a quick/full choice (this is a quick
    format: data clusters are not written), bad-cluster scanning.

Environment:

    User mode (a program's thread). Layout() and Image() are pure and run anywhere.

--*/

using System.Buffers.Binary;
using ActorKernel.Actors;
using ActorKernel.Drivers.Storage;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Drivers.FileSystem.Format;

/// <summary>The akfs format utility (the file system's format.com).</summary>
public static class AkfsFormat
{
    /// <summary>
    /// The layout of a fresh volume of <paramref name="volumeLength"/> bytes in clusters of
    /// <paramref name="bytesPerCluster"/> (format /A:size): superblock in cluster 0, the bitmap from
    /// cluster 1, then the inode table (one inode per 8 KiB of volume, at least one cluster's worth).
    /// </summary>
    /// <param name="volumeLength">The volume's length in bytes.</param>
    /// <param name="bytesPerCluster">The allocation unit: a multiple of 512 (pick the stripe unit).</param>
    /// <param name="label">The volume label (at most 16 characters).</param>
    /// <param name="serialNumber">The volume serial number.</param>
    /// <returns>The superblock.</returns>
    /// <exception cref="ArgumentException">The cluster size is not whole sectors, or the volume holds no data cluster.</exception>
    public static AkfsSuperblock Layout(long volumeLength, uint bytesPerCluster, string label, uint serialNumber)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (bytesPerCluster < AkfsFormatConstants.SectorSize || bytesPerCluster % AkfsFormatConstants.SectorSize != 0)
        {
            throw new ArgumentException("the cluster size must be whole sectors", nameof(bytesPerCluster));
        }
        var total = (uint)Math.Min(volumeLength / bytesPerCluster, uint.MaxValue);
        var bitmapClusters = (uint)((((total + 7) / 8) + bytesPerCluster - 1) / bytesPerCluster);
        var inodes = Math.Max(volumeLength / 8192, bytesPerCluster / AkfsFormatConstants.InodeSize);
        var inodeClusters = (uint)(((inodes * AkfsFormatConstants.InodeSize) + bytesPerCluster - 1) / bytesPerCluster);
        var firstData = 1 + bitmapClusters + inodeClusters;
        if (total <= firstData)
        {
            throw new ArgumentException("the volume is too small for akfs at this cluster size", nameof(volumeLength));
        }
        return new AkfsSuperblock
        {
            BytesPerCluster = bytesPerCluster,
            TotalClusters = total,
            BitmapClusters = bitmapClusters,
            InodeTableCluster = 1 + bitmapClusters,
            InodeTableClusters = inodeClusters,
            InodeCount = (uint)Math.Min(inodeClusters * (long)bytesPerCluster / AkfsFormatConstants.InodeSize, uint.MaxValue),
            FirstDataCluster = firstData,
            SerialNumber = serialNumber,
            VolumeLength = volumeLength,
            Label = label,
        };
    }

    /// <summary>
    /// The writes that lay <paramref name="superblock"/> down: each metadata cluster in full, in
    /// volume order (cluster 0 with the superblock, the bitmap with the metadata clusters set, the
    /// inode table with the root directory in inode 1).
    /// </summary>
    /// <param name="superblock">The layout.</param>
    /// <param name="now">The creation time of the root directory (100 ns units).</param>
    /// <returns>(volume offset, bytes) pairs, each whole sectors.</returns>
    public static IReadOnlyList<(long Offset, byte[] Data)> Image(AkfsSuperblock superblock, long now)
    {
        ArgumentNullException.ThrowIfNull(superblock);
        var cluster = (int)superblock.BytesPerCluster;
        var boot = new byte[cluster];
        superblock.WriteTo(boot);
        var bitmap = new byte[superblock.BitmapClusters * cluster];
        for (var c = 0; c < superblock.FirstDataCluster; c++)
        {
            bitmap[c / 8] |= (byte)(1 << (c % 8));
        }
        var table = new byte[superblock.InodeTableClusters * cluster];
        new AkfsInode
        {
            Flags = AkfsFormatConstants.InodeInUse | AkfsFormatConstants.InodeDirectory,
            FileAttributes = AkfsFileAttributes.Directory,
            CreationTime = now,
            LastAccessTime = now,
            LastWriteTime = now,
            ChangeTime = now,
            ParentInode = AkfsFormatConstants.RootInode,
        }.WriteTo(table.AsSpan((int)AkfsFormatConstants.RootInode * AkfsFormatConstants.InodeSize));
        return
        [
            (0, boot),
            (superblock.ClusterOffset(superblock.BitmapCluster), bitmap),
            (superblock.ClusterOffset(superblock.InodeTableCluster), table),
        ];
    }

    /// <summary>
    /// The program: formats the volume <paramref name="volumeName"/> (<c>\\.\StripeVolume0</c>) from
    /// the calling user thread through CreateFile, DeviceIoControl and WriteFile.
    /// </summary>
    /// <param name="process">The calling program's process (its memory holds the buffers).</param>
    /// <param name="volumeName">The raw volume.</param>
    /// <param name="bytesPerCluster">The allocation unit (format /A:size).</param>
    /// <param name="label">The label (format /V:label).</param>
    /// <param name="serialNumber">The serial number.</param>
    /// <returns>ERROR_SUCCESS or the first failing call's error.</returns>
    public static async ValueTask<Win32Error> FormatVolume(UserProcess process, string volumeName, uint bytesPerCluster, string label, uint serialNumber)
    {
        ArgumentNullException.ThrowIfNull(process);
        var volume = await CreateFile(volumeName, GenericAccess.GenericRead | GenericAccess.GenericWrite, FileShareMode.Read | FileShareMode.Write,
            CreationDisposition.OpenExisting, FileFlagsAndAttributes.NoBuffering | FileFlagsAndAttributes.WriteThrough);
        if (!volume.IsValid)
        {
            return GetLastError();
        }
        try
        {
            var lengthBuffer = process.VirtualAlloc(StorageIoctl.LengthInformationSize);
            var asked = await DeviceIoControl(volume, StorageIoctl.DiskGetLengthInfo, 0, 0, lengthBuffer, StorageIoctl.LengthInformationSize);
            if (!asked.Succeeded)
            {
                return asked.Error;
            }
            var length = new byte[StorageIoctl.LengthInformationSize];
            process.ReadMemory(lengthBuffer, length);
            var superblock = Layout(BinaryPrimitives.ReadInt64LittleEndian(length), bytesPerCluster, label, serialNumber);
            foreach (var (offset, data) in Image(superblock, Wdm.KeQuerySystemTime()))
            {
                var buffer = process.VirtualAlloc((ulong)data.Length);
                process.WriteMemory(buffer, data);
                var wrote = await WriteFile(volume, buffer, (uint)data.Length, new Overlapped { Offset = offset });
                if (!wrote.Succeeded)
                {
                    return wrote.Error;
                }
            }
            return Win32Error.Success;
        }
        finally
        {
            await CloseHandle(volume);
        }
    }
}
