namespace ActorKernel.Actors;

// The power manager's driver interface (wdm.h Po* routines, IoRegisterShutdownNotification).
public static partial class Wdm
{
    /// <summary>
    /// PoRequestPowerIrp: allocates an IRP_MJ_POWER with <paramref name="minorFunction"/> for the stack
    /// <paramref name="deviceObject"/> is in and sends it to the top of that stack; when it completes,
    /// <paramref name="completionFunction"/> runs with its final status. Drivers request device states only.
    /// </summary>
    /// <param name="deviceObject">The device (usually the PDO) whose stack gets the IRP.</param>
    /// <param name="minorFunction">IRP_MN_SET_POWER, IRP_MN_QUERY_POWER or IRP_MN_WAIT_WAKE.</param>
    /// <param name="powerState">The device state (a system state for IRP_MN_WAIT_WAKE).</param>
    /// <param name="completionFunction">Runs when the IRP completes (may be null).</param>
    /// <param name="context">Passed to it.</param>
    /// <returns>STATUS_PENDING: the IRP was sent; STATUS_INVALID_PARAMETER_2 for another minor function; STATUS_UNSUCCESSFUL with no power manager.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static NtStatus PoRequestPowerIrp(DeviceObject deviceObject, PowerMinorFunction minorFunction, PowerState powerState,
        RequestPowerComplete? completionFunction, object? context)
    {
        ArgumentNullException.ThrowIfNull(deviceObject);
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.SystemCallNs);
        if (minorFunction is not (PowerMinorFunction.SetPower or PowerMinorFunction.QueryPower or PowerMinorFunction.WaitWake))
        {
            return NtStatus.InvalidParameter2;
        }
        if (deviceObject.DriverObject.Manager.PowerManager is not { } manager)
        {
            return NtStatus.Unsuccessful;
        }
        var type = minorFunction == PowerMinorFunction.WaitWake ? PowerStateType.SystemPowerState : PowerStateType.DevicePowerState;
        manager.PopRequestPowerIrp(deviceObject, minorFunction, type, powerState, PowerAction.PowerActionNone, completionFunction, context);
        return NtStatus.Pending;
    }

    /// <summary>
    /// PoCallDriver: passes a power IRP to the next driver. Before Windows Vista the power manager
    /// serialises power IRPs here (one S-IRP and one D-IRP at a device object at a time; a second waits
    /// for PoStartNextPowerIrp and this returns STATUS_PENDING); from Vista on it is IoCallDriver.
    /// </summary>
    /// <param name="deviceObject">The next lower device.</param>
    /// <param name="irp">The power IRP, its next stack location set up.</param>
    /// <returns>The lower driver's status, or STATUS_PENDING.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static ValueTask<NtStatus> PoCallDriver(DeviceObject deviceObject, Irp irp)
    {
        ArgumentNullException.ThrowIfNull(deviceObject);
        ArgumentNullException.ThrowIfNull(irp);
        return deviceObject.DriverObject.Manager.PowerManager is { } manager ? manager.PopCallDriver(deviceObject, irp) : IoCallDriver(deviceObject, irp);
    }

    /// <summary>
    /// PoStartNextPowerIrp: the driver is done with this power IRP at its stack location and is ready for
    /// the next one. Required once per IRP_MN_QUERY_POWER / IRP_MN_SET_POWER by every driver on Windows
    /// Server 2003, XP and 2000, before IoCompleteRequest, IoSkipCurrentIrpStackLocation and PoCallDriver;
    /// does nothing from Vista on.
    /// </summary>
    /// <param name="irp">The power IRP, the caller's stack location current.</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static void PoStartNextPowerIrp(Irp irp)
    {
        ArgumentNullException.ThrowIfNull(irp);
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.DefaultCallNs);
        irp.Manager.PowerManager?.PopStartNextPowerIrp(irp);
    }

    /// <summary>PoSetPowerState: tells the power manager the device's (or the system's, as the device sees it) new state; returns the old one.</summary>
    /// <param name="deviceObject">The caller's device object.</param>
    /// <param name="type">DevicePowerState or SystemPowerState.</param>
    /// <param name="state">The new state.</param>
    /// <returns>The previous state.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL. A driver calls it after powering up and before powering down.</remarks>
    public static PowerState PoSetPowerState(DeviceObject deviceObject, PowerStateType type, PowerState state)
    {
        ArgumentNullException.ThrowIfNull(deviceObject);
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.DefaultCallNs);
        return deviceObject.DriverObject.Manager.PowerManager is { } manager
            ? manager.PopSetPowerState(deviceObject, type, state)
            : PowerState.Device(DevicePowerState.PowerDeviceD0);
    }

    /// <summary>
    /// PoRegisterDeviceForIdleDetection: after <paramref name="performanceIdleTime"/> seconds with no
    /// PoSetDeviceBusy (on AC power; <paramref name="conservationIdleTime"/> on battery) the power manager
    /// sends the device IRP_MN_SET_POWER for <paramref name="state"/>. Both times zero cancels it.
    /// </summary>
    /// <param name="deviceObject">The device.</param>
    /// <param name="conservationIdleTime">Seconds on battery.</param>
    /// <param name="performanceIdleTime">Seconds on AC power.</param>
    /// <param name="state">The idle device state (D1 to D3).</param>
    /// <returns>The idle counter for PoSetDeviceBusy, or null (cancelled, or no power manager).</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static PoIdleCounter? PoRegisterDeviceForIdleDetection(DeviceObject deviceObject, uint conservationIdleTime, uint performanceIdleTime, DevicePowerState state)
    {
        ArgumentNullException.ThrowIfNull(deviceObject);
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.DefaultCallNs);
        return deviceObject.DriverObject.Manager.PowerManager?.PopRegisterForIdleDetection(deviceObject, conservationIdleTime, performanceIdleTime, state);
    }

    /// <summary>PoSetDeviceBusy: the device is in use; its idle count starts again.</summary>
    /// <param name="idlePointer">The counter PoRegisterDeviceForIdleDetection returned (null: nothing).</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static void PoSetDeviceBusy(PoIdleCounter? idlePointer)
    {
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.DefaultCallNs);
        if (idlePointer is not null)
        {
            Volatile.Write(ref idlePointer.Value, 0);
            Volatile.Write(ref idlePointer.LastBusyNs, processor.Machine.NowNanoseconds);
            idlePointer.Requested = false;
        }
    }

    /// <summary>
    /// IoRegisterShutdownNotification: the device gets IRP_MJ_SHUTDOWN (at the top of its stack) when the
    /// machine shuts down, before the S5 power IRPs; sets DO_SHUTDOWN_REGISTERED.
    /// </summary>
    /// <param name="deviceObject">The device.</param>
    /// <returns>STATUS_SUCCESS.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static NtStatus IoRegisterShutdownNotification(DeviceObject deviceObject)
    {
        ArgumentNullException.ThrowIfNull(deviceObject);
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.DefaultCallNs);
        deviceObject.DriverObject.Manager.IopRegisterShutdownNotification(deviceObject);
        deviceObject.Flags |= DeviceObjectFlags.ShutdownRegistered;
        return NtStatus.Success;
    }

    /// <summary>IoUnregisterShutdownNotification: removes the device from the shutdown list (a driver calls it before deleting the device).</summary>
    /// <param name="deviceObject">The device.</param>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static void IoUnregisterShutdownNotification(DeviceObject deviceObject)
    {
        ArgumentNullException.ThrowIfNull(deviceObject);
        var processor = Processor.Current;
        processor.KiCharge(processor.Costs.DefaultCallNs);
        deviceObject.DriverObject.Manager.IopUnregisterShutdownNotification(deviceObject);
        deviceObject.Flags &= ~DeviceObjectFlags.ShutdownRegistered;
    }
}
