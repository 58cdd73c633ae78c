using ActorKernel.Hardware;

namespace ActorKernel.Actors;

// The smallest WDM-shaped start path, until the PnP manager (issue #15) owns device start: the stack
// of a PDO is sent IRP_MN_START_DEVICE with the resources the platform assigned to its hardware, as
// ReactOS io/pnpmgr IopStartDevice2 does after resource assignment (IopAssignDeviceResources): the
// raw and translated CM_RESOURCE_LISTs in Parameters.StartDevice. The drivers of the stack are then
// the holders of those resources for the HAL's checks.
public sealed partial class IoManager
{
    /// <summary>
    /// IopStartDevice: gives the drivers of <paramref name="pdo"/>'s stack the resources of
    /// <paramref name="hardware"/> and sends IRP_MN_START_DEVICE (status STATUS_NOT_SUPPORTED on entry,
    /// as every PnP IRP) to the top of the stack, with Parameters.StartDevice.AllocatedResources and
    /// AllocatedResourcesTranslated; waits for it.
    /// </summary>
    /// <param name="pdo">The PDO (the bottom of the stack).</param>
    /// <param name="hardware">The placed device whose resources the stack gets, or null for a device with none.</param>
    /// <returns>The status the stack completed the IRP with; on failure the resources are taken back.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL, in a system thread (the PnP manager's). Await it from the thread's start routine.</remarks>
    /// <exception cref="InvalidOperationException">Not called from a thread at PASSIVE_LEVEL.</exception>
    public ValueTask<NtStatus> IopStartDevice(DeviceObject pdo, PlacedDevice? hardware)
    {
        ArgumentNullException.ThrowIfNull(pdo);
        if (Processor.CurrentOrNull is not { } processor || processor.KiCurrentThread is null || processor.Irql != Irql.PassiveLevel)
        {
            throw new InvalidOperationException("IopStartDevice runs in a system thread at PASSIVE_LEVEL (the PnP manager's).");
        }
        CmResourceList? raw = null, translated = null;
        if (hardware is not null)
        {
            (raw, translated) = processor.Machine.Hal.GetResourceLists(hardware);
        }
        return IopStartDevice(pdo, hardware, raw, translated);
    }

    /// <summary>
    /// IopStartDevice2 with the lists the PnP manager's arbiters assigned (IopAssignDeviceResources):
    /// gives the drivers of <paramref name="pdo"/>'s stack <paramref name="hardware"/>'s resources and
    /// sends IRP_MN_START_DEVICE with <paramref name="raw"/> and <paramref name="translated"/>; waits for it.
    /// </summary>
    /// <param name="pdo">The PDO (the bottom of the stack).</param>
    /// <param name="hardware">The placed device the resources belong to (for the HAL's checks), or null.</param>
    /// <param name="raw">Parameters.StartDevice.AllocatedResources, or null for a device with none.</param>
    /// <param name="translated">Parameters.StartDevice.AllocatedResourcesTranslated, or null.</param>
    /// <returns>The status the stack completed the IRP with; on failure the resources are taken back.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL, in a system thread (the PnP manager's).</remarks>
    /// <exception cref="InvalidOperationException">Not called from a thread at PASSIVE_LEVEL.</exception>
    public async ValueTask<NtStatus> IopStartDevice(DeviceObject pdo, PlacedDevice? hardware, CmResourceList? raw, CmResourceList? translated)
    {
        ArgumentNullException.ThrowIfNull(pdo);
        if (Processor.CurrentOrNull is not { } processor || processor.KiCurrentThread is null || processor.Irql != Irql.PassiveLevel)
        {
            throw new InvalidOperationException("IopStartDevice runs in a system thread at PASSIVE_LEVEL (the PnP manager's).");
        }
        var hal = processor.Machine.Hal;
        if (hardware is not null)
        {
            foreach (var device in IopStackOf(pdo))
            {
                hal.GrantResources(hardware, device.DriverObject.Module);
            }
        }
        var top = Wdm.IoGetAttachedDeviceReference(pdo);
        NtStatus status;
        try
        {
            var done = new KEvent();
            Wdm.KeInitializeEvent(done, EventType.NotificationEvent, false);
            var iosb = new IoStatusBlock();
            var irp = Wdm.IoBuildSynchronousFsdRequest(IrpMajorFunction.Pnp, top, null, 0, 0, done.IoSignal, iosb)!;
            irp.IoStatus.Status = NtStatus.NotSupported;
            var stack = irp.NextStackLocation;
            stack.MinorFunction = (byte)PnpMinorFunction.StartDevice;
            stack.Parameters.StartDevice.AllocatedResources = raw;
            stack.Parameters.StartDevice.AllocatedResourcesTranslated = translated;
            status = await Wdm.IoCallDriver(top, irp).ConfigureAwait(false);
            if (status == NtStatus.Pending)
            {
                await Wdm.KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
                status = iosb.Status;
            }
        }
        finally
        {
            top.ObDereferenceObject();
        }
        if (!status.IsSuccess() && hardware is not null)
        {
            hal.RevokeResources(hardware);
        }
        return status;
    }
}
