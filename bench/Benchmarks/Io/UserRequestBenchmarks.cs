using ActorKernel.Actors;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Filter;
using ActorKernel.Drivers.RamDisk;
using BenchmarkDotNet.Attributes;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Benchmarks.Io;

/// <summary>
/// A user-mode ReadFile through the RAM-disk sample stack (counting filter → ramdisk.sys → root-bus
/// PDO), on one simulated processor and the deterministic dispatcher, per request: synchronous, or
/// overlapped at queue depth 32 through a completion port; buffered or direct I/O. Its point is
/// <c>[MemoryDiagnoser]</c>'s bytes per request (IRPs from the lookaside lists, pooled system
/// buffers): see docs/performance.md, "Allocation per request".
/// Run: <c>dotnet run -c Release --project bench/Benchmarks -- --filter '*UserRequest*'</c>.
/// </summary>
[MemoryDiagnoser]
public class UserRequestBenchmarks
{
    private const int RequestsPerInvoke = 4_000;
    private const uint Length = 512;
    private Machine _machine = null!;
    private UserProcess _process = null!;
    private Handle _file;
    private Handle _port;
    private ulong _buffer;
    private Overlapped[] _slots = null!;

    /// <summary>Synchronous ReadFile, or overlapped at queue depth 32.</summary>
    [Params(false, true)]
    public bool Overlapped { get; set; }

    /// <summary>Whether the RAM disk asks for direct I/O (an MDL) rather than buffered I/O (a system buffer).</summary>
    [Params(false, true)]
    public bool DirectIo { get; set; }

    /// <summary>Builds the machine and the stack, opens the disk and (overlapped) puts 32 reads in flight.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _machine = Machine.Create(new MachineOptions { Processors = 1, Seed = 1, ClockIntervalNs = 0, SystemWorkerThreads = 1 });
        var io = new IoManager();
        io.AttachTo(_machine);
        var bus = Complete(io.LoadDriverAsync(RootBus.ServiceName, RootBus.ImageName, RootBus.DriverEntry)).Driver!;
        var pdo = RootBus.CreatePdo(bus, "RamDiskPdo0");
        var ramdisk = Complete(io.LoadDriverAsync(RamDisk.ServiceName, RamDisk.ImageName, RamDisk.DriverEntryWith(new RamDiskOptions(64 * 1024, DirectIo)))).Driver!;
        var filter = Complete(io.LoadDriverAsync(CountingFilter.ServiceName, CountingFilter.ImageName, CountingFilter.DriverEntry)).Driver!;
        Complete(ramdisk.DriverExtension.AddDevice!(ramdisk, pdo));
        Complete(filter.DriverExtension.AddDevice!(filter, pdo));
        _process = UserProcess.Create(_machine, io, "bench.exe");
        RunThread(async () =>
        {
            _file = await CreateFile("\\\\.\\RamDisk0", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting,
                Overlapped ? FileFlagsAndAttributes.Overlapped : FileFlagsAndAttributes.Normal);
            _buffer = _process.VirtualAlloc(64 * 1024);
            _slots = new Overlapped[32];
            for (var i = 0; i < _slots.Length; i++)
            {
                _slots[i] = new Overlapped { Offset = i * 1024L };
            }
            if (Overlapped)
            {
                _port = await CreateIoCompletionPort(_file, Handle.Null, 1, 0);
                for (var i = 0; i < _slots.Length; i++)
                {
                    await ReadFile(_file, _buffer + (ulong)i * 1024, Length, _slots[i]);
                }
            }
        });
    }

    /// <summary>Stops the machine.</summary>
    [GlobalCleanup]
    public void Cleanup() => _machine.Dispose();

    /// <summary>Issues <see cref="RequestsPerInvoke"/> reads (overlapped: takes a completion and reissues its OVERLAPPED, 32 always in flight).</summary>
    [Benchmark(OperationsPerInvoke = RequestsPerInvoke)]
    public void ReadFileThroughRamDiskStack() => RunThread(Overlapped ? OverlappedReads : SynchronousReads);

    private async ValueTask SynchronousReads()
    {
        for (var i = 0; i < RequestsPerInvoke; i++)
        {
            var slot = _slots[i % _slots.Length];
            await ReadFile(_file, _buffer + (ulong)(i % _slots.Length) * 1024, Length, slot);
        }
    }

    private async ValueTask OverlappedReads()
    {
        for (var i = 0; i < RequestsPerInvoke; i++)
        {
            var completion = await GetQueuedCompletionStatus(_port, Infinite);
            var slot = Array.IndexOf(_slots, completion.Overlapped);
            await ReadFile(_file, _buffer + (ulong)slot * 1024, Length, completion.Overlapped);
        }
    }

    private void RunThread(Func<ValueTask> main)
    {
        _process.CreateThread(0, "bench", main);
        _machine.System.Deterministic!.RunUntilQuiescent(long.MaxValue);
        if (_machine.IsBugChecked)
        {
            throw new InvalidOperationException(_machine.CrashDump?.Analysis);
        }
    }

    private static T Complete<T>(ValueTask<T> task) => task.IsCompleted ? task.GetAwaiter().GetResult() : throw new InvalidOperationException("the setup routine did not complete inline");
}
