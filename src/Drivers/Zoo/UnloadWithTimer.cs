/*++

Module Name:

    UnloadWithTimer.cs

Abstract:

    A driver unloading with its timer still set. The first read starts a periodic watchdog timer
    whose DPC checks the device; DriverUnload deletes the device but never cancels the timer, so
    when the image goes, MmUnloadSystemImage's KeCheckForTimer finds a timer still set whose DPC
    routine lies in the image: TIMER_OR_DPC_INVALID (0xC7, P1 = 2). A DPC left queued (not a timer)
    would instead bugcheck 0xCE when it ran. The fixed twin's DriverUnload calls KeCancelTimer and
    KeRemoveQueueDpc first.

Environment:

    Kernel mode. DispatchRead and DriverUnload at PASSIVE_LEVEL; the DPC at DISPATCH_LEVEL; the clock runs.

--*/

using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Zoo;

/// <summary>The watchdog.</summary>
public sealed class UnloadWithTimerExtension
{
    /// <summary>The periodic watchdog timer.</summary>
    public KTimer Watchdog { get; } = new();

    /// <summary>Its DPC.</summary>
    public KDpc WatchdogDpc { get; } = new();

    /// <summary>Times the watchdog ran.</summary>
    public int Checks { get; set; }
}

/// <summary>Unloading with a timer still set.</summary>
public static class UnloadWithTimerDriver
{
    /// <summary>The device's name.</summary>
    public const string DeviceName = "\\Device\\ZooUnloadWithTimer";

    /// <summary>DriverEntry of the buggy driver or its fixed twin.</summary>
    /// <param name="fixedTwin">Whether to load the fixed twin.</param>
    /// <param name="extension">The device extension (the scenario watches it).</param>
    /// <returns>DriverEntry.</returns>
    public static DriverInitialize Entry(bool fixedTwin, UnloadWithTimerExtension extension) => (driver, _) =>
    {
        driver.MajorFunction[(int)IrpMajorFunction.Create] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Close] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Read] = async (device, irp) =>
        {
            var ext = device.GetExtension<UnloadWithTimerExtension>();
            if (ext.Checks == 0 && !KeReadStateTimer(ext.Watchdog))
            {
                KeInitializeDpc(ext.WatchdogDpc, WatchdogDpc, ext);
                KeInitializeTimer(ext.Watchdog);
                KeSetTimerEx(ext.Watchdog, -10_000, 1, ext.WatchdogDpc); // every millisecond
            }
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        };
        driver.DriverUnload = d =>
        {
            if (fixedTwin)
            {
                KeCancelTimer(extension.Watchdog);
                KeRemoveQueueDpc(extension.WatchdogDpc);
            }
            // BUG (buggy driver): the timer stays set; its DPC will run code that is no longer there.
            IoDeleteDevice(d.DeviceObjects[0]);
            return ValueTask.CompletedTask;
        };
        ZooBed.CreateDevice(driver, DeviceName, extension);
        return ValueTask.FromResult(NtStatus.Success);
    };

    private static ValueTask WatchdogDpc(KDpc dpc, object? context, object? unused1, object? unused2)
    {
        ((UnloadWithTimerExtension)context!).Checks++;
        return ValueTask.CompletedTask;
    }

    /// <summary>The scenario: a read starts the watchdog; the handle is closed and the driver unloaded; the machine runs on.</summary>
    /// <param name="fixedTwin">Whether to run the fixed twin.</param>
    /// <returns>The scenario.</returns>
    public static ExplorerScenario Scenario(bool fixedTwin) => new(ZooCatalog.Name("unload-with-timer", fixedTwin), run =>
    {
        var bed = ZooBed.Create(run, clockIntervalNs: 1_000_000);
        var ext = new UnloadWithTimerExtension();
        var driver = bed.Load("ZooUnloadWithTimer", Entry(fixedTwin, ext));
        long unloadedAt = -1;
        bed.Thread(0, "ReaderThenUnload", async () =>
        {
            var (_, file) = await NtCreateFile(bed.Io, DeviceName, KProcessorMode.KernelMode, true, false);
            await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, new byte[16]), 16, 0);
            await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -20_000);
            await NtClose(file!);
            await bed.Io.UnloadDriverAsync(driver);
            unloadedAt = bed.Machine.NowNanoseconds;
        });
        bed.RunUntil(() => unloadedAt >= 0 && bed.Machine.NowNanoseconds > unloadedAt + 5_000_000, "5 ms of running after the unload");
        run.Invariant("the watchdog ran while the driver was loaded", () => ext.Checks > 0);
    });
}
