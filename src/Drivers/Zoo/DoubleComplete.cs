/*++

Module Name:

    DoubleComplete.cs

Abstract:

    An IRP completed twice on the cancel/complete race. A read waits in the queue with a cancel
    routine until data arrives. The data path takes the read off the queue and clears its cancel
    routine, but ignores what IoSetCancelRoutine returned: when it returns NULL, IoCancelIrp on
    another processor has already taken the routine and is about to call it, and the cancel
    routine completes the read too (MULTIPLE_IRP_COMPLETE_REQUESTS, 0x44). The fixed twin leaves
    the read to the cancel routine when IoSetCancelRoutine returns NULL.

Environment:

    Kernel mode. DispatchRead at PASSIVE_LEVEL; the data path in a thread at PASSIVE_LEVEL; the
    cancel routine at DISPATCH_LEVEL with the cancel spin lock held.

--*/

using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Zoo;

/// <summary>An IRP completed twice: the data path ignores IoSetCancelRoutine's result.</summary>
public static class DoubleCompleteDriver
{
    /// <summary>The device's name.</summary>
    public const string DeviceName = "\\Device\\ZooDoubleComplete";

    /// <summary>DriverEntry of the buggy driver or its fixed twin.</summary>
    /// <param name="fixedTwin">Whether to load the fixed twin.</param>
    /// <returns>DriverEntry.</returns>
    public static DriverInitialize Entry(bool fixedTwin) => (driver, _) =>
    {
        driver.MajorFunction[(int)IrpMajorFunction.Create] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Close] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Read] = DispatchRead;
        ZooBed.CreateDevice(driver, DeviceName, new ZooReadQueue());
        return ValueTask.FromResult(NtStatus.Success);
    };

    private static async ValueTask<NtStatus> DispatchRead(DeviceObject device, Irp irp)
    {
        IoMarkIrpPending(irp);
        await device.GetExtension<ZooReadQueue>().QueueCancellable(irp);
        return NtStatus.Pending;
    }

    /// <summary>Data arrived: completes the oldest queued read.</summary>
    /// <param name="device">The device.</param>
    /// <param name="fixedTwin">Whether the fixed twin's data path runs.</param>
    /// <returns>A task.</returns>
    public static async ValueTask DataArrived(DeviceObject device, bool fixedTwin)
    {
        ArgumentNullException.ThrowIfNull(device);
        var ext = device.GetExtension<ZooReadQueue>();
        var old = await KeAcquireSpinLock(ext.QueueLock);
        var irp = ext.Queue.Count > 0 ? ext.Queue[0] : null;
        if (irp is not null)
        {
            ext.Queue.RemoveAt(0);
            if (IoSetCancelRoutine(irp, null) is null && fixedTwin)
            {
                irp = null; // the cancel routine is about to run and completes it
            }
            // BUG (buggy driver): a NULL result is ignored and the read is completed here as well.
        }
        await KeReleaseSpinLock(ext.QueueLock, old);
        if (irp is not null)
        {
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        }
    }

    /// <summary>
    /// The scenario: a thread on CPU 0 reads; once the read is queued, a thread on CPU 1 delivers
    /// data while a second thread on CPU 0 cancels the read. It must complete exactly once.
    /// </summary>
    /// <param name="fixedTwin">Whether to run the fixed twin.</param>
    /// <returns>The scenario.</returns>
    public static ExplorerScenario Scenario(bool fixedTwin) => new(ZooCatalog.Name("double-complete", fixedTwin), run =>
    {
        var bed = ZooBed.Create(run);
        var driver = bed.Load("ZooDoubleComplete", Entry(fixedTwin));
        var device = driver.DeviceObjects[0];
        var ext = device.GetExtension<ZooReadQueue>();
        NtStatus? read = null;
        var delivered = false;
        var cancelled = false;
        bed.Thread(0, "Reader", async () =>
        {
            var (_, file) = await NtCreateFile(bed.Io, DeviceName, KProcessorMode.KernelMode, true, false);
            read = await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, new byte[16]), 16, 0);
        });
        bed.Thread(1, "DataPath", async () =>
        {
            while (ext.Arrived is null)
            {
                await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -1);
            }
            await DataArrived(device, fixedTwin);
            delivered = true;
        });
        bed.Thread(0, "Canceller", async () =>
        {
            while (ext.Arrived is null)
            {
                await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -1);
            }
            await IoCancelIrp(ext.Arrived);
            cancelled = true;
        });
        bed.RunUntil(() => read is not null && delivered && cancelled, "the read's completion");
        run.Invariant("the read ends with success or STATUS_CANCELLED", () => read is NtStatus.Success or NtStatus.Cancelled);
    });
}
