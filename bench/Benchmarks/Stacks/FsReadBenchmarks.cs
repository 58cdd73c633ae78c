using ActorKernel.Actors;
using ActorKernel.Benchmarks.Diagnostics;
using ActorKernel.Drivers.FileSystem;
using ActorKernel.Drivers.FileSystem.Format;
using ActorKernel.Runtime;
using BenchmarkDotNet.Attributes;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Benchmarks.Stacks;

/// <summary>
/// Issue 19, acceptance 5: 4 KiB random user-mode reads of a file through the file system (akfs.sys,
/// fast I/O off and not cached: every read is an IRP_MJ_READ that akfs translates to the volume) →
/// striped volume → disk class (partition) → port/miniport → block controller, the stack built by
/// the PnP manager from registry entries, two disks with zero latency, 4 processors, both
/// dispatchers. Setup formats the volume with format.exe and writes the 8 MiB file from user mode.
/// One operation is one read. <c>dotnet run -c Release --project bench/Benchmarks -- --filter '*FsRead*'</c>;
/// the probe: <c>... -- fsprobe</c>.
/// </summary>
[MemoryDiagnoser]
public class FsReadBenchmarks
{
    /// <summary>Reads per invocation.</summary>
    public const int Requests = 10_000;

    /// <summary>The file the reads open.</summary>
    public const string FileName = "\\\\.\\StripeVolume0\\bench.bin";

    private const int FileLength = 8 << 20;

    private Machine? _machine;
    private IoManager? _io;
    private ulong _seed;

    /// <summary>The dispatcher under test.</summary>
    [Params(DispatcherKind.Deterministic, DispatcherKind.Concurrent)]
    public DispatcherKind Dispatcher { get; set; }

    /// <summary>akfs's parameters: fast I/O off and not cached (every read reaches the device); the probe may turn the cache on.</summary>
    public AkfsOptions FileSystem { get; set; } = new() { FastIo = false, Cached = false };

    /// <summary>What the reads open: the file (default), or the raw volume (the probe's comparison without the file system).</summary>
    public string Target { get; set; } = FileName;

    /// <summary>The mounted volume (its counters).</summary>
    public AkfsVcb? Vcb { get; private set; }

    /// <summary>Places two controllers, lets the PnP manager build the stacks (with akfs.sys), formats the volume and writes the file.</summary>
    [GlobalSetup]
    public void Setup()
    {
        (_machine, _io) = StripedDiskMachine.Create(Dispatcher, "akfs = akfs.sys, 1", new Dictionary<string, DriverInitialize>
        {
            [Akfs.ImageName] = Akfs.DriverEntryWith(FileSystem),
        });
        PrepareFile();
        Vcb = _io.Drivers.Single(d => d.ServiceName == Akfs.ServiceName).DeviceObjects.Select(d => d.DeviceExtension).OfType<AkfsVcb>().Single();
    }

    /// <summary>format.exe, then a program writing the file in 64 KiB pieces.</summary>
    private void PrepareFile()
    {
        var process = UserProcess.Create(_machine!, _io!, "fsprep.exe");
        var result = "";
        process.CreateThread(0, "main", async () =>
        {
            var formatted = await AkfsFormat.FormatVolume(process, "\\\\.\\StripeVolume0", 64 * 1024, "BENCH", 1);
            if (formatted != Win32Error.Success)
            {
                result = "format: " + formatted;
                return;
            }
            var file = await CreateFile(FileName, GenericAccess.GenericRead | GenericAccess.GenericWrite, FileShareMode.Read, CreationDisposition.CreateAlways, FileFlagsAndAttributes.NoBuffering);
            if (!file.IsValid)
            {
                result = "create: " + GetLastError();
                return;
            }
            const int Piece = 64 * 1024;
            var buffer = process.VirtualAlloc(Piece);
            for (var offset = 0; offset < FileLength; offset += Piece)
            {
                var wrote = await WriteFile(file, buffer, Piece, new Overlapped { Offset = offset });
                if (!wrote.Succeeded)
                {
                    result = "write: " + wrote.Error;
                    break;
                }
            }
            await CloseHandle(file);
            result = result.Length == 0 ? "ok" : result;
        });
        Wait(() => result.Length > 0);
        if (result != "ok")
        {
            throw new InvalidOperationException("preparing the file failed: " + result);
        }
    }

    /// <summary>Disposes the machine.</summary>
    [GlobalCleanup]
    public void Cleanup() => _machine?.Dispose();

    /// <summary><see cref="Requests"/> random 4 KiB reads at QD 32 from a new user process on the file.</summary>
    [Benchmark(OperationsPerInvoke = Requests)]
    public void Read4KiB() => Read(Requests);

    /// <summary><paramref name="requests"/> random 4 KiB reads at QD 32 (the probe's shorter runs).</summary>
    public void Read(int requests) => UserReadLoop.Read4KiB(_machine!, _io!, Dispatcher, Target, requests, ++_seed);

    private void Wait(Func<bool> done) => UserReadLoop.Wait(_machine!, Dispatcher, done);
}
