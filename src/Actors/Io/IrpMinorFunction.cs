namespace ActorKernel.Actors;

/// <summary>
/// Minor function codes of <see cref="IrpMajorFunction.Pnp"/> IRPs (<c>IRP_MN_*</c> in <c>wdm.h</c>).
/// </summary>
public enum PnpMinorFunction : byte
{
    /// <summary>IRP_MN_START_DEVICE (0x00): start the device with the assigned resources.</summary>
    StartDevice = 0x00,

    /// <summary>IRP_MN_QUERY_REMOVE_DEVICE (0x01): can the device be removed without disrupting the system?</summary>
    QueryRemoveDevice = 0x01,

    /// <summary>IRP_MN_REMOVE_DEVICE (0x02): remove the device: detach and delete the device object.</summary>
    RemoveDevice = 0x02,

    /// <summary>IRP_MN_CANCEL_REMOVE_DEVICE (0x03): a previous query-remove is cancelled.</summary>
    CancelRemoveDevice = 0x03,

    /// <summary>IRP_MN_STOP_DEVICE (0x04): stop the device (typically to rebalance resources).</summary>
    StopDevice = 0x04,

    /// <summary>IRP_MN_QUERY_STOP_DEVICE (0x05): can the device be stopped?</summary>
    QueryStopDevice = 0x05,

    /// <summary>IRP_MN_CANCEL_STOP_DEVICE (0x06): a previous query-stop is cancelled.</summary>
    CancelStopDevice = 0x06,

    /// <summary>IRP_MN_QUERY_DEVICE_RELATIONS (0x07): query bus, ejection, removal or target relations.</summary>
    QueryDeviceRelations = 0x07,

    /// <summary>IRP_MN_QUERY_INTERFACE (0x08): obtain a direct-call interface.</summary>
    QueryInterface = 0x08,

    /// <summary>IRP_MN_QUERY_CAPABILITIES (0x09): fill in DEVICE_CAPABILITIES.</summary>
    QueryCapabilities = 0x09,

    /// <summary>IRP_MN_QUERY_RESOURCES (0x0A): boot configuration resources.</summary>
    QueryResources = 0x0A,

    /// <summary>IRP_MN_QUERY_RESOURCE_REQUIREMENTS (0x0B): possible resource requirements.</summary>
    QueryResourceRequirements = 0x0B,

    /// <summary>IRP_MN_QUERY_DEVICE_TEXT (0x0C): description or location text.</summary>
    QueryDeviceText = 0x0C,

    /// <summary>IRP_MN_FILTER_RESOURCE_REQUIREMENTS (0x0D): function/filter drivers may edit the requirements list.</summary>
    FilterResourceRequirements = 0x0D,

    /// <summary>IRP_MN_READ_CONFIG (0x0F): read the bus configuration space. (0x0E is unused.)</summary>
    ReadConfig = 0x0F,

    /// <summary>IRP_MN_WRITE_CONFIG (0x10): write the bus configuration space.</summary>
    WriteConfig = 0x10,

    /// <summary>IRP_MN_EJECT (0x11): eject the device.</summary>
    Eject = 0x11,

    /// <summary>IRP_MN_SET_LOCK (0x12): lock or unlock the device against ejection.</summary>
    SetLock = 0x12,

    /// <summary>IRP_MN_QUERY_ID (0x13): device, hardware, compatible or instance IDs.</summary>
    QueryId = 0x13,

    /// <summary>IRP_MN_QUERY_PNP_DEVICE_STATE (0x14): PNP_DEVICE_STATE flags.</summary>
    QueryPnpDeviceState = 0x14,

    /// <summary>IRP_MN_QUERY_BUS_INFORMATION (0x15): bus type GUID and numbers.</summary>
    QueryBusInformation = 0x15,

    /// <summary>IRP_MN_DEVICE_USAGE_NOTIFICATION (0x16): paging, hibernation or dump file on the device.</summary>
    DeviceUsageNotification = 0x16,

    /// <summary>IRP_MN_SURPRISE_REMOVAL (0x17): the device disappeared without warning; fail new I/O, do not delete yet.</summary>
    SurpriseRemoval = 0x17,

    /// <summary>IRP_MN_QUERY_LEGACY_BUS_INFORMATION (0x18): reserved for system use.</summary>
    QueryLegacyBusInformation = 0x18,

    /// <summary>IRP_MN_DEVICE_ENUMERATED (0x19, Windows 7 and later): the PnP manager has enumerated the device.</summary>
    DeviceEnumerated = 0x19,
}

/// <summary>
/// Minor function codes of <see cref="IrpMajorFunction.Power"/> IRPs (<c>IRP_MN_*</c> in <c>wdm.h</c>).
/// </summary>
public enum PowerMinorFunction : byte
{
    /// <summary>IRP_MN_WAIT_WAKE (0x00): arm the device to wake the system.</summary>
    WaitWake = 0x00,

    /// <summary>IRP_MN_POWER_SEQUENCE (0x01): query the device's power sequence counters.</summary>
    PowerSequence = 0x01,

    /// <summary>IRP_MN_SET_POWER (0x02): set the system or device power state.</summary>
    SetPower = 0x02,

    /// <summary>IRP_MN_QUERY_POWER (0x03): can the device enter the given power state?</summary>
    QueryPower = 0x03,
}
