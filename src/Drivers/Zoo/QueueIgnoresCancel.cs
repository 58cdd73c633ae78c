/*++

Module Name:

    QueueIgnoresCancel.cs

Abstract:

    A queue that ignores cancel. Reads wait in the driver's queue for data with no cancel routine,
    so IoCancelIrp (CancelIo, a closing handle, an exiting thread) cannot take them back and
    whoever waits for them hangs: the close or the thread's exit never finishes. The fixed twin
    queues each read with a cancel routine (and re-checks Irp->Cancel after setting it).

Environment:

    Kernel mode. DispatchRead at PASSIVE_LEVEL; the cancel routine at DISPATCH_LEVEL.

--*/

using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Zoo;

/// <summary>A queue that ignores cancel.</summary>
public static class QueueIgnoresCancelDriver
{
    /// <summary>The device's name.</summary>
    public const string DeviceName = "\\Device\\ZooQueueIgnoresCancel";

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
        IoMarkIrpPending(irp);
        var old = await KeAcquireSpinLock(ext.QueueLock);
        // BUG: queued with no cancel routine: nobody can take it back.
        ext.Queue.Add(irp);
        await KeReleaseSpinLock(ext.QueueLock, old);
        return NtStatus.Pending;
    }

    private static async ValueTask<NtStatus> DispatchReadFixed(DeviceObject device, Irp irp)
    {
        IoMarkIrpPending(irp);
        await device.GetExtension<ZooReadQueue>().QueueCancellable(irp);
        return NtStatus.Pending;
    }

    /// <summary>The scenario: a read, then its requester's I/O is cancelled (as CancelIo or a closing thread would).</summary>
    /// <param name="fixedTwin">Whether to run the fixed twin.</param>
    /// <returns>The scenario.</returns>
    public static ExplorerScenario Scenario(bool fixedTwin) => new(ZooCatalog.Name("queue-ignores-cancel", fixedTwin), run =>
    {
        var bed = ZooBed.Create(run);
        var driver = bed.Load("ZooQueueIgnoresCancel", Entry(fixedTwin));
        var ext = driver.DeviceObjects[0].GetExtension<ZooReadQueue>();
        NtStatus? read = null;
        bed.Thread(0, "Reader", async () =>
        {
            var (_, file) = await NtCreateFile(bed.Io, DeviceName, KProcessorMode.KernelMode, true, false);
            read = await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, new byte[16]), 16, 0);
        });
        bed.Thread(1, "CancelIo", async () =>
        {
            while (ext.Queue.Count == 0)
            {
                await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10);
            }
            await IoCancelIrp(ext.Queue[0]);
        });
        bed.RunUntil(() => read is not null, "the cancelled read's completion");
    });
}
