/*++

Module Name:

    CountingFilter.cs

Abstract:

    An upper filter: attaches above a function driver's device, counts every request by major
    function on its way down and the bytes of successful reads on their way up, and can modify
    the data it sees (inverting the bytes of completed reads). Everything else passes down
    untouched with IoSkipCurrentIrpStackLocation; reads get a completion routine, which
    propagates PendingReturned as every completion routine that does not stop completion must.

    On IRP_MN_REMOVE_DEVICE it passes the IRP down, then detaches and deletes its device.

    Left out: power handling and a remove lock (requests racing the removal are the function
    driver's to fail: its remove lock does that).

Environment:

    Kernel mode. Dispatch at the requester's IRQL; the completion routine at the completer's
    (up to DISPATCH_LEVEL).

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Filter;

/// <summary>The filter's device extension.</summary>
public sealed class FilterExtension
{
    private readonly long[] _requests = new long[DriverObject.MajorFunctionCount];
    private long _bytesRead;

    /// <summary>The device this filter sends requests to.</summary>
    public DeviceObject? LowerDevice { get; internal set; }

    /// <summary>When true, the filter inverts every byte of completed reads.</summary>
    public bool InvertReadData { get; set; }

    /// <summary>Requests seen for a major function.</summary>
    /// <param name="majorFunction">The major function.</param>
    /// <returns>The count.</returns>
    public long RequestCount(IrpMajorFunction majorFunction) => Volatile.Read(ref _requests[(int)majorFunction]);

    /// <summary>Bytes of successful reads that passed up through the filter.</summary>
    public long BytesRead => Volatile.Read(ref _bytesRead);

    internal void Count(IrpMajorFunction majorFunction) => Interlocked.Increment(ref _requests[(int)majorFunction]);

    internal void AddBytesRead(ulong bytes) => Interlocked.Add(ref _bytesRead, (long)bytes);
}

/// <summary>The counting filter driver (<c>cntfilt.sys</c>).</summary>
public static class CountingFilter
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "CntFilt";

    /// <summary>The image name.</summary>
    public const string ImageName = "cntfilt.sys";

    /// <summary>DriverEntry: every major function passes through the filter; reads get a completion routine.</summary>
    /// <param name="driverObject">The driver object.</param>
    /// <param name="registryPath">The service key (unused).</param>
    /// <returns>STATUS_SUCCESS.</returns>
    public static ValueTask<NtStatus> DriverEntry(DriverObject driverObject, string registryPath)
    {
        _ = registryPath;
        Array.Fill(driverObject.MajorFunction, FilterPass);
        driverObject.MajorFunction[(int)IrpMajorFunction.Read] = FilterRead;
        driverObject.MajorFunction[(int)IrpMajorFunction.Pnp] = FilterPnp;
        driverObject.DriverExtension.AddDevice = FilterAddDevice;
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>AddDevice: an unnamed device on top of the stack, with the buffering flags and type of the device below.</summary>
    /// <param name="driverObject">The driver.</param>
    /// <param name="physicalDeviceObject">The PDO of the stack.</param>
    /// <returns>STATUS_SUCCESS, STATUS_NO_SUCH_DEVICE when the stack is going away, or IoCreateDevice's failure.</returns>
    public static ValueTask<NtStatus> FilterAddDevice(DriverObject driverObject, DeviceObject physicalDeviceObject)
    {
        var extension = new FilterExtension();
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
        // The I/O manager buffers by the top device's flags: a filter must copy them (verifier 0xC9/0x244).
        filter!.Flags |= extension.LowerDevice.Flags & (DeviceObjectFlags.BufferedIo | DeviceObjectFlags.DirectIo | DeviceObjectFlags.PowerPagable);
        filter.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>Any request but a read: count it and hand it down in this driver's own stack location.</summary>
    private static ValueTask<NtStatus> FilterPass(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<FilterExtension>();
        extension.Count(IoGetCurrentIrpStackLocation(irp).MajorFunction);
        IoSkipCurrentIrpStackLocation(irp);
        return IoCallDriver(extension.LowerDevice!, irp);
    }

    /// <summary>IRP_MJ_PNP: count it and pass it down; on IRP_MN_REMOVE_DEVICE detach and delete only after the drivers below have seen it.</summary>
    private static async ValueTask<NtStatus> FilterPnp(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<FilterExtension>();
        extension.Count(IrpMajorFunction.Pnp);
        var remove = IoGetCurrentIrpStackLocation(irp).MinorFunction == (byte)PnpMinorFunction.RemoveDevice;
        var lower = extension.LowerDevice!;
        IoSkipCurrentIrpStackLocation(irp);
        var status = await IoCallDriver(lower, irp);
        if (remove)
        {
            // The stack is going away: leave it after the drivers below have seen the IRP.
            IoDetachDevice(lower);
            IoDeleteDevice(deviceObject);
        }
        return status;
    }

    /// <summary>IRP_MJ_READ: count it and pass it down with a completion routine.</summary>
    private static ValueTask<NtStatus> FilterRead(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<FilterExtension>();
        extension.Count(IrpMajorFunction.Read);
        IoCopyCurrentIrpStackLocationToNext(irp);
        IoSetCompletionRoutine(irp, FilterReadComplete, extension, true, true, true);
        return IoCallDriver(extension.LowerDevice!, irp);
    }

    /// <summary>The read's completion routine: propagate pending, count the bytes, optionally modify them.</summary>
    private static async ValueTask<NtStatus> FilterReadComplete(DeviceObject? deviceObject, Irp irp, object? context)
    {
        _ = deviceObject;
        var extension = (FilterExtension)context!;
        if (irp.PendingReturned)
        {
            IoMarkIrpPending(irp);
        }
        if (irp.IoStatus.Status.IsSuccess())
        {
            extension.AddBytesRead(irp.IoStatus.Information);
            if (extension.InvertReadData)
            {
                await InvertReadData(irp, (int)irp.IoStatus.Information);
            }
        }
        return NtStatus.Success;
    }

    /// <summary>Inverts the bytes a read returned, in the system buffer (buffered I/O) or through the MDL's mapping (direct I/O).</summary>
    private static async ValueTask InvertReadData(Irp irp, int count)
    {
        if (irp.SystemBuffer is { } system)
        {
            Invert(system.AsSpan(0, count));
        }
        else if (irp.MdlAddress is { } mdl && MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority) is { IsNull: false } mapped)
        {
            var data = new byte[count];
            await RtlCopyMemory(data, mapped);
            Invert(data);
            await RtlCopyMemory(mapped, data);
        }
    }

    private static void Invert(Span<byte> data)
    {
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)~data[i];
        }
    }
}
