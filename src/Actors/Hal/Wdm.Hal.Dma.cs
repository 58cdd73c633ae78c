namespace ActorKernel.Actors;

public static partial class Wdm
{
    /// <summary>
    /// IoGetDmaAdapter: the DMA adapter for a bus-master device. <paramref name="numberOfMapRegisters"/>
    /// receives the most map registers one transfer may use: BYTES_TO_PAGES(MaximumLength) + 1, capped
    /// by the adapter's share of the HAL's map registers (<see cref="Hal.MapRegistersPerAdapter"/>).
    /// </summary>
    /// <param name="physicalDeviceObject">The device's PDO.</param>
    /// <param name="deviceDescription">The device's DMA capabilities; Master must be TRUE.</param>
    /// <param name="numberOfMapRegisters">Receives the map registers granted per transfer.</param>
    /// <returns>The adapter, or null for a device that is not a bus master (system DMA is not modelled).</returns>
    /// <remarks>IRQL == PASSIVE_LEVEL.</remarks>
    public static DmaAdapter? IoGetDmaAdapter(DeviceObject physicalDeviceObject, DeviceDescription deviceDescription, out uint numberOfMapRegisters)
    {
        ArgumentNullException.ThrowIfNull(physicalDeviceObject);
        ArgumentNullException.ThrowIfNull(deviceDescription);
        var p = Processor.Current;
        var hal = p.Machine.Hal;
        p.KiCharge(hal.Costs.DmaOperationNs);
        numberOfMapRegisters = 0;
        if (!deviceDescription.Master)
        {
            return null;
        }
        var pool = Math.Max(1u, hal.MapRegistersPerAdapter);
        var pages = ((ulong)deviceDescription.MaximumLength + Hardware.PhysicalMemory.PageSize - 1) >> Hardware.PhysicalMemory.PageShift;
        numberOfMapRegisters = (uint)Math.Min(pages + 1, pool);
        return new DmaAdapter(hal, physicalDeviceObject, deviceDescription, numberOfMapRegisters, pool);
    }
}
