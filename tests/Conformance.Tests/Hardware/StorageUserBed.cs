using ActorKernel.Actors;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Storage;
using ActorKernel.Hardware;
using ActorKernel.Runtime;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.Hardware;

/// <summary>
/// The interrupt-driven disk stack on a simulated machine: a block controller placed on PCI
/// (memory BAR, level-triggered INTA# on line <see cref="Line"/>), blkmini.sys over the storage
/// port on a root-bus PDO, started by IopStartDevice with the platform's resources; user processes
/// open it as <c>\\.\BlkDisk0</c>.
/// </summary>
internal sealed class StorageUserBed : IDisposable
{
    public const string DiskName = "\\\\.\\BlkDisk0";
    public const int Line = 11;
    public const int Vector = 0x7B;
    public const byte DeviceIrql = 8;

    public StorageUserBed(int processors = 4, ulong seed = 7, DispatcherKind dispatcher = DispatcherKind.Deterministic, long sectors = 8192,
        BlockControllerOptions? controller = null, Func<IDmaMemory, IDmaMemory>? dma = null, bool recordDeliveries = false)
    {
        var options = new MachineOptions
        {
            Processors = processors,
            Seed = seed,
            ClockIntervalNs = 0,
            Dispatcher = dispatcher,
            InterruptLines = [new InterruptLineConfig(Line, Vector, DeviceIrql, Trigger: InterruptTrigger.Level)],
        };
        if (recordDeliveries)
        {
            _system = ActorSystem.Create("storage", ActorSystemOptions.DeterministicWith(seed, recordDeliveries: true));
            Machine = Machine.Create(options, _system);
        }
        else
        {
            Machine = Machine.Create(options);
        }
        Io = new IoMgr();
        Io.AttachTo(Machine);
        var hal = Machine.Hal;
        Image = new MemoryDiskImage(sectors);
        IDmaMemory memory = hal.Platform.Memory;
        Controller = new BlockController(controller ?? BlockControllerOptions.NoLatency, Image, dma is null ? memory : dma(memory), Machine.CreateInterruptPin(Line));
        Controller.Attach(Machine.System, "disk0");
        // A mass-storage controller (class 01, subclass 80 "other"), one memory BAR, INTA#.
        Placed = hal.Platform.PlacePciDevice("disk0", new PciDeviceDefinition(0x1234, 0xB10C, 0x01, 0x80, 0x00, [new PciBarDefinition(PciBarKind.Memory32, Controller)]), Line);

        var bus = Loaded(Io.LoadDriverAsync(RootBus.ServiceName, RootBus.ImageName, RootBus.DriverEntry));
        Pdo = RootBus.CreatePdo(bus, "BlkPdo0");
        var miniport = Loaded(Io.LoadDriverAsync(BlkMiniport.ServiceName, BlkMiniport.ImageName, BlkMiniport.DriverEntry));
        var add = miniport.DriverExtension.AddDevice!(miniport, Pdo);
        Assert.True(add.IsCompleted && add.Result == NtStatus.Success, "AddDevice");
        Fdo = miniport.DeviceObjects[0];
        Adapter = Fdo.GetExtension<StorageAdapter>();
        Machine.Start();

        var started = NtStatus.Pending;
        Machine.CreateSystemThread(0, KernelModule.Kernel, "PnpStart", async _ => started = await Io.IopStartDevice(Pdo, Placed));
        if (dispatcher == DispatcherKind.Deterministic)
        {
            Machine.RunUntil(() => started != NtStatus.Pending || Machine.IsBugChecked, TimeSpan.FromSeconds(10));
        }
        else
        {
            WaitWall(() => started != NtStatus.Pending || Machine.IsBugChecked, TimeSpan.FromSeconds(30));
        }
        Assert.False(Machine.IsBugChecked, Machine.CrashDump?.Analysis);
        Assert.Equal(NtStatus.Success, started);
    }

    private readonly ActorSystem? _system;

    public Machine Machine { get; }

    public IoMgr Io { get; }

    public MemoryDiskImage Image { get; }

    public BlockController Controller { get; }

    public PlacedDevice Placed { get; }

    public DeviceObject Pdo { get; }

    public DeviceObject Fdo { get; }

    public StorageAdapter Adapter { get; }

    public BlkExtension Miniport => (BlkExtension)Adapter.MiniportExtension!;

    /// <summary>Starts <paramref name="workload"/> in a new process and runs until it is done (deterministic dispatcher).</summary>
    public void Run(UserWorkload workload, double simulatedSeconds = 1_000)
    {
        workload.Start(Machine, UserProcess.Create(Machine, Io, "disk.exe"));
        var finished = Machine.RunUntil(() => workload.IsDone || Machine.IsBugChecked, TimeSpan.FromSeconds(simulatedSeconds));
        Assert.False(Machine.IsBugChecked, Machine.CrashDump?.Analysis);
        Assert.True(finished, $"the workload did not finish within {simulatedSeconds} simulated seconds: {Describe(workload.Snapshot())}");
    }

    /// <summary>Starts <paramref name="workload"/> in a new process and waits (wall clock) until it is done (concurrent dispatcher).</summary>
    public void RunConcurrent(UserWorkload workload, TimeSpan wallTimeout)
    {
        workload.Start(Machine, UserProcess.Create(Machine, Io, "disk.exe"));
        WaitWall(() => workload.IsDone || Machine.IsBugChecked, wallTimeout);
        Assert.False(Machine.IsBugChecked, Machine.CrashDump?.Analysis);
        Assert.True(workload.IsDone, $"the workload did not finish within {wallTimeout}: {Describe(workload.Snapshot())}");
        // The user thread can see its last completion (and close the file) while the completing processor has yet to
        // take that IRP off the outstanding list, and the close's IRP_MJ_CLOSE is still on its way: give both a moment.
        // A request that is really stuck stays listed, and the caller's assertion names it.
        WaitWall(() => Io.GetStuckRequests().Count == 0 || Machine.IsBugChecked, TimeSpan.FromSeconds(10));
    }

    /// <summary>Runs <paramref name="main"/> as the main thread of a new process to its end (deterministic dispatcher).</summary>
    public UserProcess RunProcess(Func<UserProcess, ValueTask> main, int processor = 0)
    {
        var process = UserProcess.Create(Machine, Io, "app.exe");
        var done = false;
        process.CreateThread(processor, "main", async () =>
        {
            await main(process);
            done = true;
        });
        Machine.RunUntil(() => done || Machine.IsBugChecked, TimeSpan.FromSeconds(100));
        Assert.False(Machine.IsBugChecked, Machine.CrashDump?.Analysis);
        Assert.True(done, "the process's main thread did not finish");
        return process;
    }

    public static string Describe(WorkloadStatistics s) =>
        $"issued {s.Issued}, completed {s.Completed}, failed {s.Failed} ({string.Join(", ", s.Failures.Select(f => $"{f.Key}: {f.Value}"))}), in flight {s.InFlight}, "
        + $"open failures {s.OpenFailures} ({s.LastOpenStatus}), mismatches {s.Mismatches} ({s.FirstMismatch})";

    public void Dispose()
    {
        Machine.Dispose();
        _system?.Dispose();
    }

    private static void WaitWall(Func<bool> condition, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < until)
        {
            Thread.Sleep(2);
        }
    }

    private static DriverObject Loaded(ValueTask<(NtStatus Status, DriverObject? Driver)> load)
    {
        Assert.True(load.IsCompleted, "DriverEntry completes at load");
        Assert.Equal(NtStatus.Success, load.Result.Status);
        return load.Result.Driver!;
    }
}

/// <summary>The controller's view of memory, recorded: every bus-master transfer of at least a sector (data, not ring entries).</summary>
internal sealed class RecordingDma(IDmaMemory inner) : IDmaMemory
{
    private readonly Lock _lock = new();

    public List<(ulong Address, int Length, bool ToMemory)> DataTransfers { get; } = [];

    public void DmaRead(ulong physicalAddress, Span<byte> destination)
    {
        inner.DmaRead(physicalAddress, destination);
        Note(physicalAddress, destination.Length, toMemory: false);
    }

    public void DmaWrite(ulong physicalAddress, ReadOnlySpan<byte> source)
    {
        inner.DmaWrite(physicalAddress, source);
        Note(physicalAddress, source.Length, toMemory: true);
    }

    private void Note(ulong address, int length, bool toMemory)
    {
        if (length >= 512)
        {
            lock (_lock)
            {
                DataTransfers.Add((address, length, toMemory));
            }
        }
    }
}
