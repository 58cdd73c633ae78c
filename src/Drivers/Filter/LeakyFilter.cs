/*++

Module Name:

    LeakyFilter.cs

Abstract:

    A deliberately broken upper filter, for learning what a lost IRP looks like. Every 1,000th read
    it marks the IRP pending, returns STATUS_PENDING and then forgets it: it neither completes the
    IRP nor passes it down, so the requester waits forever. The I/O manager lists such a request as
    stuck (naming the IRP and every stack location), and the host reports the run as a failure.
    Every other request passes down untouched.

    Left out on purpose: any cancel routine (so the lost IRP cannot be cancelled either), Plug and
    Play removal, power handling.

Environment:

    Kernel mode, dispatch at the requester's IRQL.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Filter;

/// <summary>The leaky filter's device extension.</summary>
public sealed class LeakyFilterExtension
{
    private long _reads;

    /// <summary>The device this filter sends requests to.</summary>
    public DeviceObject? LowerDevice { get; internal set; }

    /// <summary>The IRPs this filter lost (kept only so a debugger view can show them).</summary>
    public List<Irp> Lost { get; } = [];

    internal long NextRead() => Interlocked.Increment(ref _reads);
}

/// <summary>The leaky filter driver (<c>leakyflt.sys</c>): loses every 1,000th read.</summary>
public static class LeakyFilter
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "LeakyFlt";

    /// <summary>The image name.</summary>
    public const string ImageName = "leakyflt.sys";

    /// <summary>One read in this many is lost.</summary>
    public const int LoseEvery = 1_000;

    /// <summary>DriverEntry: every major function passes through; reads go through the leaky path.</summary>
    /// <param name="driverObject">The driver object.</param>
    /// <param name="registryPath">The service key (unused).</param>
    /// <returns>STATUS_SUCCESS.</returns>
    public static ValueTask<NtStatus> DriverEntry(DriverObject driverObject, string registryPath)
    {
        _ = registryPath;
        Array.Fill(driverObject.MajorFunction, LeakyPass);
        driverObject.MajorFunction[(int)IrpMajorFunction.Read] = LeakyRead;
        driverObject.MajorFunction[(int)IrpMajorFunction.Pnp] = LeakyPnp;
        driverObject.DriverExtension.AddDevice = LeakyAddDevice;
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>AddDevice: an unnamed device on top of the stack, with the buffering flags and type of the device below.</summary>
    /// <param name="driverObject">The driver.</param>
    /// <param name="physicalDeviceObject">The PDO of the stack.</param>
    /// <returns>STATUS_SUCCESS, STATUS_NO_SUCH_DEVICE when the stack is going away, or IoCreateDevice's failure.</returns>
    public static ValueTask<NtStatus> LeakyAddDevice(DriverObject driverObject, DeviceObject physicalDeviceObject)
    {
        var extension = new LeakyFilterExtension();
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
        filter!.Flags |= extension.LowerDevice.Flags & (DeviceObjectFlags.BufferedIo | DeviceObjectFlags.DirectIo | DeviceObjectFlags.PowerPagable);
        filter.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>Any request but a read: hand it down in this driver's own stack location.</summary>
    private static ValueTask<NtStatus> LeakyPass(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<LeakyFilterExtension>();
        IoSkipCurrentIrpStackLocation(irp);
        return IoCallDriver(extension.LowerDevice!, irp);
    }

    /// <summary>IRP_MJ_READ: the bug. Every <see cref="LoseEvery"/>th read is pended and never seen again.</summary>
    private static ValueTask<NtStatus> LeakyRead(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<LeakyFilterExtension>();
        if (extension.NextRead() % LoseEvery != 0)
        {
            IoSkipCurrentIrpStackLocation(irp);
            return IoCallDriver(extension.LowerDevice!, irp);
        }
        IoMarkIrpPending(irp);
        lock (extension.Lost)
        {
            extension.Lost.Add(irp); // "queued for later" — and later never comes
        }
        return ValueTask.FromResult(NtStatus.Pending);
    }

    /// <summary>IRP_MJ_PNP: passes every PnP IRP down (it has no hardware state of its own to start or stop); the bus driver below completes it (a WDM driver must pass on what it does not handle).</summary>
    private static ValueTask<NtStatus> LeakyPnp(DeviceObject deviceObject, Irp irp)
    {
        IoSkipCurrentIrpStackLocation(irp);
        return IoCallDriver(deviceObject.GetExtension<LeakyFilterExtension>().LowerDevice!, irp);
    }
}
