/*++

Module Name:

    UsbPort.RootHub.cs

Abstract:

    The root hub, emulated by the port driver as usbport does (USB 2.0 chapter 11 seen from the
    hub driver): its device and configuration descriptors (a hub, one interface, one interrupt IN
    endpoint 0x81), the hub descriptor, SET_ADDRESS / SET_CONFIGURATION accepted, and the port
    requests (GET_STATUS, SET_FEATURE, CLEAR_FEATURE to a port) answered from the controller's
    root port registers through the miniport's MINIPORT_RH_* routines. The hub driver's
    interrupt transfer on 0x81 (the status change endpoint) stays pending until a root port has a
    change bit set; it then completes with the bitmap of ports that changed (bit N = port N,
    11.12.4). The DPC answers it when the controller reports a port change (USBSTS.PCD).

Environment:

    Kernel mode. IRQL <= DISPATCH_LEVEL.

--*/

using System.Buffers.Binary;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Usb;

public static partial class UsbPort
{
    /// <summary>The root hub's status change endpoint.</summary>
    public const byte RootHubStatusEndpoint = 0x81;

    private static readonly IoCancelRoutine CancelStatusChange = RootHubCancelStatusChange;

    /// <summary>A root hub URB: descriptors, configuration, port requests, or the status change transfer.</summary>
    private static async ValueTask<NtStatus> RootHubSubmitUrb(UsbPortFdoExtension controller, Irp irp, Urb urb)
    {
        var context = (UsbDeviceContext)controller.RootHub.PortContext!;
        UsbSetupPacket setup;
        switch (urb)
        {
            case UrbBulkOrInterruptTransfer status:
                if (status.PipeHandle is not { Open: true } pipe || !context.Pipes.Contains(pipe) || (status.TransferFlags & UsbdTransferFlags.DirectionIn) == 0)
                {
                    return await PortCompleteUrb(irp, urb, UsbdStatus.InvalidPipeHandle);
                }
                return await RootHubQueueStatusChange(controller, irp, status);
            case UrbSelectConfiguration select:
                return await PortCompleteUrb(irp, urb, RootHubSelectConfiguration(controller, context, select));
            case UrbControlTransfer control:
                setup = control.SetupPacket with { WLength = (ushort)control.TransferBufferLength };
                break;
            case UrbWithBuffer request when PortSetupFor(request) is { } implied:
                setup = implied;
                break;
            case UrbControlFeatureRequest feature when PortFeatureSetup(feature) is { } implied:
                setup = implied;
                break;
            case UrbPipeRequest:
                return await PortCompleteUrb(irp, urb, UsbdStatus.Success); // the emulated endpoint never halts
            default:
                return await PortCompleteUrb(irp, urb, UsbdStatus.InvalidUrbFunction);
        }
        var data = new byte[setup.IsDeviceToHost ? setup.WLength : 0];
        var (result, actual) = RootHubControl(controller, setup, data);
        if (result.IsSuccess() && actual > 0 && urb is UrbWithBuffer withBuffer)
        {
            await PortWriteUrbBuffer(withBuffer, data, actual);
            withBuffer.TransferBufferLength = (uint)actual;
            urb.UrbHeader.Status = result;
            return await PortComplete(irp, NtStatus.Success);
        }
        if (urb is UrbWithBuffer empty && result.IsSuccess())
        {
            empty.TransferBufferLength = 0;
        }
        return await PortCompleteUrb(irp, urb, result);
    }

    /// <summary>One control request to the root hub, answered from the descriptors and the root port registers.</summary>
    private static (UsbdStatus Status, int Actual) RootHubControl(UsbPortFdoExtension controller, UsbSetupPacket setup, byte[] data)
    {
        var packet = controller.Packet;
        var ports = packet.RhGetRootHubData(controller);
        var port = setup.WIndex;
        switch (setup.BmRequestType, (UsbRequest)setup.BRequest)
        {
            case (BmRequest.DeviceToHost, UsbRequest.GetDescriptor):
                return (setup.WValue >> 8) switch
                {
                    (int)UsbDescriptorType.Device => Copy(RootHubDeviceDescriptor(), data),
                    (int)UsbDescriptorType.Configuration => Copy(RootHubConfigurationDescriptor(ports), data),
                    _ => (UsbdStatus.StallPid, 0),
                };
            case (BmRequest.DeviceToHost | BmRequest.Class, UsbRequest.GetDescriptor) when (setup.WValue >> 8) == (int)UsbDescriptorType.Hub:
                return Copy(RootHubHubDescriptor(ports), data);
            case (BmRequest.HostToDevice, UsbRequest.SetAddress):
            case (BmRequest.HostToDevice, UsbRequest.SetConfiguration):
                return (UsbdStatus.Success, 0);
            case (BmRequest.DeviceToHost, UsbRequest.GetConfiguration):
                return Copy([1], data);
            case (BmRequest.DeviceToHost, UsbRequest.GetStatus):
                return Copy([1, 0], data); // self-powered
            case (BmRequest.DeviceToHost | BmRequest.Class, UsbRequest.GetStatus):
                return Copy([0, 0, 0, 0], data); // hub status: local power good, no over-current
            case (BmRequest.DeviceToHost | BmRequest.Class | BmRequest.ToOther, UsbRequest.GetStatus) when port >= 1 && port <= ports:
                var (status, change) = packet.RhGetPortStatus(controller, port);
                var bytes = new byte[4];
                BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)status);
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), (ushort)change);
                return Copy(bytes, data);
            case (BmRequest.HostToDevice | BmRequest.Class | BmRequest.ToOther, UsbRequest.SetFeature) when port >= 1 && port <= ports:
                return (packet.RhSetFeature(controller, port, (UsbFeature)setup.WValue) ? UsbdStatus.Success : UsbdStatus.StallPid, 0);
            case (BmRequest.HostToDevice | BmRequest.Class | BmRequest.ToOther, UsbRequest.ClearFeature) when port >= 1 && port <= ports:
                return (packet.RhClearFeature(controller, port, (UsbFeature)setup.WValue) ? UsbdStatus.Success : UsbdStatus.StallPid, 0);
            default:
                return (UsbdStatus.StallPid, 0); // the hub answers an unknown request with a STALL (9.2.7)
        }

        static (UsbdStatus, int) Copy(byte[] source, byte[] destination)
        {
            var n = Math.Min(source.Length, destination.Length);
            source.AsSpan(0, n).CopyTo(destination);
            return (UsbdStatus.Success, n);
        }
    }

    /// <summary>The root hub's device descriptor: a USB 2.0 hub (class 9), one configuration.</summary>
    internal static byte[] RootHubDeviceDescriptor()
    {
        var bytes = new byte[UsbDeviceDescriptor.Size];
        new UsbDeviceDescriptor(0x0200, 0x09, 0x00, 0x00, 64, 0x1234, 0xEC00, 0x0100, 0, 0, 0, 1).Write(bytes);
        return bytes;
    }

    /// <summary>The root hub's configuration: one hub interface with the interrupt IN status change endpoint 0x81.</summary>
    internal static byte[] RootHubConfigurationDescriptor(int ports)
    {
        var total = UsbConfigurationDescriptor.Size + UsbInterfaceDescriptor.Size + UsbEndpointDescriptor.Size;
        var bytes = new byte[total];
        new UsbConfigurationDescriptor((ushort)total, 1, 1, 0, 0xE0, 0).Write(bytes);
        new UsbInterfaceDescriptor(0, 0, 1, 0x09, 0, 0, 0).Write(bytes.AsSpan(UsbConfigurationDescriptor.Size));
        new UsbEndpointDescriptor(RootHubStatusEndpoint, (byte)UsbEndpointType.Interrupt, (ushort)((ports + 8) / 8), 0x0C)
            .Write(bytes.AsSpan(UsbConfigurationDescriptor.Size + UsbInterfaceDescriptor.Size));
        return bytes;
    }

    /// <summary>The hub descriptor (11.23.2.1): per-port power switching and over-current, every device removable.</summary>
    internal static byte[] RootHubHubDescriptor(int ports)
    {
        var maskBytes = (ports + 8) / 8;
        var bytes = new byte[7 + (2 * maskBytes)];
        bytes[0] = (byte)bytes.Length;
        bytes[1] = (byte)UsbDescriptorType.Hub;
        bytes[2] = (byte)ports;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(3), 0x0009);
        bytes[5] = 10; // bPwrOn2PwrGood: 20 ms
        bytes[6] = 0;
        bytes.AsSpan(7 + maskBytes, maskBytes).Fill(0xFF); // PortPwrCtrlMask
        return bytes;
    }

    /// <summary>SELECT_CONFIGURATION of the root hub: its one interface and the status change pipe.</summary>
    private static UsbdStatus RootHubSelectConfiguration(UsbPortFdoExtension controller, UsbDeviceContext context, UrbSelectConfiguration select)
    {
        foreach (var old in context.Pipes)
        {
            old.Open = false;
        }
        context.Pipes.Clear();
        if (select.ConfigurationDescriptor is null)
        {
            return UsbdStatus.Success;
        }
        var endpoint = new UsbEndpointDescriptor(RootHubStatusEndpoint, (byte)UsbEndpointType.Interrupt, (ushort)((controller.Packet.RhGetRootHubData(controller) + 8) / 8), 0x0C);
        var pipe = new UsbdPipeHandle(controller.RootHub, endpoint);
        context.Pipes.Add(pipe);
        foreach (var requested in select.Interfaces)
        {
            if (requested.InterfaceNumber != 0 || requested.AlternateSetting != 0)
            {
                return UsbdStatus.InterfaceNotFound;
            }
            requested.Class = 0x09;
            requested.InterfaceHandle = context;
            requested.Pipes = [new UsbdPipeInformation
            {
                EndpointAddress = endpoint.EndpointAddress,
                MaximumPacketSize = endpoint.MaxPacketSize,
                Interval = endpoint.Interval,
                PipeType = UsbdPipeType.Interrupt,
                PipeHandle = pipe,
                MaximumTransferSize = controller.Packet.MaximumTransferSize,
            }];
        }
        context.ConfigurationHandle = context;
        select.ConfigurationHandle = context;
        return UsbdStatus.Success;
    }

    /// <summary>The status change transfer: completes now if a root port has a change, else waits (cancelable) for the DPC.</summary>
    private static async ValueTask<NtStatus> RootHubQueueStatusChange(UsbPortFdoExtension controller, Irp irp, UrbBulkOrInterruptTransfer urb)
    {
        var transfer = new UsbTransfer(irp, urb, controller.RootHub) { Kind = UsbTransferKind.In, DataIn = true, Length = urb.TransferBufferLength };
        urb.UrbHeader.Status = UsbdStatus.Pending;
        IoMarkIrpPending(irp);
        var old = await KeAcquireSpinLock(controller.Lock);
        controller.StatusChange.AddLast(transfer);
        IoSetCancelRoutine(irp, CancelStatusChange);
        var ready = RootHubTakeStatusChange(controller);
        await KeReleaseSpinLock(controller.Lock, old);
        if (ready is not null)
        {
            await RootHubFinish(ready);
        }
        else if (irp.Cancel && IoSetCancelRoutine(irp, null) is not null)
        {
            await RootHubTakeAndEnd(controller, transfer, UsbdStatus.Canceled);
        }
        return NtStatus.Pending;
    }

    /// <summary>Under the port's lock: the oldest status change transfer, filled with the change bitmap, if any port has a change.</summary>
    private static UsbTransfer? RootHubTakeStatusChange(UsbPortFdoExtension controller)
    {
        if (controller.StatusChange.First is null)
        {
            return null;
        }
        var ports = controller.Packet.RhGetRootHubData(controller);
        var bitmap = new byte[(ports + 8) / 8];
        var any = false;
        for (var port = 1; port <= ports; port++)
        {
            if (controller.Packet.RhGetPortStatus(controller, port).Change != UsbHubPortChange.None)
            {
                bitmap[port / 8] |= (byte)(1 << (port % 8));
                any = true;
            }
        }
        if (!any)
        {
            return null;
        }
        for (var node = controller.StatusChange.First; node is not null; node = node.Next)
        {
            if (IoSetCancelRoutine(node.Value.Irp, null) is not null)
            {
                controller.StatusChange.Remove(node);
                node.Value.RootHubData = bitmap;
                node.Value.UsbdStatus = UsbdStatus.Success;
                return node.Value;
            }
        }
        return null;
    }

    /// <summary>Completes a status change transfer with its bitmap (or its failure status).</summary>
    private static async ValueTask RootHubFinish(UsbTransfer transfer)
    {
        var urb = (UrbWithBuffer)transfer.Urb;
        if (transfer.UsbdStatus.IsSuccess() && transfer.RootHubData is { } bitmap)
        {
            var n = (int)Math.Min((uint)bitmap.Length, urb.TransferBufferLength);
            await PortWriteUrbBuffer(urb, bitmap, n);
            urb.TransferBufferLength = (uint)n;
        }
        else
        {
            urb.TransferBufferLength = 0;
        }
        urb.UrbHeader.Status = transfer.UsbdStatus;
        await PortComplete(transfer.Irp, transfer.UsbdStatus.ToNtStatus());
    }

    /// <summary>The status change transfer's cancel routine (called with the cancel spin lock held).</summary>
    private static async ValueTask RootHubCancelStatusChange(DeviceObject deviceObject, Irp irp)
    {
        IoReleaseCancelSpinLock(irp.CancelIrql);
        var controller = deviceObject.GetExtension<UsbRootHubPdoExtension>().Controller;
        var old = await KeAcquireSpinLock(controller.Lock);
        UsbTransfer? found = null;
        foreach (var transfer in controller.StatusChange)
        {
            if (transfer.Irp == irp)
            {
                found = transfer;
                break;
            }
        }
        await KeReleaseSpinLock(controller.Lock, old);
        if (found is not null)
        {
            await RootHubTakeAndEnd(controller, found, UsbdStatus.Canceled);
        }
    }

    private static async ValueTask RootHubTakeAndEnd(UsbPortFdoExtension controller, UsbTransfer transfer, UsbdStatus status)
    {
        var old = await KeAcquireSpinLock(controller.Lock);
        var removed = controller.StatusChange.Remove(transfer);
        await KeReleaseSpinLock(controller.Lock, old);
        if (removed)
        {
            transfer.UsbdStatus = status;
            await RootHubFinish(transfer);
        }
    }

    /// <summary>Ends every waiting status change transfer with <paramref name="status"/> (the root hub or the controller is going).</summary>
    private static async ValueTask RootHubFlushStatusChange(UsbPortFdoExtension controller, UsbdStatus status)
    {
        var taken = new List<UsbTransfer>();
        var old = await KeAcquireSpinLock(controller.Lock);
        for (var node = controller.StatusChange.First; node is not null;)
        {
            var next = node.Next;
            if (IoSetCancelRoutine(node.Value.Irp, null) is not null)
            {
                controller.StatusChange.Remove(node);
                taken.Add(node.Value);
            }
            node = next;
        }
        await KeReleaseSpinLock(controller.Lock, old);
        foreach (var transfer in taken)
        {
            transfer.UsbdStatus = status;
            await RootHubFinish(transfer);
        }
    }

    /// <summary>Copies the first <paramref name="count"/> bytes of <paramref name="data"/> into the URB's buffer (its MDL's system mapping, or TransferBuffer).</summary>
    private static async ValueTask PortWriteUrbBuffer(UrbWithBuffer urb, byte[] data, int count)
    {
        if (count <= 0)
        {
            return;
        }
        if (urb.TransferBufferMdl is { } mdl)
        {
            var va = MmGetSystemAddressForMdlSafe(mdl, 0);
            await RtlCopyMemory(va, data.AsSpan(0, count));
        }
        else if (urb.TransferBuffer != 0)
        {
            await RtlCopyMemory(urb.TransferBuffer, data.AsSpan(0, count));
        }
    }
}
