namespace ActorKernel.Actors;

/// <summary>DMA_WIDTH (wdm.h).</summary>
public enum DmaWidth
{
    /// <summary>Width8Bits (0).</summary>
    Width8Bits = 0,

    /// <summary>Width16Bits (1).</summary>
    Width16Bits = 1,

    /// <summary>Width32Bits (2).</summary>
    Width32Bits = 2,

    /// <summary>Width64Bits (3).</summary>
    Width64Bits = 3,

    /// <summary>WidthNoWrap (4).</summary>
    WidthNoWrap = 4,
}

/// <summary>DMA_SPEED (wdm.h).</summary>
public enum DmaSpeed
{
    /// <summary>Compatible (0).</summary>
    Compatible = 0,

    /// <summary>TypeA (1).</summary>
    TypeA = 1,

    /// <summary>TypeB (2).</summary>
    TypeB = 2,

    /// <summary>TypeC (3).</summary>
    TypeC = 3,

    /// <summary>TypeF (4).</summary>
    TypeF = 4,
}

/// <summary>
/// DEVICE_DESCRIPTION: what a driver tells IoGetDmaAdapter about its device's DMA. The model serves
/// bus-master devices (Master = TRUE), with or without hardware scatter/gather; a slave (system DMA
/// controller) device gets no adapter.
/// </summary>
public sealed class DeviceDescription
{
    /// <summary>DEVICE_DESCRIPTION_VERSION (0).</summary>
    public const uint DeviceDescriptionVersion = 0;

    /// <summary>DEVICE_DESCRIPTION_VERSION1 (1).</summary>
    public const uint DeviceDescriptionVersion1 = 1;

    /// <summary>DEVICE_DESCRIPTION_VERSION2 (2).</summary>
    public const uint DeviceDescriptionVersion2 = 2;

    /// <summary>DEVICE_DESCRIPTION_VERSION3 (3).</summary>
    public const uint DeviceDescriptionVersion3 = 3;

    /// <summary>Version.</summary>
    public uint Version { get; set; } = DeviceDescriptionVersion;

    /// <summary>Master: the device is a bus master.</summary>
    public bool Master { get; set; }

    /// <summary>ScatterGather: the device takes a list of physical runs.</summary>
    public bool ScatterGather { get; set; }

    /// <summary>DemandMode (system DMA).</summary>
    public bool DemandMode { get; set; }

    /// <summary>AutoInitialize (system DMA).</summary>
    public bool AutoInitialize { get; set; }

    /// <summary>Dma32BitAddresses.</summary>
    public bool Dma32BitAddresses { get; set; }

    /// <summary>IgnoreCount.</summary>
    public bool IgnoreCount { get; set; }

    /// <summary>Dma64BitAddresses.</summary>
    public bool Dma64BitAddresses { get; set; }

    /// <summary>BusNumber.</summary>
    public uint BusNumber { get; set; }

    /// <summary>DmaChannel (system DMA).</summary>
    public uint DmaChannel { get; set; }

    /// <summary>InterfaceType (PCIBus for a PCI bus master).</summary>
    public InterfaceType InterfaceType { get; set; } = InterfaceType.PciBus;

    /// <summary>DmaWidth.</summary>
    public DmaWidth DmaWidth { get; set; } = DmaWidth.Width32Bits;

    /// <summary>DmaSpeed.</summary>
    public DmaSpeed DmaSpeed { get; set; } = DmaSpeed.Compatible;

    /// <summary>MaximumLength: the largest transfer, in bytes; sets how many map registers the adapter grants.</summary>
    public uint MaximumLength { get; set; }

    /// <summary>DmaPort (MCA).</summary>
    public uint DmaPort { get; set; }
}
