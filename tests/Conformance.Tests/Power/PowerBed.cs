using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.Pnp;
using ActorKernel.Drivers.Storage;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Power;

/// <summary>
/// A machine the PnP manager built (the block disk on PCI, optionally the NIC and upper filters from the
/// registry) with a power manager over it, and a user process with the disk open.
/// </summary>
internal sealed class PowerBed : IDisposable
{
    public const string DiskPath = @"PCI\VEN_1234&DEV_B10C&SUBSYS_00000000&REV_00\00";

    public PowerBed(PowerManagerOptions? options = null, string extraRegistry = "", bool nic = false, Action<PnpBed>? images = null)
    {
        Pnp = new PnpBed();
        Disk = Pnp.PlaceBlockDisk("disk0");
        if (nic)
        {
            Nic = Pnp.PlaceNic("nic0");
        }
        images?.Invoke(Pnp);
        Pnp.Enumerate(PnpBed.BaseRegistry + "\n" + extraRegistry);
        Power = PowerManager.Create(Pnp.Machine, Pnp.Io, Pnp.Pnp, options);
        Process = UserProcess.Create(Pnp.Machine, Pnp.Io, "power.exe");
    }

    public PnpBed Pnp { get; }

    public Machine Machine => Pnp.Machine;

    public BlockController Disk { get; }

    public NetworkAdapter? Nic { get; }

    public PowerManager Power { get; }

    public UserProcess Process { get; }

    public DeviceNode DiskNode => Pnp.Node(DiskPath);

    /// <summary>The storage port's adapter (the FDO right above pci.sys's PDO).</summary>
    public StorageAdapter Adapter
    {
        get
        {
            var device = DiskNode.PhysicalDeviceObject.AttachedDevice;
            while (device is not null && device.DeviceExtension is not StorageAdapter)
            {
                device = device.AttachedDevice;
            }
            return device!.GetExtension<StorageAdapter>();
        }
    }

    /// <summary>Queues a system transition and runs until the power manager has finished it.</summary>
    public void SetSystemState(SystemPowerState state)
    {
        Power.RequestSystemPowerState(state);
        Pnp.RunUntil(() => Power.IsIdle);
        Assert.Equal(state, Power.SystemState);
    }

    /// <summary>Runs a user thread that opens the disk and runs <paramref name="body"/> with the handle and a page buffer; returns a flag set when it ends.</summary>
    public Func<bool> UserThread(string name, Func<Handle, ulong, ValueTask> body, string device = @"\\.\BlkDisk0")
    {
        var done = false;
        Process.CreateThread(0, name, async () =>
        {
            var disk = await CreateFile(device, GenericAccess.GenericRead | GenericAccess.GenericWrite, FileShareMode.Read | FileShareMode.Write,
                CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            Assert.True(disk.IsValid);
            var buffer = Process.VirtualAlloc(4096);
            await body(disk, buffer);
            await CloseHandle(disk);
            Volatile.Write(ref done, true);
        });
        return () => Volatile.Read(ref done);
    }

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/> from user mode and waits for it.</summary>
    public void WriteSectors(long offset, byte[] data)
    {
        IoResult result = default;
        var done = UserThread("writer", async (disk, buffer) =>
        {
            Process.WriteMemory(buffer, data);
            result = await WriteFile(disk, buffer, (uint)data.Length, new Overlapped { Offset = offset });
        });
        Pnp.RunUntil(done);
        Assert.True(result.Succeeded);
    }

    public static byte[] Pattern(int length, int seed) => [.. Enumerable.Range(0, length).Select(i => (byte)((i * 31) + (seed * 7) + 1))];

    public void Dispose() => Pnp.Dispose();
}
