using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Tracing.Tests;

/// <summary>
/// A machine with an interrupt-driven stack a user process reads from, for the tracing tests: an
/// upper filter (<c>tfilter.sys</c>, a completion routine on every read) over a function driver
/// (<c>tdisk.sys</c>) that marks each read pending and queues it with IoStartPacket; its StartIo
/// "programs the device" (the device's line is raised <see cref="DeviceLatencyNs"/> later), the ISR
/// queues the DPC, and the DPC completes the IRP and starts the next one: the WDM shape of a read.
/// </summary>
internal sealed class TracedDiskBed : IDisposable
{
    public const int Line = 1;
    public const int Vector = 0x50;
    public const long DeviceLatencyNs = 40_000;
    public const string DeviceName = "\\Device\\TracedDisk0";
    public static readonly KernelModule DiskModule = new("tdisk.sys");

    private readonly KDpc _dpc = new();

    public TracedDiskBed(ulong seed = 7, int processors = 1, KernelTraceOptions? options = null)
    {
        Machine = Machine.Create(new MachineOptions
        {
            Processors = processors,
            Seed = seed,
            ClockIntervalNs = 0,
            InterruptLines = [new Hardware.InterruptLineConfig(Line, Vector, 5, 0)],
        });
        Io = new IoManager();
        Io.AttachTo(Machine);
        Recorder = IoTraceRecorder.Attach(Io, options ?? new KernelTraceOptions { Seed = seed });
        var disk = Run(Io.LoadDriverAsync("TDisk", "tdisk.sys", (d, _) =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Create] = CompleteAtOnce;
            d.MajorFunction[(int)IrpMajorFunction.Close] = CompleteAtOnce;
            d.MajorFunction[(int)IrpMajorFunction.Cleanup] = CompleteAtOnce;
            d.MajorFunction[(int)IrpMajorFunction.Read] = DiskRead;
            d.DriverStartIo = DiskStartIo;
            var status = IoCreateDevice(d, null, DeviceName, DeviceType.Disk, 0, false, out var device);
            device!.Flags |= DeviceObjectFlags.BufferedIo;
            device.Flags &= ~DeviceObjectFlags.DeviceInitializing;
            d.Manager.Objects.IoCreateSymbolicLink("\\??\\TracedDisk0", DeviceName);
            return ValueTask.FromResult(status);
        })).Driver!;
        Disk = disk.DeviceObjects[0];
        KeInitializeDpc(_dpc, DiskDpc, Disk, DiskModule);
        Assert.Equal(NtStatus.Success, Machine.IoConnectInterrupt(out _, DiskModule, DiskIsr, Disk, null, Vector, (Irql)5, (Irql)5,
            KInterruptMode.Latched, false, 0, "DiskIsr"));
        var filter = Run(Io.LoadDriverAsync("TFilter", "tfilter.sys", (d, _) =>
        {
            for (var major = 0; major < d.MajorFunction.Length; major++)
            {
                d.MajorFunction[major] = FilterPass;
            }
            return ValueTask.FromResult(NtStatus.Success);
        })).Driver!;
        Assert.Equal(NtStatus.Success, IoCreateDevice(filter, null, null, DeviceType.Disk, 0, false, out var filterDevice));
        FilterDevice = filterDevice!;
        FilterLower = IoAttachDeviceToDeviceStack(FilterDevice, Disk)!;
        FilterDevice.Flags |= DeviceObjectFlags.BufferedIo;
        FilterDevice.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        Process = UserProcess.Create(Machine, Io, "reader.exe");
    }

    public Machine Machine { get; }

    public IoManager Io { get; }

    public IoTraceRecorder Recorder { get; }

    public DeviceObject Disk { get; }

    public DeviceObject FilterDevice { get; }

    public DeviceObject FilterLower { get; }

    public UserProcess Process { get; }

    /// <summary>A user thread opens the disk and reads <paramref name="reads"/> times <paramref name="length"/> bytes, synchronously.</summary>
    public List<IoResult> ReadFromUserMode(int reads, uint length = 512)
    {
        var results = new List<IoResult>();
        Process.CreateThread(0, "main", async () =>
        {
            var handle = await Kernel32.CreateFile("\\\\.\\TracedDisk0", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.None);
            var buffer = Process.VirtualAlloc(4096);
            for (var i = 0; i < reads; i++)
            {
                results.Add(await Kernel32.ReadFile(handle, buffer, length));
            }
            await Kernel32.CloseHandle(handle);
        });
        Machine.System.Deterministic!.RunUntilQuiescent(50_000_000);
        Assert.False(Machine.IsBugChecked, Machine.CrashDump?.Summary);
        Recorder.Flush();
        return results;
    }

    /// <summary>
    /// <paramref name="threads"/> user threads, each with its own handle, read <paramref name="reads"/> times at once, so
    /// requests queue at the disk and the DPC that completes one starts the next: one DPC serves two requests.
    /// </summary>
    public List<IoResult> ReadFromUserModeOnThreads(int threads, int reads, uint length = 512)
    {
        var results = new List<IoResult>();
        for (var t = 0; t < threads; t++)
        {
            Process.CreateThread(0, "reader" + t, async () =>
            {
                var handle = await Kernel32.CreateFile("\\\\.\\TracedDisk0", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.None);
                var buffer = Process.VirtualAlloc(4096);
                for (var i = 0; i < reads; i++)
                {
                    results.Add(await Kernel32.ReadFile(handle, buffer, length));
                }
                await Kernel32.CloseHandle(handle);
            });
        }
        Machine.System.Deterministic!.RunUntilQuiescent(50_000_000);
        Assert.False(Machine.IsBugChecked, Machine.CrashDump?.Summary);
        Recorder.Flush();
        return results;
    }

    /// <summary>When set, StartIo programs nothing: the device never interrupts, so a read stays in flight.</summary>
    public bool DeviceSilent { get; set; }

    internal static T Run<T>(ValueTask<T> task)
    {
        Assert.True(task.IsCompleted, "the inline routine should have run to completion");
        return task.GetAwaiter().GetResult();
    }

    private static async ValueTask<NtStatus> CompleteAtOnce(DeviceObject device, Irp irp)
    {
        irp.IoStatus.Status = NtStatus.Success;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return NtStatus.Success;
    }

    private static async ValueTask<NtStatus> DiskRead(DeviceObject device, Irp irp)
    {
        IoMarkIrpPending(irp);
        await IoStartPacket(device, irp, null, null);
        return NtStatus.Pending;
    }

    private ValueTask DiskStartIo(DeviceObject device, Irp irp)
    {
        // Programs the transfer: the device raises its line when it is done.
        if (DeviceSilent)
        {
            return ValueTask.CompletedTask;
        }
        Machine.System.Scheduler.ScheduleOnce(TimeSpan.FromTicks(DeviceLatencyNs / 100), () => Machine.RaiseInterrupt(Line));
        return ValueTask.CompletedTask;
    }

    private ValueTask<bool> DiskIsr(KInterrupt interrupt, object? context)
    {
        KeInsertQueueDpc(_dpc, null, null);
        return ValueTask.FromResult(true);
    }

    /// <summary>Microseconds the DPC stalls before it completes (to break Microsoft's 100 us guidance).</summary>
    public uint DpcStallMicroseconds { get; set; }

    private async ValueTask DiskDpc(KDpc dpc, object? context, object? argument1, object? argument2)
    {
        var device = (DeviceObject)context!;
        if (DpcStallMicroseconds > 0)
        {
            await KeStallExecutionProcessor(DpcStallMicroseconds);
        }
        if (device.CurrentIrp is not { } irp)
        {
            return; // an interrupt with no request in flight (spurious, or a storm)
        }
        irp.IoStatus.Information = IoGetCurrentIrpStackLocation(irp).Parameters.Read.Length;
        irp.IoStatus.Status = NtStatus.Success;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        await IoStartNextPacket(device, false);
    }

    private async ValueTask<NtStatus> FilterPass(DeviceObject device, Irp irp)
    {
        IoCopyCurrentIrpStackLocationToNext(irp);
        IoSetCompletionRoutine(irp, FilterReadComplete, null, true, true, true);
        return await IoCallDriver(FilterLower, irp);
    }

    private static ValueTask<NtStatus> FilterReadComplete(DeviceObject? device, Irp irp, object? context)
    {
        if (irp.PendingReturned)
        {
            IoMarkIrpPending(irp);
        }
        return ValueTask.FromResult(NtStatus.Success);
    }

    public void Dispose()
    {
        Recorder.Dispose();
        Machine.Dispose();
    }
}
