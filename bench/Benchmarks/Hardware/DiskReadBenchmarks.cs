using ActorKernel.Actors;
using ActorKernel.Benchmarks.Diagnostics;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Storage;
using ActorKernel.Hardware;
using ActorKernel.Runtime;
using BenchmarkDotNet.Attributes;

namespace ActorKernel.Benchmarks.Hardware;

/// <summary>
/// Issue 11, acceptance 6: 4 KiB user-mode reads through the interrupt-driven disk stack
/// (Kernel32 → I/O manager → storage port → blkmini.sys → block controller → DMA → ISR → DPC →
/// completion port) on 4 simulated processors, the controller's latency set to zero, on both
/// dispatchers. One operation is one read; the machine and the started stack are built once per
/// dispatcher, each invocation runs a fresh process with an overlapped QD 32 workload of
/// <see cref="Requests"/> reads, so requests/s and allocated bytes per request read straight off
/// the table. Floors (issue 11): 200,000 requests/s on each dispatcher, at most 256 B per request.
/// <c>dotnet run -c Release --project bench/Benchmarks -- --filter '*DiskRead*'</c>.
/// Each case runs in three processes: on the 2-core VM the figures come from, about one process in
/// five runs in a slower mode from start to end (docs/performance.md, "Session 11"), which the Mean
/// and the StdDev then show and the Median does not.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(launchCount: 3)]
public class DiskReadBenchmarks
{
    /// <summary>Reads per invocation.</summary>
    public const int Requests = 20_000;

    private const int Line = 11;
    private Machine? _machine;
    private IoManager? _io;
    private ulong _seed;

    /// <summary>The dispatcher under test.</summary>
    [Params(DispatcherKind.Deterministic, DispatcherKind.Concurrent)]
    public DispatcherKind Dispatcher { get; set; }

    /// <summary>Builds the machine, places the controller and starts the disk stack.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _machine = Machine.Create(new MachineOptions
        {
            Processors = 4,
            Seed = 1,
            ClockIntervalNs = 0,
            SystemWorkerThreads = 0,
            Dispatcher = Dispatcher,
            InterruptLines = [new InterruptLineConfig(Line, 0x7B, 8, Trigger: InterruptTrigger.Level)],
        });
        _io = new IoManager();
        _io.AttachTo(_machine);
        var hal = _machine.Hal;
        var controller = new BlockController(BlockControllerOptions.NoLatency, new MemoryDiskImage(16 << 11), hal.Platform.Memory, _machine.CreateInterruptPin(Line));
        controller.Attach(_machine.System, "disk0");
        var placed = hal.Platform.PlacePciDevice("disk0", new PciDeviceDefinition(0x1234, 0xB10C, 0x01, 0x80, 0x00, [new PciBarDefinition(PciBarKind.Memory32, controller)]), Line);
        var bus = _io.LoadDriverAsync(RootBus.ServiceName, RootBus.ImageName, RootBus.DriverEntry).GetAwaiter().GetResult().Driver!;
        var pdo = RootBus.CreatePdo(bus, "BlkPdo0");
        var miniport = _io.LoadDriverAsync(BlkMiniport.ServiceName, BlkMiniport.ImageName, BlkMiniport.DriverEntry).GetAwaiter().GetResult().Driver!;
        _ = miniport.DriverExtension.AddDevice!(miniport, pdo).GetAwaiter().GetResult();
        _machine.Start();
        var started = NtStatus.Pending;
        _machine.CreateSystemThread(0, KernelModule.Kernel, "PnpStart", async _ => started = await _io.IopStartDevice(pdo, placed));
        Wait(() => started != NtStatus.Pending);
        if (started != NtStatus.Success)
        {
            throw new InvalidOperationException($"IRP_MN_START_DEVICE failed: {started.ToDisplayString()}");
        }
    }

    /// <summary>The machine under test (built by <see cref="Setup"/>).</summary>
    internal Machine Machine => _machine ?? throw new InvalidOperationException("Setup has not run.");

    /// <summary>Disposes the machine.</summary>
    [GlobalCleanup]
    public void Cleanup() => _machine?.Dispose();

    /// <summary><see cref="Requests"/> 4 KiB reads at QD 32 from a new user process.</summary>
    [Benchmark(OperationsPerInvoke = Requests)]
    public void Read4KiB() => UserReadLoop.Read4KiB(_machine!, _io!, Dispatcher, "\\\\.\\BlkDisk0", Requests, ++_seed);

    private void Wait(Func<bool> done) => UserReadLoop.Wait(_machine!, Dispatcher, done);
}
