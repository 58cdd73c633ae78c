/*++

Module Name:

    DiskExtension.cs

Abstract:

    The disk class driver's device extensions, as classpnp splits them: a common part (the
    partition's place on the disk) shared by the FDO (partition zero: the whole disk) and each
    partition PDO, and the FDO's own part (the device below, the geometry, the adapter's transfer
    limits and the partition table read at start).

Environment:

    Kernel mode.

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.Storage.Class;

/// <summary>COMMON_DEVICE_EXTENSION: what the FDO and a partition PDO share.</summary>
public class DiskCommonExtension
{
    internal DiskCommonExtension(DiskFdoExtension? partitionZero) => PartitionZero = partitionZero ?? (DiskFdoExtension)this;

    /// <summary>PartitionZeroExtension: the disk's FDO extension.</summary>
    public DiskFdoExtension PartitionZero { get; }

    /// <summary>The device object.</summary>
    public DeviceObject? DeviceObject { get; internal set; }

    /// <summary>PartitionNumber: 0 for the whole disk.</summary>
    public int PartitionNumber { get; internal init; }

    /// <summary>StartingOffset: the partition's first byte on the disk.</summary>
    public long StartingOffset { get; internal set; }

    /// <summary>PartitionLength in bytes.</summary>
    public long PartitionLength { get; internal set; }

    /// <summary>The MBR partition type (PARTITION_IFS 0x07, ...; 0 for the whole disk).</summary>
    public byte PartitionType { get; internal init; }

    /// <summary>The MBR boot indicator.</summary>
    public bool BootIndicator { get; internal init; }

    /// <summary>Its name in the object namespace.</summary>
    public string? DeviceName { get; internal set; }
}

/// <summary>FUNCTIONAL_DEVICE_EXTENSION of the disk's FDO (also the extension of partition zero).</summary>
public sealed class DiskFdoExtension : DiskCommonExtension
{
    internal DiskFdoExtension() : base(null)
    {
    }

    /// <summary>The disk's number (Harddisk<i>N</i>, PhysicalDrive<i>N</i>).</summary>
    public int DiskNumber { get; internal init; }

    /// <summary>The device below (the port's LUN PDO).</summary>
    public DeviceObject? LowerDevice { get; internal set; }

    /// <summary>The PDO the stack was built on.</summary>
    public DeviceObject? PhysicalDevice { get; internal set; }

    /// <summary>DiskGeometry.BytesPerSector.</summary>
    public uint BytesPerSector { get; internal set; } = 512;

    /// <summary>The disk's size in sectors (IOCTL_STORAGE_READ_CAPACITY).</summary>
    public long SectorCount { get; internal set; }

    /// <summary>
    /// The largest piece sent in one SRB: MIN(MaximumTransferLength, (MaximumPhysicalPages - 1) *
    /// PAGE_SIZE) of the adapter descriptor, as classpnp computes HwMaxXferLen.
    /// </summary>
    public uint MaximumTransferLength { get; internal set; }

    /// <summary>The adapter descriptor (STORAGE_ADAPTER_DESCRIPTOR) as the port returned it.</summary>
    public byte[] AdapterDescriptor { get; internal set; } = [];

    /// <summary>The device descriptor (STORAGE_DEVICE_DESCRIPTOR) as the port returned it.</summary>
    public byte[] DeviceDescriptor { get; internal set; } = [];

    /// <summary>The MBR's disk signature (0 without an MBR).</summary>
    public uint Signature { get; internal set; }

    /// <summary>The partition PDOs, partition 1 first.</summary>
    public IReadOnlyList<DiskCommonExtension> Partitions => _partitions;

    internal readonly List<DiskCommonExtension> _partitions = [];

    /// <summary>Whether IRP_MN_START_DEVICE brought the disk up.</summary>
    public bool Started { get; internal set; }

    /// <summary>SRBs sent for reads and writes since start (the pieces of split transfers count one each).</summary>
    public long TransferPackets => Interlocked.Read(ref _transferPackets);

    internal long _transferPackets;

    /// <summary>SRB TimeOutValue of the disk's reads and writes, in seconds (classpnp's SCSI_DISK_TIMEOUT, 10, unless the Disk service's TimeOutValue says otherwise).</summary>
    public uint TimeOutValue { get; set; } = 10;

    /// <summary>Transfer packets sent again after an error ClassInterpretSenseInfo retries.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    internal long _retries;
}
