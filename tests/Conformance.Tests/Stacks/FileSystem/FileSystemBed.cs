using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.IoManager;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.RamDisk;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.Stacks.FileSystem;

/// <summary>
/// A machine (deterministic, one processor, one system worker thread) with a RAM disk
/// (<c>\\.\RamDisk0</c>, FILE_DEVICE_DISK: it has a VPB) whose sector 0 carries a test file system's
/// signature, the test file systems registered in the order given (the last is tried first), and a user
/// process, <c>fsuser.exe</c>.
/// </summary>
internal sealed class FileSystemBed : IDisposable
{
    public const string Volume = "\\\\.\\RamDisk0";

    public FileSystemBed(string volumeTag = "A", string[]? fileSystems = null, bool directIo = false)
    {
        Machine = Machine.Create(new MachineOptions { Processors = 1, Seed = 11, ClockIntervalNs = 0, SystemWorkerThreads = 1 });
        Io = new IoMgr();
        Io.AttachTo(Machine);
        var bus = IoTestBed.Run(Io.LoadDriverAsync(RootBus.ServiceName, RootBus.ImageName, RootBus.DriverEntry)).Driver!;
        var pdo = RootBus.CreatePdo(bus, "RamDiskPdo0");
        var ramdisk = IoTestBed.Run(Io.LoadDriverAsync(RamDisk.ServiceName, RamDisk.ImageName, RamDisk.DriverEntryWith(new RamDiskOptions(1 << 20, directIo)))).Driver!;
        Assert.Equal(NtStatus.Success, IoTestBed.Run(ramdisk.DriverExtension.AddDevice!(ramdisk, pdo)));
        Disk = ramdisk.DeviceObjects[0];
        System.Text.Encoding.ASCII.GetBytes("TESTFS" + volumeTag).CopyTo(Disk.GetExtension<RamDiskExtension>().Image, 0);
        foreach (var tag in fileSystems ?? ["A"])
        {
            var fs = new TestFs(tag, MountLog);
            IoTestBed.Run(Io.LoadDriverAsync("TestFs" + tag, fs.ImageName, fs.DriverEntry));
            FileSystems.Add(fs);
        }
        Process = UserProcess.Create(Machine, Io, "fsuser.exe");
    }

    public Machine Machine { get; }

    public IoMgr Io { get; }

    /// <summary>ramdisk.sys's FDO: the storage device with the VPB.</summary>
    public DeviceObject Disk { get; }

    public byte[] Image => Disk.GetExtension<RamDiskExtension>().Image;

    public List<TestFs> FileSystems { get; } = [];

    public TestFs Fs => FileSystems[0];

    public List<string> MountLog { get; } = [];

    public UserProcess Process { get; }

    /// <summary>The requests of a major function the test file system's volume device saw.</summary>
    public List<TestFsRequest> Requests(IrpMajorFunction major) => Fs.Requests.FindAll(r => r.Major == major && r.Device != Fs.ControlDevice);

    /// <summary>Runs <paramref name="main"/> in a user thread of the process until the machine is idle.</summary>
    public void Run(Func<ValueTask> main)
    {
        var finished = false;
        Process.CreateThread(0, "main", async () =>
        {
            await main();
            finished = true;
        });
        Machine.System.Deterministic!.RunUntilQuiescent(50_000_000);
        Assert.False(Machine.IsBugChecked, Machine.CrashDump?.Analysis);
        Assert.True(finished, "the user thread did not finish");
    }

    /// <summary>Writes <paramref name="data"/> into the process's memory and returns its address (page-aligned).</summary>
    public ulong Alloc(ReadOnlySpan<byte> data)
    {
        var address = Process.VirtualAlloc((ulong)Math.Max(data.Length, 1));
        Process.WriteMemory(address, data);
        return address;
    }

    public byte[] Read(ulong address, int length)
    {
        var bytes = new byte[length];
        Process.ReadMemory(address, bytes);
        return bytes;
    }

    public void Dispose() => Machine.Dispose();
}
