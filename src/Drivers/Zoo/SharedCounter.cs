/*++

Module Name:

    SharedCounter.cs

Abstract:

    An unprotected shared counter. The driver counts the work it does in a device-extension field:
    DispatchRead adds one when a read arrives and its DPC adds one when it completes the read.
    Dispatch routines and DPCs run on different processors at once, and "Count = Count + 1" is a
    read and a write, so two updates can interleave and one is lost. The field is declared a
    SharedVariable so the explorer can switch processors between the read and the write. The fixed
    twin uses InterlockedIncrement.

Environment:

    Kernel mode. DispatchRead at PASSIVE_LEVEL; the DPC at DISPATCH_LEVEL on the other processor.

--*/

using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Zoo;

/// <summary>The counter, in both forms.</summary>
public sealed class SharedCounterExtension
{
    private int _interlockedCount;

    /// <summary>The buggy driver's counter (every access a scheduling point).</summary>
    public SharedVariable<int> Count { get; } = new(0);

    /// <summary>The fixed twin's counter.</summary>
    public ref int InterlockedCount => ref _interlockedCount;

    /// <summary>Whether the fixed twin runs.</summary>
    public bool Fixed { get; init; }

    /// <summary>The counter's value, whichever form.</summary>
    public int Value => Fixed ? Volatile.Read(ref _interlockedCount) : Count.Peek;

    /// <summary>Adds one, as the driver does.</summary>
    public void Increment()
    {
        if (Fixed)
        {
            InterlockedIncrement(ref _interlockedCount);
        }
        else
        {
            Count.Write(Count.Read() + 1); // BUG: not atomic; another processor's update in between is lost
        }
    }
}

/// <summary>An unprotected counter updated from dispatch and DPC.</summary>
public static class SharedCounterDriver
{
    /// <summary>The device's name.</summary>
    public const string DeviceName = "\\Device\\ZooSharedCounter";

    /// <summary>DriverEntry of the buggy driver or its fixed twin.</summary>
    /// <param name="fixedTwin">Whether to load the fixed twin.</param>
    /// <returns>DriverEntry.</returns>
    public static DriverInitialize Entry(bool fixedTwin) => (driver, _) =>
    {
        driver.MajorFunction[(int)IrpMajorFunction.Create] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Close] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Read] = DispatchRead;
        ZooBed.CreateDevice(driver, DeviceName, new SharedCounterExtension { Fixed = fixedTwin });
        return ValueTask.FromResult(NtStatus.Success);
    };

    private static ValueTask<NtStatus> DispatchRead(DeviceObject device, Irp irp)
    {
        var ext = device.GetExtension<SharedCounterExtension>();
        ext.Increment();
        IoMarkIrpPending(irp);
        var dpc = new KDpc();
        KeInitializeDpc(dpc, CompletionDpc, ext);
        KeSetTargetProcessorDpc(dpc, 1 - KeGetCurrentProcessorNumber());
        KeInsertQueueDpc(dpc, irp, null);
        return ValueTask.FromResult(NtStatus.Pending);
    }

    private static async ValueTask CompletionDpc(KDpc dpc, object? context, object? irpArgument, object? unused)
    {
        ((SharedCounterExtension)context!).Increment();
        var irp = (Irp)irpArgument!;
        irp.IoStatus.Status = NtStatus.Success;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
    }

    /// <summary>
    /// The scenario: a thread on each of two processors sends three reads; the counter must end at
    /// two per read.
    /// </summary>
    /// <param name="fixedTwin">Whether to run the fixed twin.</param>
    /// <returns>The scenario.</returns>
    public static ExplorerScenario Scenario(bool fixedTwin) => new(ZooCatalog.Name("shared-counter", fixedTwin), run =>
    {
        const int Reads = 3;
        var bed = ZooBed.Create(run);
        var driver = bed.Load("ZooSharedCounter", Entry(fixedTwin));
        var ext = driver.DeviceObjects[0].GetExtension<SharedCounterExtension>();
        var finished = 0;
        for (var cpu = 0; cpu < 2; cpu++)
        {
            bed.Thread(cpu, "Reader" + cpu, async () =>
            {
                var (_, file) = await NtCreateFile(bed.Io, DeviceName, KProcessorMode.KernelMode, true, false);
                for (var i = 0; i < Reads; i++)
                {
                    await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, new byte[16]), 16, 0);
                }
                finished++;
            });
        }
        bed.RunUntil(() => finished == 2, "both readers' reads");
        run.Invariant("the counter counts every dispatch and every DPC (2 per read)", () => ext.Value == 2 * 2 * Reads);
    });
}
