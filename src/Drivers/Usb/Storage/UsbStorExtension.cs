/*++

Module Name:

    UsbStorExtension.cs

Abstract:

    usbstor.sys's device extensions, as ReactOS's usbstor.h splits them: the FDO's (the USB device:
    its descriptors, the configuration it selected, the bulk-in and bulk-out pipes, the BOT tag, the
    one SRB on the wire) and a PDO's per logical unit (its LUN, the INQUIRY and READ CAPACITY
    answers the IDs and storage IOCTLs are made of).

Environment:

    Kernel mode.

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.Usb.Storage;

/// <summary>The USB mass-storage device's FDO extension.</summary>
public sealed class UsbStorFdoExtension
{
    /// <summary>The FDO.</summary>
    public DeviceObject? Self { get; internal set; }

    /// <summary>The device below (the hub's PDO for the USB device).</summary>
    public DeviceObject? LowerDevice { get; internal set; }

    /// <summary>The PDO the stack was built on.</summary>
    public DeviceObject? PhysicalDevice { get; internal set; }

    /// <summary>The device's number in the driver (the instance IDs of its units: a device without a serial number string).</summary>
    public int DeviceNumber { get; internal init; }

    /// <summary>The device descriptor read at start.</summary>
    public UsbDeviceDescriptor DeviceDescriptor { get; internal set; }

    /// <summary>The mass-storage interface (class 08, subclass 06, protocol 50).</summary>
    public UsbInterfaceDescriptor Interface { get; internal set; }

    /// <summary>The bulk-in pipe (data-in and every CSW).</summary>
    public UsbdPipeInformation? BulkIn { get; internal set; }

    /// <summary>The bulk-out pipe (every CBW and data-out).</summary>
    public UsbdPipeInformation? BulkOut { get; internal set; }

    /// <summary>Get Max LUN's answer (0 when the device stalled the request: one LUN).</summary>
    public byte MaxLun { get; internal set; }

    /// <summary>The PDOs, LUN 0 first (made at the first BusRelations after start).</summary>
    public IReadOnlyList<UsbStorPdoExtension> Luns => _luns;

    internal readonly List<UsbStorPdoExtension> _luns = [];

    /// <summary>IRP_MN_START_DEVICE brought the device up.</summary>
    public bool Started { get; internal set; }

    /// <summary>IRP_MN_SURPRISE_REMOVAL or IRP_MN_REMOVE_DEVICE came: the device is gone, every SRB fails with SRB_STATUS_NO_DEVICE.</summary>
    public bool Removed { get; internal set; }

    /// <summary>Commands whose transport failed and were recovered by clearing a halted pipe (BOT 6.7.2/6.7.3).</summary>
    public long StallRecoveries => Interlocked.Read(ref _stallRecoveries);

    /// <summary>Reset recoveries performed (BOT 5.3.4: Bulk-Only Mass Storage Reset, then CLEAR_FEATURE(ENDPOINT_HALT) on both pipes).</summary>
    public long ResetRecoveries => Interlocked.Read(ref _resetRecoveries);

    /// <summary>Commands sent (CBWs), including REQUEST SENSE and the start-up commands.</summary>
    public long Commands => Interlocked.Read(ref _commands);

    internal long _stallRecoveries;
    internal long _resetRecoveries;
    internal long _commands;

    // dCBWTag: a new value per command so a stale CSW is never taken for the current one.
    internal uint _nextTag;

    internal uint NextTag() => Interlocked.Increment(ref _nextTag);

    /// <summary>The remove lock: an SRB holds it from IRP_MJ_SCSI until it completes; IRP_MN_REMOVE_DEVICE waits for the last.</summary>
    internal IoRemoveLock RemoveLock { get; } = new();

    /// <summary>Nonpaged pool for the wrappers (one command is on the wire at a time): CBW, CSW, sense and the start-up commands' data.</summary>
    internal ulong Pool { get; set; }

    /// <summary>The CBW's 31 bytes.</summary>
    internal ulong CbwBuffer => Pool;

    /// <summary>The CSW's 13 bytes.</summary>
    internal ulong CswBuffer => Pool + 32;

    /// <summary>REQUEST SENSE's 18 bytes.</summary>
    internal ulong SenseBuffer => Pool + 64;

    /// <summary>The start-up commands' data (INQUIRY, READ CAPACITY, descriptors, Get Max LUN).</summary>
    internal ulong ScratchBuffer => Pool + 128;
}

/// <summary>A logical unit's PDO extension.</summary>
public sealed class UsbStorPdoExtension
{
    internal UsbStorPdoExtension(UsbStorFdoExtension fdo, byte lun)
    {
        Fdo = fdo;
        Lun = lun;
    }

    /// <summary>The device's FDO extension (its pipes carry this unit's commands).</summary>
    public UsbStorFdoExtension Fdo { get; }

    /// <summary>bCBWLUN.</summary>
    public byte Lun { get; }

    /// <summary>The PDO.</summary>
    public DeviceObject? Pdo { get; internal set; }

    /// <summary>INQUIRY's T10 vendor identification (8 characters, trailing blanks removed).</summary>
    public string VendorId { get; internal set; } = "";

    /// <summary>INQUIRY's product identification (16 characters, trailing blanks removed).</summary>
    public string ProductId { get; internal set; } = "";

    /// <summary>INQUIRY's product revision level (4 characters).</summary>
    public string ProductRevision { get; internal set; } = "";

    /// <summary>INQUIRY's peripheral device type (0: direct access block device).</summary>
    public byte DeviceType { get; internal set; }

    /// <summary>INQUIRY's RMB bit.</summary>
    public bool RemovableMedia { get; internal set; }

    /// <summary>READ CAPACITY(10)'s block length.</summary>
    public uint BlockLength { get; internal set; }

    /// <summary>READ CAPACITY(10)'s last logical block address.</summary>
    public uint LastLogicalBlockAddress { get; internal set; }

    /// <summary>IRP_MN_START_DEVICE reached the PDO and no removal since.</summary>
    public bool Started { get; internal set; }

    /// <summary>SRBs taken through IRP_MJ_SCSI since start.</summary>
    public long ScsiRequests => Interlocked.Read(ref _scsiRequests);

    internal long _scsiRequests;
}
