using System.Diagnostics;
using System.Reflection;
using ActorKernel.Actors;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Filter;
using ActorKernel.Drivers.RamDisk;
using static ActorKernel.Actors.Kernel32;
using IoMgr = ActorKernel.Actors.IoManager;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.IoManager;

/// <summary>
/// Measures the managed bytes allocated per user-mode request in steady state: a user thread reads
/// the RAM disk (filter → function → PDO, buffered or direct I/O) synchronously, or overlapped at a
/// queue depth through a completion port. The deterministic dispatcher runs every actor on the
/// calling OS thread, so <see cref="GC.GetAllocatedBytesForCurrentThread"/> around the measured
/// requests counts everything the machine allocated for them. No observer is attached (a trace
/// recorder allocates by design).
/// </summary>
internal sealed class RequestAllocationProbe : IDisposable
{
    private const int Length = 512;

    public RequestAllocationProbe(bool directIo = false, int processors = 1)
    {
        Machine = Machine.Create(new MachineOptions { Processors = processors, Seed = 11, ClockIntervalNs = 0, SystemWorkerThreads = 1 });
        Io = new IoMgr();
        Io.AttachTo(Machine);
        var bus = IoTestBed.Run(Io.LoadDriverAsync(RootBus.ServiceName, RootBus.ImageName, RootBus.DriverEntry)).Driver!;
        var pdo = RootBus.CreatePdo(bus, "RamDiskPdo0");
        var ramdisk = IoTestBed.Run(Io.LoadDriverAsync(RamDisk.ServiceName, RamDisk.ImageName, RamDisk.DriverEntryWith(new RamDiskOptions(64 * 1024, directIo)))).Driver!;
        var filter = IoTestBed.Run(Io.LoadDriverAsync(CountingFilter.ServiceName, CountingFilter.ImageName, CountingFilter.DriverEntry)).Driver!;
        Assert.Equal(NtStatus.Success, IoTestBed.Run(ramdisk.DriverExtension.AddDevice!(ramdisk, pdo)));
        Assert.Equal(NtStatus.Success, IoTestBed.Run(filter.DriverExtension.AddDevice!(filter, pdo)));
        Process = UserProcess.Create(Machine, Io, "probe.exe");
    }

    public Machine Machine { get; }

    public IoMgr Io { get; }

    public UserProcess Process { get; }

    /// <summary>The IRP lookaside counters when the measured requests began.</summary>
    public IrpLookasideStatistics LookasideAtMeasureStart { get; private set; }

    /// <summary>The IRP lookaside counters when they ended.</summary>
    public IrpLookasideStatistics LookasideAtMeasureEnd { get; private set; }

    /// <summary>Whether the product assemblies were built with the JIT optimizer on (Release); Debug builds allocate every async state machine.</summary>
    public static bool ProductOptimized => typeof(IoMgr).Assembly.GetCustomAttribute<DebuggableAttribute>() is not { IsJITOptimizerDisabled: true };

    /// <summary>Synchronous ReadFile: bytes allocated per request over <paramref name="measured"/> requests after <paramref name="warmup"/>.</summary>
    public double SynchronousReads(int warmup, int measured)
    {
        long bytes = -1;
        var failures = 0;
        Run(async () =>
        {
            var file = await CreateFile("\\\\.\\RamDisk0", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = Process.VirtualAlloc(64 * 1024);
            var overlapped = new Overlapped();
            long before = 0;
            for (var i = 0; i < warmup + measured; i++)
            {
                if (i == warmup)
                {
                    LookasideAtMeasureStart = Io.IrpLookaside;
                    before = GC.GetAllocatedBytesForCurrentThread();
                }
                overlapped.Offset = (i % 64) * 1024L;
                var result = await ReadFile(file, buffer + (ulong)(i % 64) * 1024, Length, overlapped);
                failures += result.Succeeded && result.BytesTransferred == Length ? 0 : 1;
            }
            bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            LookasideAtMeasureEnd = Io.IrpLookaside;
            await CloseHandle(file);
        });
        Assert.Equal(0, failures);
        return (double)bytes / measured;
    }

    /// <summary>Overlapped ReadFile at <paramref name="queueDepth"/> through a completion port: bytes allocated per request.</summary>
    public double OverlappedReads(int queueDepth, int warmup, int measured)
    {
        long bytes = -1;
        var failures = 0;
        Run(async () =>
        {
            var file = await CreateFile("\\\\.\\RamDisk0", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Overlapped);
            var port = await CreateIoCompletionPort(file, Handle.Null, 1, 0);
            var buffer = Process.VirtualAlloc(64 * 1024);
            var slots = new Overlapped[queueDepth];
            for (var i = 0; i < queueDepth; i++)
            {
                slots[i] = new Overlapped { Offset = i * 1024L };
                var issued = await ReadFile(file, buffer + (ulong)i * 1024, Length, slots[i]);
                failures += issued.IsPending || issued.Succeeded ? 0 : 1;
            }
            long before = 0;
            for (var done = 0; done < warmup + measured; done++)
            {
                if (done == warmup)
                {
                    LookasideAtMeasureStart = Io.IrpLookaside;
                    before = GC.GetAllocatedBytesForCurrentThread();
                }
                var completion = await GetQueuedCompletionStatus(port, Infinite);
                failures += completion.Succeeded && completion.BytesTransferred == Length ? 0 : 1;
                var slot = Array.IndexOf(slots, completion.Overlapped);
                var issued = await ReadFile(file, buffer + (ulong)slot * 1024, Length, completion.Overlapped);
                failures += issued.IsPending || issued.Succeeded ? 0 : 1;
            }
            bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            LookasideAtMeasureEnd = Io.IrpLookaside;
            for (var i = 0; i < queueDepth; i++)
            {
                await GetQueuedCompletionStatus(port, Infinite);
            }
            await CloseHandle(file);
            await CloseHandle(port);
        });
        Assert.Equal(0, failures);
        return (double)bytes / measured;
    }

    private void Run(Func<ValueTask> main)
    {
        Process.CreateThread(0, "probe", main);
        Machine.System.Deterministic!.RunUntilQuiescent(500_000_000);
        Assert.False(Machine.IsBugChecked, Machine.CrashDump?.Analysis);
    }

    public void Dispose() => Machine.Dispose();
}
