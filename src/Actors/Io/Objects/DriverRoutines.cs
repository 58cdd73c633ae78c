namespace ActorKernel.Actors;

/// <summary>DRIVER_INITIALIZE: DriverEntry, called once when the driver loads.</summary>
/// <param name="driverObject">The driver's object, whose dispatch table and callbacks DriverEntry fills in.</param>
/// <param name="registryPath">The driver's service key.</param>
/// <returns>STATUS_SUCCESS to stay loaded; a failure unloads the driver.</returns>
public delegate ValueTask<NtStatus> DriverInitialize(DriverObject driverObject, string registryPath);

/// <summary>DRIVER_ADD_DEVICE: creates the driver's device object for a new PDO and attaches it to the PDO's stack.</summary>
/// <param name="driverObject">The driver.</param>
/// <param name="physicalDeviceObject">The bus driver's PDO of the new device.</param>
/// <returns>STATUS_SUCCESS, or a failure that fails the device.</returns>
public delegate ValueTask<NtStatus> DriverAddDevice(DriverObject driverObject, DeviceObject physicalDeviceObject);

/// <summary>DRIVER_DISPATCH: a MajorFunction entry. Runs at the caller's IRQL (PASSIVE_LEVEL for most requests).</summary>
/// <param name="deviceObject">The target device object (this driver's).</param>
/// <param name="irp">The request; its current stack location is this driver's.</param>
/// <returns>The request's status, or STATUS_PENDING after IoMarkIrpPending.</returns>
public delegate ValueTask<NtStatus> DriverDispatch(DeviceObject deviceObject, Irp irp);

/// <summary>DRIVER_STARTIO: starts the device on the next packet; called at DISPATCH_LEVEL.</summary>
/// <param name="deviceObject">The device.</param>
/// <param name="irp">The request to start.</param>
/// <returns>A task that ends when the routine returns.</returns>
public delegate ValueTask DriverStartIo(DeviceObject deviceObject, Irp irp);

/// <summary>DRIVER_UNLOAD: releases what DriverEntry acquired, before the driver image goes.</summary>
/// <param name="driverObject">The driver.</param>
/// <returns>A task that ends when the routine returns.</returns>
public delegate ValueTask DriverUnload(DriverObject driverObject);

/// <summary>
/// IO_COMPLETION_ROUTINE: runs at the completer's IRQL when the lower driver completes the IRP.
/// Returning STATUS_MORE_PROCESSING_REQUIRED stops completion: the routine's driver owns the IRP again.
/// </summary>
/// <param name="deviceObject">The device object of the driver that set the routine (null for the IRP's creator).</param>
/// <param name="irp">The IRP being completed.</param>
/// <param name="context">The context given to IoSetCompletionRoutine.</param>
/// <returns>STATUS_CONTINUE_COMPLETION (STATUS_SUCCESS) or STATUS_MORE_PROCESSING_REQUIRED.</returns>
public delegate ValueTask<NtStatus> IoCompletionRoutine(DeviceObject? deviceObject, Irp irp, object? context);

/// <summary>
/// DRIVER_CANCEL: called by IoCancelIrp at DISPATCH_LEVEL with the cancel spin lock held; must
/// release it (IoReleaseCancelSpinLock(Irp-&gt;CancelIrql)) and complete the IRP with STATUS_CANCELLED.
/// </summary>
/// <param name="deviceObject">The device object of the current stack location.</param>
/// <param name="irp">The IRP being cancelled.</param>
/// <returns>A task that ends when the routine returns.</returns>
public delegate ValueTask IoCancelRoutine(DeviceObject deviceObject, Irp irp);

/// <summary>IO_TIMER_ROUTINE: the device timer's routine, called once a second at DISPATCH_LEVEL.</summary>
/// <param name="deviceObject">The device.</param>
/// <param name="context">The context given to IoInitializeTimer.</param>
/// <returns>A task that ends when the routine returns.</returns>
public delegate ValueTask IoTimerRoutine(DeviceObject deviceObject, object? context);

/// <summary>
/// An event the I/O manager signals at completion (Irp-&gt;UserEvent). The processor model's KEVENT
/// implements it; <see cref="IoCompletionEvent"/> is a standalone one.
/// </summary>
public interface IIoEvent
{
    /// <summary>KeSetEvent: signals the event.</summary>
    void Set();
}
