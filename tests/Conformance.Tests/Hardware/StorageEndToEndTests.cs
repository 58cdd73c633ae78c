using System.Diagnostics;
using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.Pnp;
using ActorKernel.Drivers.Storage;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Hardware;

/// <summary>One routine of the disk stack as the I/O trace saw it start: what, where, at which IRQL.</summary>
internal sealed record StorageStep(string Kind, string Routine, string? Major, int Processor, int Irql);

/// <summary>
/// Collects, in start order, the spans of every routine blkmini.sys runs (dispatch, StartIo, ISR,
/// DPC). The storage tests share one collection, so no other test drives this driver meanwhile.
/// </summary>
internal sealed class StorageTrace : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly List<Activity> _started = [];

    public StorageTrace()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == IoTrace.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = activity =>
            {
                lock (_started)
                {
                    _started.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The steps so far (tags are read now: every span has ended by the time a test asks).</summary>
    public List<StorageStep> Steps()
    {
        lock (_started)
        {
            return [.. _started
                .Where(a => Equals(a.GetTagItem("ak.driver"), BlkMiniport.ImageName))
                .Select(a => new StorageStep(a.DisplayName.Split(' ')[0], a.DisplayName.Split(' ')[1], a.GetTagItem("ak.major") as string,
                    (int)a.GetTagItem("ak.processor")!, (int)a.GetTagItem("ak.irql")!))];
        }
    }

    public void Dispose() => _listener.Dispose();
}

[CollectionDefinition("Storage", DisableParallelization = true)]
public sealed class StorageCollection;

/// <summary>Issue 11, acceptance 1 and the DMA-error part of 3: user-mode I/O through the interrupt-driven disk stack.</summary>
[Trait("Area", "Hardware")]
[Collection("Storage")]
public sealed class StorageEndToEndTests
{
    private const string Read = "IRP_MJ_READ";
    private const string Write = "IRP_MJ_WRITE";

    [Fact]
    public void User_write_then_read_pass_port_StartIo_controller_ISR_at_DIRQL_and_DPC_at_DISPATCH_LEVEL_with_the_data_DMAed_into_the_user_pages()
    {
        RecordingDma? dma = null;
        using var trace = new StorageTrace();
        using var bed = new StorageUserBed(processors: 4, dma: inner => dma = new RecordingDma(inner));
        var written = new byte[4096];
        for (var i = 0; i < written.Length; i++)
        {
            written[i] = (byte)((i * 31) + 7);
        }
        var read = new byte[4096];
        IoResult wrote = default, got = default;
        var userPages = new List<ulong>();
        var registerAccessesBefore = bed.Machine.Hal.RegisterAccesses;
        bed.RunProcess(async process =>
        {
            var handle = await CreateFile(StorageUserBed.DiskName, GenericAccess.GenericRead | GenericAccess.GenericWrite, FileShareMode.Read | FileShareMode.Write,
                CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            Assert.NotEqual(Handle.Invalid, handle);
            var source = process.VirtualAlloc(4096);
            var destination = process.VirtualAlloc(4096);
            process.WriteMemory(source, written);
            wrote = await WriteFile(handle, source, 4096, new Overlapped { Offset = 8192 });
            got = await ReadFile(handle, destination, 4096, new Overlapped { Offset = 8192 });
            userPages.Add(Wdm.MmGetPhysicalAddress(destination));
            await CloseHandle(handle);
            process.ReadMemory(destination, read);
        });

        Assert.Equal((true, 4096u, NtStatus.Success), (wrote.Succeeded, wrote.BytesTransferred, wrote.Status));
        Assert.Equal((true, 4096u, NtStatus.Success), (got.Succeeded, got.BytesTransferred, got.Status));
        Assert.Equal(written, read);
        var medium = new byte[4096];
        bed.Image.ReadSectors(16, medium);
        Assert.Equal(written, medium);
        // The controller moved the read's sectors straight into the physical page behind the user's buffer.
        Assert.Contains((userPages[0], 4096, true), dma!.DataTransfers);

        var io = trace.Steps().Where(s => s.Major is Read or Write || s.Kind is "Isr" or "Dpc").ToList();
        var isrs = io.Where(s => s.Kind == "Isr").ToList();
        var expected = new List<StorageStep>();
        foreach (var (major, isr) in new[] { Write, Read }.Zip(isrs))
        {
            expected.Add(new StorageStep("Dispatch", "PortReadWrite", major, 0, 0));
            expected.Add(new StorageStep("StartIo", "PortStartIo", major, 0, 2));
            expected.Add(new StorageStep("Isr", "BlkInterrupt", null, isr.Processor, StorageUserBed.DeviceIrql));
            expected.Add(new StorageStep("Dpc", "PortCompletionDpc", null, isr.Processor, 2));
        }
        Assert.Equal(expected, io);
        Assert.Equal(2, bed.Miniport.InterruptsClaimed);
        Assert.False(bed.Controller.InterruptAsserted); // the ISR acknowledged: the level-triggered line is down
        Assert.Empty(bed.Machine.Hal.Findings); // every register access and DMA transfer was within the granted resources
        // Per request at least the doorbell, INT_STATUS read and acknowledge, CQ_TAIL and CQ_HEAD, all through READ_/WRITE_REGISTER_ULONG.
        Assert.True(bed.Machine.Hal.RegisterAccesses - registerAccessesBefore >= 2 * 5, $"{bed.Machine.Hal.RegisterAccesses - registerAccessesBefore} register accesses");
    }

    [Fact]
    public void DMA_error_fails_the_request_with_STATUS_IO_DEVICE_ERROR_and_leaves_the_user_buffer_untouched()
    {
        using var bed = new StorageUserBed(processors: 2);
        bed.Image.WriteSectors(0, Enumerable.Repeat((byte)0x5A, 512).ToArray());
        IoResult failed = default, retried = default;
        var buffer = new byte[512];
        bed.RunProcess(async process =>
        {
            var handle = await CreateFile(StorageUserBed.DiskName, GenericAccess.GenericRead, FileShareMode.Read | FileShareMode.Write,
                CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var destination = process.VirtualAlloc(4096);
            bed.Controller.InjectFault(BlockControllerFault.DmaError);
            failed = await ReadFile(handle, destination, 512, new Overlapped { Offset = 0 });
            process.ReadMemory(destination, buffer);
            Assert.All(buffer, b => Assert.Equal(0, b));
            retried = await ReadFile(handle, destination, 512, new Overlapped { Offset = 0 });
            process.ReadMemory(destination, buffer);
            await CloseHandle(handle);
        });

        Assert.Equal((false, 0u, NtStatus.IoDeviceError, Win32Error.IoDevice), (failed.Succeeded, failed.BytesTransferred, failed.Status, failed.Error));
        Assert.Equal((uint)BlockCommandStatus.DataTransferError, bed.Miniport.LastError & 0xFFFF);
        Assert.Equal((true, 512u), (retried.Succeeded, retried.BytesTransferred));
        Assert.All(buffer, b => Assert.Equal(0x5A, b));
    }

    [Fact]
    public void Read_that_is_not_whole_sectors_or_runs_past_the_disk_fails_with_STATUS_INVALID_PARAMETER_without_reaching_the_controller()
    {
        using var bed = new StorageUserBed(processors: 1, sectors: 64);
        var results = new List<IoResult>();
        bed.RunProcess(async process =>
        {
            var handle = await CreateFile(StorageUserBed.DiskName, GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = process.VirtualAlloc(8192);
            results.Add(await ReadFile(handle, buffer, 100, new Overlapped { Offset = 0 }));
            results.Add(await ReadFile(handle, buffer, 512, new Overlapped { Offset = 100 }));
            results.Add(await ReadFile(handle, buffer, 1024, new Overlapped { Offset = 63 * 512 }));
            await CloseHandle(handle);
        });

        Assert.All(results, r => Assert.Equal((false, NtStatus.InvalidParameter), (r.Succeeded, r.Status)));
        Assert.Equal(0, bed.Controller.CompletedCommands);
    }

    [Fact]
    public void Remove_device_stops_the_controller_disconnects_the_interrupt_and_takes_the_name_away()
    {
        // The PnP manager builds the stack (pci.sys finds the card, blkmini.sys over the storage port) and removes it.
        using var bed = new PnpBed(processors: 2);
        var controller = bed.PlaceBlockDisk("disk0");
        bed.Enumerate(PnpBed.BaseRegistry);
        var node = bed.Node(RemovalBed.DiskPath(0));
        var adapter = node.PhysicalDeviceObject.AttachedDevice!.GetExtension<StorageAdapter>();
        Assert.True(adapter.Started);
        var before = OpenStatus(bed);

        var completion = new PnpActionCompletion();
        bed.Pnp.RequestQueryRemove(node, completion);
        bed.RunUntil(() => completion.IsCompleted && bed.Pnp.IsIdle);
        var after = OpenStatus(bed);

        Assert.Null(completion.Veto);
        Assert.Equal(NtStatus.Success, before);
        Assert.Equal(NtStatus.ObjectNameNotFound, after);
        Assert.Equal(DeviceNodeState.Removed, node.State);
        // HwStopAdapter cleared CONTROL.EN and INT_ENABLE: the controller neither runs commands nor interrupts.
        Assert.Equal(0u, controller.Read((int)BlockControllerRegister.Control, AccessWidth.Dword));
        Assert.Equal(0u, controller.Read((int)BlockControllerRegister.InterruptEnable, AccessWidth.Dword));
        Assert.Null(adapter.Interrupt);
        Assert.Null(adapter.DmaAdapter);
        Assert.False(adapter.Started);
    }

    /// <summary>What CreateFile of \\.\BlkDisk0 gives a new process (its handle closed again).</summary>
    private static NtStatus OpenStatus(PnpBed bed)
    {
        NtStatus open = default;
        bed.RunProcess(async _ =>
        {
            var handle = await CreateFile(StorageUserBed.DiskName, GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            open = handle.IsValid ? NtStatus.Success : GetLastNtStatus();
            if (handle.IsValid)
            {
                await CloseHandle(handle);
            }
        });
        return open;
    }

    [Fact]
    public void IRP_MJ_FLUSH_BUFFERS_writes_the_controllers_write_back_cache_to_the_medium()
    {
        using var bed = new StorageUserBed(processors: 2, controller: BlockControllerOptions.NoLatency with { WriteCacheEnabled = true });
        var data = Enumerable.Range(0, 512).Select(i => (byte)(i + 1)).ToArray();
        bed.RunProcess(async process =>
        {
            var handle = await CreateFile(StorageUserBed.DiskName, GenericAccess.GenericWrite, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var source = process.VirtualAlloc(4096);
            process.WriteMemory(source, data);
            Assert.True((await WriteFile(handle, source, 512, new Overlapped { Offset = 0 })).Succeeded);
            await CloseHandle(handle);
        });
        var medium = new byte[512];
        bed.Image.ReadSectors(0, medium);
        Assert.All(medium, b => Assert.Equal(0, b)); // still only in the controller's cache
        Assert.Equal(1, bed.Controller.DirtySectors);

        var flushed = NtStatus.Pending;
        bed.Machine.CreateSystemThread(0, KernelModule.Kernel, "Flush", async _ =>
        {
            var done = new KEvent();
            Wdm.KeInitializeEvent(done, EventType.NotificationEvent, false);
            var iosb = new IoStatusBlock();
            var irp = Wdm.IoBuildSynchronousFsdRequest(IrpMajorFunction.FlushBuffers, bed.Fdo, null, 0, 0, done.IoSignal, iosb)!;
            var status = await Wdm.IoCallDriver(bed.Fdo, irp);
            if (status == NtStatus.Pending)
            {
                await Wdm.KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
                status = iosb.Status;
            }
            flushed = status;
        });
        bed.Machine.RunUntil(() => flushed != NtStatus.Pending || bed.Machine.IsBugChecked, TimeSpan.FromSeconds(10));

        Assert.Equal(NtStatus.Success, flushed);
        bed.Image.ReadSectors(0, medium);
        Assert.Equal(data, medium);
        Assert.Equal(0, bed.Controller.DirtySectors);
    }
}
