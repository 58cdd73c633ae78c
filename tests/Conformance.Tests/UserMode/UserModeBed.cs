using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.IoManager;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Filter;
using ActorKernel.Drivers.Ioctl;
using ActorKernel.Drivers.Notify;
using ActorKernel.Drivers.RamDisk;
using static ActorKernel.Actors.Wdm;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.UserMode;

/// <summary>
/// A machine (deterministic dispatcher, one system worker thread) with the sample stacks a user
/// process talks to: the RAM disk through filter → function → PDO (<c>\\.\RamDisk0</c>), the Notify
/// inverted-call driver under a recording filter (<c>\\.\Notify</c>), and Sioctl (<c>\\.\IoctlTest</c>);
/// and one user process, <c>app.exe</c>.
/// </summary>
internal sealed class UserModeBed : IDisposable
{
    public UserModeBed(int processors = 1, ulong seed = 7, bool directIo = false)
    {
        Machine = Machine.Create(new MachineOptions { Processors = processors, Seed = seed, ClockIntervalNs = 0, SystemWorkerThreads = 1 });
        Io = new IoMgr { Observer = Trace };
        Io.AttachTo(Machine);
        var bus = IoTestBed.Run(Io.LoadDriverAsync(RootBus.ServiceName, RootBus.ImageName, RootBus.DriverEntry)).Driver!;
        var pdo = RootBus.CreatePdo(bus, "RamDiskPdo0");
        var ramdisk = IoTestBed.Run(Io.LoadDriverAsync(RamDisk.ServiceName, RamDisk.ImageName, RamDisk.DriverEntryWith(new RamDiskOptions(64 * 1024, directIo)))).Driver!;
        var filter = IoTestBed.Run(Io.LoadDriverAsync(CountingFilter.ServiceName, CountingFilter.ImageName, CountingFilter.DriverEntry)).Driver!;
        Assert.Equal(NtStatus.Success, IoTestBed.Run(ramdisk.DriverExtension.AddDevice!(ramdisk, pdo)));
        Assert.Equal(NtStatus.Success, IoTestBed.Run(filter.DriverExtension.AddDevice!(filter, pdo)));
        RamDiskFdo = ramdisk.DeviceObjects[0];
        var notify = IoTestBed.Run(Io.LoadDriverAsync(Notify.ServiceName, Notify.ImageName, Notify.DriverEntry)).Driver!;
        NotifyDevice = notify.DeviceObjects[0];
        Recorder = new RecordingFilter(Io, NotifyDevice, Log);
        IoTestBed.Run(Io.LoadDriverAsync(Sioctl.ServiceName, Sioctl.ImageName, Sioctl.DriverEntry));
        Process = UserProcess.Create(Machine, Io, "app.exe");
    }

    public Machine Machine { get; }

    public IoMgr Io { get; }

    public RoutineRecorder Trace { get; } = new();

    public DeviceObject RamDiskFdo { get; }

    public DeviceObject NotifyDevice { get; }

    public NotifyExtension NotifyState => NotifyDevice.GetExtension<NotifyExtension>();

    public RecordingFilter Recorder { get; }

    /// <summary>What the recording filter saw, in order, with what the test itself logs.</summary>
    public List<string> Log { get; } = [];

    public UserProcess Process { get; }

    /// <summary>Starts <paramref name="main"/> as a user thread of the process and runs the machine until it is idle.</summary>
    public KThread Run(Func<ValueTask> main, int processor = 0)
    {
        var thread = Process.CreateThread(processor, "main", main);
        RunUntilIdle();
        return thread;
    }

    public void RunUntilIdle()
    {
        Machine.System.Deterministic!.RunUntilQuiescent(50_000_000);
        Assert.False(Machine.IsBugChecked, Machine.CrashDump?.Analysis);
    }

    /// <summary>A legacy device <c>\Device\{name}</c> with the link <c>\??\{name}</c> whose driver completes every request with STATUS_SUCCESS.</summary>
    public DeviceObject CreateSimpleDevice(string name, bool exclusive = false)
    {
        DeviceObject? device = null;
        IoTestBed.Run(Io.LoadDriverAsync(name, name.ToLowerInvariant() + ".sys", (d, _) =>
        {
            for (var major = 0; major < d.MajorFunction.Length; major++)
            {
                d.MajorFunction[major] = async (dev, irp) =>
                {
                    irp.IoStatus.Status = NtStatus.Success;
                    await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                    return NtStatus.Success;
                };
            }
            var status = IoCreateDevice(d, null, "\\Device\\" + name, DeviceType.Unknown, 0, exclusive, out device);
            device!.Flags &= ~DeviceObjectFlags.DeviceInitializing;
            d.Manager.Objects.IoCreateSymbolicLink("\\??\\" + name, "\\Device\\" + name);
            return ValueTask.FromResult(status);
        }));
        return device!;
    }

    public void Dispose() => Machine.Dispose();
}

/// <summary>
/// An upper filter that records each request passing it on the way down (<c>dispatch MAJOR</c>) and
/// on the way up (<c>complete MAJOR STATUS</c>), so tests can assert the order of requests and completions.
/// </summary>
internal sealed class RecordingFilter
{
    private readonly List<string> _log;

    public RecordingFilter(IoMgr io, DeviceObject target, List<string> log)
    {
        _log = log;
        var driver = IoTestBed.Run(io.LoadDriverAsync("RecFlt", "recflt.sys", (d, _) =>
        {
            for (var major = 0; major < d.MajorFunction.Length; major++)
            {
                d.MajorFunction[major] = Dispatch;
            }
            return ValueTask.FromResult(NtStatus.Success);
        })).Driver!;
        Assert.Equal(NtStatus.Success, IoCreateDevice(driver, null, null, target.DeviceType, 0, false, out var device));
        Device = device!;
        Lower = IoAttachDeviceToDeviceStack(Device, target)!;
        Device.Flags |= target.Flags & (DeviceObjectFlags.BufferedIo | DeviceObjectFlags.DirectIo);
        Device.Flags &= ~DeviceObjectFlags.DeviceInitializing;
    }

    public DeviceObject Device { get; }

    public DeviceObject Lower { get; }

    /// <summary>When set, IRP_MJ_CREATE is failed here with this status instead of passed down.</summary>
    public NtStatus? FailCreateWith { get; set; }

    private async ValueTask<NtStatus> Dispatch(DeviceObject device, Irp irp)
    {
        var major = IoGetCurrentIrpStackLocation(irp).MajorFunction;
        _log.Add($"dispatch {major.ToDisplayString()} at {KeGetCurrentIrql().ToDisplayString()}");
        if (major == IrpMajorFunction.Create && FailCreateWith is { } failure)
        {
            irp.IoStatus.Status = failure;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return failure;
        }
        IoCopyCurrentIrpStackLocationToNext(irp);
        IoSetCompletionRoutine(irp, Completed, major, true, true, true);
        return await IoCallDriver(Lower, irp);
    }

    private ValueTask<NtStatus> Completed(DeviceObject? device, Irp irp, object? context)
    {
        _log.Add($"complete {((IrpMajorFunction)context!).ToDisplayString()} {irp.IoStatus.Status.ToDisplayString().Split(' ')[0]}");
        if (irp.PendingReturned)
        {
            IoMarkIrpPending(irp);
        }
        return ValueTask.FromResult(NtStatus.Success);
    }
}
