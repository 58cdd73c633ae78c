/*++

Module Name:

    DpcRequeue.cs

Abstract:

    A DPC that re-queues itself forever. The read's DPC polls for the device to finish and, while
    it has not, queues itself again. The processor never drops below DISPATCH_LEVEL, so the
    thread that would finish the device (on the same processor) never runs: a livelock, which
    Windows reports through its DPC watchdog. The fixed twin polls from a timer DPC
    (KeSetTimer), so the processor returns to PASSIVE_LEVEL between polls.

Environment:

    Kernel mode. DispatchRead at PASSIVE_LEVEL; the DPC at DISPATCH_LEVEL; the clock runs.

--*/

using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Zoo;

/// <summary>The poll state.</summary>
public sealed class DpcRequeueExtension
{
    /// <summary>The polling DPC.</summary>
    public KDpc PollDpc { get; } = new();

    /// <summary>The fixed twin's poll timer.</summary>
    public KTimer PollTimer { get; } = new();

    /// <summary>Set by the "device" thread when the work is done.</summary>
    public bool DeviceDone { get; set; }

    /// <summary>The read being served.</summary>
    public Irp? Pending { get; set; }

    /// <summary>Whether the fixed twin runs.</summary>
    public bool Fixed { get; init; }
}

/// <summary>A DPC that re-queues itself forever.</summary>
public static class DpcRequeueDriver
{
    /// <summary>The device's name.</summary>
    public const string DeviceName = "\\Device\\ZooDpcRequeue";

    /// <summary>DriverEntry of the buggy driver or its fixed twin.</summary>
    /// <param name="fixedTwin">Whether to load the fixed twin.</param>
    /// <returns>DriverEntry.</returns>
    public static DriverInitialize Entry(bool fixedTwin) => (driver, _) =>
    {
        driver.MajorFunction[(int)IrpMajorFunction.Create] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Close] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Read] = (device, irp) =>
        {
            var ext = device.GetExtension<DpcRequeueExtension>();
            IoMarkIrpPending(irp);
            ext.Pending = irp;
            KeInitializeDpc(ext.PollDpc, PollDpc, ext);
            KeInitializeTimer(ext.PollTimer);
            KeInsertQueueDpc(ext.PollDpc, null, null);
            return ValueTask.FromResult(NtStatus.Pending);
        };
        ZooBed.CreateDevice(driver, DeviceName, new DpcRequeueExtension { Fixed = fixedTwin });
        return ValueTask.FromResult(NtStatus.Success);
    };

    private static async ValueTask PollDpc(KDpc dpc, object? context, object? unused1, object? unused2)
    {
        var ext = (DpcRequeueExtension)context!;
        if (!ext.DeviceDone)
        {
            if (ext.Fixed)
            {
                KeSetTimer(ext.PollTimer, -10_000, dpc); // poll again in 1 ms, leaving the processor meanwhile
            }
            else
            {
                KeInsertQueueDpc(dpc, null, null); // BUG: the processor never leaves DISPATCH_LEVEL
            }
            return;
        }
        var irp = ext.Pending!;
        irp.IoStatus.Status = NtStatus.Success;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
    }

    /// <summary>The scenario: a read on CPU 0 whose DPC polls while the "device" thread on CPU 0 finishes the work.</summary>
    /// <param name="fixedTwin">Whether to run the fixed twin.</param>
    /// <returns>The scenario.</returns>
    public static ExplorerScenario Scenario(bool fixedTwin) => new(ZooCatalog.Name("dpc-requeue", fixedTwin), run =>
    {
        var bed = ZooBed.Create(run, processors: 1, clockIntervalNs: 1_000_000);
        var driver = bed.Load("ZooDpcRequeue", Entry(fixedTwin));
        var ext = driver.DeviceObjects[0].GetExtension<DpcRequeueExtension>();
        NtStatus? read = null;
        bed.Thread(0, "Reader", async () =>
        {
            var (_, file) = await NtCreateFile(bed.Io, DeviceName, KProcessorMode.KernelMode, true, false);
            read = await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, new byte[16]), 16, 0);
        });
        bed.Thread(0, "Device", async () =>
        {
            while (ext.Pending is null)
            {
                await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10);
            }
            await KeCompute(2_000);
            ext.DeviceDone = true;
        });
        bed.RunUntil(() => read is not null, "the read", milliseconds: 4);
    });
}
