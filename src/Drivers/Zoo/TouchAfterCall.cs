/*++

Module Name:

    TouchAfterCall.cs

Abstract:

    The IRP touched after IoCallDriver handed it to a lower driver that completed it. The upper
    (filter) driver passes each read down and, once IoCallDriver returned, adds
    Irp->IoStatus.Information to its byte count. But the IRP stopped being the filter's when it was
    passed down: the lower driver completed it inside the call, completion reached the top and the
    I/O manager freed it. Without Driver Verifier the read finds whatever request the lookaside list
    gave the IRP to next (a wrong count, or a crash much later); under I/O verification the IRP came
    from special pool, so the touch faults at once: DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL (0xD5),
    P1 the IRP's IoStatus, P2 0 (read), P3 the filter's code. The fixed twin reads the count in a
    completion routine, while the IRP is still the filter's.

Environment:

    Kernel mode. The dispatch routines at PASSIVE_LEVEL; the completion routine at the IRQL of
    IoCompleteRequest (here PASSIVE_LEVEL, inline).

--*/

using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Zoo;

/// <summary>The filter's state.</summary>
public sealed class TouchAfterCallExtension
{
    /// <summary>Whether the fixed twin runs.</summary>
    public bool Fixed { get; init; }

    /// <summary>The device below (IoAttachDeviceToDeviceStack's result).</summary>
    public DeviceObject? Lower { get; set; }

    /// <summary>Bytes read through the filter.</summary>
    public ulong BytesRead { get; set; }
}

/// <summary>A filter that touches the IRP after IoCallDriver, over a driver that completes reads at once.</summary>
public static class TouchAfterCallDriver
{
    /// <summary>The filter's device name (the one requesters open).</summary>
    public const string DeviceName = "\\Device\\ZooTouchAfterCall";

    /// <summary>The lower device's name.</summary>
    public const string LowerDeviceName = "\\Device\\ZooTouchAfterCallLower";

    /// <summary>DriverEntry of the lower driver: reads complete at once with all the bytes asked for.</summary>
    public static readonly DriverInitialize LowerEntry = (driver, _) =>
    {
        driver.MajorFunction[(int)IrpMajorFunction.Create] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Close] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Read] = async (device, irp) =>
        {
            irp.IoStatus.Status = NtStatus.Success;
            irp.IoStatus.Information = IoGetCurrentIrpStackLocation(irp).Parameters.Read.Length;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        };
        ZooBed.CreateDevice(driver, LowerDeviceName, null);
        return ValueTask.FromResult(NtStatus.Success);
    };

    /// <summary>DriverEntry of the buggy filter or its fixed twin, attached over <paramref name="lower"/>.</summary>
    /// <param name="fixedTwin">Whether to load the fixed twin.</param>
    /// <param name="lower">The device to attach to.</param>
    /// <returns>DriverEntry.</returns>
    public static DriverInitialize Entry(bool fixedTwin, DeviceObject lower) => (driver, _) =>
    {
        driver.MajorFunction[(int)IrpMajorFunction.Create] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Close] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Read] = async (device, irp) =>
        {
            var ext = device.GetExtension<TouchAfterCallExtension>();
            IoCopyCurrentIrpStackLocationToNext(irp);
            if (ext.Fixed)
            {
                IoSetCompletionRoutine(irp, ReadCompletion, ext, true, true, true);
            }
            var status = await IoCallDriver(ext.Lower!, irp);
            if (!ext.Fixed)
            {
                // BUG (buggy filter): the IRP is no longer ours once IoCallDriver returned; the lower
                // driver completed it and the I/O manager freed it.
                ext.BytesRead += irp.IoStatus.Information;
            }
            return status;
        };
        var ext = new TouchAfterCallExtension { Fixed = fixedTwin };
        var device = ZooBed.CreateDevice(driver, DeviceName, ext);
        ext.Lower = IoAttachDeviceToDeviceStack(device, lower) ?? throw new InvalidOperationException("attach failed");
        return ValueTask.FromResult(NtStatus.Success);
    };

    // The fixed twin: the IRP is still the filter's while its completion routine runs.
    private static ValueTask<NtStatus> ReadCompletion(DeviceObject? device, Irp irp, object? context)
    {
        if (irp.PendingReturned)
        {
            IoMarkIrpPending(irp);
        }
        ((TouchAfterCallExtension)context!).BytesRead += irp.IoStatus.Information;
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>The scenario: two 16-byte reads through the filter, under I/O verification; the filter must count 32 bytes.</summary>
    /// <param name="fixedTwin">Whether to run the fixed twin.</param>
    /// <returns>The scenario.</returns>
    public static ExplorerScenario Scenario(bool fixedTwin) => new(ZooCatalog.Name("touch-after-call", fixedTwin), run =>
    {
        var bed = ZooBed.Create(run);
        var lower = bed.Load("ZooTouchLower", LowerEntry);
        var filter = bed.Load("ZooTouchAfterCall", Entry(fixedTwin, lower.DeviceObjects[0]), verify: true);
        var ext = filter.DeviceObjects[0].GetExtension<TouchAfterCallExtension>();
        var reads = 0;
        bed.Thread(0, "Reader", async () =>
        {
            var (_, file) = await NtCreateFile(bed.Io, DeviceName, KProcessorMode.KernelMode, true, false);
            for (var i = 0; i < 2; i++)
            {
                await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, new byte[16]), 16, 0);
                reads++;
            }
        });
        run.Invariant("the filter counted every byte read", () => reads < 2 || ext.BytesRead == 32);
        bed.RunUntil(() => reads == 2, "both reads");
    });
}
