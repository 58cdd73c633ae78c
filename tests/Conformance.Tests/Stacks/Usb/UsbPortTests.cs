using System.Buffers.Binary;
using ActorKernel.Actors;
using ActorKernel.Drivers.Usb;
using ActorKernel.Hardware;

namespace ActorKernel.Conformance.Tests.Stacks.Usb;

/// <summary>
/// The usbport/akehci pair under the PnP manager, driven by a test playing the hub driver: the
/// root hub PDO as the controller's child, root hub requests answered from the port registers, the
/// status change transfer, device handles through USB_BUS_INTERFACE_HUB_V5, bulk-only transport by
/// DMA into the client's buffers, the USBD status of a STALL and of a detach and the NTSTATUS the
/// IRP completes with.
/// </summary>
[Trait("Area", "Stacks")]
public sealed class UsbPortTests
{
    [Fact]
    public void The_controller_FDO_reports_the_root_hub_PDO_as_its_child_with_USB_ROOT_HUB20_ids()
    {
        using var bed = new UsbPortBed();

        var controller = bed.Pnp.Node(@"PCI\VEN_1234&DEV_EC00&SUBSYS_00000000&REV_00\00");
        Assert.Equal(DeviceNodeState.Started, controller.State);
        var root = bed.Pnp.Node(@"USB\ROOT_HUB20\0");
        Assert.Same(controller, root.Parent);
        Assert.Equal([@"USB\ROOT_HUB20&VID1234&PIDEC00&REV0100", @"USB\ROOT_HUB20"], root.HardwareIds);
        Assert.Same(bed.RootHubPdo, root.PhysicalDeviceObject);
        Assert.True(bed.Fdo.Started);
    }

    [Fact]
    public void The_root_hub_answers_its_descriptors_and_port_status_from_the_port_registers()
    {
        using var bed = new UsbPortBed();
        byte[] device = [], hub = [];
        (UsbHubPortStatus Status, UsbHubPortChange Change) before = default, after = default, empty = default;

        bed.RunKernel(async () =>
        {
            var pool = UsbPortBed.Allocate(64);
            Assert.Equal(NtStatus.Success, await bed.Submit(Usbd.UsbBuildGetDescriptorRequest(UsbDescriptorType.Device, 0, 0, pool, null, 64)));
            device = await UsbPortBed.ReadPool(pool, 18);
            Assert.Equal(NtStatus.Success, await bed.Submit(Usbd.UsbBuildVendorRequest(UrbFunction.ClassDevice, UsbdTransferFlags.DirectionIn,
                (byte)UsbRequest.GetDescriptor, 0x2900, 0, pool, null, 64)));
            hub = await UsbPortBed.ReadPool(pool, 9);
            UsbPortBed.Free(pool);
            before = await bed.PortStatus(1);
            Assert.Equal(NtStatus.Success, await bed.PortFeature(UsbRequest.ClearFeature, UsbFeature.CPortConnection, 1));
            after = await bed.PortStatus(1);
            empty = await bed.PortStatus(2);
        });

        Assert.Equal(0x09, UsbDeviceDescriptor.Read(device).DeviceClass); // a hub
        Assert.Equal((byte)UsbDescriptorType.Hub, hub[1]);
        Assert.Equal(2, hub[2]); // bNbrPorts
        Assert.Equal(UsbHubPortStatus.Connect | UsbHubPortStatus.HighSpeed | UsbHubPortStatus.Power, before.Status);
        Assert.Equal(UsbHubPortChange.Connect, before.Change); // a device present at controller reset shows as a connect change
        Assert.Equal(UsbHubPortChange.None, after.Change);
        Assert.Equal(UsbHubPortStatus.Power, empty.Status);
        Assert.Equal(UsbPortStatusControl.CurrentConnectStatus | UsbPortStatusControl.PortPower | (UsbPortStatusControl)(2u << 10),
            (UsbPortStatusControl)bed.Controller.Read((int)UsbHostControllerRegister.PortStatusControl1, AccessWidth.Dword));
    }

    [Fact]
    public void The_status_change_transfer_stays_pending_until_a_port_changes_then_returns_the_port_bitmap()
    {
        using var bed = new UsbPortBed(attach: false);
        var pendingBeforeAttach = false;
        byte bitmap = 0;
        NtStatus completed = default;

        bed.RunKernel(async () =>
        {
            var pipe = await bed.ConfigureRootHub();
            var pool = UsbPortBed.Allocate(1);
            var urb = Usbd.UsbBuildInterruptOrBulkTransferRequest(pipe, pool, null, 1, UsbdTransferFlags.DirectionIn | UsbdTransferFlags.ShortTransferOk);
            var (returned, done, iosb) = await bed.SubmitAsync(urb);
            pendingBeforeAttach = returned == NtStatus.Pending && urb.UrbHeader.Status == UsbdStatus.Pending;
            await Wdm.KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10_000); // 1 ms: nothing changes
            pendingBeforeAttach &= urb.UrbHeader.Status == UsbdStatus.Pending;
            bed.Controller.AttachDevice(1, bed.Device); // the plug goes in: CSC, PCD, the interrupt, the DPC
            await UsbPortBed.Wait(done);
            completed = iosb.Status;
            bitmap = (await UsbPortBed.ReadPool(pool, 1))[0];
            UsbPortBed.Free(pool);
        });

        Assert.True(pendingBeforeAttach);
        Assert.Equal(NtStatus.Success, completed);
        Assert.Equal(0b0000_0010, bitmap); // bit 1: port 1 (bit 0 is the hub itself)
    }

    [Fact]
    public void A_hub_client_creates_a_device_and_reads_a_sector_by_bulk_only_transport_through_DMA()
    {
        using var bed = new UsbPortBed();
        var sector = Enumerable.Range(0, 512).Select(i => (byte)(i * 5 + 3)).ToArray();
        bed.Image.WriteSectors(17, sector);
        byte[] data = [], csw = [];
        UsbdDeviceHandle? device = null;

        bed.RunKernel(async () =>
        {
            var (_, handle, bulkIn, bulkOut) = await bed.EnumeratePort1();
            device = handle;
            var cbw = UsbPortBed.Allocate(31);
            var buffer = UsbPortBed.Allocate(512);
            var status = UsbPortBed.Allocate(13);
            await UsbPortBed.WritePool(cbw, UsbPortBed.Cbw(0x1234, 512, true, [0x28, 0, 0, 0, 0, 17, 0, 0, 1, 0]));
            Assert.Equal(NtStatus.Success, await bed.Submit(UsbPortBed.Bulk(handle, bulkOut, cbw, 31, false)));
            var read = UsbPortBed.Bulk(handle, bulkIn, buffer, 512, true);
            Assert.Equal(NtStatus.Success, await bed.Submit(read));
            Assert.Equal(512u, read.TransferBufferLength);
            var wrapper = UsbPortBed.Bulk(handle, bulkIn, status, 13, true);
            Assert.Equal(NtStatus.Success, await bed.Submit(wrapper));
            Assert.Equal(UsbdStatus.Success, wrapper.UrbHeader.Status);
            data = await UsbPortBed.ReadPool(buffer, 512);
            csw = await UsbPortBed.ReadPool(status, 13);
            UsbPortBed.Free(cbw);
            UsbPortBed.Free(buffer);
            UsbPortBed.Free(status);
        });

        Assert.Equal(1, device!.DeviceAddress);
        Assert.Equal(1, bed.Device.Address);
        Assert.Equal(0x08, UsbConfiguration.Parse(device.ConfigurationDescriptor)[0].Interface.InterfaceClass);
        Assert.Equal(sector, data);
        var (valid, tag, residue, result) = UsbMassStorage.ReadCsw(csw);
        Assert.True(valid);
        Assert.Equal((0x1234u, 0u, UsbMassStorage.CswStatusPassed), (tag, residue, result));
    }

    [Fact]
    public void A_STALL_completes_with_USBD_STATUS_STALL_PID_and_STATUS_UNSUCCESSFUL_and_halts_the_pipe_until_reset()
    {
        using var bed = new UsbPortBed();
        UsbdStatus stalled = default, halted = default;
        NtStatus stalledIrp = default, haltedIrp = default, reset = default, after = default;

        bed.RunKernel(async () =>
        {
            var (_, handle, bulkIn, bulkOut) = await bed.EnumeratePort1();
            var pool = UsbPortBed.Allocate(13);
            var early = UsbPortBed.Bulk(handle, bulkIn, pool, 13, true); // a CSW before any CBW: the device stalls
            stalledIrp = await bed.Submit(early);
            stalled = early.UrbHeader.Status;
            var again = UsbPortBed.Bulk(handle, bulkIn, pool, 13, true);
            haltedIrp = await bed.Submit(again);
            halted = again.UrbHeader.Status;
            var clear = new UrbPipeRequest(UrbFunction.SyncResetPipeAndClearStall, bulkIn) { UrbHeader = { UsbdDeviceHandle = handle } };
            reset = await bed.Submit(clear);
            var cbw = UsbPortBed.Allocate(31);
            await UsbPortBed.WritePool(cbw, UsbPortBed.Cbw(7, 0, false, [0x00, 0, 0, 0, 0, 0])); // TEST UNIT READY
            Assert.Equal(NtStatus.Success, await bed.Submit(UsbPortBed.Bulk(handle, bulkOut, cbw, 31, false)));
            after = await bed.Submit(UsbPortBed.Bulk(handle, bulkIn, pool, 13, true));
            UsbPortBed.Free(cbw);
            UsbPortBed.Free(pool);
        });

        Assert.Equal((UsbdStatus.StallPid, NtStatus.Unsuccessful), (stalled, stalledIrp));
        Assert.Equal((UsbdStatus.EndpointHalted, NtStatus.Unsuccessful), (halted, haltedIrp));
        Assert.Equal(NtStatus.Success, reset);
        Assert.Equal(NtStatus.Success, after);
    }

    [Fact]
    public void Malformed_URBs_complete_with_the_USBD_status_usbport_gives_and_STATUS_INVALID_PARAMETER()
    {
        using var bed = new UsbPortBed();
        UsbdStatus function = default, direction = default, pipe = default;
        NtStatus functionIrp = default, directionIrp = default, pipeIrp = default;

        bed.RunKernel(async () =>
        {
            var (_, handle, bulkIn, _) = await bed.EnumeratePort1();
            var frame = new UrbPipeRequest(UrbFunction.GetCurrentFrameNumber, bulkIn) { UrbHeader = { UsbdDeviceHandle = handle } };
            functionIrp = await bed.Submit(frame);
            function = frame.UrbHeader.Status;
            var pool = UsbPortBed.Allocate(16);
            var wrongWay = Usbd.UsbBuildInterruptOrBulkTransferRequest(bulkIn, pool, null, 16, UsbdTransferFlags.DirectionOut);
            wrongWay.UrbHeader.UsbdDeviceHandle = handle;
            directionIrp = await bed.Submit(wrongWay);
            direction = wrongWay.UrbHeader.Status;
            var noPipe = new UrbBulkOrInterruptTransfer { UrbHeader = { UsbdDeviceHandle = handle }, TransferBuffer = pool, TransferBufferLength = 16 };
            pipeIrp = await bed.Submit(noPipe);
            pipe = noPipe.UrbHeader.Status;
            UsbPortBed.Free(pool);
        });

        Assert.Equal((UsbdStatus.InvalidUrbFunction, NtStatus.InvalidParameter), (function, functionIrp));
        Assert.Equal((UsbdStatus.InvalidParameter, NtStatus.InvalidParameter), (direction, directionIrp));
        Assert.Equal((UsbdStatus.InvalidPipeHandle, NtStatus.InvalidParameter), (pipe, pipeIrp));
    }

    [Fact]
    public void A_short_IN_transfer_is_an_error_DATA_UNDERRUN_unless_the_URB_says_USBD_SHORT_TRANSFER_OK()
    {
        using var bed = new UsbPortBed();
        UsbdStatus strict = default, lenient = default;
        NtStatus strictIrp = default, lenientIrp = default;
        uint lenientLength = 0;

        bed.RunKernel(async () =>
        {
            var (_, handle, bulkIn, bulkOut) = await bed.EnumeratePort1();
            var cbw = UsbPortBed.Allocate(31);
            var data = UsbPortBed.Allocate(64);
            foreach (var shortOk in new[] { false, true })
            {
                // INQUIRY: the host allows 64 bytes, the device has 36 (case 5, Hi > Di): a short packet ends the data stage.
                await UsbPortBed.WritePool(cbw, UsbPortBed.Cbw(shortOk ? 2u : 1u, 64, true, [0x12, 0, 0, 0, 64, 0]));
                Assert.Equal(NtStatus.Success, await bed.Submit(UsbPortBed.Bulk(handle, bulkOut, cbw, 31, false)));
                var read = Usbd.UsbBuildInterruptOrBulkTransferRequest(bulkIn, data, null, 64,
                    UsbdTransferFlags.DirectionIn | (shortOk ? UsbdTransferFlags.ShortTransferOk : 0));
                read.UrbHeader.UsbdDeviceHandle = handle;
                var status = await bed.Submit(read);
                if (shortOk)
                {
                    (lenient, lenientIrp, lenientLength) = (read.UrbHeader.Status, status, read.TransferBufferLength);
                }
                else
                {
                    (strict, strictIrp) = (read.UrbHeader.Status, status);
                    var reset = new UrbPipeRequest(UrbFunction.SyncResetPipe, bulkIn) { UrbHeader = { UsbdDeviceHandle = handle } };
                    Assert.Equal(NtStatus.Success, await bed.Submit(reset));
                }
                Assert.Equal(NtStatus.Success, await bed.Submit(UsbPortBed.Bulk(handle, bulkIn, data, 13, true))); // the CSW
            }
            UsbPortBed.Free(cbw);
            UsbPortBed.Free(data);
        });

        Assert.Equal((UsbdStatus.DataUnderrun, NtStatus.Unsuccessful), (strict, strictIrp));
        Assert.Equal((UsbdStatus.Success, NtStatus.Success, 36u), (lenient, lenientIrp, lenientLength));
    }

    [Theory]
    [InlineData(UsbdStatus.Success, NtStatus.Success)]
    [InlineData(UsbdStatus.DeviceGone, NtStatus.NoSuchDevice)]
    [InlineData(UsbdStatus.Canceled, NtStatus.Cancelled)]
    [InlineData(UsbdStatus.StallPid, NtStatus.Unsuccessful)]
    [InlineData(UsbdStatus.DevNotResponding, NtStatus.Unsuccessful)]
    [InlineData(UsbdStatus.InvalidParameter, NtStatus.InvalidParameter)]
    [InlineData(UsbdStatus.InsufficientResources, NtStatus.InsufficientResources)]
    [InlineData(UsbdStatus.NotSupported, NtStatus.NotSupported)]
    public void USBD_status_maps_to_the_NTSTATUS_the_port_completes_the_IRP_with(UsbdStatus usbd, NtStatus nt)
    {
        Assert.Equal(nt, usbd.ToNtStatus());
        Assert.Equal(usbd.IsSuccess(), nt.IsSuccess());
    }

    [Fact]
    public void A_detach_during_a_transfer_completes_it_once_with_DEVICE_GONE_and_STATUS_NO_SUCH_DEVICE_and_so_does_every_later_URB()
    {
        using var bed = new UsbPortBed(deviceLatencyNs: 2_000_000); // a READ's CBW takes 2 ms at the device
        UsbdStatus inFlight = default, later = default;
        NtStatus inFlightIrp = default, laterIrp = default, removed = default;
        var completions = 0;
        byte bitmap = 0;
        (UsbHubPortStatus Status, UsbHubPortChange Change) port = default;

        bed.RunKernel(async () =>
        {
            var (bus, handle, bulkIn, bulkOut) = await bed.EnumeratePort1();
            var statusPipe = bed.Fdo.RootHub.PortContext is not null ? await bed.ConfigureRootHub() : null;
            var cbw = UsbPortBed.Allocate(31);
            await UsbPortBed.WritePool(cbw, UsbPortBed.Cbw(9, 512, true, [0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0]));
            var command = UsbPortBed.Bulk(handle, bulkOut, cbw, 31, false);
            var (returned, done, iosb) = await bed.SubmitAsync(command);
            Assert.Equal(NtStatus.Pending, returned);
            await Wdm.KeDelayExecutionThread(KProcessorMode.KernelMode, false, -5_000); // 0.5 ms: the CBW is at the device
            Assert.Equal(UsbdStatus.Pending, command.UrbHeader.Status);
            bed.Controller.DetachDevice(1);
            await UsbPortBed.Wait(done);
            inFlightIrp = iosb.Status;
            inFlight = command.UrbHeader.Status;
            completions = 1;

            var pool = UsbPortBed.Allocate(1);
            Assert.Equal(NtStatus.Success, await bed.Submit(Usbd.UsbBuildInterruptOrBulkTransferRequest(statusPipe!, pool, null, 1, UsbdTransferFlags.DirectionIn)));
            bitmap = (await UsbPortBed.ReadPool(pool, 1))[0];
            UsbPortBed.Free(pool);
            port = await bed.PortStatus(1);
            removed = await bus.RemoveUsbDevice!(bus.BusContext!, handle, 0);
            var after = UsbPortBed.Bulk(handle, bulkOut, cbw, 31, false);
            laterIrp = await bed.Submit(after);
            later = after.UrbHeader.Status;
            UsbPortBed.Free(cbw);
            await Wdm.KeDelayExecutionThread(KProcessorMode.KernelMode, false, -50_000); // nothing completes twice
        });

        Assert.Equal((UsbdStatus.DeviceGone, NtStatus.NoSuchDevice), (inFlight, inFlightIrp));
        Assert.Equal(1, completions);
        Assert.Equal(0b10, bitmap);
        Assert.Equal(UsbHubPortStatus.Power, port.Status);
        Assert.Equal(UsbHubPortChange.Connect | UsbHubPortChange.Enable, port.Change);
        Assert.Equal(NtStatus.Success, removed);
        Assert.Equal((UsbdStatus.DeviceGone, NtStatus.NoSuchDevice), (later, laterIrp));
        Assert.False(bed.Fdo.AddressInUse[1], "RemoveUsbDevice freed the address");
    }
}
