namespace ActorKernel.Actors;

/// <summary>
/// DEVICE_RELATIONS: what IRP_MN_QUERY_DEVICE_RELATIONS returns through IoStatus.Information
/// (<see cref="IoStatusBlock.InformationPointer"/>): Count device objects, each referenced by the
/// driver that reports it (ObReferenceObject); the PnP manager dereferences them.
/// </summary>
public sealed class DeviceRelations
{
    /// <summary>Creates the structure over <paramref name="objects"/>.</summary>
    /// <param name="objects">The device objects (for BusRelations: the children's PDOs, in the bus's order).</param>
    public DeviceRelations(IEnumerable<DeviceObject> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        Objects = [.. objects];
    }

    /// <summary>Count.</summary>
    public int Count => Objects.Count;

    /// <summary>Objects[Count].</summary>
    public IReadOnlyList<DeviceObject> Objects { get; }
}

/// <summary>
/// DEVICE_CAPABILITIES: Parameters.DeviceCapabilities.Capabilities of IRP_MN_QUERY_CAPABILITIES. The
/// PnP manager fills Size, Version, Address and UINumber (-1) before sending it; the bus driver sets
/// the PDO's capabilities and the drivers above may change them on the way up. Power fields are left
/// to the power manager's session.
/// </summary>
public sealed partial class DeviceCapabilities
{
    /// <summary>Size (sizeof(DEVICE_CAPABILITIES) = 64 on x64).</summary>
    public ushort Size { get; set; } = 64;

    /// <summary>Version (1).</summary>
    public ushort Version { get; set; } = 1;

    /// <summary>LockSupported.</summary>
    public bool LockSupported { get; set; }

    /// <summary>EjectSupported.</summary>
    public bool EjectSupported { get; set; }

    /// <summary>Removable: the device can be unplugged while the machine runs.</summary>
    public bool Removable { get; set; }

    /// <summary>DockDevice.</summary>
    public bool DockDevice { get; set; }

    /// <summary>UniqueID: the instance ID is unique in the whole system (otherwise the parent's prefix makes it so).</summary>
    public bool UniqueId { get; set; }

    /// <summary>SilentInstall.</summary>
    public bool SilentInstall { get; set; }

    /// <summary>RawDeviceOK: the device may run without a function driver (raw mode).</summary>
    public bool RawDeviceOk { get; set; }

    /// <summary>SurpriseRemovalOK.</summary>
    public bool SurpriseRemovalOk { get; set; }

    /// <summary>HardwareDisabled: the PnP manager does not start a device that reports it after enumeration.</summary>
    public bool HardwareDisabled { get; set; }

    /// <summary>Address: the bus-relative address (PCI: device number in the high word, function in the low word), or 0xFFFFFFFF.</summary>
    public uint Address { get; set; } = uint.MaxValue;

    /// <summary>UINumber: the number a user sees on the slot, or 0xFFFFFFFF.</summary>
    public uint UiNumber { get; set; } = uint.MaxValue;

    /// <summary>The CM_DEVCAP_* flags of these capabilities (DeviceNode-&gt;CapabilityFlags).</summary>
    public uint CapabilityFlags =>
        (LockSupported ? 0x1u : 0) | (EjectSupported ? 0x2u : 0) | (Removable ? 0x4u : 0) | (DockDevice ? 0x8u : 0)
        | (UniqueId ? 0x10u : 0) | (SilentInstall ? 0x20u : 0) | (RawDeviceOk ? 0x40u : 0) | (SurpriseRemovalOk ? 0x80u : 0)
        | (HardwareDisabled ? 0x100u : 0);
}
