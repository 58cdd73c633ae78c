/*++

Module Name:

    PnpTestDrivers.cs

Abstract:

    Small WDM drivers for the PnP manager's tests: a filter that writes each AddDevice and each
    IRP_MN_START_DEVICE passage (down, and back up with the resources it saw) to a journal and passes
    everything else down, as a WDK filter does; a driver whose DriverEntry fails; a function driver
    whose AddDevice fails.

Environment:

    Kernel mode.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Pnp;

internal sealed class JournalFilterExtension
{
    public DeviceObject? Lower { get; set; }
}

internal static class PnpTestDrivers
{
    /// <summary>A journaling filter: <c>AddDevice NAME</c>, <c>START down NAME</c>, <c>START up NAME STATUS resources=N</c>.</summary>
    /// <param name="name">The name it writes.</param>
    /// <param name="journal">The journal.</param>
    /// <param name="reportFailed">Answer IRP_MN_QUERY_PNP_DEVICE_STATE with PNP_DEVICE_FAILED (the hardware broke after start).</param>
    public static DriverInitialize JournalFilter(string name, List<string> journal, bool reportFailed = false) => (driverObject, _) =>
    {
        for (var i = 0; i < DriverObject.MajorFunctionCount; i++)
        {
            driverObject.MajorFunction[i] = PassDown;
        }
        driverObject.MajorFunction[(int)IrpMajorFunction.Pnp] = async (device, irp) =>
        {
            var extension = device.GetExtension<JournalFilterExtension>();
            var stack = IoGetCurrentIrpStackLocation(irp);
            if (reportFailed && stack.MinorFunction == (byte)PnpMinorFunction.QueryPnpDeviceState)
            {
                irp.IoStatus.Information |= (ulong)PnpDeviceState.Failed;
                irp.IoStatus.Status = NtStatus.Success;
            }
            if (stack.MinorFunction != (byte)PnpMinorFunction.StartDevice)
            {
                IoSkipCurrentIrpStackLocation(irp);
                return await IoCallDriver(extension.Lower!, irp);
            }
            lock (journal)
            {
                journal.Add($"START down {name}");
            }
            await IoForwardIrpSynchronously(extension.Lower!, irp);
            var status = irp.IoStatus.Status;
            lock (journal)
            {
                journal.Add($"START up {name} {status.ToDisplayString()} resources={stack.Parameters.StartDevice.AllocatedResources?.Descriptors.Count() ?? 0}");
            }
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return status;
        };
        driverObject.DriverExtension.AddDevice = (driver, pdo) =>
        {
            var extension = new JournalFilterExtension();
            var status = IoCreateDevice(driver, extension, null, pdo.DeviceType, 0, false, out var filter);
            if (!status.IsSuccess())
            {
                return ValueTask.FromResult(status);
            }
            extension.Lower = IoAttachDeviceToDeviceStack(filter!, pdo);
            filter!.Flags |= extension.Lower!.Flags & (DeviceObjectFlags.BufferedIo | DeviceObjectFlags.DirectIo);
            filter.Flags &= ~DeviceObjectFlags.DeviceInitializing;
            lock (journal)
            {
                journal.Add($"AddDevice {name}");
            }
            return ValueTask.FromResult(NtStatus.Success);
        };
        return ValueTask.FromResult(NtStatus.Success);
    };

    /// <summary>A driver whose DriverEntry fails (the image is broken).</summary>
    public static ValueTask<NtStatus> FailingDriverEntry(DriverObject driverObject, string registryPath) => ValueTask.FromResult(NtStatus.Unsuccessful);

    /// <summary>A function driver whose AddDevice fails with STATUS_INSUFFICIENT_RESOURCES.</summary>
    public static ValueTask<NtStatus> FailingAddDeviceEntry(DriverObject driverObject, string registryPath)
    {
        driverObject.DriverExtension.AddDevice = (_, _) => ValueTask.FromResult(NtStatus.InsufficientResources);
        return ValueTask.FromResult(NtStatus.Success);
    }

    private static async ValueTask<NtStatus> PassDown(DeviceObject device, Irp irp)
    {
        IoSkipCurrentIrpStackLocation(irp);
        return await IoCallDriver(device.GetExtension<JournalFilterExtension>().Lower!, irp);
    }
}
