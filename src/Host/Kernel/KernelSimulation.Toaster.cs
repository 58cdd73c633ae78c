using ActorKernel.Actors;
using ActorKernel.Drivers.Toaster;
using static ActorKernel.Actors.Kernel32;

namespace ActorKernel.Host;

// The toaster family on the scenario's timeline (issue 19, docs/stacks-toaster.md): the runner does
// what the sample's enum.exe does, from a user process. At boot, once the PnP manager has started the
// bus, enum.exe plugs each scenario toaster in (IOCTL_BUSENUM_PLUGIN_HARDWARE); busenum.sys invalidates
// its relations and the PnP manager builds the toaster's stack with the registry's filters. A
// hot-unplug fault on a toaster is enum.exe's IOCTL_BUSENUM_UNPLUG_HARDWARE: the next BusRelations
// leaves the toaster out and the PnP manager surprise-removes its stack.
internal sealed partial class KernelSimulation
{
    // enum.exe, created at the first plug-in (null when the scenario has no toaster).
    private UserProcess? _enumExe;

    /// <summary>
    /// enum.exe plugs every scenario toaster into its bus and the machine runs until the PnP manager
    /// has built their stacks (before any workload starts: the workloads open the toasters' names).
    /// </summary>
    private void PlugInToasters(IReadOnlyList<ScenarioDeviceKey> keys)
    {
        var toasters = keys.Where(k => k.Device.Type == StackCatalog.ToasterType).ToList();
        if (toasters.Count == 0)
        {
            return;
        }
        var done = 0;
        RunEnumExe(toasters, unplug: false, () => Volatile.Write(ref done, 1));
        var pnp = Pnp!;
        WaitForPnp(() => Volatile.Read(ref done) == 1 && pnp.IsIdle);
    }

    /// <summary>A hot-unplug fault on a toaster: enum.exe unplugs it; false when the device is no toaster.</summary>
    private bool TryScheduleToasterUnplug(FaultSpec fault, long at)
    {
        if (fault.Type != "hot-unplug" || _context.Scenario.FindDevice(fault.Device ?? "") is not { Type: StackCatalog.ToasterType } device)
        {
            return false;
        }
        var key = new ScenarioDeviceKey(_context.Scenario.DriverFor(device.Name!)!, device, "");
        AtBootTime(at, () => RunEnumExe([key], unplug: true, () => { }));
        return true;
    }

    /// <summary>A thread of enum.exe: per toaster, opens its bus's FDO and sends the plug-in or unplug IOCTL; failures become notes.</summary>
    private void RunEnumExe(IReadOnlyList<ScenarioDeviceKey> toasters, bool unplug, Action done)
    {
        _enumExe ??= UserProcess.Create(Machine, Io, "enum.exe");
        var process = _enumExe;
        var requests = toasters.Select(t => (t.Device, Bus: BusDeviceName(t.Device), Serial: (uint)(t.Device.Parameter(StackCatalog.SerialNoParameter)?.Number ?? 1))).ToList();
        process.CreateThread(0, unplug ? "unplug" : "plugin", async () =>
        {
            var buffer = process.VirtualAlloc(4096);
            foreach (var (device, bus, serial) in requests)
            {
                var input = unplug ? ToasterCodes.UnplugHardware(serial) : ToasterCodes.PluginHardware(serial, ToasterCodes.BusHardwareId);
                var handle = bus is null ? default : await CreateFile(bus, GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
                if (!handle.IsValid)
                {
                    lock (_notes)
                    {
                        _notes.Add(F($"enum.exe could not open the bus of toaster {device.Name} ({bus ?? "no bus device"})"));
                    }
                    continue;
                }
                process.WriteMemory(buffer, input);
                var result = await DeviceIoControl(handle, unplug ? ToasterCodes.IoctlBusEnumUnplugHardware : ToasterCodes.IoctlBusEnumPluginHardware, buffer, (uint)input.Length, 0, 0);
                await CloseHandle(handle);
                lock (_notes)
                {
                    _notes.Add(F($"enum.exe {(unplug ? "unplugged" : "plugged in")} toaster {device.Name} (serial {serial}): {result.Status.ToDisplayString()}"));
                }
            }
            done();
        });
    }

    /// <summary>The name of the bus FDO a toaster plugs into (busenum.sys's <c>\Device\BusEnumN</c>), read off the bus's device node.</summary>
    private string? BusDeviceName(DeviceSpec toaster)
    {
        var bus = toaster.Parameter(StackCatalog.BusParameter)?.Text;
        var busKey = ScenarioRegistry.Build(_context.Scenario, _hardware).Devices.FirstOrDefault(k => k.Device.Name == bus);
        for (var d = busKey is null ? null : Pnp?.FindDeviceNode(busKey.InstancePath)?.PhysicalDeviceObject; d is not null; d = d.AttachedDevice)
        {
            if (d.DriverObject.ServiceName == BusEnum.ServiceName && d.Name is { } name)
            {
                return name;
            }
        }
        return null;
    }

    /// <summary>Runs the machine until <paramref name="condition"/> holds (or it crashed), as the stacks' build waits for the PnP manager.</summary>
    private void WaitForPnp(Func<bool> condition)
    {
        if (Machine.System.Deterministic is { } deterministic)
        {
            Machine.RunUntil(() => condition() || Machine.IsBugChecked, TimeSpan.FromSeconds(10));
            deterministic.RunForNanoseconds((100 - (Machine.NowNanoseconds % 100)) % 100); // end on a 100 ns tick, as BuildStacks does
        }
        else
        {
            for (var waited = 0; waited < 60_000 && !condition() && !Machine.IsBugChecked; waited++)
            {
                _changed.Wait(TimeSpan.FromMilliseconds(1));
            }
        }
        if (!Machine.IsBugChecked && !condition())
        {
            throw new InvalidOperationException("enum.exe's toasters did not settle in the device tree");
        }
    }
}
