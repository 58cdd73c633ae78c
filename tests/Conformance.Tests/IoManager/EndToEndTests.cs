using System.Text;
using ActorKernel.Actors;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Filter;
using ActorKernel.Drivers.RamDisk;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Wdm;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.IoManager;

/// <summary>
/// filter → function → PDO built by hand on a simulated machine: the counting filter over the RAM
/// disk over a root-bus PDO, driven by a kernel thread through NtCreateFile/NtWriteFile/NtReadFile.
/// </summary>
internal sealed class SampleStack : IDisposable
{
    public SampleStack(bool directIo, int processors = 1, ulong seed = 7, DispatcherKind dispatcher = DispatcherKind.Deterministic)
    {
        Machine = Machine.Create(new MachineOptions { Processors = processors, Seed = seed, ClockIntervalNs = 0, SystemWorkerThreads = 0, Dispatcher = dispatcher });
        Io = new IoMgr { Observer = dispatcher == DispatcherKind.Deterministic ? Trace : null };
        Io.AttachTo(Machine);
        var bus = IoTestBed.Run(Io.LoadDriverAsync(RootBus.ServiceName, RootBus.ImageName, RootBus.DriverEntry)).Driver!;
        Pdo = RootBus.CreatePdo(bus, "RamDiskPdo0");
        var ramdisk = IoTestBed.Run(Io.LoadDriverAsync(RamDisk.ServiceName, RamDisk.ImageName, RamDisk.DriverEntryWith(new RamDiskOptions(64 * 1024, directIo)))).Driver!;
        var filter = IoTestBed.Run(Io.LoadDriverAsync(CountingFilter.ServiceName, CountingFilter.ImageName, CountingFilter.DriverEntry)).Driver!;
        Assert.Equal(NtStatus.Success, IoTestBed.Run(ramdisk.DriverExtension.AddDevice!(ramdisk, Pdo)));
        Assert.Equal(NtStatus.Success, IoTestBed.Run(filter.DriverExtension.AddDevice!(filter, Pdo)));
        Fdo = ramdisk.DeviceObjects[0];
        Filter = filter.DeviceObjects[0];
    }

    public Machine Machine { get; }

    public IoMgr Io { get; }

    public RoutineRecorder Trace { get; } = new();

    public DeviceObject Pdo { get; }

    public DeviceObject Fdo { get; }

    public DeviceObject Filter { get; }

    public FilterExtension FilterState => Filter.GetExtension<FilterExtension>();

    public static readonly KernelModule Caller = new("kcaller.sys");

    /// <summary>Runs <paramref name="routine"/> as a kernel thread on processor 0 and the machine until it is idle.</summary>
    public void RunThread(Func<ValueTask> routine)
    {
        Machine.RunRoutine(0, Caller, "CallerThread", routine);
        Machine.System.Deterministic!.RunUntilQuiescent(10_000_000);
        Assert.False(Machine.IsBugChecked, Machine.CrashDump?.Analysis);
    }

    public void Dispose() => Machine.Dispose();
}

[Trait("Area", "IoManager")]
public sealed class EndToEndTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Filter_function_PDO_stack_moves_written_data_back_on_read_with_status_information_and_trace(bool directIo)
    {
        using var stack = new SampleStack(directIo);
        var data = Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog, twice.");
        var readBack = new byte[data.Length];
        NtStatus open = default, write = default, read = default, ioctl = default, close = default;
        var writeIosb = new IoStatusBlock();
        var readIosb = new IoStatusBlock();
        var ioctlIosb = new IoStatusBlock { Status = NtStatus.Pending };
        Irql threadIrql = Irql.HighLevel;

        stack.RunThread(async () =>
        {
            threadIrql = KeGetCurrentIrql();
            var (status, file) = await NtCreateFile(stack.Io, "\\??\\RamDisk0", KProcessorMode.UserMode, true, true);
            open = status;
            write = await NtWriteFile(file!, writeIosb, new UserBuffer(0x0000_0000_0010_0000, data), (uint)data.Length, 4096);
            read = await NtReadFile(file!, readIosb, new UserBuffer(0x0000_0000_0020_0000, readBack), (uint)data.Length, 4096);
            // An IOCTL nobody above handles goes filter → RAM disk → PDO, whose default entry refuses it.
            var code = IoControlCode.CtlCode(DeviceType.Disk, 0x801, TransferMethod.MethodBuffered, IoctlAccess.FileAnyAccess);
            ioctl = await NtDeviceIoControlFile(file!, ioctlIosb, code, null, 0, null, 0);
            close = await NtClose(file!);
        });

        Assert.Equal(Irql.PassiveLevel, threadIrql);
        Assert.Equal(NtStatus.Success, open);
        Assert.Equal((NtStatus.Success, NtStatus.Success, (ulong)data.Length), (write, writeIosb.Status, writeIosb.Information));
        Assert.Equal((NtStatus.Success, NtStatus.Success, (ulong)data.Length), (read, readIosb.Status, readIosb.Information));
        Assert.Equal(data, readBack);
        Assert.Equal(data, stack.Fdo.GetExtension<RamDiskExtension>().Image.AsSpan(4096, data.Length).ToArray());
        // It failed without STATUS_PENDING: IopCompleteRequest writes no status block (NT: the caller has the status).
        Assert.Equal((NtStatus.InvalidDeviceRequest, NtStatus.Pending), (ioctl, ioctlIosb.Status));
        Assert.Equal(NtStatus.Success, close);
        Assert.Equal(1, stack.FilterState.RequestCount(IrpMajorFunction.Read));
        Assert.Equal(1, stack.FilterState.RequestCount(IrpMajorFunction.Write));
        Assert.Equal(data.Length, stack.FilterState.BytesRead);

        // The trace: every dispatch on processor 0 at PASSIVE_LEVEL, in stack order; the filter's read completion once.
        var dispatches = stack.Trace.Started.Where(r => r.Kind == IoRoutineKind.Dispatch).Select(r => $"{r.MajorFunction.ToDisplayString()} {r.Driver!.ImageName} loc={r.Location}").ToList();
        Assert.Equal(
        [
            "IRP_MJ_CREATE cntfilt.sys loc=3", "IRP_MJ_CREATE ramdisk.sys loc=3",
            "IRP_MJ_WRITE cntfilt.sys loc=3", "IRP_MJ_WRITE ramdisk.sys loc=3",
            "IRP_MJ_READ cntfilt.sys loc=3", "IRP_MJ_READ ramdisk.sys loc=2",
            "IRP_MJ_DEVICE_CONTROL cntfilt.sys loc=3", "IRP_MJ_DEVICE_CONTROL ramdisk.sys loc=3", "IRP_MJ_DEVICE_CONTROL rootbus.sys loc=3",
            "IRP_MJ_CLEANUP cntfilt.sys loc=3", "IRP_MJ_CLEANUP ramdisk.sys loc=3",
            "IRP_MJ_CLOSE cntfilt.sys loc=3", "IRP_MJ_CLOSE ramdisk.sys loc=3",
        ], dispatches);
        Assert.All(stack.Trace.Started, r => Assert.Equal((0, Irql.PassiveLevel), (r.Processor, r.Irql)));
        var completion = Assert.Single(stack.Trace.Started, r => r.Kind == IoRoutineKind.Completion);
        Assert.Equal(("FilterReadComplete", stack.Filter), (completion.RoutineName, completion.Device));
    }

    [Fact]
    public void Filter_can_modify_read_data_on_its_way_up()
    {
        using var stack = new SampleStack(directIo: true);
        stack.FilterState.InvertReadData = true;
        var image = stack.Fdo.GetExtension<RamDiskExtension>().Image;
        image[0] = 0x0F;
        image[1] = 0xF0;
        var buffer = new byte[2];

        stack.RunThread(async () =>
        {
            var (_, file) = await NtCreateFile(stack.Io, "\\Device\\RamDisk0", KProcessorMode.KernelMode, true, false);
            await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x30000, buffer), 2, 0);
        });

        Assert.Equal(new byte[] { 0xF0, 0x0F }, buffer);
    }

    [Fact]
    public void Read_beyond_the_disk_fails_with_STATUS_INVALID_PARAMETER_and_no_bytes()
    {
        using var stack = new SampleStack(directIo: false);
        var iosb = new IoStatusBlock { Status = NtStatus.Pending };
        NtStatus status = default;

        stack.RunThread(async () =>
        {
            var (_, file) = await NtCreateFile(stack.Io, "\\Device\\RamDisk0", KProcessorMode.KernelMode, true, false);
            status = await NtReadFile(file!, iosb, new UserBuffer(0x30000, new byte[512]), 512, 64 * 1024 - 256);
        });

        // Failed without STATUS_PENDING: the status is the service's return; the status block is not written.
        Assert.Equal((NtStatus.InvalidParameter, NtStatus.Pending, 0UL), (status, iosb.Status, iosb.Information));
        Assert.Equal(0, stack.FilterState.BytesRead);
    }

    [Fact]
    public void A_read_completed_from_a_DPC_wakes_the_waiting_thread_and_completion_routines_run_at_DISPATCH_LEVEL()
    {
        using var stack = new SampleStack(directIo: false);
        // Replace the RAM disk's read with one that goes pending and completes from a DPC, as a device's would.
        var dpc = new KDpc();
        KeInitializeDpc(dpc, async (_, _, argument, _) =>
        {
            var irp = (Irp)argument!;
            irp.IoStatus.Status = NtStatus.Success;
            irp.IoStatus.Information = IoGetCurrentIrpStackLocation(irp).Parameters.Read.Length;
            await IoCompleteRequest(irp, PriorityBoost.IoDiskIncrement);
        }, null, stack.Fdo.DriverObject.Module);
        stack.Fdo.DriverObject.MajorFunction[(int)IrpMajorFunction.Read] = (device, irp) =>
        {
            IoMarkIrpPending(irp);
            var old = KeRaiseIrql(Irql.DispatchLevel);
            KeInsertQueueDpc(dpc, irp, null);
            KeLowerIrql(old);
            return ValueTask.FromResult(NtStatus.Pending);
        };
        var iosb = new IoStatusBlock();
        NtStatus status = default;
        var order = new List<string>();

        stack.RunThread(async () =>
        {
            var (_, file) = await NtCreateFile(stack.Io, "\\Device\\RamDisk0", KProcessorMode.KernelMode, true, false);
            order.Add("read issued");
            status = await NtReadFile(file!, iosb, new UserBuffer(0x30000, new byte[128]), 128, 0);
            order.Add("read returned " + status.GetMacroName());
        });

        Assert.Equal(NtStatus.Success, status);
        Assert.Equal(128UL, iosb.Information);
        Assert.Equal(["read issued", "read returned STATUS_SUCCESS"], order);
        var completion = Assert.Single(stack.Trace.Started, r => r.Kind == IoRoutineKind.Completion);
        Assert.Equal(("FilterReadComplete", Irql.DispatchLevel), (completion.RoutineName, completion.Irql));
        Assert.Empty(stack.Io.GetStuckRequests());
    }

    [Fact]
    public void A_bugcheck_in_a_dispatch_routine_on_a_processor_names_the_driver_in_the_crash_dump()
    {
        using var stack = new SampleStack(directIo: false);
        stack.Fdo.DriverObject.MajorFunction[(int)IrpMajorFunction.Read] = async (device, irp) =>
        {
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        };
        Irp? sent = null;
        stack.Machine.RunRoutine(0, SampleStack.Caller, "CallerThread", async () =>
        {
            var (_, file) = await NtCreateFile(stack.Io, "\\Device\\RamDisk0", KProcessorMode.KernelMode, true, false);
            var top = IoGetAttachedDevice(stack.Fdo);
            sent = IoAllocateIrp(top.StackSize, false);
            sent.Thread = stack;
            var next = IoGetNextIrpStackLocation(sent);
            next.MajorFunction = IrpMajorFunction.Read;
            next.FileObject = file;
            await IoCallDriver(top, sent);
        });
        stack.Machine.System.Deterministic!.RunUntilQuiescent(10_000_000);

        Assert.True(stack.Machine.IsBugChecked);
        var dump = stack.Machine.CrashDump!;
        Assert.Equal(BugCheckCode.MultipleIrpCompleteRequests, dump.Code);
        Assert.Equal(sent!.Address, dump.ParameterValues[0]);
        Assert.Equal(RamDisk.ImageName, dump.FaultingModule);
    }
}
