using ActorKernel.Actors;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Filter;
using ActorKernel.Drivers.Interrupts;
using ActorKernel.Drivers.Ioctl;
using ActorKernel.Drivers.Planted;
using ActorKernel.Drivers.RamDisk;
using ActorKernel.Drivers.Robot;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Host;

/// <summary>One scenario device's stack: what workloads open and what the crash report names.</summary>
/// <param name="Device">The scenario device.</param>
/// <param name="Driver">Its function driver's scenario name.</param>
/// <param name="DeviceName">The name requests open (<c>\Device\RamDisk0</c>).</param>
/// <param name="Size">The RAM disk's size (0 for other drivers).</param>
/// <param name="Layers">The device node's stack bottom-up, as image names (<c>ntoskrnl.exe</c> for a root-enumerated PDO, <c>ramdisk.sys</c>, <c>cntfilt.sys</c>).</param>
internal sealed record IoTarget(DeviceSpec Device, string Driver, string DeviceName, long Size, IReadOnlyList<string> Layers)
{
    /// <summary>The function driver keeps what is written at its offset (the RAM disk, the block disk, a USB disk, a toaster's settings): reads can be checked against writes.</summary>
    public bool IsRamDisk => Driver is DriverCatalog.RamDiskDriver or HardwareCatalog.BlockStorageDriver or StackCatalog.ToasterDriver or UsbStorageCatalog.UsbStorageDriver;

    /// <summary>The function driver is the storage port over a block controller: transfers are whole sectors.</summary>
    public bool IsBlockDisk => Driver is HardwareCatalog.BlockStorageDriver or UsbStorageCatalog.UsbStorageDriver;

    /// <summary>What the workloads open when it is not <see cref="DeviceName"/>: a file on the file system mounted on the device (<c>\??\StripeVolume0\data\workload.bin</c>).</summary>
    public string? OpenName { get; init; }

    /// <summary>Reads can be checked against the writes of the workload's region: a disk, or a file on a file system.</summary>
    public bool KeepsData => IsRamDisk || OpenName is not null;

    /// <summary>The PDO of the device's node (the bus driver's), or null when the PnP manager made no node for it.</summary>
    public DeviceObject? Pdo { get; init; }

    /// <summary>The problem code of the device's node (or CM_PROB_FAILED_INSTALL when the PnP manager made none), or null when it started.</summary>
    public CmProblem? Problem { get; init; }

    /// <summary>The counting filters' device extensions, bottom-up.</summary>
    public List<FilterExtension> Filters { get; } = [];

    /// <summary>The AfterThought filters' device extensions (robots), bottom-up.</summary>
    public List<AfterThoughtExtension> SafetyBoxes { get; } = [];

    /// <summary>The interrupt-driven driver's extension, when it is the function driver.</summary>
    public InterruptEchoExtension? Echo { get; set; }
}

internal sealed partial class KernelSimulation
{
    /// <summary>The machine's PnP manager: it built every stack of the scenario (null until the stacks are built).</summary>
    internal PnpManager? Pnp { get; private set; }

    /// <summary>The registry text the scenario became (docs/pnp-power.md).</summary>
    internal string? RegistryText { get; private set; }

    /// <summary>The scenario devices' targets, in scenario order (for tests: each is read off its device node).</summary>
    internal IReadOnlyList<IoTarget> Targets => _targets;

    /// <summary>The scenario this machine runs (one machine's part of a <c>machines</c> scenario).</summary>
    internal Scenario Scenario => _context.Scenario;

    /// <summary>
    /// The scenario's stacks, built as on a real machine: the scenario becomes registry entries
    /// (<see cref="ScenarioRegistry"/>), the PnP manager enumerates the tree from HTREE\ROOT\0 (the root
    /// enumerator reports the devices no bus finds, pci.sys the cards on PCI), loads each driver once
    /// (DriverEntry), calls AddDevice lower filters first, then the function driver, then upper filters,
    /// assigns resources and starts each stack; then the legacy drivers load. Each scenario device's
    /// <see cref="IoTarget"/> is read off its device node's stack; a node with a problem code is
    /// noted in the summary, and the rest of the machine runs.
    /// </summary>
    private void BuildStacks()
    {
        var (text, keys) = ScenarioRegistry.Build(_context.Scenario, _hardware);
        RegistryText = text;
        Pnp = PnpManager.Create(Machine, Io, PnpRegistry.Parse(text), Images(keys));
        Pnp.RequestDeviceEnumeration();
        Pnp.RequestSystemStartDrivers();
        var pnp = Pnp;
        if (Machine.System.Deterministic is { } deterministic)
        {
            Machine.RunUntil(() => pnp.IsIdle || Machine.IsBugChecked, TimeSpan.FromSeconds(10));
            // The host advances the machine in 100 ns ticks (TimeSpan): the boot's setup ends on one, so
            // every slice, and every timeline interval, ends on its boundary.
            deterministic.RunForNanoseconds((100 - (Machine.NowNanoseconds % 100)) % 100);
        }
        else
        {
            // The host's thread sleeps between looks, leaving the cores to the machine's threads.
            for (var waited = 0; waited < 60_000 && !pnp.IsIdle && !Machine.IsBugChecked; waited++)
            {
                _changed.Wait(TimeSpan.FromMilliseconds(1));
            }
        }
        if (Machine.IsBugChecked)
        {
            return; // the crash report tells; no workload starts on a machine that crashed at boot
        }
        if (!pnp.IsIdle)
        {
            throw new InvalidOperationException("the PnP manager did not finish building the device tree");
        }
        WaitForUsbDisks(keys); // KernelSimulation.UsbStorage.cs: a hub reports its devices after their port's reset
        PlugInToasters(keys); // KernelSimulation.Toaster.cs: enum.exe plugs the scenario's toasters into their bus
        if (Machine.IsBugChecked)
        {
            return;
        }
        foreach (var key in keys)
        {
            _targets.Add(Target(key, pnp.FindDeviceNode(key.InstancePath)));
        }
        NoteProblems(pnp.RootDeviceNode);
        PrepareFileSystems(); // KernelSimulation.FileSystem.cs: format.exe and fsinit.exe on each akfs volume
    }

    /// <summary>The target workloads open: the device node's stack, its top's name (or the first named device of a legacy driver).</summary>
    private IoTarget Target(ScenarioDeviceKey key, DeviceNode? node)
    {
        if (key.Spec.Name == UsbStorageCatalog.UsbStorageDriver)
        {
            return UsbDiskTarget(key, node); // KernelSimulation.UsbStorage.cs
        }
        var layers = new List<string>();
        DeviceObject? named = null;
        var target = new IoTarget(key.Device, key.Spec.Name!, "", 0, layers) { Pdo = node?.PhysicalDeviceObject };
        for (var d = node?.PhysicalDeviceObject; d is not null; d = d.AttachedDevice)
        {
            layers.Add(d.DriverObject.ImageName);
            named = d.Name is not null && (named is null || d.DriverObject.ServiceName == node!.ServiceName) ? d : named;
            switch (d.DeviceExtension)
            {
                case FilterExtension filter:
                    target.Filters.Add(filter);
                    break;
                case AfterThoughtExtension box:
                    target.SafetyBoxes.Add(box);
                    break;
                case InterruptEchoExtension echo:
                    target.Echo = echo;
                    break;
            }
        }
        if (node is { ServiceName: { } service } && node.DeviceId.StartsWith(PnpManager.LegacyDeviceIdPrefix, StringComparison.Ordinal)
            && Io.Drivers.FirstOrDefault(x => string.Equals(x.ServiceName, service, StringComparison.OrdinalIgnoreCase)) is { } legacy)
        {
            // A legacy driver's devices stand beside the tree: its first named device is what programs open.
            layers.Add(legacy.ImageName);
            named = legacy.DeviceObjects.FirstOrDefault(x => x.Name is not null) ?? named;
        }
        long size = 0;
        if (named?.DeviceExtension is RamDiskExtension ramdisk)
        {
            size = ramdisk.Image.Length;
        }
        else if (named?.DeviceExtension is Drivers.Toaster.ToasterExtension)
        {
            size = Drivers.Toaster.ToasterExtension.MemorySize;
        }
        else if (key.Spec.Name == HardwareCatalog.BlockStorageDriver)
        {
            size = (long)(key.Device.Parameter(DriverCatalog.SizeParameter)?.Number ?? 8_388_608) / HardwareCatalog.SectorSize * HardwareCatalog.SectorSize;
        }
        var problem = node is null ? CmProblem.FailedInstall : node.Problem != CmProblem.None || node.State != DeviceNodeState.Started ? node.Problem : (CmProblem?)null;
        return target with { DeviceName = named?.Name ?? "", Size = size, Problem = problem };
    }

    /// <summary>Every device node with a problem code, in tree order, as a note of the summary.</summary>
    private void NoteProblems(DeviceNode node)
    {
        if (node.Problem != CmProblem.None)
        {
            var device = _targets.FirstOrDefault(t => ReferenceEquals(t.Pdo, node.PhysicalDeviceObject))?.Device.Name;
            _notes.Add(F($"device node {node.InstancePath}{(device is null ? "" : " (" + device + ")")}: {node.Problem.Name()} (Code {(int)node.Problem}), {node.ProblemStatus.ToDisplayString()}{(node.Conflict is { } c ? "; " + c : "")}"));
        }
        foreach (var child in node.Children)
        {
            NoteProblems(child);
        }
    }

    /// <summary>
    /// The driver images on "disk": image name to DriverEntry. A driver's parameters (a service key's
    /// Parameters subkey) are read when its DriverEntry runs: the RAM disk's size from the first RAM disk
    /// device, intecho.sys's interrupts from the device nodes the PnP manager made.
    /// </summary>
    private Dictionary<string, DriverInitialize> Images(IReadOnlyList<ScenarioDeviceKey> keys)
    {
        var firstRamDisk = keys.FirstOrDefault(k => k.Spec.Name == DriverCatalog.RamDiskDriver)?.Device;
        return new Dictionary<string, DriverInitialize>(StringComparer.OrdinalIgnoreCase)
        {
            [Pci.ImageName] = Pci.DriverEntry,
            // The striped volume and its file system (FileSystemCatalog.cs, KernelSimulation.FileSystem.cs).
            [Drivers.Volume.StripeVolume.ImageName] = StripeDriverEntry(keys),
            [Drivers.FileSystem.Akfs.ImageName] = AkfsDriverEntry(),
            [InterruptEcho.ImageName] = (driver, path) => InterruptEcho.DriverEntryWith(EchoOptions(keys))(driver, path),
            [RamDisk.ImageName] = RamDisk.DriverEntryWith(new RamDiskOptions(
                (int)(firstRamDisk?.Parameter(DriverCatalog.SizeParameter)?.Number ?? DriverCatalog.DefaultRamDiskSize),
                firstRamDisk?.Parameter(DriverCatalog.DirectIoParameter)?.Boolean == true)),
            [Sioctl.ImageName] = Sioctl.DriverEntry,
            [ProsewareRobot.ImageName] = ProsewareRobot.DriverEntry,
            [Drivers.Storage.BlkMiniport.ImageName] = Drivers.Storage.BlkMiniport.DriverEntry,
            [Drivers.Storage.Class.DiskClass.ImageName] = Drivers.Storage.Class.DiskClass.DriverEntry,
            [Drivers.Serial.Serial.ImageName] = Drivers.Serial.Serial.DriverEntry,
            [Drivers.Network.Nic.ImageName] = Drivers.Network.Nic.DriverEntry,
            [Drivers.Usb.AkEhci.ImageName] = Drivers.Usb.AkEhci.DriverEntry,
            [Drivers.Usb.Hub.UsbHub.ImageName] = Drivers.Usb.Hub.UsbHub.DriverEntry,
            [Drivers.Usb.Storage.UsbStor.ImageName] = Drivers.Usb.Storage.UsbStor.DriverEntry,
            [AfterThought.ImageName] = AfterThought.DriverEntry,
            [LeakyFilter.ImageName] = LeakyFilter.DriverEntry,
            [PlantedBug.ImageName] = PlantedBug.DriverEntryWith(new PlantedBugOptions(DriverCatalog.PlantedBugEveryNthRead)),
            [CountingFilter.ImageName] = CountingFilter.DriverEntry,
            // The toaster family and the NDIS pair (issue 19, StackCatalog.cs): the sample's filter is one source under four images.
            [Drivers.Toaster.BusEnum.ImageName] = Drivers.Toaster.BusEnum.DriverEntry,
            [Drivers.Toaster.Toaster.ImageName] = Drivers.Toaster.Toaster.DriverEntry,
            [Drivers.Toaster.ToasterFilter.DevUpperImage] = Drivers.Toaster.ToasterFilter.DriverEntry,
            [Drivers.Toaster.ToasterFilter.DevLowerImage] = Drivers.Toaster.ToasterFilter.DriverEntry,
            [Drivers.Toaster.ToasterFilter.ClsUpperImage] = Drivers.Toaster.ToasterFilter.DriverEntry,
            [Drivers.Toaster.ToasterFilter.ClsLowerImage] = Drivers.Toaster.ToasterFilter.DriverEntry,
            [Drivers.Ndis.AkNdis.ImageName] = Drivers.Ndis.AkNdis.DriverEntry,
        };
    }

    /// <summary>intecho.sys's parameters: each of its devices' interrupt (what a resource arbiter assigned) and the scenario's costs.</summary>
    private InterruptEchoOptions EchoOptions(IReadOnlyList<ScenarioDeviceKey> keys)
    {
        var resources = new List<InterruptEchoResources>();
        var spread = new List<string>();
        foreach (var key in keys)
        {
            // DriverEntry runs at the first device's AddDevice: the root enumerator has reported every root device by then.
            if (key.Spec.Name != DriverCatalog.InterruptEchoDriver || key.Device.Irq is not { } irq
                || Pnp?.FindDeviceNode(key.InstancePath)?.PhysicalDeviceObject.Name is not { } pdo)
            {
                continue;
            }
            var line = Machine.GetInterruptLine(irq);
            resources.Add(new InterruptEchoResources(pdo, line.Vector, (Irql)line.Irql, line.Affinity));
            if (key.Device.Parameter(KernelCatalog.SpreadDpcsParameter)?.Boolean == true)
            {
                spread.Add(pdo);
            }
        }
        return new InterruptEchoOptions
        {
            Resources = resources,
            SpreadDpcs = spread,
            IsrNanoseconds = _costs[KernelCatalog.IsrCost],
            DpcNanoseconds = _costs[KernelCatalog.DpcCost],
            StatisticsHoldNanoseconds = _costs[KernelCatalog.SpinLockHoldCost],
        };
    }

    /// <summary>Per processor, the deepest DPC queue any interrupt-driven device saw (null when none is loaded).</summary>
    private int[]? MaxDpcQueueDepth()
    {
        var echoes = _targets.Where(t => t.Echo is not null).Select(t => t.Echo!.MaxDpcQueueDepth).ToList();
        return echoes.Count == 0 ? null
            : [.. Enumerable.Range(0, Machine.ProcessorCount).Select(cpu => echoes.Max(e => Volatile.Read(ref e[cpu])))];
    }
}
