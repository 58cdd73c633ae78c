using ActorKernel.Actors;
using ActorKernel.Drivers.Volume;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Stacks;

/// <summary>
/// The striping volume over two disks' partitions: writes split into associated IRPs
/// (IoMakeAssociatedIrp), the master completing after its last, the first error winning
/// (issue 19, acceptance item 3).
/// </summary>
[Trait("Area", "Stacks")]
public sealed class StripeVolumeTests
{
    private const int Stripe = (int)StorageStackBed.StripeSize;

    private static byte[] Pattern(int length, int seed) => [.. Enumerable.Range(0, length).Select(i => (byte)((i * 31) + seed + (i >> 8)))];

    private static StripeExtension Volume(StorageStackBed bed) => bed.Pnp.Node(@"Root\AkStripe\0000").PhysicalDeviceObject.AttachedDevice!.GetExtension<StripeExtension>();

    [Fact]
    public void The_volume_sits_on_a_root_pdo_and_the_two_disk_stacks_under_pci()
    {
        using var bed = new StorageStackBed(disks: 2, stripe: true);
        var tree = bed.Pnp.Pnp.DumpDeviceTree();

        Assert.Contains("""
              DevNode Root\AkStripe\0000
                State = DeviceNodeStarted (0x308)
                Service = stripe (Class Volume)
                Stack = stripe > PnpManager
            """.Replace("\r\n", "\n", StringComparison.Ordinal), tree, StringComparison.Ordinal);
        Assert.Contains(@"DevNode STORAGE\Partition\Harddisk1Partition1", tree, StringComparison.Ordinal);
        Assert.Equal([@"\Driver\PnpManager:-", @"\Driver\stripe:\Device\StripeVolume0"], StorageStackBed.Stack(bed.Pnp.Node(@"Root\AkStripe\0000")));
    }

    [Fact]
    public void One_write_of_two_stripe_units_becomes_two_associated_irps_on_two_disks_and_reads_back()
    {
        using var bed = new StorageStackBed(disks: 2, stripe: true);
        var pattern = Pattern(2 * Stripe, 3);
        var back = new byte[2 * Stripe];
        IoResult wrote = default, read = default;
        IReadOnlyList<StripeChild> writeChildren = [];
        bed.RunUser(async process =>
        {
            var volume = await CreateFile(@"\\.\StripeVolume0", GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = process.VirtualAlloc(2 * Stripe);
            process.WriteMemory(buffer, pattern);
            wrote = await WriteFile(volume, buffer, (uint)(2 * Stripe), new Overlapped { Offset = 0 });
            writeChildren = Volume(bed).RecentChildren;
            process.WriteMemory(buffer, new byte[2 * Stripe]);
            read = await ReadFile(volume, buffer, (uint)(2 * Stripe), new Overlapped { Offset = 0 });
            process.ReadMemory(buffer, back);
            await CloseHandle(volume);
        });

        Assert.True(wrote.Succeeded && read.Succeeded, $"{wrote} {read}");
        Assert.Equal((uint)(2 * Stripe), wrote.BytesTransferred);
        Assert.Equal(2, writeChildren.Count);
        Assert.All(writeChildren, c => Assert.True(c.Associated, "IRP_ASSOCIATED_IRP with the master as MasterIrp"));
        Assert.Equal([0, 1], writeChildren.Select(c => c.Member));
        Assert.All(writeChildren, c => Assert.Equal((uint)Stripe, c.Length));
        Assert.All(writeChildren, c => Assert.Equal(0, c.MemberOffset));
        Assert.Equal(writeChildren[0].Master, writeChildren[1].Master);
        Assert.Equal(pattern, back);
        // On the media: unit 0 at the start of disk 0's partition, unit 1 at the start of disk 1's.
        var unit = new byte[Stripe];
        bed.Images[0].ReadSectors(StorageStackBed.PartitionStart, unit);
        Assert.Equal(pattern[..Stripe], unit);
        bed.Images[1].ReadSectors(StorageStackBed.PartitionStart, unit);
        Assert.Equal(pattern[Stripe..], unit);
    }

    [Fact]
    public void An_unaligned_range_is_split_at_stripe_boundaries_across_the_members()
    {
        using var bed = new StorageStackBed(disks: 2, stripe: true);
        const int Offset = Stripe / 2, Length = 3 * Stripe;
        var pattern = Pattern(Length, 9);
        var back = new byte[Length];
        IoResult wrote = default, read = default;
        IReadOnlyList<StripeChild> children = [];
        bed.RunUser(async process =>
        {
            var volume = await CreateFile(@"\\.\StripeVolume0", GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = process.VirtualAlloc(Length);
            process.WriteMemory(buffer, pattern);
            wrote = await WriteFile(volume, buffer, Length, new Overlapped { Offset = Offset });
            children = Volume(bed).RecentChildren;
            process.WriteMemory(buffer, new byte[Length]);
            read = await ReadFile(volume, buffer, Length, new Overlapped { Offset = Offset });
            process.ReadMemory(buffer, back);
            await CloseHandle(volume);
        });

        Assert.True(wrote.Succeeded && read.Succeeded, $"{wrote} {read}");
        // Units 0..3: half of unit 0 (member 0), unit 1 (member 1), unit 2 (member 0 at one stripe), half of unit 3 (member 1 at one stripe).
        Assert.Equal(
        [
            new StripeChild(0, Stripe / 2, Stripe / 2, IrpMajorFunction.Write, true, children[0].Master),
            new StripeChild(1, 0, Stripe, IrpMajorFunction.Write, true, children[0].Master),
            new StripeChild(0, Stripe, Stripe, IrpMajorFunction.Write, true, children[0].Master),
            new StripeChild(1, Stripe, Stripe / 2, IrpMajorFunction.Write, true, children[0].Master),
        ], children);
        Assert.Equal(pattern, back);
    }

    [Fact]
    public void A_dma_error_on_one_member_fails_the_master_with_that_error_after_every_child_completed()
    {
        using var bed = new StorageStackBed(disks: 2, stripe: true);
        var pattern = Pattern(2 * Stripe, 5);
        IoResult wrote = default, after = default;
        var completed1 = 0L;
        bed.Controllers[1].InjectFault(BlockControllerFault.DmaError);
        bed.RunUser(async process =>
        {
            var volume = await CreateFile(@"\\.\StripeVolume0", GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = process.VirtualAlloc(2 * Stripe);
            process.WriteMemory(buffer, pattern);
            wrote = await WriteFile(volume, buffer, (uint)(2 * Stripe), new Overlapped { Offset = 0 });
            completed1 = CompletedOn(bed, 0);
            after = await WriteFile(volume, buffer, (uint)(2 * Stripe), new Overlapped { Offset = 0 });
            await CloseHandle(volume);
        });

        Assert.False(wrote.Succeeded);
        Assert.Equal(NtStatus.IoDeviceError, wrote.Status);
        Assert.Equal(0u, wrote.BytesTransferred);
        Assert.True(completed1 >= 2, "the healthy member's child completed before the master did (MBR read + the write)");
        var unit = new byte[Stripe];
        bed.Images[0].ReadSectors(StorageStackBed.PartitionStart, unit);
        Assert.Equal(pattern[..Stripe], unit); // the other child's data reached its disk
        Assert.True(after.Succeeded, $"the next write, with the fault spent, succeeds: {after}");
    }

    [Fact]
    public void On_two_processors_and_the_concurrent_dispatcher_striped_writes_of_every_shape_read_back()
    {
        using var bed = new StorageStackBed(disks: 2, stripe: true, processors: 2, dispatcher: ActorKernel.Runtime.DispatcherKind.Concurrent);
        (int Offset, int Length)[] shapes = [(0, 4096), (Stripe - 4096, 8192), (3 * Stripe, 3 * Stripe), (512, 5 * 512), (Stripe / 2, 2 * Stripe)];
        var results = new List<(IoResult Wrote, IoResult Read, bool Equal)>();
        bed.RunUser(async process =>
        {
            var volume = await CreateFile(@"\\.\StripeVolume0", GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = process.VirtualAlloc(4 * Stripe);
            for (var i = 0; i < shapes.Length; i++)
            {
                var (offset, length) = shapes[i];
                var pattern = Pattern(length, 40 + i);
                process.WriteMemory(buffer, pattern);
                var wrote = await WriteFile(volume, buffer, (uint)length, new Overlapped { Offset = offset });
                process.WriteMemory(buffer, new byte[length]);
                var read = await ReadFile(volume, buffer, (uint)length, new Overlapped { Offset = offset });
                var back = new byte[length];
                process.ReadMemory(buffer, back);
                results.Add((wrote, read, back.AsSpan().SequenceEqual(pattern)));
            }
            await CloseHandle(volume);
        });

        Assert.Equal(shapes.Length, results.Count);
        Assert.All(results, r => Assert.True(r.Wrote.Succeeded && r.Read.Succeeded && r.Equal, $"{r.Wrote} {r.Read} equal={r.Equal}"));
    }

    [Fact]
    public void IoBuildPartialMdl_over_a_range_outside_the_source_bugchecks_TARGET_MDL_TOO_SMALL()
    {
        using var bed = new StorageStackBed();
        bed.Machine.CreateSystemThread(0, KernelModule.Kernel, "PartialMdl", _ =>
        {
            var pool = Wdm.ExAllocatePoolWithTag(PoolType.NonPagedPool, 8192, 0x74736554);
            var source = Wdm.IoAllocateMdl(pool, 4096)!;
            Wdm.MmBuildMdlForNonPagedPool(source);
            var target = Wdm.IoAllocateMdl(pool + 2048, 4096)!; // runs 2 KiB past the source's end
            Wdm.IoBuildPartialMdl(source, target, pool + 2048, 4096);
            return ValueTask.CompletedTask;
        });
        Assert.True(bed.Machine.RunUntil(() => bed.Machine.IsBugChecked, TimeSpan.FromSeconds(5)), "the machine stopped");

        Assert.Equal(BugCheckCode.TargetMdlTooSmall, bed.Machine.CrashDump!.Code);
        Assert.Equal(0x40u, (uint)bed.Machine.CrashDump.Code);
    }

    private static long CompletedOn(StorageStackBed bed, int disk) =>
        bed.Pnp.Node(disk == 0 ? @"PCI\VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00\00" : @"PCI\VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00\08")
            .PhysicalDeviceObject.AttachedDevice!.GetExtension<Drivers.Storage.StorageAdapter>().CompletedRequests;
}
