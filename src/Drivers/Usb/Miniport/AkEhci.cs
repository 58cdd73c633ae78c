/*++

Module Name:

    AkEhci.cs

Abstract:

    The miniport for the USB host controller model (src/Hardware/Usb/UsbHostController.cs), the
    hardware half of the pair under the USB port driver, as usbehci.sys is under usbport.sys. It
    touches the controller only through the HAL (READ_REGISTER_ULONG / WRITE_REGISTER_ULONG on the
    BAR mapped with MmMapIoSpace) and the port's common buffer.

    StartController maps the BAR, checks HCIVERSION, resets the controller (HCRESET), lays the
    transfer-descriptor ring and one segment list per slot out in the common buffer and starts the
    schedule (RS, ASE); EnableInterrupts sets USBINTR. SubmitTransfer writes the transfer's segment
    list (the scatter/gather list's logical addresses) and its descriptor, then rings the doorbell
    (ASYNCTAIL). The ISR acknowledges USBSTS (RW1C: the line drops) and leaves the causes for the
    DPC; InterruptDpc walks the ring from the oldest slot while descriptors are no longer ACTIVE,
    maps each completion code to a USBD status and reports it to the port. The MINIPORT_RH_*
    routines turn PORTSC into wPortStatus / wPortChange and hub features into PORTSC writes that
    never touch the other RW1C bits or PR by accident.

    Status map: success (a short IN without USBD_SHORT_TRANSFER_OK: USBD_STATUS_DATA_UNDERRUN);
    STALL: USBD_STATUS_STALL_PID; no response: USBD_STATUS_DEVICE_GONE when the device's root port
    no longer has a device (CCS clear), else USBD_STATUS_DEV_NOT_RESPONDING; a descriptor the
    controller refused: USBD_STATUS_INTERNAL_HC_ERROR.

    Left out: periodic schedule (interrupt endpoints of devices run on the async ring, without
    their polling interval), companion controllers, suspend.

Environment:

    Kernel mode. SubmitTransfer and InterruptDpc at DISPATCH_LEVEL under the port's lock, the ISR
    at the controller's DIRQL.

--*/

using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using ActorKernel.Actors;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Usb;

/// <summary>The host controller's miniport (<c>akehci.sys</c>).</summary>
public static class AkEhci
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "AkEhci";

    /// <summary>The image name.</summary>
    public const string ImageName = "akehci.sys";

    /// <summary>The controller's PCI vendor ID.</summary>
    public const ushort VendorId = 0x1234;

    /// <summary>The controller's PCI device ID.</summary>
    public const ushort DeviceId = 0xEC00;

    /// <summary>The PCI hardware ID the scenario registry maps to this miniport.</summary>
    public const string PciHardwareId = @"PCI\VEN_1234&DEV_EC00";

    private const uint Changes = (uint)(UsbPortStatusControl.ConnectStatusChange | UsbPortStatusControl.PortEnableChange | UsbPortStatusControl.PortResetChange);

    /// <summary>DriverEntry: registers with the port driver.</summary>
    /// <param name="driverObject">The driver object.</param>
    /// <param name="registryPath">The service key.</param>
    /// <returns>What USBPORT_RegisterUSBPortDriver returns.</returns>
    public static ValueTask<NtStatus> DriverEntry(DriverObject driverObject, string registryPath)
    {
        _ = registryPath;
        return ValueTask.FromResult(UsbPort.USBPORT_RegisterUSBPortDriver(driverObject, 200, new UsbPortRegistrationPacket
        {
            CommonBufferBytes = AkEhciExtension.CommonBufferBytes,
            MaximumTransferSize = 64 * 1024,
            StartController = EhciStartController,
            EnableInterrupts = EhciEnableInterrupts,
            StopController = EhciStopController,
            SubmitTransfer = EhciSubmitTransfer,
            InterruptService = EhciInterruptService,
            InterruptDpc = EhciInterruptDpc,
            RhGetRootHubData = controller => Ext(controller).Ports,
            RhGetPortStatus = EhciRhGetPortStatus,
            RhSetFeature = EhciRhSetFeature,
            RhClearFeature = EhciRhClearFeature,
        }));
    }

    /// <summary>MINIPORT_START_CONTROLLER.</summary>
    private static ValueTask<NtStatus> EhciStartController(UsbPortFdoExtension controller, CmResourceList translated)
    {
        var extension = new AkEhciExtension();
        foreach (var descriptor in translated.Descriptors)
        {
            switch (descriptor.Type)
            {
                case CmResourceType.Memory when extension.Registers == 0:
                    extension.RegisterLength = descriptor.u.Memory.Length;
                    extension.Registers = MmMapIoSpace(descriptor.u.Memory.Start, extension.RegisterLength, MemoryCachingType.MmNonCached);
                    break;
                case CmResourceType.Interrupt:
                    controller.InterruptResource = descriptor;
                    break;
                default:
                    break;
            }
        }
        if (extension.Registers == 0 || controller.InterruptResource is null || extension.RegisterLength < UsbHostController.RegisterSpaceLength)
        {
            return ValueTask.FromResult(NtStatus.InsufficientResources);
        }
        controller.MiniportExtension = extension;
        if (Read(extension, UsbHostControllerRegister.CapLengthVersion) != UsbHostController.CapLengthVersionValue)
        {
            return ValueTask.FromResult(NtStatus.DeviceDoesNotExist);
        }
        extension.Ports = (int)(Read(extension, UsbHostControllerRegister.StructuralParameters) & 0xF);
        // HCRESET, then the ring (latched while ASE is clear), then run.
        Write(extension, UsbHostControllerRegister.Command, (uint)UsbCommand.HostControllerReset);
        Write(extension, UsbHostControllerRegister.AsyncListAddressLow, (uint)controller.CommonBufferLogical);
        Write(extension, UsbHostControllerRegister.AsyncListAddressHigh, (uint)(controller.CommonBufferLogical >> 32));
        Write(extension, UsbHostControllerRegister.AsyncListSize, AkEhciExtension.RingSize);
        extension.Head = extension.Tail = 0;
        Write(extension, UsbHostControllerRegister.Command, (uint)(UsbCommand.RunStop | UsbCommand.AsyncScheduleEnable));
        return ValueTask.FromResult((Read(extension, UsbHostControllerRegister.Status) & (uint)UsbStatus.Halted) == 0 ? NtStatus.Success : NtStatus.IoDeviceError);
    }

    /// <summary>MINIPORT_ENABLE_INTERRUPTS: completion, error and port change.</summary>
    private static void EhciEnableInterrupts(UsbPortFdoExtension controller) =>
        Write(Ext(controller), UsbHostControllerRegister.InterruptEnable, (uint)(UsbStatus.UsbInterrupt | UsbStatus.ErrorInterrupt | UsbStatus.PortChangeDetect));

    /// <summary>MINIPORT_STOP_CONTROLLER: interrupts masked, schedule stopped (no more DMA), reset, registers unmapped.</summary>
    private static ValueTask EhciStopController(UsbPortFdoExtension controller)
    {
        if (controller.MiniportExtension is AkEhciExtension extension && extension.Registers != 0)
        {
            Write(extension, UsbHostControllerRegister.InterruptEnable, 0);
            Write(extension, UsbHostControllerRegister.Command, 0);
            Write(extension, UsbHostControllerRegister.Command, (uint)UsbCommand.HostControllerReset);
            MmUnmapIoSpace(extension.Registers, extension.RegisterLength);
            extension.Registers = 0;
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>MINIPORT_SUBMIT_TRANSFER: segment list and descriptor into the tail slot, then the doorbell.</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))] // pooled: it suspends once per transfer
    private static async ValueTask<bool> EhciSubmitTransfer(UsbPortFdoExtension controller, UsbTransfer transfer)
    {
        var extension = Ext(controller);
        var slot = extension.Tail;
        if ((slot + 1) % AkEhciExtension.RingSize == extension.Head || extension.Slots[slot] is not null)
        {
            return false; // full: the port keeps it waiting
        }
        var count = 0;
        if (transfer.ScatterGather is { } list)
        {
            foreach (var element in list.Elements)
            {
                if (count == UsbTransferDescriptorLayout.MaxSegments)
                {
                    break;
                }
                var entry = extension.Segments.AsSpan(count * UsbTransferDescriptorLayout.SegmentSize, UsbTransferDescriptorLayout.SegmentSize);
                BinaryPrimitives.WriteUInt64LittleEndian(entry, element.Address);
                BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], element.Length);
                BinaryPrimitives.WriteUInt32LittleEndian(entry[12..], 0);
                count++;
            }
        }
        var segmentOffset = (ulong)(AkEhciExtension.RingBytes + (slot * AkEhciExtension.SegmentListBytes));
        if (count > 0)
        {
            await RtlCopyMemory(controller.CommonBuffer + segmentOffset, extension.Segments.AsSpan(0, count * UsbTransferDescriptorLayout.SegmentSize));
        }
        var td = extension.Descriptor.AsSpan();
        td.Clear();
        var type = transfer.Kind switch
        {
            UsbTransferKind.Control => UsbTransferType.Control,
            UsbTransferKind.In => UsbTransferType.In,
            _ => UsbTransferType.Out,
        };
        BinaryPrimitives.WriteUInt32LittleEndian(td, UsbTransferDescriptorLayout.Control(type, transfer.Device.DeviceAddress, transfer.EndpointNumber, true));
        BinaryPrimitives.WriteUInt32LittleEndian(td[UsbTransferDescriptorLayout.StatusOffset..], UsbTransferDescriptorLayout.Active);
        BinaryPrimitives.WriteUInt32LittleEndian(td[UsbTransferDescriptorLayout.LengthOffset..], transfer.Length);
        transfer.Setup.Write(td[UsbTransferDescriptorLayout.SetupOffset..]);
        BinaryPrimitives.WriteUInt64LittleEndian(td[UsbTransferDescriptorLayout.SegmentListOffset..], controller.CommonBufferLogical + segmentOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(td[UsbTransferDescriptorLayout.SegmentCountOffset..], (uint)count);
        BinaryPrimitives.WriteUInt64LittleEndian(td[UsbTransferDescriptorLayout.CookieOffset..], (ulong)slot);
        await RtlCopyMemory(controller.CommonBuffer + ((ulong)slot * UsbTransferDescriptorLayout.Size), extension.Descriptor);
        extension.Slots[slot] = transfer;
        transfer.Slot = slot;
        extension.Tail = (slot + 1) % AkEhciExtension.RingSize;
        Write(extension, UsbHostControllerRegister.AsyncTail, (uint)extension.Tail); // the doorbell, after the descriptor is in memory
        return true;
    }

    /// <summary>MINIPORT_INTERRUPT_SERVICE: claims the interrupt when USBSTS has a cause (all ones: the controller is gone, not ours) and acknowledges it.</summary>
    private static ValueTask<bool> EhciInterruptService(UsbPortFdoExtension controller)
    {
        if (controller.MiniportExtension is not AkEhciExtension { Registers: not 0 } extension)
        {
            return ValueTask.FromResult(false);
        }
        var status = Read(extension, UsbHostControllerRegister.Status);
        var causes = status & (uint)(UsbStatus.UsbInterrupt | UsbStatus.ErrorInterrupt | UsbStatus.PortChangeDetect);
        if (causes == 0 || status == uint.MaxValue)
        {
            return ValueTask.FromResult(false);
        }
        Write(extension, UsbHostControllerRegister.Status, causes); // RW1C: the line drops
        Interlocked.Or(ref extension.PendingCauses, (int)causes);
        extension.InterruptsClaimed++;
        return ValueTask.FromResult(true);
    }

    /// <summary>MINIPORT_INTERRUPT_DPC: reports the finished descriptors in ring order; returns whether a root port changed.</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))] // pooled: it suspends once per interrupt
    private static async ValueTask<bool> EhciInterruptDpc(UsbPortFdoExtension controller)
    {
        var extension = Ext(controller);
        var causes = Interlocked.Exchange(ref extension.PendingCauses, 0);
        while (extension.Slots[extension.Head] is { } transfer)
        {
            var td = controller.CommonBuffer + ((ulong)extension.Head * UsbTransferDescriptorLayout.Size);
            await RtlCopyMemory(extension.Result, td + UsbTransferDescriptorLayout.StatusOffset);
            var status = BinaryPrimitives.ReadUInt32LittleEndian(extension.Result);
            if ((status & UsbTransferDescriptorLayout.Active) != 0)
            {
                break; // the controller has not finished it: the ones after it neither
            }
            var actual = BinaryPrimitives.ReadUInt32LittleEndian(extension.Result.AsSpan(UsbTransferDescriptorLayout.ActualOffset - UsbTransferDescriptorLayout.StatusOffset));
            extension.Slots[extension.Head] = null;
            extension.Head = (extension.Head + 1) % AkEhciExtension.RingSize;
            UsbPort.UsbPortCompleteTransfer(controller, transfer, EhciMapStatus(extension, transfer, (UsbCompletionCode)(status & 0xFF), actual), actual);
        }
        return (causes & (int)UsbStatus.PortChangeDetect) != 0;
    }

    /// <summary>The completion code as the USBD status the port reports.</summary>
    private static UsbdStatus EhciMapStatus(AkEhciExtension extension, UsbTransfer transfer, UsbCompletionCode code, uint actual) => code switch
    {
        UsbCompletionCode.Success when transfer.DataIn && actual < transfer.Length && (transfer.Urb is UrbWithBuffer { TransferFlags: var flags })
            && (flags & UsbdTransferFlags.ShortTransferOk) == 0 => UsbdStatus.DataUnderrun,
        UsbCompletionCode.Success => UsbdStatus.Success,
        UsbCompletionCode.Stall => UsbdStatus.StallPid,
        UsbCompletionCode.NoResponse when transfer.Device.PortNumber >= 1 && transfer.Device.PortNumber <= extension.Ports
            && (ReadPort(extension, transfer.Device.PortNumber) & (uint)UsbPortStatusControl.CurrentConnectStatus) == 0 => UsbdStatus.DeviceGone,
        UsbCompletionCode.NoResponse => UsbdStatus.DevNotResponding,
        _ => UsbdStatus.InternalHcError,
    };

    /// <summary>MINIPORT_RH_GET_PORT_STATUS: PORTSC as the hub class sees a port.</summary>
    private static (UsbHubPortStatus Status, UsbHubPortChange Change) EhciRhGetPortStatus(UsbPortFdoExtension controller, int port)
    {
        var portsc = (UsbPortStatusControl)ReadPort(Ext(controller), port);
        var status = UsbHubPortStatus.None;
        if ((portsc & UsbPortStatusControl.CurrentConnectStatus) != 0)
        {
            status |= UsbHubPortStatus.Connect;
            status |= ((uint)(portsc & UsbPortStatusControl.SpeedMask) >> 10) switch
            {
                2 => UsbHubPortStatus.HighSpeed,
                1 => UsbHubPortStatus.LowSpeed,
                _ => UsbHubPortStatus.None,
            };
        }
        if ((portsc & UsbPortStatusControl.PortEnabled) != 0)
        {
            status |= UsbHubPortStatus.Enable;
        }
        if ((portsc & UsbPortStatusControl.PortReset) != 0)
        {
            status |= UsbHubPortStatus.Reset;
        }
        if ((portsc & UsbPortStatusControl.PortPower) != 0)
        {
            status |= UsbHubPortStatus.Power;
        }
        var change = UsbHubPortChange.None;
        if ((portsc & UsbPortStatusControl.ConnectStatusChange) != 0)
        {
            change |= UsbHubPortChange.Connect;
        }
        if ((portsc & UsbPortStatusControl.PortEnableChange) != 0)
        {
            change |= UsbHubPortChange.Enable;
        }
        if ((portsc & UsbPortStatusControl.PortResetChange) != 0)
        {
            change |= UsbHubPortChange.Reset;
        }
        return (status, change);
    }

    /// <summary>MINIPORT_RH_SET_FEATURE_PORT_RESET / _POWER.</summary>
    private static bool EhciRhSetFeature(UsbPortFdoExtension controller, int port, UsbFeature feature)
    {
        var extension = Ext(controller);
        var keep = ReadPort(extension, port) & ~(Changes | (uint)UsbPortStatusControl.PortReset);
        switch (feature)
        {
            case UsbFeature.PortReset:
                WritePort(extension, port, keep | (uint)UsbPortStatusControl.PortReset);
                return true;
            case UsbFeature.PortPower:
                return true; // ports are always powered
            default:
                return false;
        }
    }

    /// <summary>MINIPORT_RH_CLEAR_FEATURE_PORT_ENABLE / _CONNECT_CHANGE / _ENABLE_CHANGE / _RESET_CHANGE.</summary>
    private static bool EhciRhClearFeature(UsbPortFdoExtension controller, int port, UsbFeature feature)
    {
        var extension = Ext(controller);
        var keep = ReadPort(extension, port) & ~(Changes | (uint)UsbPortStatusControl.PortReset);
        switch (feature)
        {
            case UsbFeature.PortEnable:
                WritePort(extension, port, keep & ~(uint)UsbPortStatusControl.PortEnabled);
                return true;
            case UsbFeature.CPortConnection:
                WritePort(extension, port, keep | (uint)UsbPortStatusControl.ConnectStatusChange);
                return true;
            case UsbFeature.CPortEnable:
                WritePort(extension, port, keep | (uint)UsbPortStatusControl.PortEnableChange);
                return true;
            case UsbFeature.CPortReset:
                WritePort(extension, port, keep | (uint)UsbPortStatusControl.PortResetChange);
                return true;
            case UsbFeature.PortPower:
            case UsbFeature.CPortSuspend:
            case UsbFeature.CPortOverCurrent:
                return true; // nothing to clear on this controller
            default:
                return false;
        }
    }

    private static AkEhciExtension Ext(UsbPortFdoExtension controller) => (AkEhciExtension)controller.MiniportExtension!;

    private static uint Read(AkEhciExtension extension, UsbHostControllerRegister register) => READ_REGISTER_ULONG(extension.Registers + (ulong)register);

    private static void Write(AkEhciExtension extension, UsbHostControllerRegister register, uint value) => WRITE_REGISTER_ULONG(extension.Registers + (ulong)register, value);

    private static uint ReadPort(AkEhciExtension extension, int port) =>
        READ_REGISTER_ULONG(extension.Registers + (ulong)UsbHostControllerRegister.PortStatusControl1 + (ulong)(4 * (port - 1)));

    private static void WritePort(AkEhciExtension extension, int port, uint value) =>
        WRITE_REGISTER_ULONG(extension.Registers + (ulong)UsbHostControllerRegister.PortStatusControl1 + (ulong)(4 * (port - 1)), value);
}
