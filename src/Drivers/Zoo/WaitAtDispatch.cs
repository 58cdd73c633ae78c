/*++

Module Name:

    WaitAtDispatch.cs

Abstract:

    A wait at DISPATCH_LEVEL. The read's DPC waits for the device's "ready" event with no
    timeout. A DPC cannot wait (the processor cannot switch threads at DISPATCH_LEVEL):
    IRQL_NOT_LESS_OR_EQUAL (0xA). The fixed twin waits at PASSIVE_LEVEL in the dispatch routine
    and only then queues the DPC.

Environment:

    Kernel mode. DispatchRead at PASSIVE_LEVEL; the DPC at DISPATCH_LEVEL.

--*/

using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Zoo;

/// <summary>The device's ready event.</summary>
public sealed class WaitAtDispatchExtension
{
    /// <summary>Signalled when the device can take a request.</summary>
    public KEvent Ready { get; } = new();

    /// <summary>Whether the fixed twin runs (it waited at PASSIVE_LEVEL before queuing the DPC).</summary>
    public bool Fixed { get; init; }
}

/// <summary>A wait at DISPATCH_LEVEL.</summary>
public static class WaitAtDispatchDriver
{
    /// <summary>The device's name.</summary>
    public const string DeviceName = "\\Device\\ZooWaitAtDispatch";

    /// <summary>DriverEntry of the buggy driver or its fixed twin.</summary>
    /// <param name="fixedTwin">Whether to load the fixed twin.</param>
    /// <returns>DriverEntry.</returns>
    public static DriverInitialize Entry(bool fixedTwin) => (driver, _) =>
    {
        driver.MajorFunction[(int)IrpMajorFunction.Create] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Close] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Read] = async (device, irp) =>
        {
            var ext = device.GetExtension<WaitAtDispatchExtension>();
            if (fixedTwin)
            {
                await KeWaitForSingleObject(ext.Ready, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            }
            IoMarkIrpPending(irp);
            var dpc = new KDpc();
            KeInitializeDpc(dpc, ReadDpc, ext);
            KeInsertQueueDpc(dpc, irp, null);
            return NtStatus.Pending;
        };
        var ext = new WaitAtDispatchExtension { Fixed = fixedTwin };
        KeInitializeEvent(ext.Ready, EventType.NotificationEvent, true);
        ZooBed.CreateDevice(driver, DeviceName, ext);
        return ValueTask.FromResult(NtStatus.Success);
    };

    private static async ValueTask ReadDpc(KDpc dpc, object? context, object? irpArgument, object? unused)
    {
        var ext = (WaitAtDispatchExtension)context!;
        if (!ext.Fixed)
        {
            // BUG: a wait with no timeout at DISPATCH_LEVEL.
            await KeWaitForSingleObject(ext.Ready, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
        }
        var irp = (Irp)irpArgument!;
        irp.IoStatus.Status = NtStatus.Success;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
    }

    /// <summary>The scenario: one read.</summary>
    /// <param name="fixedTwin">Whether to run the fixed twin.</param>
    /// <returns>The scenario.</returns>
    public static ExplorerScenario Scenario(bool fixedTwin) => new(ZooCatalog.Name("wait-at-dispatch", fixedTwin), run =>
    {
        var bed = ZooBed.Create(run);
        bed.Load("ZooWaitAtDispatch", Entry(fixedTwin));
        NtStatus? read = null;
        bed.Thread(0, "Reader", async () =>
        {
            var (_, file) = await NtCreateFile(bed.Io, DeviceName, KProcessorMode.KernelMode, true, false);
            read = await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, new byte[16]), 16, 0);
        });
        bed.RunUntil(() => read is not null, "the read");
    });
}
