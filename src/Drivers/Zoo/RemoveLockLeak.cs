/*++

Module Name:

    RemoveLockLeak.cs

Abstract:

    A remove lock not released. DispatchRead acquires the device's remove lock for every read,
    but its error path (a zero-length read) completes the read and returns without releasing it.
    At removal IoReleaseRemoveLockAndWait waits for every acquisition to be released, so the
    removal hangs. The fixed twin releases the lock on every path.

Environment:

    Kernel mode. DispatchRead and the removal at PASSIVE_LEVEL.

--*/

using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Zoo;

/// <summary>The device's remove lock.</summary>
public sealed class RemoveLockLeakExtension
{
    /// <summary>The remove lock (IO_REMOVE_LOCK).</summary>
    public IoRemoveLock RemoveLock { get; } = new();

    /// <summary>Whether the fixed twin runs.</summary>
    public bool Fixed { get; init; }
}

/// <summary>A remove lock not released on an error path.</summary>
public static class RemoveLockLeakDriver
{
    /// <summary>The device's name.</summary>
    public const string DeviceName = "\\Device\\ZooRemoveLockLeak";

    /// <summary>DriverEntry of the buggy driver or its fixed twin.</summary>
    /// <param name="fixedTwin">Whether to load the fixed twin.</param>
    /// <returns>DriverEntry.</returns>
    public static DriverInitialize Entry(bool fixedTwin) => (driver, _) =>
    {
        driver.MajorFunction[(int)IrpMajorFunction.Create] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Close] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Read] = DispatchRead;
        var ext = new RemoveLockLeakExtension { Fixed = fixedTwin };
        IoInitializeRemoveLock(ext.RemoveLock, 0x4B4C525A, 0, 0);
        ZooBed.CreateDevice(driver, DeviceName, ext);
        return ValueTask.FromResult(NtStatus.Success);
    };

    private static async ValueTask<NtStatus> DispatchRead(DeviceObject device, Irp irp)
    {
        var ext = device.GetExtension<RemoveLockLeakExtension>();
        var status = IoAcquireRemoveLock(ext.RemoveLock, irp);
        if (status != NtStatus.Success)
        {
            irp.IoStatus.Status = status;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return status;
        }
        if (IoGetCurrentIrpStackLocation(irp).Parameters.Read.Length == 0)
        {
            irp.IoStatus.Status = NtStatus.InvalidParameter;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            if (ext.Fixed)
            {
                IoReleaseRemoveLock(ext.RemoveLock, irp);
            }
            // BUG (buggy driver): returns without IoReleaseRemoveLock.
            return NtStatus.InvalidParameter;
        }
        irp.IoStatus.Status = NtStatus.Success;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        IoReleaseRemoveLock(ext.RemoveLock, irp);
        return NtStatus.Success;
    }

    /// <summary>The scenario: a good read and a zero-length read, then the device's removal (IRP_MN_REMOVE_DEVICE's IoReleaseRemoveLockAndWait).</summary>
    /// <param name="fixedTwin">Whether to run the fixed twin.</param>
    /// <returns>The scenario.</returns>
    public static ExplorerScenario Scenario(bool fixedTwin) => new(ZooCatalog.Name("remove-lock-leak", fixedTwin), run =>
    {
        var bed = ZooBed.Create(run);
        var driver = bed.Load("ZooRemoveLockLeak", Entry(fixedTwin));
        var ext = driver.DeviceObjects[0].GetExtension<RemoveLockLeakExtension>();
        var removed = false;
        bed.Thread(0, "ReaderThenRemove", async () =>
        {
            var (_, file) = await NtCreateFile(bed.Io, DeviceName, KProcessorMode.KernelMode, true, false);
            await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, new byte[16]), 16, 0);
            await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, new byte[16]), 0, 0);
            var tag = new object();
            if (IoAcquireRemoveLock(ext.RemoveLock, tag) == NtStatus.Success)
            {
                await IoReleaseRemoveLockAndWait(ext.RemoveLock, tag);
            }
            removed = true;
        });
        bed.RunUntil(() => removed, "the removal's IoReleaseRemoveLockAndWait");
    });
}
