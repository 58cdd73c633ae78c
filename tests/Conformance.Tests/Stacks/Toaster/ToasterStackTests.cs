using ActorKernel.Actors;
using ActorKernel.Drivers.Toaster;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Stacks.Toaster;

/// <summary>
/// The toaster family built by the PnP manager from the registry (issue 19: the toaster stack):
/// the bus on a root-enumerated PDO, toasters enumerated on demand from a user program, each toaster
/// stack with its device and class filters in the registry's order, user I/O through it.
/// </summary>
[Trait("Area", "Stacks")]
public sealed class ToasterStackTests
{
    private const string TreeWithTwoToasters = """
        DevNode HTREE\ROOT\0
          State = DeviceNodeStarted (0x308)
          Stack = PnpManager
          DevNode Root\busenum\0000
            State = DeviceNodeStarted (0x308)
            Service = BusEnum (Class System)
            Stack = BusEnum > PnpManager
            DevNode {B85B7C50-6A01-11d2-B841-00C04FAD5171}\MsToaster\01
              State = DeviceNodeStarted (0x308)
              Service = Toaster (Class TOASTER)
              Stack = ClsUpper > DevUpper > Toaster > ClsLower > DevLower > BusEnum
            DevNode {B85B7C50-6A01-11d2-B841-00C04FAD5171}\MsToaster\02
              State = DeviceNodeStarted (0x308)
              Service = Toaster (Class TOASTER)
              Stack = ClsUpper > DevUpper > Toaster > ClsLower > DevLower > BusEnum

        """;

    [Fact]
    public void The_bus_starts_on_its_root_enumerated_pdo_with_no_toaster_until_a_program_plugs_one_in()
    {
        using var bed = new ToasterBed();

        Assert.Equal(DeviceNodeState.Started, bed.Bus.State);
        Assert.Empty(bed.Bus.Children);
        Assert.Equal(["BusEnum", "PnpManager"], bed.Bus.DriverStack);
        Assert.Contains("IRP_MN_QUERY_DEVICE_RELATIONS BusRelations -> STATUS_SUCCESS (0x00000000)", bed.Pnp.Steps(bed.Bus));
    }

    [Fact]
    public void Two_toasters_plugged_in_from_a_user_program_become_two_started_stacks_in_the_device_tree()
    {
        using var bed = new ToasterBed();
        IoResult[] plugged = [];

        bed.Run(async () => plugged = await bed.PlugIn(1, 2));

        Assert.All(plugged, r => Assert.True(r.Succeeded, r.Status.ToDisplayString()));
        Assert.Equal(TreeWithTwoToasters.Replace("\r\n", "\n", StringComparison.Ordinal), bed.Pnp.Pnp.DumpDeviceTree());
    }

    [Fact]
    public void On_the_concurrent_dispatcher_with_two_processors_two_toasters_plugged_in_give_the_same_tree()
    {
        using var bed = new ToasterBed(dispatcher: DispatcherKind.Concurrent, processors: 2);

        bed.Run(async () => await bed.PlugIn(1, 2));
        bed.Pnp.RunUntil(() => bed.Bus.Children.Count == 2 && bed.Bus.Children.All(c => c.State == DeviceNodeState.Started));

        Assert.Equal(TreeWithTwoToasters.Replace("\r\n", "\n", StringComparison.Ordinal), bed.Pnp.Pnp.DumpDeviceTree());
    }

    [Fact]
    public void Plugging_in_is_deterministic_the_same_run_gives_the_same_tree_and_the_same_pnp_steps()
    {
        using var first = new ToasterBed();
        using var second = new ToasterBed();

        first.Run(async () => await first.PlugIn(1, 2));
        second.Run(async () => await second.PlugIn(1, 2));

        Assert.Equal(first.Pnp.Pnp.DumpDeviceTree(), second.Pnp.Pnp.DumpDeviceTree());
        Assert.Equal(first.Pnp.Pnp.Log.Select(e => e.ToString()), second.Pnp.Pnp.Log.Select(e => e.ToString()));
        Assert.Contains(first.Pnp.Pnp.Log, e => e.What.StartsWith(@"AddDevice \Driver\ClsUpper (UpperClassFilter)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_toaster_pdo_answers_the_samples_ids_and_capabilities()
    {
        using var bed = new ToasterBed();
        bed.Run(async () => await bed.PlugIn(7));
        var toaster = bed.Pnp.Node(ToasterBed.ToasterInstance(7));

        Assert.Equal(ToasterCodes.BusHardwareId, toaster.DeviceId);
        Assert.Equal("07", toaster.InstanceId);
        Assert.Equal([ToasterCodes.BusHardwareId], toaster.HardwareIds);
        Assert.Equal([ToasterCodes.BusCompatibleId], toaster.CompatibleIds);
        var capabilities = toaster.Capabilities!;
        Assert.True(capabilities.Removable && capabilities.EjectSupported && capabilities.SurpriseRemovalOk);
        Assert.False(capabilities.UniqueId);
        Assert.Equal(7u, capabilities.Address);
        Assert.Equal(7u, capabilities.UiNumber);
    }

    [Fact]
    public void Each_device_object_of_a_toaster_stack_belongs_to_the_driver_the_registry_put_there_lower_filters_device_key_first()
    {
        using var bed = new ToasterBed();
        bed.Run(async () => await bed.PlugIn(1));
        var toaster = bed.Pnp.Node(ToasterBed.ToasterInstance(1));

        var stack = ToasterBed.StackOf(toaster);

        // Bottom up: the PDO, device LowerFilters, class LowerFilters, the function driver, device UpperFilters, class UpperFilters.
        Assert.Equal([@"\Driver\BusEnum", @"\Driver\DevLower", @"\Driver\ClsLower", @"\Driver\Toaster", @"\Driver\DevUpper", @"\Driver\ClsUpper"],
            stack.Select(d => d.DriverObject.Name));
        Assert.IsType<BusEnumPdoExtension>(stack[0].DeviceExtension);
        Assert.IsType<ToasterExtension>(stack[3].DeviceExtension);
        Assert.All(new[] { stack[1], stack[2], stack[4], stack[5] }, d => Assert.IsType<ToasterFilterExtension>(d.DeviceExtension));
        Assert.Equal(@"\Device\Toaster0", stack[3].Name);
        Assert.True(stack[0].Flags.HasFlag(DeviceObjectFlags.BusEnumeratedDevice));
        // A filter takes the type of the device it attaches to: the PDO's below the function driver, the toaster's above.
        Assert.Equal([DeviceType.BusExtender, DeviceType.BusExtender, DeviceType.BusExtender, DeviceType.Unknown, DeviceType.Unknown, DeviceType.Unknown],
            stack.Select(d => d.DeviceType));
        // The top device buffers as the function driver does: a filter copies DO_BUFFERED_IO from below.
        Assert.True(stack[^1].Flags.HasFlag(DeviceObjectFlags.BufferedIo));
        Assert.Equal(stack.Count, stack[^1].StackSize);
    }

    [Fact]
    public void Reads_and_writes_from_user_mode_pass_every_filter_and_reach_the_toaster_each_toaster_its_own_data()
    {
        using var bed = new ToasterBed();
        var first = Enumerable.Range(0, 512).Select(i => (byte)(i * 3)).ToArray();
        var second = Enumerable.Range(0, 512).Select(i => (byte)(255 - i)).ToArray();
        var back = new[] { new byte[512], new byte[512] };
        IoResult dontDisplay = default, unknown = default;
        bed.Run(async () => await bed.PlugIn(1, 2));

        bed.Run(async () =>
        {
            var buffer = bed.Process.VirtualAlloc(4096);
            var handles = new Handle[2];
            for (var i = 0; i < 2; i++)
            {
                handles[i] = await CreateFile($@"\\.\Toaster{i}", GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
                Assert.True(handles[i].IsValid, $"Toaster{i} opens");
                bed.Process.WriteMemory(buffer, i == 0 ? first : second);
                Assert.True((await WriteFile(handles[i], buffer, 512, new Overlapped { Offset = 1024 })).Succeeded);
            }
            for (var i = 0; i < 2; i++)
            {
                bed.Process.WriteMemory(buffer, new byte[512]);
                var read = await ReadFile(handles[i], buffer, 512, new Overlapped { Offset = 1024 });
                Assert.Equal(512u, read.BytesTransferred);
                bed.Process.ReadMemory(buffer, back[i]);
            }
            dontDisplay = await bed.Control(handles[0], ToasterCodes.IoctlToasterDontDisplayInUiDevice, [0]);
            unknown = await bed.Control(handles[0], ToasterCodes.BusEnumIoctl(0x7FF), [0]);
            await CloseHandle(handles[0]);
            await CloseHandle(handles[1]);
        });

        Assert.Equal(first, back[0]);
        Assert.Equal(second, back[1]);
        Assert.True(dontDisplay.Succeeded);
        Assert.Equal(NtStatus.InvalidDeviceRequest, unknown.Status);
        var stack = ToasterBed.StackOf(bed.Pnp.Node(ToasterBed.ToasterInstance(1)));
        Assert.True(stack[3].GetExtension<ToasterExtension>().DontDisplayInUi);
        Assert.Equal(1, stack[3].GetExtension<ToasterExtension>().Writes);
        foreach (var filter in stack.Where(d => d.DeviceExtension is ToasterFilterExtension))
        {
            var counts = filter.GetExtension<ToasterFilterExtension>();
            // Above the function driver a filter sees every request; below it, none of these (toaster.sys completes them).
            var above = stack.IndexOf(filter) > 3;
            Assert.Equal(above ? 1 : 0, counts.RequestCount(IrpMajorFunction.Read));
            Assert.Equal(above ? 1 : 0, counts.RequestCount(IrpMajorFunction.Write));
            Assert.Equal(above ? 2 : 0, counts.RequestCount(IrpMajorFunction.DeviceControl));
        }
    }
}
