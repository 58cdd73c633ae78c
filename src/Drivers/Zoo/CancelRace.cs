/*++

Module Name:

    CancelRace.cs

Abstract:

    The best-known cancel bug of WDM. DispatchRead queues the read with a cancel routine and
    returns STATUS_PENDING; but it never looks at Irp->Cancel after IoSetCancelRoutine, so an
    IoCancelIrp that lands before the routine is set (it finds no routine to call) leaves the
    read queued forever. The fixed twin re-checks Irp->Cancel after setting the routine and, if
    IoSetCancelRoutine(Irp, NULL) still returns the routine (the cancel routine will not run),
    completes the read STATUS_CANCELLED itself.

    Left out: the data path; reads complete only by cancellation.

Environment:

    Kernel mode. DispatchRead at PASSIVE_LEVEL; the cancel routine at DISPATCH_LEVEL with the
    cancel spin lock held.

--*/

using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Zoo;

/// <summary>The cancel-routine race: routine set, Irp-&gt;Cancel not re-checked.</summary>
public static class CancelRaceDriver
{
    /// <summary>The device's name.</summary>
    public const string DeviceName = "\\Device\\ZooCancelRace";

    /// <summary>DriverEntry of the buggy driver or its fixed twin.</summary>
    /// <param name="fixedTwin">Whether to load the fixed twin.</param>
    /// <returns>DriverEntry.</returns>
    public static DriverInitialize Entry(bool fixedTwin) => (driver, _) =>
    {
        driver.MajorFunction[(int)IrpMajorFunction.Create] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Close] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Read] = fixedTwin ? DispatchReadFixed : DispatchRead;
        ZooBed.CreateDevice(driver, DeviceName, new ZooReadQueue());
        return ValueTask.FromResult(NtStatus.Success);
    };

    private static async ValueTask<NtStatus> DispatchRead(DeviceObject device, Irp irp)
    {
        var ext = device.GetExtension<ZooReadQueue>();
        ext.Arrived = irp;
        IoMarkIrpPending(irp);
        var old = await KeAcquireSpinLock(ext.QueueLock);
        IoSetCancelRoutine(irp, ZooReadQueue.CancelRoutine);
        // BUG: Irp->Cancel is not re-checked: a cancel that came before the line above is lost.
        ext.Queue.Add(irp);
        await KeReleaseSpinLock(ext.QueueLock, old);
        return NtStatus.Pending;
    }

    private static async ValueTask<NtStatus> DispatchReadFixed(DeviceObject device, Irp irp)
    {
        var ext = device.GetExtension<ZooReadQueue>();
        ext.Arrived = irp;
        IoMarkIrpPending(irp);
        await ext.QueueCancellable(irp); // the cancel routine set, then Irp->Cancel re-checked
        return NtStatus.Pending;
    }

    /// <summary>
    /// The scenario: a thread on CPU 0 reads; a thread on CPU 1 cancels the read as soon as it
    /// reaches the driver. The read must end STATUS_CANCELLED.
    /// </summary>
    /// <param name="fixedTwin">Whether to run the fixed twin.</param>
    /// <returns>The scenario.</returns>
    public static ExplorerScenario Scenario(bool fixedTwin) => new(ZooCatalog.Name("cancel-race", fixedTwin), run =>
    {
        var bed = ZooBed.Create(run);
        var driver = bed.Load("ZooCancelRace", Entry(fixedTwin));
        var ext = driver.DeviceObjects[0].GetExtension<ZooReadQueue>();
        NtStatus? read = null;
        var cancelled = false;
        bed.Thread(0, "Reader", async () =>
        {
            var (_, file) = await NtCreateFile(bed.Io, DeviceName, KProcessorMode.KernelMode, true, false);
            read = await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, new byte[16]), 16, 0);
        });
        bed.Thread(1, "Canceller", async () =>
        {
            while (ext.Arrived is null)
            {
                await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -1);
            }
            await IoCancelIrp(ext.Arrived);
            cancelled = true;
        });
        bed.RunUntil(() => read is not null && cancelled, "the cancelled read's completion");
        run.Invariant("the cancelled read ends STATUS_CANCELLED", () => read == NtStatus.Cancelled);
    });
}
