/*++

Module Name:

    Sioctl.cs

Abstract:

    The IOCTL sample (after the WDK's general/ioctl/wdm/sys/sioctl.c): one device, four control
    codes, one per transfer method, each reading the requester's input and writing a reply, so
    the four ways the I/O manager hands buffers to a driver can be compared side by side:
    METHOD_BUFFERED (one system buffer for both), METHOD_IN_DIRECT and METHOD_OUT_DIRECT (input in
    the system buffer, output through an MDL), METHOD_NEITHER (the requester's raw addresses,
    valid only in its context).

    Left out: the exception handling around METHOD_NEITHER probes (the simulated buffers cannot
    fault yet) and Plug and Play: the device is made in DriverEntry, as a legacy driver does.

Environment:

    Kernel mode. The dispatch routine runs at PASSIVE_LEVEL in the requester's context.

--*/

using System.Text;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Ioctl;

/// <summary>The codes and names shared with the requester (the WDK's sioctl.h).</summary>
public static class SioctlCodes
{
    /// <summary>SIOCTL_TYPE (40000): a vendor device type.</summary>
    public const DeviceType SioctlType = (DeviceType)40000;

    /// <summary>IOCTL_SIOCTL_METHOD_IN_DIRECT.</summary>
    public static readonly IoControlCode MethodInDirect = IoControlCode.CtlCode(SioctlType, 0x900, TransferMethod.MethodInDirect, IoctlAccess.FileAnyAccess);

    /// <summary>IOCTL_SIOCTL_METHOD_OUT_DIRECT.</summary>
    public static readonly IoControlCode MethodOutDirect = IoControlCode.CtlCode(SioctlType, 0x901, TransferMethod.MethodOutDirect, IoctlAccess.FileAnyAccess);

    /// <summary>IOCTL_SIOCTL_METHOD_BUFFERED.</summary>
    public static readonly IoControlCode MethodBuffered = IoControlCode.CtlCode(SioctlType, 0x902, TransferMethod.MethodBuffered, IoctlAccess.FileAnyAccess);

    /// <summary>IOCTL_SIOCTL_METHOD_NEITHER.</summary>
    public static readonly IoControlCode MethodNeither = IoControlCode.CtlCode(SioctlType, 0x903, TransferMethod.MethodNeither, IoctlAccess.FileAnyAccess);

    /// <summary>The device's name.</summary>
    public const string NtDeviceName = "\\Device\\SIOCTL";

    /// <summary>The link applications open.</summary>
    public const string DosDeviceName = "\\??\\IoctlTest";

    /// <summary>What the driver writes back.</summary>
    public static readonly byte[] Reply = Encoding.ASCII.GetBytes("This String is from Device Driver !!!\0");
}

/// <summary>The sample's device extension: what it last received, for the requester to compare.</summary>
public sealed class SioctlExtension
{
    /// <summary>The input of the last request.</summary>
    public byte[] LastInput { get; internal set; } = [];
}

/// <summary>The IOCTL sample driver (<c>sioctl.sys</c>).</summary>
public static class Sioctl
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "SIoctl";

    /// <summary>The image name.</summary>
    public const string ImageName = "sioctl.sys";

    /// <summary>DriverEntry: creates the device and its link; create, close and device control go to this driver.</summary>
    /// <param name="driverObject">The driver object.</param>
    /// <param name="registryPath">The service key (unused).</param>
    /// <returns>STATUS_SUCCESS, or the failure of IoCreateDevice / IoCreateSymbolicLink.</returns>
    public static ValueTask<NtStatus> DriverEntry(DriverObject driverObject, string registryPath)
    {
        _ = registryPath;
        var status = IoCreateDevice(driverObject, new SioctlExtension(), SioctlCodes.NtDeviceName, DeviceType.Unknown, DeviceCharacteristics.DeviceSecureOpen, false, out var device);
        if (!status.IsSuccess())
        {
            return ValueTask.FromResult(status);
        }
        driverObject.MajorFunction[(int)IrpMajorFunction.Create] = SioctlCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Close] = SioctlCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.DeviceControl] = SioctlDeviceControl;
        driverObject.DriverUnload = SioctlUnloadDriver;
        status = driverObject.Manager.Objects.IoCreateSymbolicLink(SioctlCodes.DosDeviceName, SioctlCodes.NtDeviceName);
        if (!status.IsSuccess())
        {
            IoDeleteDevice(device!);
            return ValueTask.FromResult(status);
        }
        device!.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return ValueTask.FromResult(NtStatus.Success);
    }

    private static async ValueTask<NtStatus> SioctlCreateClose(DeviceObject deviceObject, Irp irp)
    {
        _ = deviceObject;
        irp.IoStatus.Status = NtStatus.Success;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return NtStatus.Success;
    }

    /// <summary>IRP_MJ_DEVICE_CONTROL: one case per transfer method; one exit completes the IRP.</summary>
    private static async ValueTask<NtStatus> SioctlDeviceControl(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<SioctlExtension>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var inLength = (int)stack.Parameters.DeviceIoControl.InputBufferLength;
        var outLength = (int)stack.Parameters.DeviceIoControl.OutputBufferLength;
        var reply = SioctlCodes.Reply;
        var status = NtStatus.Success;
        ulong information = 0;

        if (inLength == 0 || outLength < reply.Length)
        {
            status = NtStatus.InvalidParameter;
        }
        else
        {
            var code = stack.Parameters.DeviceIoControl.IoControlCode;
            if (code == SioctlCodes.MethodBuffered)
            {
                // One system buffer: the input is there; the reply overwrites it and is copied back.
                extension.LastInput = irp.SystemBuffer.AsSpan(0, inLength).ToArray();
                reply.CopyTo(irp.SystemBuffer.AsSpan());
                information = (ulong)reply.Length;
            }
            else if (code == SioctlCodes.MethodInDirect || code == SioctlCodes.MethodOutDirect)
            {
                // Input buffered; output is the requester's locked pages, mapped into system space.
                extension.LastInput = irp.SystemBuffer.AsSpan(0, inLength).ToArray();
                var output = MmGetSystemAddressForMdlSafe(irp.MdlAddress!, NormalPagePriority);
                if (output.IsNull)
                {
                    status = NtStatus.InsufficientResources;
                }
                else
                {
                    await RtlCopyMemory(output, reply);
                    information = (ulong)reply.Length;
                }
            }
            else if (code == SioctlCodes.MethodNeither)
            {
                // Raw requester addresses: valid only because this runs in the requester's context.
                // A bad address raises STATUS_ACCESS_VIOLATION, caught as the C sample's __try/__except.
                try
                {
                    var input = new byte[inLength];
                    await RtlCopyMemory(input, stack.Parameters.DeviceIoControl.Type3InputBuffer!);
                    extension.LastInput = input;
                    await RtlCopyMemory(irp.UserBuffer!, reply);
                    information = (ulong)reply.Length;
                }
                catch (NtStatusException e)
                {
                    status = e.Status;
                }
            }
            else
            {
                status = NtStatus.InvalidDeviceRequest;
            }
        }

        irp.IoStatus.Status = status;
        irp.IoStatus.Information = information;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    private static ValueTask SioctlUnloadDriver(DriverObject driverObject)
    {
        driverObject.Manager.Objects.IoDeleteSymbolicLink(SioctlCodes.DosDeviceName);
        foreach (var device in driverObject.DeviceObjects.ToArray())
        {
            IoDeleteDevice(device);
        }
        return ValueTask.CompletedTask;
    }
}
