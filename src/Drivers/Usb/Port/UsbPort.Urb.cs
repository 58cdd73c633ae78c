/*++

Module Name:

    UsbPort.Urb.cs

Abstract:

    IOCTL_INTERNAL_USB_SUBMIT_URB at the root hub PDO. A URB with no device handle is the root
    hub's (usbport sets the root hub's handle into it). A URB for a removed device ends with
    USBD_STATUS_DEVICE_GONE. The port turns the function into a transfer: GET_DESCRIPTOR_*,
    GET_STATUS_*, SET/CLEAR_FEATURE_*, GET_CONFIGURATION and CLASS_/VENDOR_ requests become control
    transfers on endpoint 0 with the setup packet usb.h's function implies; CONTROL_TRANSFER carries
    its own; BULK_OR_INTERRUPT_TRANSFER goes to its pipe, whose direction must match
    USBD_TRANSFER_DIRECTION_IN. SELECT_CONFIGURATION sends SET_CONFIGURATION and opens one pipe per
    endpoint of the selected interfaces; the SYNC_ pipe functions reset the host's side of a pipe
    and/or send CLEAR_FEATURE(ENDPOINT_HALT); ABORT_PIPE ends the pipe's transfers still waiting
    for the controller with USBD_STATUS_CANCELED. Anything else is USBD_STATUS_INVALID_URB_FUNCTION.

    The IRP completes with the NTSTATUS of the URB's status (UsbdStatusExtensions.ToNtStatus).

Environment:

    Kernel mode. IRQL <= DISPATCH_LEVEL; SELECT_CONFIGURATION and the SYNC_ pipe functions at
    PASSIVE_LEVEL (they wait for a control transfer).

--*/

using System.Runtime.CompilerServices;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Usb;

/// <summary>The port's per-device state (the device handle's PortContext).</summary>
internal sealed class UsbDeviceContext
{
    /// <summary>The pipes of the selected configuration.</summary>
    public List<UsbdPipeHandle> Pipes { get; } = [];

    /// <summary>Transfers of the device at the controller or waiting for it (under the controller's lock).</summary>
    public int Outstanding { get; set; }

    /// <summary>Signalled when Outstanding drops to 0 after RemoveUsbDevice.</summary>
    public KEvent Drained { get; } = new();

    /// <summary>The configuration handle SELECT_CONFIGURATION returned.</summary>
    public object? ConfigurationHandle { get; set; }
}

public static partial class UsbPort
{
    // 'UsbT': the tag of the port's own transfer buffers.
    private const uint BufferTag = 0x54627355;

    /// <summary>IOCTL_INTERNAL_USB_SUBMIT_URB: route the URB to the root hub or to a transfer for its device.</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))] // pooled: it suspends once per URB
    private static async ValueTask<NtStatus> PortSubmitUrb(UsbRootHubPdoExtension pdo, Irp irp, Urb? urb)
    {
        var controller = pdo.Controller;
        if (urb is null)
        {
            return await PortComplete(irp, NtStatus.InvalidParameter);
        }
        var device = urb.UrbHeader.UsbdDeviceHandle ?? controller.RootHub;
        urb.UrbHeader.UsbdDeviceHandle = device;
        if (!controller.Started || controller.Removed || device.Removed)
        {
            return await PortCompleteUrb(irp, urb, UsbdStatus.DeviceGone);
        }
        if (device.IsRootHub)
        {
            return await RootHubSubmitUrb(controller, irp, urb); // UsbPort.RootHub.cs
        }
        var context = (UsbDeviceContext)device.PortContext!;
        switch (urb)
        {
            case UrbBulkOrInterruptTransfer bulk:
                if (bulk.PipeHandle is not { } pipe || !pipe.Open || pipe.Device != device || pipe.Endpoint.Type is not (UsbEndpointType.Bulk or UsbEndpointType.Interrupt))
                {
                    return await PortCompleteUrb(irp, urb, UsbdStatus.InvalidPipeHandle);
                }
                if (pipe.Endpoint.IsIn != ((bulk.TransferFlags & UsbdTransferFlags.DirectionIn) != 0))
                {
                    return await PortCompleteUrb(irp, urb, UsbdStatus.InvalidParameter);
                }
                if (pipe.Halted)
                {
                    return await PortCompleteUrb(irp, urb, UsbdStatus.EndpointHalted);
                }
                return await PortStartTransfer(controller, irp, bulk, device, pipe, pipe.Endpoint.IsIn ? UsbTransferKind.In : UsbTransferKind.Out, default);
            case UrbControlTransfer control:
                return await PortStartTransfer(controller, irp, control, device, null, UsbTransferKind.Control,
                    control.SetupPacket with { WLength = (ushort)control.TransferBufferLength });
            case UrbWithBuffer request when PortSetupFor(request) is { } setup:
                return await PortStartTransfer(controller, irp, request, device, null, UsbTransferKind.Control, setup);
            case UrbControlFeatureRequest feature when PortFeatureSetup(feature) is { } setup:
                return await PortStartTransfer(controller, irp, feature, device, null, UsbTransferKind.Control, setup);
            case UrbSelectConfiguration select:
                return await PortCompleteUrb(irp, urb, await PortSelectConfiguration(controller, device, context, select));
            case UrbPipeRequest pipeRequest:
                return await PortCompleteUrb(irp, urb, await PortPipeRequest(controller, device, pipeRequest));
            default:
                return await PortCompleteUrb(irp, urb, UsbdStatus.InvalidUrbFunction);
        }
    }

    /// <summary>The setup packet usb.h's control functions imply (USBD_TRANSFER_DIRECTION_IN decides a class/vendor request's direction).</summary>
    private static UsbSetupPacket? PortSetupFor(UrbWithBuffer urb)
    {
        var length = (ushort)urb.TransferBufferLength;
        var dir = (urb.TransferFlags & UsbdTransferFlags.DirectionIn) != 0 ? BmRequest.DeviceToHost : BmRequest.HostToDevice;
        return urb switch
        {
            UrbControlDescriptorRequest d => new UsbSetupPacket((byte)(BmRequest.DeviceToHost | Recipient(d.UrbHeader.Function)), (byte)UsbRequest.GetDescriptor,
                (ushort)(((int)d.DescriptorType << 8) | d.Index), d.LanguageId, length),
            UrbControlGetStatusRequest s => new UsbSetupPacket((byte)(BmRequest.DeviceToHost | Recipient(s.UrbHeader.Function)), (byte)UsbRequest.GetStatus, 0, s.Index, length),
            UrbControlVendorOrClassRequest v => new UsbSetupPacket(
                (byte)(dir | (IsVendor(v.UrbHeader.Function) ? BmRequest.Vendor : BmRequest.Class) | Recipient(v.UrbHeader.Function) | v.RequestTypeReservedBits),
                v.Request, v.Value, v.Index, length),
            _ when urb.UrbHeader.Function == UrbFunction.GetConfiguration => new UsbSetupPacket(BmRequest.DeviceToHost, (byte)UsbRequest.GetConfiguration, 0, 0, length),
            _ => null,
        };
    }

    private static UsbSetupPacket? PortFeatureSetup(UrbControlFeatureRequest urb)
    {
        var request = urb.UrbHeader.Function switch
        {
            UrbFunction.SetFeatureToDevice or UrbFunction.SetFeatureToInterface or UrbFunction.SetFeatureToEndpoint or UrbFunction.SetFeatureToOther => UsbRequest.SetFeature,
            UrbFunction.ClearFeatureToDevice or UrbFunction.ClearFeatureToInterface or UrbFunction.ClearFeatureToEndpoint or UrbFunction.ClearFeatureToOther => UsbRequest.ClearFeature,
            _ => (UsbRequest?)null,
        };
        return request is { } r ? new UsbSetupPacket(Recipient(urb.UrbHeader.Function), (byte)r, urb.FeatureSelector, urb.Index, 0) : null;
    }

    /// <summary>The recipient bits of bmRequestType for a URB function (device, interface, endpoint, other).</summary>
    internal static byte Recipient(UrbFunction function) => function switch
    {
        UrbFunction.GetDescriptorFromInterface or UrbFunction.GetStatusFromInterface or UrbFunction.SetFeatureToInterface or UrbFunction.ClearFeatureToInterface
            or UrbFunction.ClassInterface or UrbFunction.VendorInterface => BmRequest.ToInterface,
        UrbFunction.GetDescriptorFromEndpoint or UrbFunction.GetStatusFromEndpoint or UrbFunction.SetFeatureToEndpoint or UrbFunction.ClearFeatureToEndpoint
            or UrbFunction.ClassEndpoint or UrbFunction.VendorEndpoint => BmRequest.ToEndpoint,
        UrbFunction.GetStatusFromOther or UrbFunction.SetFeatureToOther or UrbFunction.ClearFeatureToOther or UrbFunction.ClassOther or UrbFunction.VendorOther => BmRequest.ToOther,
        _ => BmRequest.ToDevice,
    };

    private static bool IsVendor(UrbFunction function) =>
        function is UrbFunction.VendorDevice or UrbFunction.VendorInterface or UrbFunction.VendorEndpoint or UrbFunction.VendorOther;

    /// <summary>
    /// SELECT_CONFIGURATION: SET_CONFIGURATION(bConfigurationValue) on the wire, then one pipe per
    /// endpoint of each requested interface (the old configuration's pipes close); a null
    /// configuration unconfigures the device.
    /// </summary>
    private static async ValueTask<UsbdStatus> PortSelectConfiguration(UsbPortFdoExtension controller, UsbdDeviceHandle device, UsbDeviceContext context, UrbSelectConfiguration select)
    {
        IReadOnlyList<(UsbInterfaceDescriptor Interface, IReadOnlyList<UsbEndpointDescriptor> Endpoints)> interfaces;
        byte value = 0;
        try
        {
            interfaces = select.ConfigurationDescriptor is { } bytes ? UsbConfiguration.Parse(bytes) : [];
            value = select.ConfigurationDescriptor is { } b ? UsbConfigurationDescriptor.Read(b).ConfigurationValue : (byte)0;
        }
        catch (FormatException)
        {
            return UsbdStatus.InvalidParameter; // usbport checks the descriptor before sending anything
        }
        var setConfiguration = new UrbControlTransfer
        {
            UrbHeader = { UsbdDeviceHandle = device },
            TransferFlags = UsbdTransferFlags.DefaultPipeTransfer,
            SetupPacket = new UsbSetupPacket(BmRequest.HostToDevice, (byte)UsbRequest.SetConfiguration, value, 0, 0),
        };
        var status = await PortSyncUrb(controller, setConfiguration);
        if (!status.IsSuccess())
        {
            return UsbdStatus.SetConfigFailed;
        }
        foreach (var old in context.Pipes)
        {
            old.Open = false;
        }
        context.Pipes.Clear();
        foreach (var requested in select.Interfaces)
        {
            var match = interfaces.FirstOrDefault(i => i.Interface.InterfaceNumber == requested.InterfaceNumber && i.Interface.AlternateSetting == requested.AlternateSetting);
            if (match.Endpoints is null)
            {
                return UsbdStatus.InterfaceNotFound;
            }
            requested.Class = match.Interface.InterfaceClass;
            requested.SubClass = match.Interface.InterfaceSubClass;
            requested.Protocol = match.Interface.InterfaceProtocol;
            requested.InterfaceHandle = match.Interface;
            var pipes = new List<UsbdPipeInformation>();
            foreach (var endpoint in match.Endpoints)
            {
                var pipe = new UsbdPipeHandle(device, endpoint);
                context.Pipes.Add(pipe);
                pipes.Add(new UsbdPipeInformation
                {
                    EndpointAddress = endpoint.EndpointAddress,
                    MaximumPacketSize = endpoint.MaxPacketSize,
                    Interval = endpoint.Interval,
                    PipeType = (UsbdPipeType)endpoint.Type,
                    PipeHandle = pipe,
                    MaximumTransferSize = controller.Packet.MaximumTransferSize,
                });
            }
            requested.Pipes = pipes;
        }
        context.ConfigurationHandle = select.ConfigurationDescriptor is null ? null : new object();
        select.ConfigurationHandle = context.ConfigurationHandle;
        return UsbdStatus.Success;
    }

    /// <summary>The _URB_PIPE_REQUEST functions.</summary>
    private static async ValueTask<UsbdStatus> PortPipeRequest(UsbPortFdoExtension controller, UsbdDeviceHandle device, UrbPipeRequest request)
    {
        var pipe = request.PipeHandle;
        if (pipe is null || !pipe.Open || pipe.Device != device)
        {
            return UsbdStatus.InvalidPipeHandle;
        }
        switch (request.UrbHeader.Function)
        {
            case UrbFunction.AbortPipe:
                await PortAbortPipe(controller, pipe); // UsbPort.Transfer.cs
                return UsbdStatus.Success;
            case UrbFunction.SyncResetPipe:
                pipe.Halted = false;
                pipe.DataToggle = false;
                return UsbdStatus.Success;
            case UrbFunction.SyncResetPipeAndClearStall:
            case UrbFunction.SyncClearStall:
                if (request.UrbHeader.Function == UrbFunction.SyncResetPipeAndClearStall)
                {
                    pipe.Halted = false;
                    pipe.DataToggle = false;
                }
                var clear = new UrbControlTransfer
                {
                    UrbHeader = { UsbdDeviceHandle = device },
                    TransferFlags = UsbdTransferFlags.DefaultPipeTransfer,
                    SetupPacket = new UsbSetupPacket(BmRequest.ToEndpoint, (byte)UsbRequest.ClearFeature, (ushort)UsbFeature.EndpointHalt, pipe.Endpoint.EndpointAddress, 0),
                };
                return await PortSyncUrb(controller, clear);
            default:
                return UsbdStatus.InvalidUrbFunction;
        }
    }

    /// <summary>Sets the URB's status and completes the IRP with its NTSTATUS.</summary>
    private static ValueTask<NtStatus> PortCompleteUrb(Irp irp, Urb urb, UsbdStatus status)
    {
        urb.UrbHeader.Status = status;
        if (urb is UrbWithBuffer withBuffer && !status.IsSuccess())
        {
            withBuffer.TransferBufferLength = 0;
        }
        return PortComplete(irp, status.ToNtStatus());
    }

    /// <summary>
    /// Sends <paramref name="urb"/> down the root hub PDO and waits (the port's own requests: SET_ADDRESS,
    /// SET_CONFIGURATION, CLEAR_FEATURE, the descriptors the bus interface reads). A buffer in
    /// <paramref name="data"/> travels through nonpaged pool, as DMA needs.
    /// </summary>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    internal static async ValueTask<UsbdStatus> PortSyncUrb(UsbPortFdoExtension controller, UrbWithBuffer urb, byte[]? data = null)
    {
        var target = controller.RootHubPdo;
        if (target is null)
        {
            return UsbdStatus.DeviceGone;
        }
        ulong pool = 0;
        if (data is { Length: > 0 })
        {
            pool = ExAllocatePoolWithTag(PoolType.NonPagedPool, (ulong)data.Length, BufferTag);
            if (pool == 0)
            {
                return UsbdStatus.InsufficientResources;
            }
            await RtlCopyMemory(pool, data);
            urb.TransferBuffer = pool;
            urb.TransferBufferLength = (uint)data.Length;
        }
        var done = new KEvent();
        KeInitializeEvent(done, EventType.NotificationEvent, false);
        var iosb = new IoStatusBlock();
        var irp = IoBuildDeviceIoControlRequest(UsbIoctl.SubmitUrb, target, null, 0, null, 0, true, done.IoSignal, iosb);
        if (irp is null)
        {
            if (pool != 0)
            {
                ExFreePoolWithTag(pool, BufferTag);
            }
            return UsbdStatus.InsufficientResources;
        }
        IoGetNextIrpStackLocation(irp).Parameters.Others.Argument1 = urb;
        var status = await IoCallDriver(target, irp);
        if (status == NtStatus.Pending)
        {
            await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
        }
        if (pool != 0)
        {
            await RtlCopyMemory(data.AsSpan(0, (int)Math.Min(urb.TransferBufferLength, (uint)data!.Length)), pool);
            ExFreePoolWithTag(pool, BufferTag);
        }
        return urb.UrbHeader.Status;
    }
}
