using ActorKernel.Actors;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Filter;
using ActorKernel.Drivers.RamDisk;
using ActorKernel.Runtime;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.UserMode;

/// <summary>
/// The RAM-disk sample stack (counting filter → ramdisk.sys → root-bus PDO) on a simulated machine,
/// for user processes to open as <c>\\.\RamDisk0</c>; runs workloads to their end.
/// </summary>
internal sealed class RamDiskUserBed : IDisposable
{
    public const string DiskName = "\\\\.\\RamDisk0";

    public RamDiskUserBed(int processors = 2, ulong seed = 7, int diskSize = 1 << 20, bool directIo = false, DispatcherKind dispatcher = DispatcherKind.Deterministic, bool leaky = false,
        bool filtered = true, int systemWorkerThreads = 0)
    {
        Machine = Machine.Create(new MachineOptions { Processors = processors, Seed = seed, ClockIntervalNs = 0, SystemWorkerThreads = systemWorkerThreads, Dispatcher = dispatcher });
        Io = new IoMgr();
        Io.AttachTo(Machine);
        var bus = Loaded(Io.LoadDriverAsync(RootBus.ServiceName, RootBus.ImageName, RootBus.DriverEntry));
        var pdo = RootBus.CreatePdo(bus, "RamDiskPdo0");
        var ramdisk = Loaded(Io.LoadDriverAsync(RamDisk.ServiceName, RamDisk.ImageName, RamDisk.DriverEntryWith(new RamDiskOptions(diskSize, directIo))));
        Assert.Equal(NtStatus.Success, Done(ramdisk.DriverExtension.AddDevice!(ramdisk, pdo)));
        RamDiskDevice = ramdisk.DeviceObjects[0];
        Disk = RamDiskDevice.GetExtension<RamDiskExtension>();
        if (filtered)
        {
            var filter = Loaded(Io.LoadDriverAsync(CountingFilter.ServiceName, CountingFilter.ImageName, CountingFilter.DriverEntry));
            Assert.Equal(NtStatus.Success, Done(filter.DriverExtension.AddDevice!(filter, pdo)));
            _filter = filter.DeviceObjects[0].GetExtension<FilterExtension>();
        }
        if (leaky)
        {
            // leakyflt.sys on top: it loses every 1,000th read.
            var leak = Loaded(Io.LoadDriverAsync(LeakyFilter.ServiceName, LeakyFilter.ImageName, LeakyFilter.DriverEntry));
            Assert.Equal(NtStatus.Success, Done(leak.DriverExtension.AddDevice!(leak, pdo)));
            Leaky = leak.DeviceObjects[0].GetExtension<LeakyFilterExtension>();
        }
        Machine.Start();
    }

    public Machine Machine { get; }

    public IoMgr Io { get; }

    /// <summary>ramdisk.sys's device (the FDO).</summary>
    public DeviceObject RamDiskDevice { get; }

    public RamDiskExtension Disk { get; }

    /// <summary>cntfilt.sys's extension (a bed built with <c>filtered: false</c> has none).</summary>
    public FilterExtension Filter => _filter ?? throw new InvalidOperationException("This bed has no counting filter.");

    private readonly FilterExtension? _filter;

    public LeakyFilterExtension? Leaky { get; }

    /// <summary>Starts <paramref name="workload"/> in a new process and runs the machine until it is done (deterministic dispatcher).</summary>
    public void Run(UserWorkload workload, string image = "workload.exe", double simulatedSeconds = 1_000)
    {
        workload.Start(Machine, UserProcess.Create(Machine, Io, image));
        var finished = Machine.RunUntil(() => workload.IsDone || Machine.IsBugChecked, TimeSpan.FromSeconds(simulatedSeconds));
        Assert.False(Machine.IsBugChecked, Machine.CrashDump?.Analysis);
        Assert.True(finished, $"the workload did not finish within {simulatedSeconds} simulated seconds: {Describe(workload.Snapshot())}");
    }

    /// <summary>Starts <paramref name="workload"/> in a new process and waits (wall clock) until it is done (concurrent dispatcher).</summary>
    public void RunConcurrent(UserWorkload workload, TimeSpan wallTimeout)
    {
        workload.Start(Machine, UserProcess.Create(Machine, Io, "workload.exe"));
        var until = DateTime.UtcNow + wallTimeout;
        while (!workload.IsDone && !Machine.IsBugChecked && DateTime.UtcNow < until)
        {
            Thread.Sleep(5);
        }
        Assert.False(Machine.IsBugChecked, Machine.CrashDump?.Analysis);
        Assert.True(workload.IsDone, $"the workload did not finish within {wallTimeout}: {Describe(workload.Snapshot())}");
    }

    public static string Describe(WorkloadStatistics s) =>
        $"issued {s.Issued}, completed {s.Completed}, failed {s.Failed} ({string.Join(", ", s.Failures.Select(f => $"{f.Key}: {f.Value}"))}), in flight {s.InFlight}, "
        + $"open failures {s.OpenFailures} ({s.LastOpenStatus}), mismatches {s.Mismatches} ({s.FirstMismatch})";

    public void Dispose() => Machine.Dispose();

    private static DriverObject Loaded(ValueTask<(NtStatus Status, DriverObject? Driver)> load)
    {
        Assert.True(load.IsCompleted, "DriverEntry completes at load");
        Assert.Equal(NtStatus.Success, load.Result.Status);
        return load.Result.Driver!;
    }

    private static NtStatus Done(ValueTask<NtStatus> call)
    {
        Assert.True(call.IsCompleted, "AddDevice completes inline");
        return call.Result;
    }
}
