/*++

Module Name:

    StoragePort.Power.cs

Abstract:

    The port's power management: it is the device's power policy owner (Microsoft "Managing
    Device Power Policy", the toaster sample's func power code). A system IRP_MN_QUERY_POWER or
    IRP_MN_SET_POWER goes down first; when the bus has completed it, the port asks for the device
    state DEVICE_CAPABILITIES.DeviceState maps the system state to (PoRequestPowerIrp) and completes
    the S-IRP when that D-IRP is done. A D-IRP for D3 first holds new requests, waits until the
    controller has finished every command it holds (its rings do not survive D3), flushes the
    write-back cache, calls PoSetPowerState and then passes the IRP to pci.sys, which takes the
    function to D3hot. A D-IRP for D0 goes to pci.sys first; on its way back up the port programs
    the controller again (HwInitialize), calls PoSetPowerState and starts the requests it held.
    A request that arrives while the device is not in D0 is held; in S0 it asks for D0 first.
    With PowerIdleTime set the port registers for idle detection and calls PoSetDeviceBusy on
    every request. Every path calls PoStartNextPowerIrp and passes with PoCallDriver.

    Left out: wait/wake, D1/D2, failing a query while I/O is in progress.

Environment:

    Kernel mode. Dispatch at PASSIVE_LEVEL (the power manager's threads); completion routines at
    the IRQL the lower driver completed at.

--*/

using ActorKernel.Actors;
using ActorKernel.Drivers.Power;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Storage;

public static partial class StoragePort
{
    private static readonly IoCompletionRoutine PowerUpDone = PortPowerUpDone;
    private static readonly IoCompletionRoutine PowerDownDone = PortPowerDownDone;

    /// <summary>IRP_MJ_POWER: one switch on the minor function and the IRP's type.</summary>
    private static async ValueTask<NtStatus> PortPower(DeviceObject deviceObject, Irp irp)
    {
        if (deviceObject.DeviceExtension is StorageLun)
        {
            return await PortLunPower(deviceObject, irp);
        }
        var adapter = deviceObject.GetExtension<StorageAdapter>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var power = stack.Parameters.Power;
        switch ((PowerMinorFunction)stack.MinorFunction)
        {
            case PowerMinorFunction.SetPower or PowerMinorFunction.QueryPower when power.Type == PowerStateType.SystemPowerState:
                adapter.PowerCapabilities ??= await PortQueryCapabilities(adapter);
                if ((PowerMinorFunction)stack.MinorFunction == PowerMinorFunction.SetPower)
                {
                    adapter.SystemPower = power.State.SystemState;
                }
                return await SystemPowerIrp.PassDownThenRequestDevicePower(irp, adapter.LowerDevice!, adapter.PhysicalDeviceObject!, adapter.PowerCapabilities);
            case PowerMinorFunction.SetPower when power.State.DeviceState == DevicePowerState.PowerDeviceD0:
                IoMarkIrpPending(irp);
                IoCopyCurrentIrpStackLocationToNext(irp);
                IoSetCompletionRoutine(irp, PowerUpDone, adapter, true, true, true);
                await PoCallDriver(adapter.LowerDevice!, irp);
                return NtStatus.Pending;
            case PowerMinorFunction.SetPower:
                await PortPowerDown(adapter);
                IoMarkIrpPending(irp);
                IoCopyCurrentIrpStackLocationToNext(irp);
                IoSetCompletionRoutine(irp, PowerDownDone, adapter, true, true, true);
                await PoCallDriver(adapter.LowerDevice!, irp);
                return NtStatus.Pending;
            case PowerMinorFunction.QueryPower:
                irp.IoStatus.Status = NtStatus.Success;
                PoStartNextPowerIrp(irp);
                IoSkipCurrentIrpStackLocation(irp);
                return await PoCallDriver(adapter.LowerDevice!, irp);
            default:
                IoSkipCurrentIrpStackLocation(irp);
                return await PoCallDriver(adapter.LowerDevice!, irp);
        }
    }

    /// <summary>
    /// Before D3: hold new requests, let the controller finish what it holds (its rings do not survive
    /// D3), write its cache back, and tell the power manager (PoSetPowerState before the power goes).
    /// </summary>
    private static async ValueTask PortPowerDown(StorageAdapter adapter)
    {
        var fdo = adapter.Fdo!;
        var old = await KeAcquireSpinLock(adapter.TagLock);
        adapter.PowerDownInProgress = true;
        await KeReleaseSpinLock(adapter.TagLock, old);
        if (adapter.DevicePower == DevicePowerState.PowerDeviceD0 && adapter.Started)
        {
            while (adapter.PacketsStarting != 0 || adapter.FreeTagCount != adapter.Hw.QueueDepth || fdo.DeviceQueue.Count != 0)
            {
                await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10_000); // 1 ms
            }
            var done = new KEvent();
            KeInitializeEvent(done, EventType.NotificationEvent, false);
            var ioStatus = new IoStatusBlock();
            var flush = IoBuildSynchronousFsdRequest(IrpMajorFunction.FlushBuffers, fdo, null, 0, 0, new KEventSignal(done), ioStatus)!;
            adapter.PowerFlushIrp = flush;
            if (await IoCallDriver(fdo, flush) == NtStatus.Pending)
            {
                await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            }
            adapter.PowerFlushIrp = null;
            adapter.PowerDowns++;
        }
        adapter.DevicePower = DevicePowerState.PowerDeviceD3;
        PoSetPowerState(fdo, PowerStateType.DevicePowerState, PowerState.Device(DevicePowerState.PowerDeviceD3));
    }

    /// <summary>pci.sys took the function to D3; if requests arrived meanwhile and the system is in S0, ask for D0 at once.</summary>
    private static async ValueTask<NtStatus> PortPowerDownDone(DeviceObject? deviceObject, Irp irp, object? context)
    {
        _ = deviceObject;
        var adapter = (StorageAdapter)context!;
        var old = await KeAcquireSpinLock(adapter.TagLock);
        adapter.PowerDownInProgress = false;
        var wake = adapter.HeldIrps.Count != 0 && adapter.SystemPower == SystemPowerState.PowerSystemWorking && !adapter.PowerUpRequested;
        adapter.PowerUpRequested |= wake;
        await KeReleaseSpinLock(adapter.TagLock, old);
        if (wake)
        {
            PoRequestPowerIrp(adapter.PhysicalDeviceObject!, PowerMinorFunction.SetPower, PowerState.Device(DevicePowerState.PowerDeviceD0), null, null);
        }
        PoStartNextPowerIrp(irp);
        return NtStatus.Success;
    }

    /// <summary>pci.sys gave the function power back: program the controller again, then start the held requests.</summary>
    private static async ValueTask<NtStatus> PortPowerUpDone(DeviceObject? deviceObject, Irp irp, object? context)
    {
        var adapter = (StorageAdapter)context!;
        var fdo = deviceObject ?? adapter.Fdo!;
        if (irp.IoStatus.Status.IsSuccess())
        {
            if (adapter.DevicePower != DevicePowerState.PowerDeviceD0 && adapter.Started)
            {
                // The controller came back with its reset values: the rings and the interrupt enables again.
                await adapter.Hw.HwInitialize(adapter);
                adapter.PowerUps++;
            }
            adapter.DevicePower = DevicePowerState.PowerDeviceD0;
            PoSetPowerState(fdo, PowerStateType.DevicePowerState, PowerState.Device(DevicePowerState.PowerDeviceD0));
            var old = await KeAcquireSpinLock(adapter.TagLock);
            var held = adapter.HeldIrps.ToArray();
            adapter.HeldIrps.Clear();
            adapter.PowerUpRequested = false;
            await KeReleaseSpinLock(adapter.TagLock, old);
            foreach (var request in held)
            {
                await IoStartPacket(fdo, request, null, null);
            }
        }
        PoStartNextPowerIrp(irp);
        return NtStatus.Success;
    }

    /// <summary>
    /// Called by the read, write and flush paths (the IRP already marked pending): tells the idle detector
    /// the device is busy, and holds the request if the device is not in D0 or going down (asking for D0
    /// when the system is in S0). Returns whether the request was held.
    /// </summary>
    private static async ValueTask<bool> PortHoldForPower(StorageAdapter adapter, Irp irp)
    {
        if (adapter.IdleCounter is null && adapter.PowerIdleTime != 0 && KeGetCurrentIrql() == Irql.PassiveLevel)
        {
            adapter.IdleCounter = PoRegisterDeviceForIdleDetection(adapter.Fdo!, adapter.PowerIdleTime, adapter.PowerIdleTime, DevicePowerState.PowerDeviceD3);
        }
        PoSetDeviceBusy(adapter.IdleCounter);
        var old = await KeAcquireSpinLock(adapter.TagLock);
        if ((adapter.DevicePower == DevicePowerState.PowerDeviceD0 && !adapter.PowerDownInProgress) || irp == adapter.PowerFlushIrp)
        {
            // On its way to IoStartPacket: a power-down waits for it (PortPacketStarted) before it drains the controller.
            adapter.PacketsStarting++;
            await KeReleaseSpinLock(adapter.TagLock, old);
            return false;
        }
        adapter.HeldIrps.Add(irp);
        var wake = !adapter.PowerDownInProgress && !adapter.PowerUpRequested && adapter.SystemPower == SystemPowerState.PowerSystemWorking;
        adapter.PowerUpRequested |= wake;
        await KeReleaseSpinLock(adapter.TagLock, old);
        if (wake)
        {
            PoRequestPowerIrp(adapter.PhysicalDeviceObject!, PowerMinorFunction.SetPower, PowerState.Device(DevicePowerState.PowerDeviceD0), null, null);
        }
        return true;
    }

    /// <summary>
    /// The power policy's disk idle time (powercfg's "turn off hard disk after"): registers the port's
    /// device for idle detection now (PoRegisterDeviceForIdleDetection, D3), or cancels it with 0.
    /// </summary>
    /// <param name="fdo">The port's device object.</param>
    /// <param name="seconds">Idle seconds before D3; 0 never.</param>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static void StoragePortSetIdleTime(DeviceObject fdo, uint seconds)
    {
        ArgumentNullException.ThrowIfNull(fdo);
        var adapter = fdo.GetExtension<StorageAdapter>();
        adapter.PowerIdleTime = seconds;
        adapter.IdleCounter = PoRegisterDeviceForIdleDetection(fdo, seconds, seconds, DevicePowerState.PowerDeviceD3);
    }

    /// <summary>A request that passed <see cref="PortHoldForPower"/> is in the device queue or at the controller now.</summary>
    private static async ValueTask PortPacketStarted(StorageAdapter adapter)
    {
        var old = await KeAcquireSpinLock(adapter.TagLock);
        adapter.PacketsStarting--;
        await KeReleaseSpinLock(adapter.TagLock, old);
    }

    /// <summary>IRP_MN_QUERY_CAPABILITIES to the bus (the power policy owner needs DeviceState[]).</summary>
    private static async ValueTask<DeviceCapabilities?> PortQueryCapabilities(StorageAdapter adapter)
    {
        var lower = adapter.LowerDevice!;
        var capabilities = new DeviceCapabilities();
        var irp = IoAllocateIrp(lower.DriverObject.Manager, lower.StackSize, false);
        irp.IoStatus.Status = NtStatus.NotSupported;
        var stack = irp.NextStackLocation;
        stack.MajorFunction = IrpMajorFunction.Pnp;
        stack.MinorFunction = (byte)PnpMinorFunction.QueryCapabilities;
        stack.Parameters.DeviceCapabilities.Capabilities = capabilities;
        var done = new KEvent();
        KeInitializeEvent(done, EventType.NotificationEvent, false);
        IoSetCompletionRoutine(irp, static (_, completed, context) =>
        {
            if (completed.PendingReturned)
            {
                KeSetEvent((KEvent)context!, 0, false);
            }
            return ValueTask.FromResult(NtStatus.MoreProcessingRequired);
        }, done, true, true, true);
        if (await IoCallDriver(lower, irp) == NtStatus.Pending)
        {
            await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
        }
        var status = irp.IoStatus.Status;
        IoFreeIrp(irp);
        return status.IsSuccess() ? capabilities : null;
    }
}
