/*++

Module Name:

    Ndis.Pnp.cs

Abstract:

    The NDIS library's Plug and Play: IRP_MN_START_DEVICE goes down first, then the adapter is
    initialized (MiniportInitializeEx with the translated resources, then MiniportRestart:
    Initializing, Paused, Restarting, Running); IRP_MN_REMOVE_DEVICE and IRP_MN_SURPRISE_REMOVAL
    pause and halt it (MiniportPause, MiniportHaltEx) before the IRP goes down, and reads waiting at
    the protocol edge complete with STATUS_DEVICE_REMOVED.

Environment:

    Kernel mode, PASSIVE_LEVEL (the PnP manager's thread).

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Ndis;

public static partial class Ndis
{
    /// <summary>IRP_MJ_PNP: START (down first, then MiniportInitializeEx and MiniportRestart), REMOVE (pause and halt, then down), the rest down.</summary>
    private static async ValueTask<NtStatus> NdisPnp(DeviceObject deviceObject, Irp irp)
    {
        var block = deviceObject.GetExtension<NdisMiniportBlock>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        switch ((PnpMinorFunction)stack.MinorFunction)
        {
            case PnpMinorFunction.StartDevice:
                irp.IoStatus.Status = NtStatus.Success;
                var status = await IoForwardIrpSynchronously(block.NextDeviceObject!, irp) ? irp.IoStatus.Status : NtStatus.InvalidDeviceRequest;
                if (status.IsSuccess())
                {
                    status = await NdisMInitializeAdapter(block, stack.Parameters.StartDevice.AllocatedResourcesTranslated, stack.Parameters.StartDevice.AllocatedResources);
                }
                return await Complete(irp, status, 0);
            case PnpMinorFunction.RemoveDevice:
            case PnpMinorFunction.SurpriseRemoval:
                var remove = stack.MinorFunction == (byte)PnpMinorFunction.RemoveDevice;
                await NdisMHaltAdapter(block, remove ? NdisHaltAction.DeviceDisabled : NdisHaltAction.DeviceSurpriseRemoved);
                irp.IoStatus.Status = NtStatus.Success;
                IoSkipCurrentIrpStackLocation(irp);
                var passed = await IoCallDriver(block.NextDeviceObject!, irp);
                if (remove)
                {
                    deviceObject.DriverObject.Manager.Objects.IoDeleteSymbolicLink(block.LinkName!);
                    IoDetachDevice(block.NextDeviceObject!);
                    IoDeleteDevice(deviceObject);
                }
                return passed;
            case PnpMinorFunction.QueryRemoveDevice:
            case PnpMinorFunction.CancelRemoveDevice:
                irp.IoStatus.Status = NtStatus.Success;
                break;
        }
        IoSkipCurrentIrpStackLocation(irp);
        return await IoCallDriver(block.NextDeviceObject!, irp);
    }

    /// <summary>
    /// The adapter's start (ndisMInitializeAdapter): MiniportInitializeEx with the translated
    /// resources; a miniport that succeeds without setting its registration attributes fails the start.
    /// Then the adapter is Paused and NDIS restarts it (MiniportRestart) to Running.
    /// </summary>
    private static async ValueTask<NtStatus> NdisMInitializeAdapter(NdisMiniportBlock block, CmResourceList? translated, CmResourceList? raw)
    {
        var driver = block.Driver;
        if (translated is null)
        {
            return NtStatus.InsufficientResources;
        }
        block.AllocatedResources = translated;
        block.State = NdisMiniportState.Initializing;
        var parameters = new NdisMiniportInitParameters { AllocatedResources = translated, AllocatedResourcesRaw = raw, IfIndex = ++driver.AdaptersStarted };
        var status = await driver.Characteristics.InitializeHandlerEx(block, driver.Context, parameters);
        if (status == NdisStatus.Success && block.Attributes is null)
        {
            status = NdisStatus.Failure; // no MiniportAdapterContext: NDIS cannot call the miniport
        }
        if (status != NdisStatus.Success)
        {
            block.State = NdisMiniportState.Halted;
            return ToNtStatus(status);
        }
        block.State = NdisMiniportState.Restarting;
        status = await driver.Characteristics.RestartHandler(block.MiniportAdapterContext!);
        block.State = status == NdisStatus.Success ? NdisMiniportState.Running : NdisMiniportState.Paused;
        return NtStatus.Success; // a failed restart leaves the adapter started and paused
    }

    /// <summary>The adapter's halt: MiniportPause (every send completed), MiniportHaltEx, then reads waiting are cancelled.</summary>
    private static async ValueTask NdisMHaltAdapter(NdisMiniportBlock block, NdisHaltAction action)
    {
        if (block.State is NdisMiniportState.Halted || block.MiniportAdapterContext is not { } context)
        {
            return;
        }
        if (block.State == NdisMiniportState.Running)
        {
            block.State = NdisMiniportState.Pausing;
            await block.Driver.Characteristics.PauseHandler(context);
            block.State = NdisMiniportState.Paused;
        }
        await block.Driver.Characteristics.HaltHandlerEx(context, action);
        block.State = NdisMiniportState.Halted;
        while (await IoCsqRemoveNextIrp(block.ReadQueue, null) is { } read)
        {
            await Complete(read, NtStatus.DeviceRemoved, 0);
        }
    }
}
