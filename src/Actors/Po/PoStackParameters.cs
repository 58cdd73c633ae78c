namespace ActorKernel.Actors;

/// <summary>
/// Parameters.Power (wdm.h), the view of IO_STACK_LOCATION.Parameters for IRP_MN_QUERY_POWER and
/// IRP_MN_SET_POWER: SystemContext, Type, State and ShutdownType are the union's four arguments.
/// </summary>
public static class PoStackParameters
{
    extension(IoStackParameters parameters)
    {
        /// <summary>Parameters.Power.</summary>
        public PowerParameters Power => new(parameters);
    }
}

/// <summary>Parameters.Power of a power IRP's stack location.</summary>
/// <param name="parameters">The stack location's parameters.</param>
public sealed class PowerParameters(IoStackParameters parameters)
{
    /// <summary>SystemContext: the power manager's tag of the system transition (drivers pass it on untouched).</summary>
    public uint SystemContext
    {
        get => parameters.Others.Argument1 is uint value ? value : 0;
        set => parameters.Others.Argument1 = value;
    }

    /// <summary>Type: SystemPowerState (an S-IRP) or DevicePowerState (a D-IRP).</summary>
    public PowerStateType Type
    {
        get => parameters.Others.Argument2 is PowerStateType type ? type : PowerStateType.SystemPowerState;
        set => parameters.Others.Argument2 = value;
    }

    /// <summary>State: the state asked for.</summary>
    public PowerState State
    {
        get => parameters.Others.Argument3 is PowerState state ? state : default;
        set => parameters.Others.Argument3 = value;
    }

    /// <summary>ShutdownType: the POWER_ACTION behind an S-IRP.</summary>
    public PowerAction ShutdownType
    {
        get => parameters.Others.Argument4 is PowerAction action ? action : PowerAction.PowerActionNone;
        set => parameters.Others.Argument4 = value;
    }
}
