namespace ActorKernel.Actors;

/// <summary>
/// The views of IO_STACK_LOCATION.Parameters for the PnP requests the PnP manager sends: as in wdm.h
/// they are the first argument of the union (Parameters.Others.Argument1 here).
/// </summary>
public static class PnpStackParameters
{
    extension(IoStackParameters parameters)
    {
        /// <summary>Parameters.QueryDeviceRelations (IRP_MN_QUERY_DEVICE_RELATIONS).</summary>
        public QueryDeviceRelationsParameters QueryDeviceRelations => new(parameters);

        /// <summary>Parameters.QueryId (IRP_MN_QUERY_ID).</summary>
        public QueryIdParameters QueryId => new(parameters);

        /// <summary>Parameters.DeviceCapabilities (IRP_MN_QUERY_CAPABILITIES).</summary>
        public DeviceCapabilitiesParameters DeviceCapabilities => new(parameters);
    }
}

/// <summary>Parameters.QueryDeviceRelations.</summary>
/// <param name="parameters">The stack location's parameters.</param>
public sealed class QueryDeviceRelationsParameters(IoStackParameters parameters)
{
    /// <summary>Type: which relations are asked for.</summary>
    public DeviceRelationType Type
    {
        get => parameters.Others.Argument1 is DeviceRelationType type ? type : DeviceRelationType.BusRelations;
        set => parameters.Others.Argument1 = value;
    }
}

/// <summary>Parameters.QueryId.</summary>
/// <param name="parameters">The stack location's parameters.</param>
public sealed class QueryIdParameters(IoStackParameters parameters)
{
    /// <summary>IdType: which ID is asked for.</summary>
    public BusQueryIdType IdType
    {
        get => parameters.Others.Argument1 is BusQueryIdType type ? type : BusQueryIdType.DeviceId;
        set => parameters.Others.Argument1 = value;
    }
}

/// <summary>Parameters.DeviceCapabilities.</summary>
/// <param name="parameters">The stack location's parameters.</param>
public sealed class DeviceCapabilitiesParameters(IoStackParameters parameters)
{
    /// <summary>Capabilities: the structure the PnP manager allocated and the drivers fill.</summary>
    public DeviceCapabilities? Capabilities
    {
        get => parameters.Others.Argument1 as DeviceCapabilities;
        set => parameters.Others.Argument1 = value;
    }
}
