using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.Pnp;
using ActorKernel.Drivers.Usb;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Stacks.Usb;

/// <summary>
/// The host controller on PCI with the usbport/akehci pair started by the PnP manager, the root hub
/// reported as its child (no hub driver installed), and a kernel thread that plays a tiny hub
/// client: it sends URBs to the root hub PDO and uses USB_BUS_INTERFACE_HUB_V5 as usbhub would.
/// </summary>
internal sealed class UsbPortBed : IDisposable
{
    public const string Registry = """
        [Services]
        pci = pci.sys
        AkEhci = akehci.sys

        [Drivers]
        *PNP0A03 = pci, System
        PCI\VEN_1234&DEV_EC00 = AkEhci, USB

        [Root]
        *PNP0A03\0000 =
        """;

    private const uint Tag = 0x74736554; // 'Test'
    private static readonly KernelModule Module = new("usbtest.sys");

    public UsbPortBed(long deviceLatencyNs = 0, bool attach = true)
    {
        Pnp = new PnpBed();
        Pnp.AddImage(AkEhci.ImageName, AkEhci.DriverEntry);
        Controller = new UsbHostController(UsbHostControllerOptions.NoLatency, Machine.Hal.Platform.Memory, Machine.CreateInterruptPin(PnpBed.PciLine));
        Controller.Attach(Machine.System, "usb0");
        Machine.Hal.Platform.PlacePciDevice("usb0", new PciDeviceDefinition(AkEhci.VendorId, AkEhci.DeviceId, 0x0C, 0x03, 0x20,
            [new PciBarDefinition(PciBarKind.Memory32, Controller)]), PnpBed.PciLine);
        Image = new MemoryDiskImage(256);
        Device = new UsbMassStorageDevice(Image, deviceLatencyNs);
        if (attach)
        {
            Controller.AttachDevice(1, Device);
        }
        Pnp.Enumerate(Registry);
    }

    public PnpBed Pnp { get; }

    public Machine Machine => Pnp.Machine;

    public UsbHostController Controller { get; }

    public MemoryDiskImage Image { get; }

    public UsbMassStorageDevice Device { get; }

    public UsbPortFdoExtension Fdo
    {
        get
        {
            Assert.Equal(NtStatus.Success, Pnp.Io.Objects.Lookup<DeviceObject>(@"\Device\USBFDO-0", out var fdo));
            return fdo!.GetExtension<UsbPortFdoExtension>();
        }
    }

    public DeviceObject RootHubPdo => Fdo.RootHubPdo ?? throw new Xunit.Sdk.XunitException("no root hub PDO");

    /// <summary>Runs <paramref name="body"/> in a system thread (PASSIVE_LEVEL) until it returns; its exception fails the test.</summary>
    public void RunKernel(Func<ValueTask> body)
    {
        var done = false;
        ExceptionDispatchInfo? failure = null;
        Machine.CreateSystemThread(0, Module, "hubclient", async _ =>
        {
            try
            {
                await body();
            }
            catch (Exception e) when (e is not BugCheckException)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                done = true;
            }
        });
        Pnp.RunUntil(() => done);
        failure?.Throw();
    }

    /// <summary>IOCTL_INTERNAL_USB_SUBMIT_URB to the root hub PDO, waited for; the IRP's final status.</summary>
    public async ValueTask<NtStatus> Submit(Urb urb)
    {
        var (irp, done, iosb) = Build(urb);
        var status = await IoCallDriver(RootHubPdo, irp);
        if (status == NtStatus.Pending)
        {
            await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            status = iosb.Status;
        }
        return status;
    }

    /// <summary>Submits without waiting; the returned event signals the completion, whose status lands in the block.</summary>
    public async ValueTask<(NtStatus Returned, KEvent Done, IoStatusBlock Iosb)> SubmitAsync(Urb urb)
    {
        var (irp, done, iosb) = Build(urb);
        var status = await IoCallDriver(RootHubPdo, irp);
        return (status, done, iosb);
    }

    public static async ValueTask Wait(KEvent done) => await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);

    /// <summary>IRP_MN_QUERY_INTERFACE(USB_BUS_INTERFACE_HUB_GUID) to the root hub PDO.</summary>
    public async ValueTask<(NtStatus Status, UsbBusInterfaceHubV5 Interface)> QueryHubInterface()
    {
        var hub = new UsbBusInterfaceHubV5();
        var target = RootHubPdo;
        var irp = IoAllocateIrp(target.DriverObject.Manager, target.StackSize, false);
        irp.IoStatus.Status = NtStatus.NotSupported;
        var stack = irp.NextStackLocation;
        stack.MajorFunction = IrpMajorFunction.Pnp;
        stack.MinorFunction = (byte)PnpMinorFunction.QueryInterface;
        stack.Parameters.Others.Argument1 = UsbBusInterfaceHubV5.InterfaceGuid;
        stack.Parameters.Others.Argument2 = hub;
        var done = new KEvent();
        KeInitializeEvent(done, EventType.NotificationEvent, false);
        IoSetCompletionRoutine(irp, static (_, completed, context) =>
        {
            if (completed.PendingReturned)
            {
                KeSetEvent((KEvent)context!, 0, false);
            }
            return ValueTask.FromResult(NtStatus.MoreProcessingRequired);
        }, done, true, true, true);
        if (await IoCallDriver(target, irp) == NtStatus.Pending)
        {
            await Wait(done);
        }
        var status = irp.IoStatus.Status;
        IoFreeIrp(irp);
        return (status, hub);
    }

    /// <summary>Nonpaged pool for a transfer buffer.</summary>
    public static ulong Allocate(int length) => ExAllocatePoolWithTag(PoolType.NonPagedPool, (ulong)length, Tag);

    public static void Free(ulong pool) => ExFreePoolWithTag(pool, Tag);

    public static async ValueTask<byte[]> ReadPool(ulong pool, int length)
    {
        var bytes = new byte[length];
        await RtlCopyMemory(bytes, pool);
        return bytes;
    }

    public static async ValueTask WritePool(ulong pool, byte[] bytes) => await RtlCopyMemory(pool, bytes);

    /// <summary>A class request to a root port (URB_FUNCTION_CLASS_OTHER) with no data.</summary>
    public ValueTask<NtStatus> PortFeature(UsbRequest request, UsbFeature feature, ushort port) =>
        Submit(Usbd.UsbBuildVendorRequest(UrbFunction.ClassOther, UsbdTransferFlags.DirectionOut, (byte)request, (ushort)feature, port, 0, null, 0));

    /// <summary>GET_STATUS of a root port: wPortStatus and wPortChange.</summary>
    public async ValueTask<(UsbHubPortStatus Status, UsbHubPortChange Change)> PortStatus(ushort port)
    {
        var pool = Allocate(4);
        var urb = Usbd.UsbBuildVendorRequest(UrbFunction.ClassOther, UsbdTransferFlags.DirectionIn, (byte)UsbRequest.GetStatus, 0, port, pool, null, 4);
        Assert.Equal(NtStatus.Success, await Submit(urb));
        var bytes = await ReadPool(pool, 4);
        Free(pool);
        return ((UsbHubPortStatus)BitConverter.ToUInt16(bytes, 0), (UsbHubPortChange)BitConverter.ToUInt16(bytes, 2));
    }

    /// <summary>SELECT_CONFIGURATION of the root hub: its status change pipe.</summary>
    public async ValueTask<UsbdPipeHandle> ConfigureRootHub()
    {
        var pool = Allocate(64);
        Assert.Equal(NtStatus.Success, await Submit(Usbd.UsbBuildGetDescriptorRequest(UsbDescriptorType.Configuration, 0, 0, pool, null, 64)));
        var configuration = await ReadPool(pool, 25);
        Free(pool);
        var select = Usbd.CreateConfigurationRequestEx(configuration);
        Assert.Equal(NtStatus.Success, await Submit(select));
        return select.Interfaces[0].Pipes[0].PipeHandle!;
    }

    /// <summary>
    /// What usbhub does for a connected root port 1: C_PORT_CONNECTION cleared, PORT_RESET and its
    /// change awaited through the status change pipe, then CreateUsbDevice, InitializeUsbDevice and
    /// SELECT_CONFIGURATION of the device: its handle and bulk IN / OUT pipes.
    /// </summary>
    public async ValueTask<(UsbBusInterfaceHubV5 Bus, UsbdDeviceHandle Device, UsbdPipeHandle In, UsbdPipeHandle Out)> EnumeratePort1()
    {
        var statusPipe = await ConfigureRootHub();
        Assert.Equal(NtStatus.Success, await PortFeature(UsbRequest.ClearFeature, UsbFeature.CPortConnection, 1));
        Assert.Equal(NtStatus.Success, await PortFeature(UsbRequest.SetFeature, UsbFeature.PortReset, 1));
        var bitmap = Allocate(1);
        Assert.Equal(NtStatus.Success, await Submit(Usbd.UsbBuildInterruptOrBulkTransferRequest(statusPipe, bitmap, null, 1, UsbdTransferFlags.DirectionIn | UsbdTransferFlags.ShortTransferOk)));
        Free(bitmap);
        var (status, change) = await PortStatus(1);
        Assert.Equal(UsbHubPortChange.Reset, change);
        Assert.Equal(NtStatus.Success, await PortFeature(UsbRequest.ClearFeature, UsbFeature.CPortReset, 1));

        var (queried, bus) = await QueryHubInterface();
        Assert.Equal(NtStatus.Success, queried);
        var box = new StrongBox<UsbdDeviceHandle?>();
        Assert.Equal(NtStatus.Success, await bus.CreateUsbDevice!(bus.BusContext!, box, null, status, 1));
        var device = box.Value!;
        Assert.Equal(NtStatus.Success, await bus.InitializeUsbDevice!(bus.BusContext!, device));
        var select = Usbd.CreateConfigurationRequestEx(device.ConfigurationDescriptor);
        select.UrbHeader.UsbdDeviceHandle = device;
        Assert.Equal(NtStatus.Success, await Submit(select));
        var pipes = select.Interfaces[0].Pipes;
        return (bus, device, pipes.First(p => (p.EndpointAddress & 0x80) != 0).PipeHandle!, pipes.First(p => (p.EndpointAddress & 0x80) == 0).PipeHandle!);
    }

    /// <summary>A bulk transfer of <paramref name="length"/> bytes at a pool buffer for <paramref name="device"/>.</summary>
    public static UrbBulkOrInterruptTransfer Bulk(UsbdDeviceHandle device, UsbdPipeHandle pipe, ulong buffer, int length, bool dataIn)
    {
        var urb = Usbd.UsbBuildInterruptOrBulkTransferRequest(pipe, buffer, null, (uint)length,
            dataIn ? UsbdTransferFlags.DirectionIn | UsbdTransferFlags.ShortTransferOk : UsbdTransferFlags.DirectionOut);
        urb.UrbHeader.UsbdDeviceHandle = device;
        return urb;
    }

    /// <summary>A CBW (UsbMassStorage.WriteCbw).</summary>
    public static byte[] Cbw(uint tag, uint length, bool dataIn, byte[] cdb)
    {
        var cbw = new byte[UsbMassStorage.CbwSize];
        UsbMassStorage.WriteCbw(cbw, tag, length, dataIn, 0, cdb);
        return cbw;
    }

    private (Irp Irp, KEvent Done, IoStatusBlock Iosb) Build(Urb urb)
    {
        var done = new KEvent();
        KeInitializeEvent(done, EventType.NotificationEvent, false);
        var iosb = new IoStatusBlock();
        var irp = IoBuildDeviceIoControlRequest(UsbIoctl.SubmitUrb, RootHubPdo, null, 0, null, 0, true, done.IoSignal, iosb)
            ?? throw new InvalidOperationException("IoBuildDeviceIoControlRequest failed");
        IoGetNextIrpStackLocation(irp).Parameters.Others.Argument1 = urb;
        return (irp, done, iosb);
    }

    public void Dispose() => Pnp.Dispose();
}
