/*++

Module Name:

    PoolLeak.cs

Abstract:

    Pool leaked at unload. DispatchRead allocates a small context for every read and frees it
    when the read is done, except on the error path of a zero-length read. When the driver
    unloads, Driver Verifier's pool tracking finds the allocation still charged to it when the image
    goes (MmUnloadSystemImage): DRIVER_VERIFIER_DETECTED_VIOLATION (0xC4) subcode 0x62, with the
    driver's name, the verifier's entry and the allocation count; !verifier 3 lists the leak by tag.
    The fixed twin frees the context on every path.

Environment:

    Kernel mode. DispatchRead and DriverUnload at PASSIVE_LEVEL.

--*/

using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Zoo;

/// <summary>Pool leaked on an error path, found at unload.</summary>
public static class PoolLeakDriver
{
    /// <summary>The device's name.</summary>
    public const string DeviceName = "\\Device\\ZooPoolLeak";

    /// <summary>The driver's image (under pool tracking).</summary>
    public const string Image = "zoopoolleak.sys";

    private const uint Tag = 0x6B4C505A; // 'ZPLk'

    /// <summary>DriverEntry of the buggy driver or its fixed twin.</summary>
    /// <param name="fixedTwin">Whether to load the fixed twin.</param>
    /// <returns>DriverEntry.</returns>
    public static DriverInitialize Entry(bool fixedTwin) => (driver, _) =>
    {
        driver.MajorFunction[(int)IrpMajorFunction.Create] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Close] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Read] = async (device, irp) =>
        {
            var context = ExAllocatePoolWithTag(PoolType.NonPagedPool, 32, Tag);
            var status = context == 0 ? NtStatus.InsufficientResources
                : IoGetCurrentIrpStackLocation(irp).Parameters.Read.Length == 0 ? NtStatus.InvalidParameter : NtStatus.Success;
            if (context != 0 && (status == NtStatus.Success || fixedTwin))
            {
                ExFreePoolWithTag(context, Tag);
            }
            // BUG (buggy driver): the context of a zero-length read is never freed.
            irp.IoStatus.Status = status;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return status;
        };
        driver.DriverUnload = d =>
        {
            IoDeleteDevice(d.DeviceObjects[0]);
            return ValueTask.CompletedTask;
        };
        ZooBed.CreateDevice(driver, DeviceName, null);
        return ValueTask.FromResult(NtStatus.Success);
    };

    /// <summary>The scenario: a good read and a zero-length read, the handle closed, the driver unloaded under pool tracking.</summary>
    /// <param name="fixedTwin">Whether to run the fixed twin.</param>
    /// <returns>The scenario.</returns>
    public static ExplorerScenario Scenario(bool fixedTwin) => new(ZooCatalog.Name("pool-leak", fixedTwin), run =>
    {
        var bed = ZooBed.Create(run);
        DriverVerifier.Enable(bed.Machine, Image, VerifierOptions.PoolTracking);
        var driver = bed.Load("ZooPoolLeak", Entry(fixedTwin), verify: true);
        var unloaded = false;
        bed.Thread(0, "ReaderThenUnload", async () =>
        {
            var (_, file) = await NtCreateFile(bed.Io, DeviceName, KProcessorMode.KernelMode, true, false);
            await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, new byte[16]), 16, 0);
            await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, new byte[16]), 0, 0);
            await NtClose(file!);
            await bed.Io.UnloadDriverAsync(driver); // MmUnloadSystemImage's pool tracking check: 0xC4/0x62
            unloaded = true;
        });
        bed.RunUntil(() => unloaded, "the unload");
    });
}
