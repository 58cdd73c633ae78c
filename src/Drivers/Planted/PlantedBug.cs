/*++

Module Name:

    PlantedBug.cs

Abstract:

    An upper filter with one planted, classic bug, for learning what the kernel does about it. It
    passes every request down; reads get a completion routine that, on every Nth read, records a
    sample in a history buffer the filter allocated from PAGED pool at PASSIVE_LEVEL. The completion
    routine runs at whatever IRQL the driver below completes at: an interrupt-driven driver
    completes from its DPC, at DISPATCH_LEVEL, where paged memory must not be touched. On a real
    machine the page is usually resident and the bug hides; Driver Verifier's force IRQL checking
    pages pageable memory out at every raise to DISPATCH_LEVEL, so the touch faults and the kernel
    stops with DRIVER_IRQL_NOT_LESS_OR_EQUAL (0xD1: address, IRQL, access, the faulting code).

    The fix is the usual one: allocate the history from NonPagedPoolNx, or record it from a work item.

    Left out: Plug and Play removal (the filter never leaves its stack) and power.

Environment:

    Kernel mode. Dispatch routines at PASSIVE_LEVEL; the completion routine at the completer's IRQL.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Planted;

/// <summary>The filter's configuration.</summary>
/// <param name="EveryNthRead">How often the completion routine records a sample (the bug's trigger).</param>
public sealed record PlantedBugOptions(int EveryNthRead = 1_000);

/// <summary>The filter's device extension.</summary>
public sealed class PlantedBugExtension
{
    private long _reads;

    /// <summary>The device below.</summary>
    public DeviceObject? LowerDevice { get; internal set; }

    /// <summary>The history buffer, in paged pool (0 until the first read allocates it).</summary>
    public ulong History { get; internal set; }

    /// <summary>Reads completed through the filter.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    internal int EveryNthRead { get; init; }

    internal long CountRead() => Interlocked.Increment(ref _reads);
}

/// <summary>The planted-bug filter (<c>plantflt.sys</c>).</summary>
public static class PlantedBug
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "PlantFlt";

    /// <summary>The image name.</summary>
    public const string ImageName = "plantflt.sys";

    // 'Plnt'
    private const uint HistoryTag = 0x746E6C50;
    private const ulong HistoryBytes = 4096;
    private static readonly object OptionsKey = new();

    /// <summary>DriverEntry with <paramref name="options"/> as the service key's parameters.</summary>
    /// <param name="options">How often the bug's path runs.</param>
    /// <returns>The DriverEntry routine.</returns>
    public static DriverInitialize DriverEntryWith(PlantedBugOptions options) => (driverObject, registryPath) =>
    {
        _ = registryPath;
        driverObject.IoAllocateDriverObjectExtension(OptionsKey, options);
        Array.Fill(driverObject.MajorFunction, PlantPass);
        driverObject.MajorFunction[(int)IrpMajorFunction.Read] = PlantRead;
        driverObject.MajorFunction[(int)IrpMajorFunction.Pnp] = PlantPnp;
        driverObject.DriverExtension.AddDevice = PlantAddDevice;
        return ValueTask.FromResult(NtStatus.Success);
    };

    /// <summary>AddDevice: an unnamed filter device on top of the stack, with the buffering flags of the device below.</summary>
    /// <param name="driverObject">The driver.</param>
    /// <param name="physicalDeviceObject">The PDO of the stack.</param>
    /// <returns>STATUS_SUCCESS, STATUS_NO_SUCH_DEVICE, or IoCreateDevice's failure.</returns>
    public static ValueTask<NtStatus> PlantAddDevice(DriverObject driverObject, DeviceObject physicalDeviceObject)
    {
        ArgumentNullException.ThrowIfNull(driverObject);
        var options = (PlantedBugOptions)driverObject.IoGetDriverObjectExtension(OptionsKey)!;
        var extension = new PlantedBugExtension { EveryNthRead = Math.Max(1, options.EveryNthRead) };
        var below = IoGetAttachedDevice(physicalDeviceObject);
        var status = IoCreateDevice(driverObject, extension, null, below.DeviceType, 0, false, out var filter);
        if (!status.IsSuccess())
        {
            return ValueTask.FromResult(status);
        }
        extension.LowerDevice = IoAttachDeviceToDeviceStack(filter!, physicalDeviceObject);
        if (extension.LowerDevice is null)
        {
            IoDeleteDevice(filter!);
            return ValueTask.FromResult(NtStatus.NoSuchDevice);
        }
        filter!.Flags |= extension.LowerDevice.Flags & (DeviceObjectFlags.BufferedIo | DeviceObjectFlags.DirectIo);
        filter.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return ValueTask.FromResult(NtStatus.Success);
    }

    private static ValueTask<NtStatus> PlantPass(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<PlantedBugExtension>();
        IoSkipCurrentIrpStackLocation(irp);
        return IoCallDriver(extension.LowerDevice!, irp);
    }

    /// <summary>IRP_MJ_READ, at PASSIVE_LEVEL: allocate the history once (paged pool is fine here), pass down with a completion routine.</summary>
    private static ValueTask<NtStatus> PlantRead(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<PlantedBugExtension>();
        if (extension.History == 0)
        {
            extension.History = ExAllocatePoolWithTag(PoolType.PagedPool, HistoryBytes, HistoryTag);
        }
        IoCopyCurrentIrpStackLocationToNext(irp);
        IoSetCompletionRoutine(irp, PlantReadComplete, extension, true, true, true);
        return IoCallDriver(extension.LowerDevice!, irp);
    }

    /// <summary>
    /// The read's completion routine. THE PLANTED BUG: it writes to paged pool, but it runs at the
    /// completer's IRQL, DISPATCH_LEVEL when the driver below completes from its DPC.
    /// </summary>
    private static async ValueTask<NtStatus> PlantReadComplete(DeviceObject? deviceObject, Irp irp, object? context)
    {
        _ = deviceObject;
        var extension = (PlantedBugExtension)context!;
        if (irp.PendingReturned)
        {
            IoMarkIrpPending(irp);
        }
        var reads = extension.CountRead();
        if (reads % extension.EveryNthRead == 0 && extension.History != 0)
        {
            var slot = (ulong)(reads / extension.EveryNthRead % (long)(HistoryBytes / 4)) * 4;
            await WriteUlong(extension.History + slot, (uint)irp.IoStatus.Information);
        }
        return NtStatus.Success;
    }

    /// <summary>IRP_MJ_PNP: passes every PnP IRP down (it has no hardware state of its own to start or stop); the bus driver below completes it (a WDM driver must pass on what it does not handle).</summary>
    private static ValueTask<NtStatus> PlantPnp(DeviceObject deviceObject, Irp irp)
    {
        IoSkipCurrentIrpStackLocation(irp);
        return IoCallDriver(deviceObject.GetExtension<PlantedBugExtension>().LowerDevice!, irp);
    }
}
