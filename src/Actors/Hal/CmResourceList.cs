namespace ActorKernel.Actors;

/// <summary>CM_RESOURCE_TYPE: the Type of a CM_PARTIAL_RESOURCE_DESCRIPTOR (wdm.h values).</summary>
public enum CmResourceType : byte
{
    /// <summary>CmResourceTypeNull (0).</summary>
    Null = 0,

    /// <summary>CmResourceTypePort (1): u.Port.</summary>
    Port = 1,

    /// <summary>CmResourceTypeInterrupt (2): u.Interrupt.</summary>
    Interrupt = 2,

    /// <summary>CmResourceTypeMemory (3): u.Memory.</summary>
    Memory = 3,

    /// <summary>CmResourceTypeDma (4): u.Dma.</summary>
    Dma = 4,
}

/// <summary>CM_SHARE_DISPOSITION.</summary>
public enum CmShareDisposition : byte
{
    /// <summary>CmResourceShareUndetermined (0).</summary>
    Undetermined = 0,

    /// <summary>CmResourceShareDeviceExclusive (1).</summary>
    DeviceExclusive = 1,

    /// <summary>CmResourceShareDriverExclusive (2).</summary>
    DriverExclusive = 2,

    /// <summary>CmResourceShareShared (3).</summary>
    Shared = 3,
}

/// <summary>The Flags of a partial resource descriptor (wdm.h CM_RESOURCE_* values; their meaning depends on Type).</summary>
[Flags]
public enum CmResourceFlags : ushort
{
    /// <summary>0: CM_RESOURCE_PORT_MEMORY, CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE, CM_RESOURCE_MEMORY_READ_WRITE.</summary>
    None = 0,

    /// <summary>CM_RESOURCE_PORT_IO (0x1): the port range lies in I/O space (translated: still I/O space on x86/x64).</summary>
    PortIo = 0x0001,

    /// <summary>CM_RESOURCE_INTERRUPT_LATCHED (0x1): edge-triggered.</summary>
    InterruptLatched = 0x0001,

    /// <summary>CM_RESOURCE_PORT_16_BIT_DECODE (0x4).</summary>
    Port16BitDecode = 0x0004,

    /// <summary>CM_RESOURCE_MEMORY_PREFETCHABLE (0x4).</summary>
    MemoryPrefetchable = 0x0004,
}

/// <summary>INTERFACE_TYPE: the bus a resource list describes (wdm.h values).</summary>
public enum InterfaceType
{
    /// <summary>InterfaceTypeUndefined (-1).</summary>
    Undefined = -1,

    /// <summary>Internal (0): system-wide, the translated lists' bus.</summary>
    Internal = 0,

    /// <summary>Isa (1).</summary>
    Isa = 1,

    /// <summary>PCIBus (5).</summary>
    PciBus = 5,
}

/// <summary>The u.Port / u.Memory view: a range of ports or bytes.</summary>
/// <param name="Start">The first port or physical address (PHYSICAL_ADDRESS).</param>
/// <param name="Length">The length.</param>
public readonly record struct CmRange(ulong Start, uint Length);

/// <summary>The u.Interrupt view.</summary>
/// <param name="Level">Raw: the bus interrupt level (IRQ line). Translated: the DIRQL.</param>
/// <param name="Vector">Raw: the bus vector (the IRQ line). Translated: the system vector IoConnectInterrupt takes.</param>
/// <param name="Affinity">Processors the interrupt may go to.</param>
public readonly record struct CmInterrupt(uint Level, uint Vector, ulong Affinity);

/// <summary>The u.Dma view.</summary>
/// <param name="Channel">The system DMA channel.</param>
/// <param name="Port">The MCA port (0).</param>
public readonly record struct CmDma(uint Channel, uint Port);

/// <summary>The union u of a CM_PARTIAL_RESOURCE_DESCRIPTOR: read the view its Type names.</summary>
/// <param name="Port">u.Port (CmResourceTypePort).</param>
/// <param name="Interrupt">u.Interrupt (CmResourceTypeInterrupt).</param>
/// <param name="Memory">u.Memory (CmResourceTypeMemory).</param>
/// <param name="Dma">u.Dma (CmResourceTypeDma).</param>
public readonly record struct CmResourceUnion(CmRange Port, CmInterrupt Interrupt, CmRange Memory, CmDma Dma);

/// <summary>CM_PARTIAL_RESOURCE_DESCRIPTOR: one resource.</summary>
/// <param name="Type">CmResourceTypePort, Interrupt, Memory or Dma.</param>
/// <param name="ShareDisposition">How it may be shared.</param>
/// <param name="Flags">Type-specific flags.</param>
/// <param name="u">The view Type names.</param>
public sealed record CmPartialResourceDescriptor(CmResourceType Type, CmShareDisposition ShareDisposition, CmResourceFlags Flags, CmResourceUnion u)
{
    /// <inheritdoc />
    public override string ToString() => Type switch
    {
        CmResourceType.Port => FormattableString.Invariant($"Port 0x{u.Port.Start:X}+0x{u.Port.Length:X}"),
        CmResourceType.Memory => FormattableString.Invariant($"Memory 0x{u.Memory.Start:X}+0x{u.Memory.Length:X}"),
        CmResourceType.Interrupt => FormattableString.Invariant($"Interrupt level {u.Interrupt.Level} vector 0x{u.Interrupt.Vector:X} affinity 0x{u.Interrupt.Affinity:X}"),
        CmResourceType.Dma => FormattableString.Invariant($"Dma channel {u.Dma.Channel}"),
        _ => Type.ToString(),
    };
}

/// <summary>CM_PARTIAL_RESOURCE_LIST: Version, Revision, Count and the descriptors.</summary>
/// <param name="PartialDescriptors">The descriptors (Count = their number).</param>
public sealed record CmPartialResourceList(IReadOnlyList<CmPartialResourceDescriptor> PartialDescriptors)
{
    /// <summary>Version (1).</summary>
    public ushort Version => 1;

    /// <summary>Revision (1).</summary>
    public ushort Revision => 1;

    /// <summary>Count.</summary>
    public int Count => PartialDescriptors.Count;
}

/// <summary>CM_FULL_RESOURCE_DESCRIPTOR: one bus's resources.</summary>
/// <param name="InterfaceType">The bus type (PCIBus, Isa; Internal in a translated list).</param>
/// <param name="BusNumber">The bus number.</param>
/// <param name="PartialResourceList">The resources.</param>
public sealed record CmFullResourceDescriptor(InterfaceType InterfaceType, uint BusNumber, CmPartialResourceList PartialResourceList);

/// <summary>
/// CM_RESOURCE_LIST: what IRP_MN_START_DEVICE carries in Parameters.StartDevice.AllocatedResources
/// (raw, bus-relative) and AllocatedResourcesTranslated (as the processor sees them: a port's
/// address in I/O space, a memory range's physical address to give MmMapIoSpace, an interrupt's
/// system vector and DIRQL to give IoConnectInterrupt).
/// </summary>
/// <param name="List">The full descriptors (Count = their number; one per bus here).</param>
public sealed record CmResourceList(IReadOnlyList<CmFullResourceDescriptor> List)
{
    /// <summary>Count.</summary>
    public int Count => List.Count;

    /// <summary>Every partial descriptor of every full descriptor, in order (the loop every StartDevice writes).</summary>
    public IEnumerable<CmPartialResourceDescriptor> Descriptors => List.SelectMany(f => f.PartialResourceList.PartialDescriptors);
}
