using ActorKernel.Hardware;

namespace ActorKernel.Hardware.Tests.Storage;

[Trait("Area", "Hardware")]
public sealed class BlockControllerTests
{
    [Fact]
    public void Capabilities_and_capacity_describe_the_queue_limits_and_the_image()
    {
        using var bed = new BlockControllerBed(new BlockControllerOptions { MaxQueueDepth = 64, MaxSegments = 17 }, sectors: 0x1_0000_0010);
        var cap = bed.ReadRegister(BlockControllerRegister.Capabilities);
        Assert.Equal(64u, cap & 0xFFFF);
        Assert.Equal(17u, (cap >> 16) & 0xFF);
        Assert.Equal(9u, (cap >> 24) & 0xF); // 512-byte sectors
        Assert.Equal(0x10u, bed.ReadRegister(BlockControllerRegister.CapacityLow));
        Assert.Equal(1u, bed.ReadRegister(BlockControllerRegister.CapacityHigh));
        Assert.Equal(BlockController.VersionValue, bed.ReadRegister(BlockControllerRegister.Version));
        Assert.Equal((uint)BlockStatus.Ready, bed.ReadRegister(BlockControllerRegister.Status));
        Assert.Equal(17u, bed.Controller.Read((int)BlockControllerRegister.Capabilities + 2, AccessWidth.Byte)); // a byte lane of CAP
    }

    [Fact]
    public void Read_scatters_the_sectors_into_each_segment_in_order_and_posts_one_completion()
    {
        using var bed = new BlockControllerBed();
        var data = BlockControllerBed.Pattern(3 * 512, 5);
        bed.Image.WriteSectors(100, data);
        // Three physically scattered runs that add up to the transfer, as an MDL's pages would.
        var segments = new (ulong, uint)[] { (0x20100, 700), (0x50000, 300), (0x31000, 536) };
        bed.Submit(BlockOpcode.Read, 42, 100, 3, segments);
        bed.Dispatcher.RunUntilQuiescent();

        Assert.Equal(data[..700], bed.Memory.Bytes[0x20100..(0x20100 + 700)]);
        Assert.Equal(data[700..1000], bed.Memory.Bytes[0x50000..(0x50000 + 300)]);
        Assert.Equal(data[1000..], bed.Memory.Bytes[0x31000..(0x31000 + 536)]);
        Assert.Equal([(42u, BlockCommandStatus.Success)], bed.TakeCompletions());
        Assert.Equal(1u, bed.ReadRegister(BlockControllerRegister.SubmissionQueueHead));
    }

    [Fact]
    public void Write_gathers_the_segments_onto_the_medium()
    {
        using var bed = new BlockControllerBed();
        var data = BlockControllerBed.Pattern(1024, 9);
        data.AsSpan(0, 512).CopyTo(bed.Memory.Bytes.AsSpan(0x40000));
        data.AsSpan(512).CopyTo(bed.Memory.Bytes.AsSpan(0x60200));
        bed.Submit(BlockOpcode.Write, 7, 10, 2, [(0x40000, 512), (0x60200, 512)]);
        bed.Dispatcher.RunUntilQuiescent();

        var medium = new byte[1024];
        bed.Image.ReadSectors(10, medium);
        Assert.Equal(data, medium);
        Assert.Equal([(7u, BlockCommandStatus.Success)], bed.TakeCompletions());
    }

    [Fact]
    public void Command_takes_overhead_plus_seek_plus_transfer_of_virtual_time_and_a_sequential_one_no_seek()
    {
        using var bed = new BlockControllerBed(new BlockControllerOptions { CommandOverheadNs = 1_000, SeekNs = 50_000, SectorTransferNs = 2_000 });
        bed.Submit(BlockOpcode.Read, 1, 8, 4, [(BlockControllerBed.DataBase, 2048)]);
        bed.Submit(BlockOpcode.Read, 2, 12, 4, [(BlockControllerBed.DataBase, 2048)]);
        // First: 1,000 + 50,000 (the head is at LBA 0) + 4 × 2,000 = 59,000 ns.
        bed.Dispatcher.RunForNanoseconds(58_999);
        Assert.Empty(bed.TakeCompletions());
        bed.Dispatcher.RunForNanoseconds(1);
        Assert.Equal([(1u, BlockCommandStatus.Success)], bed.TakeCompletions());
        // Second starts where the first ended: 1,000 + 8,000 = 9,000 ns more.
        bed.Dispatcher.RunForNanoseconds(8_999);
        Assert.Empty(bed.TakeCompletions());
        bed.Dispatcher.RunForNanoseconds(1);
        Assert.Equal([(2u, BlockCommandStatus.Success)], bed.TakeCompletions());
    }

    [Fact]
    public void Level_triggered_line_stays_asserted_until_INT_STATUS_is_written_1_to_clear()
    {
        using var bed = new BlockControllerBed();
        bed.Submit(BlockOpcode.Read, 1, 0, 1, [(BlockControllerBed.DataBase, 512)]);
        bed.Dispatcher.RunUntilQuiescent();
        Assert.True(bed.Pin.Asserted);
        Assert.Equal((uint)BlockInterrupt.Completion, bed.ReadRegister(BlockControllerRegister.InterruptStatus));

        // Reading the status and consuming completions do not acknowledge: the line stays up.
        bed.TakeCompletions();
        Assert.True(bed.Pin.Asserted);
        bed.WriteRegister(BlockControllerRegister.InterruptStatus, (uint)BlockInterrupt.Error); // a 1 to a clear bit does nothing
        Assert.True(bed.Pin.Asserted);
        bed.WriteRegister(BlockControllerRegister.InterruptStatus, (uint)BlockInterrupt.Completion);
        Assert.False(bed.Pin.Asserted);
        Assert.Equal(0u, bed.ReadRegister(BlockControllerRegister.InterruptStatus));
        Assert.Equal(1, bed.Pin.Assertions);
    }

    [Fact]
    public void Masked_cause_does_not_assert_the_line_and_unmasking_a_pending_one_does()
    {
        using var bed = new BlockControllerBed();
        bed.WriteRegister(BlockControllerRegister.InterruptEnable, 0);
        bed.Submit(BlockOpcode.Read, 1, 0, 1, [(BlockControllerBed.DataBase, 512)]);
        bed.Dispatcher.RunUntilQuiescent();
        Assert.False(bed.Pin.Asserted);
        Assert.Equal((uint)BlockInterrupt.Completion, bed.ReadRegister(BlockControllerRegister.InterruptStatus));
        bed.WriteRegister(BlockControllerRegister.InterruptEnable, (uint)BlockInterrupt.Completion);
        Assert.True(bed.Pin.Asserted);
    }

    [Fact]
    public void Write_back_cache_holds_writes_off_the_medium_until_FLUSH()
    {
        using var bed = new BlockControllerBed(new BlockControllerOptions { WriteCacheEnabled = true });
        var data = BlockControllerBed.Pattern(512, 3);
        data.CopyTo(bed.Memory.Bytes.AsSpan((int)BlockControllerBed.DataBase));
        bed.Submit(BlockOpcode.Write, 1, 5, 1, [(BlockControllerBed.DataBase, 512)]);
        bed.Dispatcher.RunUntilQuiescent();
        var medium = new byte[512];
        bed.Image.ReadSectors(5, medium);
        Assert.All(medium, b => Assert.Equal(0, b));
        Assert.Equal(1, bed.Controller.DirtySectors);
        Assert.NotEqual(0u, bed.ReadRegister(BlockControllerRegister.Status) & (uint)BlockStatus.CacheDirty);

        // A read sees the cached data.
        bed.Submit(BlockOpcode.Read, 2, 5, 1, [(0x80000, 512)]);
        bed.Dispatcher.RunUntilQuiescent();
        Assert.Equal(data, bed.Memory.Bytes[0x80000..0x80200]);

        bed.Submit(BlockOpcode.Flush, 3, 0, 0, []);
        bed.Dispatcher.RunUntilQuiescent();
        bed.Image.ReadSectors(5, medium);
        Assert.Equal(data, medium);
        Assert.Equal(0, bed.Controller.DirtySectors);
        Assert.Equal([(1u, BlockCommandStatus.Success), (2u, BlockCommandStatus.Success), (3u, BlockCommandStatus.Success)], bed.TakeCompletions());
    }

    [Fact]
    public void Injected_DMA_error_completes_the_command_with_DataTransferError_loads_ERROR_and_moves_no_data()
    {
        using var bed = new BlockControllerBed();
        bed.Image.WriteSectors(0, BlockControllerBed.Pattern(512, 1));
        bed.Controller.InjectFault(BlockControllerFault.DmaError);
        bed.Submit(BlockOpcode.Read, 0x1234, 0, 1, [(BlockControllerBed.DataBase, 512)]);
        bed.Submit(BlockOpcode.Read, 0x1235, 0, 1, [(BlockControllerBed.DataBase + 0x1000, 512)]);
        bed.Dispatcher.RunUntilQuiescent();

        Assert.Equal([(0x1234u, BlockCommandStatus.DataTransferError), (0x1235u, BlockCommandStatus.Success)], bed.TakeCompletions());
        Assert.All(bed.Memory.Bytes[0x10000..0x10200], b => Assert.Equal(0, b));
        Assert.Equal((uint)BlockCommandStatus.DataTransferError | (0x1234u << 16), bed.ReadRegister(BlockControllerRegister.Error));
        Assert.Equal((uint)(BlockInterrupt.Completion | BlockInterrupt.Error), bed.ReadRegister(BlockControllerRegister.InterruptStatus));
        bed.WriteRegister(BlockControllerRegister.Error, 0);
        Assert.Equal(0u, bed.ReadRegister(BlockControllerRegister.Error));
    }

    [Fact]
    public void Segment_outside_RAM_master_aborts_as_DataTransferError()
    {
        using var bed = new BlockControllerBed();
        bed.Submit(BlockOpcode.Read, 9, 0, 1, [(0x4000_0000, 512)]);
        bed.Dispatcher.RunUntilQuiescent();
        Assert.Equal([(9u, BlockCommandStatus.DataTransferError)], bed.TakeCompletions());
    }

    [Fact]
    public void Bad_commands_complete_with_the_datasheet_status()
    {
        using var bed = new BlockControllerBed(sectors: 16);
        bed.Submit(BlockOpcode.Read, 1, 15, 2, [(BlockControllerBed.DataBase, 1024)]);
        bed.Submit(BlockOpcode.Read, 2, 0, 2, [(BlockControllerBed.DataBase, 512)]);
        bed.Submit((BlockOpcode)0x7F, 3, 0, 1, [(BlockControllerBed.DataBase, 512)]);
        bed.Submit(BlockOpcode.Write, 4, 0, 0, [(BlockControllerBed.DataBase, 512)]);
        bed.Dispatcher.RunUntilQuiescent();
        Assert.Equal(
            [(1u, BlockCommandStatus.LbaOutOfRange), (2u, BlockCommandStatus.InvalidField), (3u, BlockCommandStatus.InvalidOpcode), (4u, BlockCommandStatus.InvalidField)],
            bed.TakeCompletions());
    }

    [Fact]
    public void Full_completion_ring_holds_further_completions_until_CQ_HEAD_frees_a_slot()
    {
        using var bed = new BlockControllerBed(depth: 4);
        for (uint i = 0; i < 3; i++)
        {
            bed.Submit(BlockOpcode.Read, i, 0, 1, [(BlockControllerBed.DataBase, 512)]);
        }
        bed.Dispatcher.RunUntilQuiescent();
        var first = bed.TakeCompletions(writeHead: false);
        Assert.Equal(3, first.Count); // a 4-entry ring holds 3
        bed.Submit(BlockOpcode.Read, 3, 0, 1, [(BlockControllerBed.DataBase, 512)]);
        bed.Dispatcher.RunUntilQuiescent();
        Assert.Equal(3u, bed.ReadRegister(BlockControllerRegister.CompletionQueueTail));
        bed.WriteRegister(BlockControllerRegister.CompletionQueueHead, 3);
        bed.Dispatcher.RunUntilQuiescent();
        Assert.Equal(0u, bed.ReadRegister(BlockControllerRegister.CompletionQueueTail));
    }

    [Fact]
    public void Zero_latency_commands_complete_in_the_turn_of_their_doorbell_and_a_CQ_HEAD_write_with_room_wakes_nothing()
    {
        using var bed = new BlockControllerBed(BlockControllerOptions.NoLatency);
        bed.Dispatcher.RunUntilQuiescent(); // the enable's look at the empty ring
        for (uint i = 0; i < 3; i++)
        {
            bed.Submit(BlockOpcode.Read, i, i, 1, [(BlockControllerBed.DataBase + (i * 512), 512)], ring: false);
        }
        bed.RingDoorbell();
        var start = bed.Dispatcher.NowNanoseconds;
        Assert.True(bed.Dispatcher.Step());
        Assert.False(bed.Dispatcher.Step()); // nothing left: no message to itself per command
        Assert.Equal([(0u, BlockCommandStatus.Success), (1u, BlockCommandStatus.Success), (2u, BlockCommandStatus.Success)], bed.TakeCompletions());
        Assert.Equal(start, bed.Dispatcher.NowNanoseconds);
        Assert.False(bed.Dispatcher.Step()); // the ring had room before CQ_HEAD moved: the engine was not waiting on it
    }

    [Fact]
    public void Controller_that_stops_answering_takes_doorbells_but_completes_nothing_until_reset()
    {
        using var bed = new BlockControllerBed();
        bed.Controller.InjectFault(BlockControllerFault.StopAnswering);
        bed.Submit(BlockOpcode.Read, 1, 0, 1, [(BlockControllerBed.DataBase, 512)]);
        bed.Dispatcher.RunForNanoseconds(1_000_000_000);
        Assert.Equal(1u, bed.ReadRegister(BlockControllerRegister.SubmissionQueueTail));
        Assert.Equal(0u, bed.ReadRegister(BlockControllerRegister.CompletionQueueTail));
        Assert.False(bed.Pin.Asserted);

        // Clearing EN resets the rings and the hang; the controller works again once re-enabled.
        bed.WriteRegister(BlockControllerRegister.Control, 0);
        Assert.Equal(0u, bed.ReadRegister(BlockControllerRegister.SubmissionQueueTail));
        bed.WriteRegister(BlockControllerRegister.Control, (uint)BlockControl.Enable);
        bed.Controller.Write((int)BlockControllerRegister.SubmissionQueueTail, AccessWidth.Dword, 1); // the command still in slot 0
        bed.Dispatcher.RunUntilQuiescent();
        Assert.Equal([(1u, BlockCommandStatus.Success)], bed.TakeCompletions());
    }

    [Fact]
    public void Surprise_unplug_reads_all_ones_drops_the_line_and_ignores_writes()
    {
        using var bed = new BlockControllerBed();
        bed.Submit(BlockOpcode.Read, 1, 0, 1, [(BlockControllerBed.DataBase, 512)]);
        bed.Dispatcher.RunUntilQuiescent();
        Assert.True(bed.Pin.Asserted);
        bed.Controller.InjectFault(BlockControllerFault.SurpriseUnplug);
        Assert.False(bed.Pin.Asserted);
        Assert.Equal(uint.MaxValue, bed.ReadRegister(BlockControllerRegister.Status));
        Assert.Equal(uint.MaxValue, bed.ReadRegister(BlockControllerRegister.InterruptStatus));
        Assert.Equal(0xFFFFu, bed.Controller.Read((int)BlockControllerRegister.Version, AccessWidth.Word));
        bed.WriteRegister(BlockControllerRegister.InterruptStatus, uint.MaxValue);
        bed.Submit(BlockOpcode.Read, 2, 0, 1, [(BlockControllerBed.DataBase, 512)]);
        bed.Dispatcher.RunUntilQuiescent();
        Assert.False(bed.Pin.Asserted);
        Assert.Equal(1, bed.Controller.CompletedCommands);
    }

    [Fact]
    public void Ring_layout_is_latched_while_the_controller_is_enabled()
    {
        using var bed = new BlockControllerBed();
        bed.WriteRegister(BlockControllerRegister.SubmissionQueueBaseLow, 0x9000);
        bed.WriteRegister(BlockControllerRegister.QueueDepth, 32);
        Assert.Equal((uint)BlockControllerBed.SubmissionBase, bed.ReadRegister(BlockControllerRegister.SubmissionQueueBaseLow));
        Assert.Equal(8u, bed.ReadRegister(BlockControllerRegister.QueueDepth));
    }

    [Fact]
    public void File_image_keeps_what_the_controller_wrote_in_the_raw_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"blk-{Environment.ProcessId}-{Environment.CurrentManagedThreadId}.img");
        File.WriteAllBytes(path, new byte[64 * 512]);
        try
        {
            var memory = new ActorKernel.Hardware.Tests.Fakes.FakeDmaMemory(1 << 20);
            var data = BlockControllerBed.Pattern(1024, 11);
            data.CopyTo(memory.Bytes.AsSpan(0x10000));
            using (var image = new FileDiskImage(path))
            using (var system = ActorKernel.Runtime.ActorSystem.Create("file", ActorKernel.Runtime.ActorSystemOptions.DeterministicWith(1)))
            {
                Assert.Equal(64, image.SectorCount);
                var controller = new BlockController(new BlockControllerOptions(), image, memory, new ActorKernel.Hardware.Tests.Fakes.FakePin());
                controller.Attach(system, "disk");
                controller.Write((int)BlockControllerRegister.SubmissionQueueBaseLow, AccessWidth.Dword, 0x1000);
                controller.Write((int)BlockControllerRegister.CompletionQueueBaseLow, AccessWidth.Dword, 0x2000);
                controller.Write((int)BlockControllerRegister.QueueDepth, AccessWidth.Dword, 4);
                controller.Write((int)BlockControllerRegister.Control, AccessWidth.Dword, (uint)BlockControl.Enable);
                BlockCommandLayout.WriteSegment(memory.Bytes.AsSpan(0x3000), 0x10000, 1024);
                BlockCommandLayout.WriteCommand(memory.Bytes.AsSpan(0x1000), BlockOpcode.Write, 1, 3, 2, 1, 0x3000);
                controller.Write((int)BlockControllerRegister.SubmissionQueueTail, AccessWidth.Dword, 1);
                system.Deterministic!.RunUntilQuiescent();
                Assert.Equal(1, controller.CompletedCommands);
            }
            Assert.Equal(data, File.ReadAllBytes(path)[(3 * 512)..(5 * 512)]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
