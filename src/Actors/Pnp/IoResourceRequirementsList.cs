namespace ActorKernel.Actors;

/// <summary>The IO_RESOURCE_DESCRIPTOR Option values (wdm.h): how one descriptor relates to its neighbours.</summary>
[Flags]
public enum IoResourceOption : byte
{
    /// <summary>0: required, the preferred setting.</summary>
    Required = 0,

    /// <summary>IO_RESOURCE_PREFERRED (0x1).</summary>
    Preferred = 0x1,

    /// <summary>IO_RESOURCE_DEFAULT (0x2).</summary>
    Default = 0x2,

    /// <summary>IO_RESOURCE_ALTERNATIVE (0x8): an alternative to the descriptor before it.</summary>
    Alternative = 0x8,
}

/// <summary>
/// IO_RESOURCE_DESCRIPTOR: one resource a device can use, as a range the arbiter picks from:
/// a port or memory range of Length bytes aligned to Alignment between MinimumAddress and
/// MaximumAddress (the last byte), an interrupt vector between MinimumVector and MaximumVector (the
/// bus's IRQ lines), or a DMA channel between MinimumChannel and MaximumChannel.
/// </summary>
/// <param name="Type">CmResourceTypePort, Interrupt, Memory or Dma.</param>
/// <param name="ShareDisposition">CmResourceShareDeviceExclusive or CmResourceShareShared.</param>
/// <param name="Flags">The CM_RESOURCE_* flags the assigned descriptor carries.</param>
/// <param name="Minimum">MinimumAddress / MinimumVector / MinimumChannel.</param>
/// <param name="Maximum">MaximumAddress (last byte) / MaximumVector / MaximumChannel.</param>
/// <param name="Length">Bytes or ports (0 for an interrupt or a channel).</param>
/// <param name="Alignment">Alignment of a range's start (1 for none).</param>
/// <param name="Option">IO_RESOURCE_PREFERRED, IO_RESOURCE_ALTERNATIVE or 0.</param>
public sealed record IoResourceDescriptor(CmResourceType Type, CmShareDisposition ShareDisposition, CmResourceFlags Flags,
    ulong Minimum, ulong Maximum, uint Length = 0, uint Alignment = 1, IoResourceOption Option = IoResourceOption.Required)
{
    /// <summary>A fixed port range (the boot configuration of a legacy device): Minimum = start, Maximum = its last port.</summary>
    /// <param name="start">The first port.</param>
    /// <param name="length">Ports.</param>
    /// <param name="share">Share disposition.</param>
    /// <returns>The descriptor.</returns>
    public static IoResourceDescriptor FixedPort(ulong start, uint length, CmShareDisposition share = CmShareDisposition.DeviceExclusive) =>
        new(CmResourceType.Port, share, CmResourceFlags.PortIo, start, start + length - 1, length);

    /// <summary>A fixed memory range.</summary>
    /// <param name="start">The physical address.</param>
    /// <param name="length">Bytes.</param>
    /// <param name="share">Share disposition.</param>
    /// <returns>The descriptor.</returns>
    public static IoResourceDescriptor FixedMemory(ulong start, uint length, CmShareDisposition share = CmShareDisposition.DeviceExclusive) =>
        new(CmResourceType.Memory, share, CmResourceFlags.None, start, start + length - 1, length);

    /// <summary>One interrupt line.</summary>
    /// <param name="line">The bus's IRQ line.</param>
    /// <param name="share">Shared (PCI INTx#) or exclusive (an ISA line).</param>
    /// <param name="latched">Edge-triggered (CM_RESOURCE_INTERRUPT_LATCHED) rather than level-sensitive.</param>
    /// <returns>The descriptor.</returns>
    public static IoResourceDescriptor Interrupt(uint line, CmShareDisposition share, bool latched) =>
        new(CmResourceType.Interrupt, share, latched ? CmResourceFlags.InterruptLatched : CmResourceFlags.None, line, line);

    /// <summary>One system DMA channel.</summary>
    /// <param name="channel">The channel.</param>
    /// <returns>The descriptor.</returns>
    public static IoResourceDescriptor DmaChannel(uint channel) =>
        new(CmResourceType.Dma, CmShareDisposition.DeviceExclusive, CmResourceFlags.None, channel, channel);

    /// <inheritdoc />
    public override string ToString() => Type switch
    {
        CmResourceType.Port or CmResourceType.Memory => FormattableString.Invariant($"{Type} 0x{Minimum:X}-0x{Maximum:X} length 0x{Length:X} {ShareDisposition}"),
        CmResourceType.Interrupt => FormattableString.Invariant($"Interrupt {Minimum}-{Maximum} {ShareDisposition}"),
        _ => FormattableString.Invariant($"{Type} {Minimum}-{Maximum}"),
    };
}

/// <summary>IO_RESOURCE_LIST: one complete alternative configuration.</summary>
/// <param name="Descriptors">Its descriptors.</param>
public sealed record IoResourceList(IReadOnlyList<IoResourceDescriptor> Descriptors)
{
    /// <summary>Version (1).</summary>
    public ushort Version => 1;

    /// <summary>Revision (1).</summary>
    public ushort Revision => 1;

    /// <summary>Count.</summary>
    public int Count => Descriptors.Count;
}

/// <summary>
/// IO_RESOURCE_REQUIREMENTS_LIST: what IRP_MN_QUERY_RESOURCE_REQUIREMENTS returns through
/// IoStatus.Information: the bus, the slot, and the alternative lists (the arbiters try them in order).
/// </summary>
/// <param name="InterfaceType">The bus type (PCIBus, Isa, Internal).</param>
/// <param name="BusNumber">The bus number.</param>
/// <param name="SlotNumber">The slot (PCI_SLOT_NUMBER for PCI).</param>
/// <param name="List">The alternative lists (AlternativeLists = their number).</param>
public sealed record IoResourceRequirementsList(InterfaceType InterfaceType, uint BusNumber, uint SlotNumber, IReadOnlyList<IoResourceList> List)
{
    /// <summary>AlternativeLists.</summary>
    public int AlternativeLists => List.Count;
}
