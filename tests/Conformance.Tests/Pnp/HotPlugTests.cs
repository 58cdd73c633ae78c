using ActorKernel.Actors;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Pnp;

/// <summary>Issue 15, acceptance 2 (hot plug): a card placed on the bus at run time gets its stack, and a user-mode listener sees its interface come and go.</summary>
[Trait("Area", "Pnp")]
public sealed class HotPlugTests
{
    [Fact]
    public void Hot_plug_builds_the_stack_and_a_CM_Register_Notification_listener_sees_the_disk_interface_arrive_and_leave()
    {
        using var bed = new PnpBed();
        bed.PlaceSlowDisk("disk0");
        bed.Enumerate(PnpBed.BaseRegistry);
        var bus = bed.Node(@"Root\*PNP0A03\0000");

        var seen = new List<(CmNotifyAction Action, string Link, int Thread)>();
        var registered = false;
        IoResult read = default;
        var stop = false;
        var listener = bed.StartProcess(async p =>
        {
            var filter = new CmNotifyFilter { FilterType = CmNotifyFilterType.DeviceInterface, ClassGuid = PnpGuids.DevInterfaceDisk };
            var result = CfgMgr32.CM_Register_Notification(filter, "ctx", async (_, context, action, data) =>
            {
                Assert.Equal("ctx", context);
                Assert.Equal(PnpGuids.DevInterfaceDisk, data.ClassGuid);
                lock (seen)
                {
                    seen.Add((action, data.SymbolicLink, Processor.Current.KiCurrentThread!.GetHashCode()));
                }
                if (action == CmNotifyAction.DeviceInterfaceArrival)
                {
                    // The callback may use the device at once: open the new disk by its interface and read from it.
                    var handle = await CreateFile(data.SymbolicLink, GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
                    read = await ReadFile(handle, p.VirtualAlloc(4096), 512, new Overlapped { Offset = 0 });
                    await CloseHandle(handle);
                }
                return 0u;
            }, out var notify);
            Assert.Equal(ConfigRet.Success, result);
            registered = true;
            while (!Volatile.Read(ref stop))
            {
                await Sleep(1);
            }
            Assert.Equal(ConfigRet.Success, CfgMgr32.CM_Unregister_Notification(notify!));
            Assert.Equal(ConfigRet.InvalidPointer, CfgMgr32.CM_Unregister_Notification(notify!));
        }, out var done);
        bed.RunUntil(() => registered);

        // A second card into slot 5, while the machine runs: pci.sys hears Presence Detect Changed.
        var controller = bed.PlaceSlowDisk("disk1", slot: 5);
        var path = RemovalBed.DiskPath(5);
        bed.RunUntil(() => bed.Pnp.IsIdle && read != default);

        var node = bed.Node(path);
        Assert.Equal(DeviceNodeState.Started, node.State);
        Assert.Equal(["BlkMini", "pci"], node.DriverStack);
        Assert.Equal(2, bus.Children.Count);
        Assert.Equal((CmNotifyAction.DeviceInterfaceArrival, RemovalBed.DiskInterface(5)), (seen[0].Action, seen[0].Link));
        Assert.True(read.Succeeded, read.ToString());
        Assert.Single(seen); // disk0's interface was enabled before the registration: not announced to it

        bed.Unplug("disk1", controller);
        bed.RunUntil(() => bed.Pnp.IsIdle && seen.Count == 2);
        Assert.Equal((CmNotifyAction.DeviceInterfaceRemoval, RemovalBed.DiskInterface(5)), (seen[1].Action, seen[1].Link));
        Assert.Null(bed.Pnp.FindDeviceNode(path));
        Assert.Equal(DeviceNodeState.Started, bed.Node(RemovalBed.DiskPath(0)).State); // the other disk is untouched
        Assert.NotNull(bed.BlkMini()); // blkmini.sys still drives disk0

        Volatile.Write(ref stop, true);
        bed.RunUntil(done);
        Assert.Equal(seen[0].Thread, seen[1].Thread); // one notification thread, in order
        _ = listener;
    }

    [Fact]
    public void IoRegisterPlugPlayNotification_calls_a_kernel_listener_for_existing_interfaces_and_for_arrivals_and_removals_at_PASSIVE_LEVEL()
    {
        using var bed = new PnpBed();
        bed.PlaceSlowDisk("disk0");
        bed.Enumerate(PnpBed.BaseRegistry);
        var calls = new List<string>();
        PnpNotificationEntry? entry = null;
        var status = NtStatus.Pending;
        var listenerDriver = bed.Io.Drivers.First(d => d.ServiceName == "pci");
        bed.Machine.CreateSystemThread(0, KernelModule.Kernel, "Register", _ =>
        {
            status = Wdm.IoRegisterPlugPlayNotification(IoNotificationEventCategory.EventCategoryDeviceInterfaceChange, Wdm.PnpNotifyDeviceInterfaceIncludeExistingInterfaces,
                PnpGuids.DevInterfaceDisk, listenerDriver, (n, context) =>
                {
                    lock (calls)
                    {
                        calls.Add($"{PnpGuids.Name(n.Event)} {n.SymbolicLinkName} {context} {Processor.Current.Irql.ToDisplayString()} v{n.Version}");
                    }
                    return ValueTask.FromResult(NtStatus.Success);
                }, "k", out entry);
            return ValueTask.CompletedTask;
        });
        bed.RunUntil(() => status != NtStatus.Pending && bed.Pnp.IsIdle && calls.Count == 1);
        var link0 = @"\??\PCI#VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00#00#{53f56307-b6bf-11d0-94f2-00a0c91efb8b}";
        Assert.Equal(NtStatus.Success, status);
        Assert.Equal($"GUID_DEVICE_INTERFACE_ARRIVAL {link0} k PASSIVE_LEVEL v1", calls[0]);

        var controller = bed.PlaceSlowDisk("disk1", slot: 3);
        bed.RunUntil(() => bed.Pnp.IsIdle && calls.Count == 2);
        var link3 = @"\??\PCI#VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00#18#{53f56307-b6bf-11d0-94f2-00a0c91efb8b}";
        Assert.Equal($"GUID_DEVICE_INTERFACE_ARRIVAL {link3} k PASSIVE_LEVEL v1", calls[1]);

        bed.Unplug("disk1", controller);
        bed.RunUntil(() => bed.Pnp.IsIdle && calls.Count == 3);
        Assert.Equal($"GUID_DEVICE_INTERFACE_REMOVAL {link3} k PASSIVE_LEVEL v1", calls[2]);

        var unregistered = NtStatus.Pending;
        bed.Machine.CreateSystemThread(0, KernelModule.Kernel, "Unregister", _ =>
        {
            unregistered = Wdm.IoUnregisterPlugPlayNotificationEx(entry!);
            return ValueTask.CompletedTask;
        });
        bed.RunUntil(() => unregistered != NtStatus.Pending);
        var again = bed.PlaceSlowDisk("disk2", slot: 4);
        bed.RunUntil(() => bed.Pnp.IsIdle && bed.Pnp.FindDeviceNode(RemovalBed.DiskPath(4)) is { State: DeviceNodeState.Started });
        Assert.Equal(3, calls.Count); // nothing after the unregistration
        _ = again;
    }

    [Fact]
    public void IoRegisterDeviceInterface_names_the_link_from_the_instance_path_and_class_guid_and_refuses_a_device_that_is_not_a_pdo()
    {
        using var bed = new PnpBed();
        bed.PlaceSlowDisk("disk0");
        bed.Enumerate(PnpBed.BaseRegistry);
        var pdo = bed.Node(RemovalBed.DiskPath(0)).PhysicalDeviceObject;
        NtStatus onPdo = default, onFdo = default;
        string? link = null, none = "x";
        bed.Machine.CreateSystemThread(0, KernelModule.Kernel, "Register", _ =>
        {
            onPdo = Wdm.IoRegisterDeviceInterface(pdo, PnpGuids.DevInterfaceDisk, null, out link);
            onFdo = Wdm.IoRegisterDeviceInterface(pdo.AttachedDevice!, PnpGuids.DevInterfaceDisk, null, out none);
            return ValueTask.CompletedTask;
        });
        bed.RunUntil(() => onFdo != default || none is null);

        Assert.Equal(NtStatus.Success, onPdo); // registered at start already: the same name again
        Assert.Equal(@"\??\PCI#VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00#00#{53f56307-b6bf-11d0-94f2-00a0c91efb8b}", link);
        Assert.Equal((NtStatus.InvalidDeviceRequest, (string?)null), (onFdo, none));
        Assert.Equal([link!], bed.Pnp.Interfaces.IoGetDeviceInterfaces(PnpGuids.DevInterfaceDisk));
    }
}
