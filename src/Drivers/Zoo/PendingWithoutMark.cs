/*++

Module Name:

    PendingWithoutMark.cs

Abstract:

    STATUS_PENDING returned without IoMarkIrpPending. DispatchRead hands the read to a DPC on the
    other processor and returns STATUS_PENDING, but never marks the IRP pending, so completion does
    not know the requester is waiting: the requester is never signalled (or, when the DPC completes
    first, sees a result the I/O manager did not expect). With I/O verification on, Driver Verifier
    reports it (DRIVER_VERIFIER_IOMANAGER_VIOLATION, 0xC9). The fixed twin calls IoMarkIrpPending
    before queuing the DPC.

Environment:

    Kernel mode. DispatchRead at PASSIVE_LEVEL; the DPC at DISPATCH_LEVEL.

--*/

using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Zoo;

/// <summary>STATUS_PENDING without IoMarkIrpPending.</summary>
public static class PendingWithoutMarkDriver
{
    /// <summary>The device's name.</summary>
    public const string DeviceName = "\\Device\\ZooPendingWithoutMark";

    /// <summary>DriverEntry of the buggy driver or its fixed twin.</summary>
    /// <param name="fixedTwin">Whether to load the fixed twin.</param>
    /// <returns>DriverEntry.</returns>
    public static DriverInitialize Entry(bool fixedTwin) => (driver, _) =>
    {
        driver.MajorFunction[(int)IrpMajorFunction.Create] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Close] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Read] = (device, irp) =>
        {
            if (fixedTwin)
            {
                IoMarkIrpPending(irp);
            }
            // BUG (buggy driver): STATUS_PENDING below without IoMarkIrpPending.
            var dpc = new KDpc();
            KeInitializeDpc(dpc, CompletionDpc, null);
            KeSetTargetProcessorDpc(dpc, 1 - KeGetCurrentProcessorNumber());
            KeInsertQueueDpc(dpc, irp, null);
            return ValueTask.FromResult(NtStatus.Pending);
        };
        ZooBed.CreateDevice(driver, DeviceName, null);
        return ValueTask.FromResult(NtStatus.Success);
    };

    private static async ValueTask CompletionDpc(KDpc dpc, object? context, object? irpArgument, object? unused)
    {
        var irp = (Irp)irpArgument!;
        irp.IoStatus.Status = NtStatus.Success;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
    }

    /// <summary>The scenario: a thread reads twice from the driver under I/O verification.</summary>
    /// <param name="fixedTwin">Whether to run the fixed twin.</param>
    /// <returns>The scenario.</returns>
    public static ExplorerScenario Scenario(bool fixedTwin) => new(ZooCatalog.Name("pending-without-mark", fixedTwin), run =>
    {
        var bed = ZooBed.Create(run);
        bed.Load("ZooPendingWithoutMark", Entry(fixedTwin), verify: true);
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
        bed.RunUntil(() => reads == 2, "both reads");
    });
}
