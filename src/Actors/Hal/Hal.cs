using ActorKernel.Hardware;

namespace ActorKernel.Actors;

/// <summary>
/// The hardware abstraction layer of one machine (hal.dll): it decodes every driver access to ports
/// and device registers through the platform's address decoder, maps device memory (MmMapIoSpace),
/// translates bus-relative interrupts to system vectors and DIRQLs, reads and writes PCI
/// configuration space, hands out DMA adapters, and turns each placed device's resources into the
/// raw and translated CM_RESOURCE_LISTs IRP_MN_START_DEVICE carries. Every access is counted and
/// checked against the resources the calling driver was given (docs/hardware.md).
/// </summary>
/// <remarks>Thread-safe: processors of the concurrent dispatcher call it at once.</remarks>
public sealed partial class Hal
{
    private readonly Lock _lock = new();
    private readonly List<HalFinding> _findings = [];
    // Replaced, never changed, under _lock: every register and port access reads it without a lock.
    private ResourceGrant[] _grants = [];
    private long _portAccesses;
    private long _registerAccesses;
    private long _dmaTransfers;
    private long _dmaBytes;

    internal Hal(Machine machine)
    {
        Machine = machine;
        Platform = new HardwarePlatform(machine.Memory.Physical);
    }

    /// <summary>The machine.</summary>
    public Machine Machine { get; }

    /// <summary>The hardware: physical memory, the address decoder, PCI bus 0 and the placed devices.</summary>
    public HardwarePlatform Platform { get; }

    /// <summary>The cost of hardware accesses (set before the machine runs).</summary>
    public HalCostModel Costs { get; set; } = HalCostModel.Default;

    /// <summary>
    /// Map registers each DMA adapter owns (its share of the HAL's map register file). IoGetDmaAdapter
    /// grants min(BYTES_TO_PAGES(MaximumLength) + 1, this); set it before IoGetDmaAdapter.
    /// </summary>
    public uint MapRegistersPerAdapter { get; set; } = 256;

    /// <summary>Port accesses so far (each element of a _BUFFER_ form counts).</summary>
    public long PortAccesses => Interlocked.Read(ref _portAccesses);

    /// <summary>Memory-mapped register accesses so far.</summary>
    public long RegisterAccesses => Interlocked.Read(ref _registerAccesses);

    /// <summary>DMA transfers set up so far: scatter/gather lists handed out and MapTransfer runs mapped.</summary>
    public long DmaTransfers => Interlocked.Read(ref _dmaTransfers);

    /// <summary>Bytes those transfers cover.</summary>
    public long DmaBytes => Interlocked.Read(ref _dmaBytes);

    /// <summary>What the HAL's checks found, in order (each names the driver and routine).</summary>
    public IReadOnlyList<HalFinding> Findings
    {
        get
        {
            lock (_lock)
            {
                return [.. _findings];
            }
        }
    }

    /// <summary>
    /// The raw (bus-relative) and translated (processor-relative) CM_RESOURCE_LISTs of a placed device,
    /// as the PnP manager hands them to the driver in IRP_MN_START_DEVICE.
    /// </summary>
    /// <param name="device">The placed device.</param>
    /// <returns>AllocatedResources and AllocatedResourcesTranslated.</returns>
    public (CmResourceList Raw, CmResourceList Translated) GetResourceLists(PlacedDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var raw = new List<CmPartialResourceDescriptor>();
        var translated = new List<CmPartialResourceDescriptor>();
        foreach (var r in device.Resources)
        {
            switch (r.Kind)
            {
                case HardwareResourceKind.Port:
                    // x86/x64: I/O space stays I/O space after translation (CM_RESOURCE_PORT_IO in both).
                    var port = new CmPartialResourceDescriptor(CmResourceType.Port, CmShareDisposition.DeviceExclusive, CmResourceFlags.PortIo,
                        new CmResourceUnion { Port = new CmRange(r.Start, (uint)r.Length) });
                    raw.Add(port);
                    translated.Add(port);
                    break;
                case HardwareResourceKind.Memory:
                    var memory = new CmPartialResourceDescriptor(CmResourceType.Memory, CmShareDisposition.DeviceExclusive, CmResourceFlags.None,
                        new CmResourceUnion { Memory = new CmRange(r.Start, (uint)r.Length) });
                    raw.Add(memory);
                    translated.Add(memory);
                    break;
                case HardwareResourceKind.Interrupt:
                    var line = Machine.GetInterruptLine((int)r.Start);
                    var affinity = line.Affinity != 0 ? line.Affinity : AllProcessors(Machine.ProcessorCount);
                    var share = r.Shared ? CmShareDisposition.Shared : CmShareDisposition.DeviceExclusive;
                    var flags = r.LevelSensitive ? CmResourceFlags.None : CmResourceFlags.InterruptLatched;
                    raw.Add(new CmPartialResourceDescriptor(CmResourceType.Interrupt, share, flags,
                        new CmResourceUnion { Interrupt = new CmInterrupt((uint)r.Start, (uint)r.Start, affinity) }));
                    translated.Add(new CmPartialResourceDescriptor(CmResourceType.Interrupt, share, flags,
                        new CmResourceUnion { Interrupt = new CmInterrupt(line.Irql, (uint)line.Vector, affinity) }));
                    break;
                case HardwareResourceKind.Dma:
                    var dma = new CmPartialResourceDescriptor(CmResourceType.Dma, CmShareDisposition.DeviceExclusive, CmResourceFlags.None,
                        new CmResourceUnion { Dma = new CmDma((uint)r.Start, 0) });
                    raw.Add(dma);
                    translated.Add(dma);
                    break;
            }
        }
        var bus = device.Pci is { } pci ? (InterfaceType.PciBus, (uint)pci.Bus) : (InterfaceType.Isa, 0u);
        return (new CmResourceList([new CmFullResourceDescriptor(bus.Item1, bus.Item2, new CmPartialResourceList(raw))]),
            new CmResourceList([new CmFullResourceDescriptor(InterfaceType.Internal, 0, new CmPartialResourceList(translated))]));
    }

    /// <summary>
    /// Records that <paramref name="module"/>'s driver was given <paramref name="device"/>'s resources
    /// (the PnP manager does this when it starts the device's stack); its port and register accesses
    /// to them pass the HAL's resource check.
    /// </summary>
    /// <param name="device">The placed device.</param>
    /// <param name="module">A driver of the device's stack.</param>
    public void GrantResources(PlacedDevice device, KernelModule module)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(module);
        lock (_lock)
        {
            var index = Array.FindIndex(_grants, g => g.Device == device);
            if (index < 0)
            {
                Volatile.Write(ref _grants, [.. _grants, new ResourceGrant(device, [module])]);
            }
            else if (Array.IndexOf(_grants[index].Modules, module) < 0)
            {
                var next = (ResourceGrant[])_grants.Clone();
                next[index] = new ResourceGrant(device, [.. next[index].Modules, module]);
                Volatile.Write(ref _grants, next);
            }
        }
    }

    /// <summary>Takes the resources back (IRP_MN_STOP_DEVICE / IRP_MN_REMOVE_DEVICE).</summary>
    /// <param name="device">The placed device.</param>
    public void RevokeResources(PlacedDevice device)
    {
        lock (_lock)
        {
            Volatile.Write(ref _grants, Array.FindAll(_grants, g => g.Device != device));
        }
    }

    /// <summary>Whether <paramref name="module"/> was given <paramref name="device"/>'s resources (the kernel itself always is).</summary>
    /// <param name="device">The device.</param>
    /// <param name="module">The module.</param>
    /// <returns>True when granted.</returns>
    public bool IsGranted(PlacedDevice device, KernelModule module)
    {
        if (ReferenceEquals(module, KernelModule.Kernel) || ReferenceEquals(module, Machine.HalModule))
        {
            return true;
        }
        foreach (var grant in Volatile.Read(ref _grants))
        {
            if (grant.Device == device)
            {
                return Array.IndexOf(grant.Modules, module) >= 0;
            }
        }
        return false;
    }

    private sealed record ResourceGrant(PlacedDevice Device, KernelModule[] Modules);

    /// <summary>Records a finding naming the running routine's driver.</summary>
    internal void HalpReport(Processor processor, HalViolation violation, ulong address, string detail)
    {
        var frame = processor.Top;
        var finding = new HalFinding(violation, frame?.Module.Name ?? KernelModule.Kernel.Name, frame?.RoutineName ?? "", address, detail);
        lock (_lock)
        {
            _findings.Add(finding);
        }
    }

    /// <summary>Whether the running routine's driver runs under Driver Verifier (its DMA checking included).</summary>
    internal bool HalpVerified(Processor processor)
    {
        var module = processor.Top?.Module;
        if (module is null || ReferenceEquals(module, KernelModule.Kernel) || KeIoProcessor.ManagerOf(Machine) is not { } io)
        {
            return false;
        }
        return io.IsVerified(io.IopDriverOfModule(module));
    }

    internal void HalpCountPort(int n) => Interlocked.Add(ref _portAccesses, n);

    internal void HalpCountRegister(int n) => Interlocked.Add(ref _registerAccesses, n);

    internal void HalpCountTransfer(ulong bytes)
    {
        Interlocked.Increment(ref _dmaTransfers);
        Interlocked.Add(ref _dmaBytes, (long)bytes);
    }

    private static ulong AllProcessors(int count) => count >= 64 ? ulong.MaxValue : (1UL << count) - 1;
}
