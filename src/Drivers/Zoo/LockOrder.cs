/*++

Module Name:

    LockOrder.cs

Abstract:

    Two spin locks taken in opposite orders on two paths. Reads take the queue lock, then the
    hardware lock; writes (on the buggy driver) take the hardware lock, then the queue lock. When a
    read and a write run at once on two processors, each holds the lock the other wants and both
    spin forever at DISPATCH_LEVEL: the DPC watchdog stops the machine (DPC_WATCHDOG_VIOLATION,
    0x133), or Driver Verifier's deadlock detection reports the inversion the first time the second
    order is seen (0xC4). The fixed twin takes the locks in one order on both paths.

Environment:

    Kernel mode. Both dispatch routines at PASSIVE_LEVEL, raising to DISPATCH_LEVEL for the locks.

--*/

using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Zoo;

/// <summary>The two locks.</summary>
public sealed class LockOrderExtension
{
    /// <summary>Guards the request queue.</summary>
    public KSpinLock QueueLock { get; } = new() { Name = "QueueLock" };

    /// <summary>Guards the device registers.</summary>
    public KSpinLock HardwareLock { get; } = new() { Name = "HardwareLock" };

    /// <summary>Requests served.</summary>
    public int Served { get; set; }
}

/// <summary>Two spin locks taken in opposite orders on two paths.</summary>
public static class LockOrderDriver
{
    /// <summary>The device's name.</summary>
    public const string DeviceName = "\\Device\\ZooLockOrder";

    /// <summary>DriverEntry of the buggy driver or its fixed twin.</summary>
    /// <param name="fixedTwin">Whether to load the fixed twin.</param>
    /// <returns>DriverEntry.</returns>
    public static DriverInitialize Entry(bool fixedTwin) => (driver, _) =>
    {
        driver.MajorFunction[(int)IrpMajorFunction.Create] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Close] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Read] = DispatchRead;
        driver.MajorFunction[(int)IrpMajorFunction.Write] = fixedTwin ? DispatchRead : DispatchWrite;
        ZooBed.CreateDevice(driver, DeviceName, new LockOrderExtension());
        return ValueTask.FromResult(NtStatus.Success);
    };

    private static async ValueTask<NtStatus> DispatchRead(DeviceObject device, Irp irp)
    {
        var ext = device.GetExtension<LockOrderExtension>();
        var old = await KeAcquireSpinLock(ext.QueueLock);
        await KeAcquireSpinLockAtDpcLevel(ext.HardwareLock);
        ext.Served++;
        KeReleaseSpinLockFromDpcLevel(ext.HardwareLock);
        await KeReleaseSpinLock(ext.QueueLock, old);
        return await Complete(irp);
    }

    private static async ValueTask<NtStatus> DispatchWrite(DeviceObject device, Irp irp)
    {
        var ext = device.GetExtension<LockOrderExtension>();
        var old = await KeAcquireSpinLock(ext.HardwareLock); // BUG: the opposite order of DispatchRead
        await KeAcquireSpinLockAtDpcLevel(ext.QueueLock);
        ext.Served++;
        KeReleaseSpinLockFromDpcLevel(ext.QueueLock);
        await KeReleaseSpinLock(ext.HardwareLock, old);
        return await Complete(irp);
    }

    private static async ValueTask<NtStatus> Complete(Irp irp)
    {
        irp.IoStatus.Status = NtStatus.Success;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return NtStatus.Success;
    }

    /// <summary>
    /// The scenario: a reader on CPU 0 and a writer on CPU 1, three requests each. With
    /// <paramref name="deadlockDetection"/> the driver runs under Driver Verifier's deadlock detection.
    /// </summary>
    /// <param name="fixedTwin">Whether to run the fixed twin.</param>
    /// <param name="deadlockDetection">Whether deadlock detection verifies the driver.</param>
    /// <returns>The scenario.</returns>
    public static ExplorerScenario Scenario(bool fixedTwin, bool deadlockDetection = false) =>
        new(ZooCatalog.Name(deadlockDetection ? "lock-order-verifier" : "lock-order", fixedTwin), run =>
    {
        var bed = ZooBed.Create(run);
        var driver = bed.Load("ZooLockOrder", Entry(fixedTwin));
        if (deadlockDetection)
        {
            VfDeadlockDetection.Enable(bed.Machine, driver.Module.Name);
        }
        var finished = 0;
        bed.Thread(0, "Reader", async () =>
        {
            var (_, file) = await NtCreateFile(bed.Io, DeviceName, KProcessorMode.KernelMode, true, true);
            for (var i = 0; i < 3; i++)
            {
                await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, new byte[16]), 16, 0);
            }
            finished++;
        });
        bed.Thread(1, "Writer", async () =>
        {
            var (_, file) = await NtCreateFile(bed.Io, DeviceName, KProcessorMode.KernelMode, true, true);
            for (var i = 0; i < 3; i++)
            {
                await NtWriteFile(file!, new IoStatusBlock(), new UserBuffer(0x20000, new byte[16]), 16, 0);
            }
            finished++;
        });
        bed.RunUntil(() => finished == 2, "both threads' requests");
    });
}
