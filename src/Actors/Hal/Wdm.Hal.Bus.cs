using ActorKernel.Hardware;

namespace ActorKernel.Actors;

/// <summary>BUS_DATA_TYPE (wdm.h values): the configuration space HalGetBusDataByOffset reads.</summary>
public enum BusDataType
{
    /// <summary>Cmos (0): not modelled.</summary>
    Cmos = 0,

    /// <summary>PCIConfiguration (4): a PCI function's configuration header.</summary>
    PciConfiguration = 4,
}

// PCI configuration space and interrupt translation. The route chosen for configuration access is
// HalGetBusDataByOffset / HalSetBusDataByOffset (wdm.h; obsolete in favour of BUS_INTERFACE_STANDARD
// from IRP_MN_QUERY_INTERFACE, which needs a PCI bus driver this kernel does not have yet): one call
// per access, bus and slot named explicitly. docs/hardware.md explains the choice.
public static partial class Wdm
{
    /// <summary>
    /// HalGetBusDataByOffset: reads <paramref name="buffer"/>.Length bytes of configuration space at
    /// <paramref name="offset"/> of slot <paramref name="slotNumber"/> (PCI_SLOT_NUMBER) on bus
    /// <paramref name="busNumber"/>.
    /// </summary>
    /// <param name="busDataType">PCIConfiguration.</param>
    /// <param name="busNumber">The bus (0).</param>
    /// <param name="slotNumber">PCI_SLOT_NUMBER.u.AsULONG.</param>
    /// <param name="buffer">Receives the bytes.</param>
    /// <param name="offset">Offset in the header.</param>
    /// <returns>The bytes read; 0 when the bus does not exist; 2 for an empty slot (the buffer then holds PCI_INVALID_VENDORID, 0xFFFF).</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static uint HalGetBusDataByOffset(BusDataType busDataType, uint busNumber, uint slotNumber, Span<byte> buffer, uint offset)
    {
        var p = Processor.Current;
        var hal = p.Machine.Hal;
        p.KiCharge(hal.Costs.ConfigAccessNs);
        if (busDataType != BusDataType.PciConfiguration || busNumber != (uint)hal.Platform.Pci.Number)
        {
            return 0;
        }
        if (!hal.Platform.Pci.ReadConfig(slotNumber, (int)offset, buffer))
        {
            return 2;
        }
        return (uint)buffer.Length;
    }

    /// <summary>HalSetBusDataByOffset: writes configuration space (read-only fields keep their value; BAR and command writes change decoding).</summary>
    /// <param name="busDataType">PCIConfiguration.</param>
    /// <param name="busNumber">The bus (0).</param>
    /// <param name="slotNumber">PCI_SLOT_NUMBER.u.AsULONG.</param>
    /// <param name="buffer">The bytes.</param>
    /// <param name="offset">Offset in the header.</param>
    /// <returns>The bytes written; 0 when the bus or slot does not exist.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static uint HalSetBusDataByOffset(BusDataType busDataType, uint busNumber, uint slotNumber, ReadOnlySpan<byte> buffer, uint offset)
    {
        var p = Processor.Current;
        var hal = p.Machine.Hal;
        p.KiCharge(hal.Costs.ConfigAccessNs);
        if (busDataType != BusDataType.PciConfiguration || busNumber != (uint)hal.Platform.Pci.Number)
        {
            return 0;
        }
        return hal.Platform.Pci.WriteConfig(slotNumber, (int)offset, buffer) ? (uint)buffer.Length : 0;
    }

    /// <summary>
    /// HalGetInterruptVector: translates a bus-relative interrupt (the raw CmResourceTypeInterrupt's
    /// Level/Vector: the IRQ line) to the system vector, DIRQL and affinity IoConnectInterrupt takes.
    /// </summary>
    /// <param name="interfaceType">Isa, PCIBus or Internal.</param>
    /// <param name="busNumber">The bus.</param>
    /// <param name="busInterruptLevel">The bus interrupt level (the IRQ line).</param>
    /// <param name="busInterruptVector">The bus interrupt vector (the IRQ line).</param>
    /// <param name="irql">Receives the DIRQL.</param>
    /// <param name="affinity">Receives the processors the interrupt may go to.</param>
    /// <returns>The system vector, or 0 when the line is not routed.</returns>
    /// <remarks>IRQL == PASSIVE_LEVEL in NT (obsolete: drivers read the translated resource list); any IRQL here.</remarks>
    public static uint HalGetInterruptVector(InterfaceType interfaceType, uint busNumber, uint busInterruptLevel, uint busInterruptVector, out Irql irql, out ulong affinity)
    {
        _ = interfaceType;
        _ = busNumber;
        _ = busInterruptVector;
        var p = Processor.Current;
        p.KiCharge(p.Costs.DefaultCallNs);
        var line = p.Machine.Options.InterruptLines.FirstOrDefault(l => l.Line == (int)busInterruptLevel);
        if (line is null)
        {
            irql = Irql.PassiveLevel;
            affinity = 0;
            return 0;
        }
        irql = (Irql)line.Irql;
        var count = p.Machine.ProcessorCount;
        affinity = line.Affinity != 0 ? line.Affinity : count >= 64 ? ulong.MaxValue : (1UL << count) - 1;
        return (uint)line.Vector;
    }
}
