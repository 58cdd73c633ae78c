/*++

Module Name:

    Akfs.cs

Abstract:

    akfs.sys, a small disk file system in the shape of FastFAT (fatinit.c): DriverEntry creates the
    file system's control device object (CDO) \Akfs, of type FILE_DEVICE_DISK_FILE_SYSTEM, fills
    the dispatch table and the FAST_IO_DISPATCH, and registers the CDO with IoRegisterFileSystem, so
    the I/O manager offers it every disk volume that is opened by name and not yet mounted
    (IRP_MN_MOUNT_VOLUME, AkfsFsCtrl.cs). The on-disk format is in AkfsOnDisk.cs; the format
    utility in Format/AkfsFormat.cs.

    Each routine is an FSD entry (AkfsFsdXxx) that finds the VCB/FCB/CCB and calls its common
    routine (AkfsCommonXxx). There is no IRP_CONTEXT and no FSP: akfs never posts a request to a
    worker thread, because every request here may wait (it runs at PASSIVE_LEVEL in the requester's
    thread), and non-cached transfers go to the volume asynchronously (AkfsDeviceIo.cs).

    The driver's parameters (its service key's Parameters, AkfsOptions): FastIo (the
    FAST_IO_DISPATCH is offered; off, every read and write is an IRP) and Cached (files are cached
    through the cache manager; off, every transfer goes to the volume as if the open asked for
    FILE_NO_INTERMEDIATE_BUFFERING).

    Left out: byte-range locks (IRP_MJ_LOCK_CONTROL), oplocks, EAs, security descriptors, change
    notification, volume information and FSCTLs beyond the mount, dismount and verify, the lazy
    writer's callbacks (the cache manager here has no lazy writer), short names, "." and "..".

Environment:

    Kernel mode. Dispatch routines at PASSIVE_LEVEL; completion routines at DISPATCH_LEVEL or below.

--*/

using System.Runtime.CompilerServices;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.FileSystem;

/// <summary>akfs.sys's parameters (its service key's Parameters subkey).</summary>
public sealed record AkfsOptions
{
    /// <summary>Offer the FAST_IO_DISPATCH (FsRtlCopyRead/FsRtlCopyWrite): cached reads and writes without an IRP.</summary>
    public bool FastIo { get; init; } = true;

    /// <summary>Cache files through the cache manager; false sends every transfer to the volume (sector-aligned only).</summary>
    public bool Cached { get; init; } = true;
}

/// <summary>The global data of akfs (FatData): the CDO's device extension.</summary>
public sealed class AkfsData
{
    private readonly List<AkfsVcb> _vcbs = [];

    internal AkfsData(AkfsOptions options) => Options = options;

    /// <summary>The driver's parameters.</summary>
    public AkfsOptions Options { get; }

    /// <summary>The mounted volumes.</summary>
    public IReadOnlyList<AkfsVcb> Vcbs
    {
        get
        {
            lock (_vcbs)
            {
                return [.. _vcbs];
            }
        }
    }

    /// <summary>Mount requests answered STATUS_UNRECOGNIZED_VOLUME.</summary>
    public int UnrecognizedVolumes;

    internal void AddVcb(AkfsVcb vcb)
    {
        lock (_vcbs)
        {
            _vcbs.Add(vcb);
        }
    }
}

/// <summary>The akfs file system driver (<c>akfs.sys</c>).</summary>
public static partial class Akfs
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "akfs";

    /// <summary>The image name.</summary>
    public const string ImageName = "akfs.sys";

    /// <summary>The name of the file system's control device object.</summary>
    public const string ControlDeviceName = "\\Akfs";

    private const uint SectorSize = AkfsFormatConstants.SectorSize;

    /// <summary>DriverEntry with the default parameters (fast I/O on, cached).</summary>
    public static DriverInitialize DriverEntry { get; } = DriverEntryWith(new AkfsOptions());

    /// <summary>The DriverEntry of akfs with <paramref name="options"/> as its registry parameters.</summary>
    /// <param name="options">FastIo and Cached.</param>
    /// <returns>The DriverEntry.</returns>
    public static DriverInitialize DriverEntryWith(AkfsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return (driverObject, registryPath) =>
        {
            _ = registryPath;
            var data = new AkfsData(options);
            var status = IoCreateDevice(driverObject, data, ControlDeviceName, DeviceType.DiskFileSystem, 0, false, out var cdo);
            if (!status.IsSuccess())
            {
                return ValueTask.FromResult(status);
            }
            driverObject.MajorFunction[(int)IrpMajorFunction.Create] = AkfsFsdCreate;
            driverObject.MajorFunction[(int)IrpMajorFunction.Close] = AkfsFsdClose;
            driverObject.MajorFunction[(int)IrpMajorFunction.Read] = AkfsFsdRead;
            driverObject.MajorFunction[(int)IrpMajorFunction.Write] = AkfsFsdWrite;
            driverObject.MajorFunction[(int)IrpMajorFunction.QueryInformation] = AkfsFsdQueryInformation;
            driverObject.MajorFunction[(int)IrpMajorFunction.SetInformation] = AkfsFsdSetInformation;
            driverObject.MajorFunction[(int)IrpMajorFunction.FlushBuffers] = AkfsFsdFlushBuffers;
            driverObject.MajorFunction[(int)IrpMajorFunction.DirectoryControl] = AkfsFsdDirectoryControl;
            driverObject.MajorFunction[(int)IrpMajorFunction.FileSystemControl] = AkfsFsdFileSystemControl;
            driverObject.MajorFunction[(int)IrpMajorFunction.Cleanup] = AkfsFsdCleanup;
            if (options.FastIo)
            {
                driverObject.FastIoDispatch = AkfsFastIoDispatch;
            }
            cdo!.Flags &= ~DeviceObjectFlags.DeviceInitializing;
            IoRegisterFileSystem(cdo);
            return ValueTask.FromResult(NtStatus.Success);
        };
    }

    /// <summary>The driver's global data (the CDO's extension), from any of its device objects.</summary>
    internal static AkfsData AkfsGetData(DeviceObject deviceObject) =>
        deviceObject.DeviceExtension as AkfsData ?? deviceObject.DriverObject.DeviceObjects.Select(d => d.DeviceExtension).OfType<AkfsData>().First();

    /// <summary>Completes <paramref name="irp"/> with <paramref name="status"/> and <paramref name="information"/> (FatCompleteRequest).</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))] // pooled: it suspends once per request
    internal static async ValueTask<NtStatus> AkfsCompleteRequest(Irp irp, NtStatus status, ulong information = 0)
    {
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = information;
        await IoCompleteRequest(irp, status.IsSuccess() ? PriorityBoost.IoDiskIncrement : PriorityBoost.IoNoIncrement);
        return status;
    }
}
