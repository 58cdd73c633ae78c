namespace ActorKernel.Actors;

/// <summary>BUS_QUERY_ID_TYPE: Parameters.QueryId.IdType of IRP_MN_QUERY_ID (wdm.h values).</summary>
public enum BusQueryIdType
{
    /// <summary>BusQueryDeviceID (0): the device ID, <c>Enumerator\DeviceId</c> (one separator).</summary>
    DeviceId = 0,

    /// <summary>BusQueryHardwareIDs (1): hardware IDs, most specific first (REG_MULTI_SZ).</summary>
    HardwareIds = 1,

    /// <summary>BusQueryCompatibleIDs (2): compatible IDs, most specific first (REG_MULTI_SZ).</summary>
    CompatibleIds = 2,

    /// <summary>BusQueryInstanceID (3): the instance ID, unique among the bus's children (no separator).</summary>
    InstanceId = 3,

    /// <summary>BusQueryDeviceSerialNumber (4).</summary>
    DeviceSerialNumber = 4,

    /// <summary>BusQueryContainerID (5).</summary>
    ContainerId = 5,
}

/// <summary>DEVICE_RELATION_TYPE: Parameters.QueryDeviceRelations.Type (wdm.h values).</summary>
public enum DeviceRelationType
{
    /// <summary>BusRelations (0): the children a bus driver enumerated (their PDOs).</summary>
    BusRelations = 0,

    /// <summary>EjectionRelations (1).</summary>
    EjectionRelations = 1,

    /// <summary>PowerRelations (2).</summary>
    PowerRelations = 2,

    /// <summary>RemovalRelations (3).</summary>
    RemovalRelations = 3,

    /// <summary>TargetDeviceRelation (4): the PDO of the stack.</summary>
    TargetDeviceRelation = 4,

    /// <summary>SingleBusRelations (5).</summary>
    SingleBusRelations = 5,

    /// <summary>TransportRelations (6).</summary>
    TransportRelations = 6,
}

/// <summary>PNP_DEVICE_STATE: what IRP_MN_QUERY_PNP_DEVICE_STATE returns in IoStatus.Information (wdm.h bits).</summary>
[Flags]
public enum PnpDeviceState : ulong
{
    /// <summary>No bit set.</summary>
    None = 0,

    /// <summary>PNP_DEVICE_DISABLED (0x1): the device is physically disabled.</summary>
    Disabled = 0x0000_0001,

    /// <summary>PNP_DEVICE_DONT_DISPLAY_IN_UI (0x2).</summary>
    DontDisplayInUi = 0x0000_0002,

    /// <summary>PNP_DEVICE_FAILED (0x4): the device failed after it started (CM_PROB_FAILED_POST_START).</summary>
    Failed = 0x0000_0004,

    /// <summary>PNP_DEVICE_REMOVED (0x8).</summary>
    Removed = 0x0000_0008,

    /// <summary>PNP_DEVICE_RESOURCE_REQUIREMENTS_CHANGED (0x10).</summary>
    ResourceRequirementsChanged = 0x0000_0010,

    /// <summary>PNP_DEVICE_NOT_DISABLEABLE (0x20).</summary>
    NotDisableable = 0x0000_0020,
}

/// <summary>
/// PNP_DEVNODE_STATE: the state of a device node, as <c>!devnode</c> prints it
/// ("State = DeviceNodeStarted (0x308)").
/// </summary>
public enum DeviceNodeState
{
    /// <summary>DeviceNodeUnspecified (0x300).</summary>
    Unspecified = 0x300,

    /// <summary>DeviceNodeUninitialized (0x301): the PDO is reported, no ID asked yet.</summary>
    Uninitialized = 0x301,

    /// <summary>DeviceNodeInitialized (0x302): IDs, capabilities and requirements are known.</summary>
    Initialized = 0x302,

    /// <summary>DeviceNodeDriversAdded (0x303): the filters and the function driver ran AddDevice.</summary>
    DriversAdded = 0x303,

    /// <summary>DeviceNodeResourcesAssigned (0x304): the arbiters gave the device its resources.</summary>
    ResourcesAssigned = 0x304,

    /// <summary>DeviceNodeStartPending (0x305): IRP_MN_START_DEVICE is on its way.</summary>
    StartPending = 0x305,

    /// <summary>DeviceNodeStartCompletion (0x306).</summary>
    StartCompletion = 0x306,

    /// <summary>DeviceNodeStartPostWork (0x307).</summary>
    StartPostWork = 0x307,

    /// <summary>DeviceNodeStarted (0x308): the stack started; the device can be enumerated and opened.</summary>
    Started = 0x308,

    /// <summary>DeviceNodeQueryStopped (0x309).</summary>
    QueryStopped = 0x309,

    /// <summary>DeviceNodeStopped (0x30A).</summary>
    Stopped = 0x30A,

    /// <summary>DeviceNodeRestartCompletion (0x30B).</summary>
    RestartCompletion = 0x30B,

    /// <summary>DeviceNodeEnumeratePending (0x30C).</summary>
    EnumeratePending = 0x30C,

    /// <summary>DeviceNodeEnumerateCompletion (0x30D).</summary>
    EnumerateCompletion = 0x30D,

    /// <summary>DeviceNodeAwaitingQueuedDeletion (0x30E).</summary>
    AwaitingQueuedDeletion = 0x30E,

    /// <summary>DeviceNodeAwaitingQueuedRemoval (0x30F): a problem keeps the device from starting; its stack waits for removal.</summary>
    AwaitingQueuedRemoval = 0x30F,

    /// <summary>DeviceNodeQueryRemoved (0x310).</summary>
    QueryRemoved = 0x310,

    /// <summary>DeviceNodeRemovePendingCloses (0x311).</summary>
    RemovePendingCloses = 0x311,

    /// <summary>DeviceNodeRemoved (0x312).</summary>
    Removed = 0x312,

    /// <summary>DeviceNodeDeletePendingCloses (0x313).</summary>
    DeletePendingCloses = 0x313,

    /// <summary>DeviceNodeDeleted (0x314).</summary>
    Deleted = 0x314,
}

/// <summary>
/// CM_PROB_*: the problem code of a device node, the "(Code N)" Device Manager shows (cfg.h values).
/// </summary>
public enum CmProblem
{
    /// <summary>No problem (0).</summary>
    None = 0,

    /// <summary>CM_PROB_NOT_CONFIGURED (1): no driver database entry matched any of the device's IDs.</summary>
    NotConfigured = 0x01,

    /// <summary>CM_PROB_OUT_OF_MEMORY (3).</summary>
    OutOfMemory = 0x03,

    /// <summary>CM_PROB_FAILED_START (10): a driver of the stack failed IRP_MN_START_DEVICE.</summary>
    FailedStart = 0x0A,

    /// <summary>CM_PROB_NORMAL_CONFLICT (12): the resources the device needs are held by another device.</summary>
    NormalConflict = 0x0C,

    /// <summary>CM_PROB_FAILED_INSTALL (28): the drivers of the device are not installed.</summary>
    FailedInstall = 0x1C,

    /// <summary>CM_PROB_FAILED_ADD (31): the function driver's AddDevice failed.</summary>
    FailedAdd = 0x1F,

    /// <summary>CM_PROB_DISABLED_SERVICE (32): the service's Start is SERVICE_DISABLED (4).</summary>
    DisabledService = 0x20,

    /// <summary>CM_PROB_FAILED_DRIVER_ENTRY (37): a driver of the stack returned failure from DriverEntry.</summary>
    FailedDriverEntry = 0x25,

    /// <summary>CM_PROB_DRIVER_FAILED_PRIOR_UNLOAD (38): a driver of the stack could not be loaded because its previous instance is still in memory.</summary>
    DriverFailedPriorUnload = 0x26,

    /// <summary>CM_PROB_DRIVER_FAILED_LOAD (39): a driver of the stack could not be loaded (its image is missing, or its unload was invoked).</summary>
    DriverFailedLoad = 0x27,

    /// <summary>CM_PROB_DRIVER_SERVICE_KEY_INVALID (40): the service key names no image.</summary>
    DriverServiceKeyInvalid = 0x28,

    /// <summary>CM_PROB_FAILED_POST_START (43): a driver reported PNP_DEVICE_FAILED after start.</summary>
    FailedPostStart = 0x2B,
}

/// <summary>The WDK names of the problem codes and device node states.</summary>
public static class PnpNames
{
    /// <summary>The cfg.h name of <paramref name="problem"/> (<c>CM_PROB_FAILED_START</c>).</summary>
    /// <param name="problem">The problem code.</param>
    /// <returns>Its name.</returns>
    public static string Name(this CmProblem problem) => problem switch
    {
        CmProblem.None => "0",
        CmProblem.NotConfigured => "CM_PROB_NOT_CONFIGURED",
        CmProblem.OutOfMemory => "CM_PROB_OUT_OF_MEMORY",
        CmProblem.FailedStart => "CM_PROB_FAILED_START",
        CmProblem.NormalConflict => "CM_PROB_NORMAL_CONFLICT",
        CmProblem.FailedInstall => "CM_PROB_FAILED_INSTALL",
        CmProblem.FailedAdd => "CM_PROB_FAILED_ADD",
        CmProblem.DisabledService => "CM_PROB_DISABLED_SERVICE",
        CmProblem.FailedDriverEntry => "CM_PROB_FAILED_DRIVER_ENTRY",
        CmProblem.DriverFailedPriorUnload => "CM_PROB_DRIVER_FAILED_PRIOR_UNLOAD",
        CmProblem.DriverFailedLoad => "CM_PROB_DRIVER_FAILED_LOAD",
        CmProblem.DriverServiceKeyInvalid => "CM_PROB_DRIVER_SERVICE_KEY_INVALID",
        CmProblem.FailedPostStart => "CM_PROB_FAILED_POST_START",
        _ => FormattableString.Invariant($"CM_PROB 0x{(int)problem:X}"),
    };

    /// <summary>The PNP_DEVNODE_STATE name of <paramref name="state"/> (<c>DeviceNodeStarted</c>).</summary>
    /// <param name="state">The state.</param>
    /// <returns>Its name.</returns>
    public static string Name(this DeviceNodeState state) => "DeviceNode" + state;
}
