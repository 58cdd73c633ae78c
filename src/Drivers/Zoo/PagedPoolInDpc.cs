/*++

Module Name:

    PagedPoolInDpc.cs

Abstract:

    Paged pool touched in a DPC. The driver keeps its statistics in paged pool and updates them
    from the read's DPC, at DISPATCH_LEVEL, where the pager cannot run: a fault on that page is
    DRIVER_IRQL_NOT_LESS_OR_EQUAL (0xD1). On a real machine it happens only when the page was
    trimmed; Driver Verifier's force IRQL checking trims pageable memory at every raise so it
    happens every time, as here. The fixed twin keeps the statistics in nonpaged pool.

Environment:

    Kernel mode. DispatchRead at PASSIVE_LEVEL (it allocates); the DPC at DISPATCH_LEVEL.

--*/

using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Zoo;

/// <summary>Where the statistics live.</summary>
public sealed class PagedPoolInDpcExtension
{
    /// <summary>Whether the fixed twin runs.</summary>
    public bool Fixed { get; init; }

    /// <summary>The statistics block (allocated by the first read).</summary>
    public ulong Statistics { get; set; }
}

/// <summary>Paged pool touched at DISPATCH_LEVEL.</summary>
public static class PagedPoolInDpcDriver
{
    /// <summary>The device's name.</summary>
    public const string DeviceName = "\\Device\\ZooPagedPoolInDpc";

    /// <summary>The driver's image (under force IRQL checking).</summary>
    public const string Image = "zoopagedpoolindpc.sys";

    private const uint Tag = 0x5A6F6F50; // 'PooZ'

    /// <summary>DriverEntry of the buggy driver or its fixed twin.</summary>
    /// <param name="fixedTwin">Whether to load the fixed twin.</param>
    /// <returns>DriverEntry.</returns>
    public static DriverInitialize Entry(bool fixedTwin) => (driver, _) =>
    {
        driver.MajorFunction[(int)IrpMajorFunction.Create] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Close] = ZooBed.CompleteSuccess;
        driver.MajorFunction[(int)IrpMajorFunction.Read] = (device, irp) =>
        {
            var ext = device.GetExtension<PagedPoolInDpcExtension>();
            if (ext.Statistics == 0)
            {
                // BUG (buggy driver): paged pool for data a DPC touches.
                ext.Statistics = ExAllocatePoolWithTag(ext.Fixed ? PoolType.NonPagedPool : PoolType.PagedPool, 64, Tag);
            }
            IoMarkIrpPending(irp);
            var dpc = new KDpc();
            KeInitializeDpc(dpc, ReadDpc, ext);
            KeInsertQueueDpc(dpc, irp, null);
            return ValueTask.FromResult(NtStatus.Pending);
        };
        ZooBed.CreateDevice(driver, DeviceName, new PagedPoolInDpcExtension { Fixed = fixedTwin });
        return ValueTask.FromResult(NtStatus.Success);
    };

    private static async ValueTask ReadDpc(KDpc dpc, object? context, object? irpArgument, object? unused)
    {
        var ext = (PagedPoolInDpcExtension)context!;
        await ReadUlong(ext.Statistics, out var reads);
        await WriteUlong(ext.Statistics, reads + 1);
        var irp = (Irp)irpArgument!;
        irp.IoStatus.Status = NtStatus.Success;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
    }

    /// <summary>The scenario: two reads, the driver under force IRQL checking.</summary>
    /// <param name="fixedTwin">Whether to run the fixed twin.</param>
    /// <returns>The scenario.</returns>
    public static ExplorerScenario Scenario(bool fixedTwin) => new(ZooCatalog.Name("paged-pool-in-dpc", fixedTwin), run =>
    {
        var bed = ZooBed.Create(run, forceIrqlChecking: [Image]);
        bed.Load("ZooPagedPoolInDpc", Entry(fixedTwin));
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
