using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.IoManager;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Network;
using ActorKernel.Hardware;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Kernel32;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.Network;

/// <summary>
/// A machine with two PCI network adapters (level-sensitive INTA# on lines 10 and 11) linked by a
/// cable, aknic.sys started on each through IRP_MN_START_DEVICE, and a user process that opens
/// \\.\Nic0 and \\.\Nic1: a frame written to one is read from the other, by DMA through both rings.
/// </summary>
internal sealed class NicBed : IDisposable
{
    public NicBed(long bitsPerSecond = 1_000_000_000)
    {
        Machine = Machine.Create(new MachineOptions
        {
            Processors = 2,
            Seed = 31,
            ClockIntervalNs = 1_000_000,
            SystemWorkerThreads = 0,
            InterruptLines =
            [
                new InterruptLineConfig(10, 0x5A, 6, 0, InterruptTrigger.Level),
                new InterruptLineConfig(11, 0x5B, 6, 0, InterruptTrigger.Level),
            ],
            Memory = new MemoryManagerOptions { PhysicalMemoryBytes = 16UL << 20, NonPagedPoolBytes = 4UL << 20, PagedPoolBytes = 4UL << 20, PageFileBytes = 16UL << 20 },
        });
        Io = new IoMgr();
        Io.AttachTo(Machine);
        var bus = IoTestBed.Run(Io.LoadDriverAsync(RootBus.ServiceName, RootBus.ImageName, RootBus.DriverEntry)).Driver!;
        var driver = IoTestBed.Run(Io.LoadDriverAsync(Nic.ServiceName, Nic.ImageName, Nic.DriverEntry)).Driver!;
        Machine.Start();
        var adapters = new NetworkAdapter[2];
        var refs = new IActorRef[2];
        for (var i = 0; i < 2; i++)
        {
            var index = i;
            var pin = Machine.CreateInterruptPin(10 + i);
            IDmaMemory memory = Machine.Hal.Platform.Memory;
            refs[i] = Machine.System.ActorOf(Props.Create(() => adapters[index] = new NetworkAdapter(pin, memory, new byte[] { 0x02, 0, 0, 0, 0, (byte)index }, bitsPerSecond, 500)), $"nic{i}");
        }
        Machine.RunFor(TimeSpan.FromTicks(1));
        Adapters = adapters;
        NetworkAdapter.Connect(refs[0], refs[1]);
        var extensions = new NicExtension[2];
        for (var i = 0; i < 2; i++)
        {
            var pdo = RootBus.CreatePdo(bus, $"NicPdo{i}");
            var before = driver.DeviceObjects.ToList();
            Assert.Equal(NtStatus.Success, IoTestBed.Run(driver.DriverExtension.AddDevice!(driver, pdo)));
            extensions[i] = driver.DeviceObjects.Single(d => !before.Contains(d)).GetExtension<NicExtension>();
            var definition = new PciDeviceDefinition(0x8086, 0x100E, 0x02, 0x00, 0x00, [new PciBarDefinition(PciBarKind.Memory32, Adapters[i])]);
            var placed = Machine.Hal.Platform.PlacePciDevice($"nic{i}", definition, 10 + i);
            NtStatus? started = null;
            Machine.CreateSystemThread(0, KernelModule.Kernel, "PnpStart", async _ => started = await Io.IopStartDevice(pdo, placed));
            RunUntil(() => started is not null);
            Assert.Equal(NtStatus.Success, started);
        }
        Extensions = extensions;
        Process = UserProcess.Create(Machine, Io, "net.exe");
    }

    public Machine Machine { get; }

    public IoMgr Io { get; }

    public NetworkAdapter[] Adapters { get; }

    public NicExtension[] Extensions { get; }

    public UserProcess Process { get; }

    public void Run(Func<ValueTask> main)
    {
        var done = false;
        Process.CreateThread(0, "main", async () =>
        {
            await main();
            done = true;
        });
        RunUntil(() => done);
    }

    public void RunUntil(Func<bool> condition)
    {
        Assert.True(Machine.RunUntil(() => condition() || Machine.IsBugChecked, TimeSpan.FromSeconds(10)), "the run reached its end");
        Assert.False(Machine.IsBugChecked, Machine.CrashDump?.Analysis);
    }

    public static ValueTask<Handle> Open(int index) =>
        CreateFile($"\\\\.\\Nic{index}", GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);

    public static byte[] Frame(int sequence, int length = 64)
    {
        var frame = new byte[length];
        new byte[] { 0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 0, 0x88, 0xB5 }.CopyTo(frame, 0); // dst, src, a local experimental EtherType
        BitConverter.TryWriteBytes(frame.AsSpan(14), sequence);
        return frame;
    }

    public async ValueTask<IoResult> Send(Handle nic, byte[] frame)
    {
        var buffer = Process.VirtualAlloc(4096);
        Process.WriteMemory(buffer, frame);
        return await WriteFile(nic, buffer, (uint)frame.Length);
    }

    public async ValueTask<byte[]> Receive(Handle nic)
    {
        var buffer = Process.VirtualAlloc(4096);
        var result = await ReadFile(nic, buffer, 2048);
        Assert.True(result.Succeeded, result.Status.ToString());
        var frame = new byte[result.BytesTransferred];
        Process.ReadMemory(buffer, frame);
        return frame;
    }

    public void Dispose() => Machine.Dispose();
}

/// <summary>aknic.sys on two linked adapters: acceptance item 2 of issue 11, NIC side.</summary>
[Trait("Area", "Hardware")]
public sealed class NicDriverTests
{
    [Fact]
    public void Frames_written_to_one_adapter_are_read_in_order_from_the_linked_adapter()
    {
        using var bed = new NicBed();
        var received = new List<byte[]>();
        bed.Run(async () =>
        {
            var nic0 = await NicBed.Open(0);
            var nic1 = await NicBed.Open(1);
            for (var i = 0; i < 3; i++)
            {
                Assert.True((await bed.Send(nic0, NicBed.Frame(i, 60 + i))).Succeeded);
            }
            for (var i = 0; i < 3; i++)
            {
                received.Add(await bed.Receive(nic1));
            }
            await CloseHandle(nic0);
            await CloseHandle(nic1);
        });

        Assert.Equal([NicBed.Frame(0, 60), NicBed.Frame(1, 61), NicBed.Frame(2, 62)], received);
        Assert.Equal(3, bed.Extensions[0].FramesSent);
        Assert.Equal(3, bed.Extensions[1].FramesReceived);
    }

    [Fact]
    public void A_read_waiting_before_the_frame_is_sent_completes_from_the_DPC_when_it_arrives()
    {
        using var bed = new NicBed();
        byte[] got = [];
        var readerDone = false;
        bed.Process.CreateThread(1, "reader", async () =>
        {
            var nic1 = await NicBed.Open(1);
            got = await bed.Receive(nic1);
            readerDone = true;
        });
        bed.Run(async () =>
        {
            await Sleep(5);
            var nic0 = await NicBed.Open(0);
            await bed.Send(nic0, NicBed.Frame(42));
        });
        bed.RunUntil(() => readerDone);

        Assert.Equal(NicBed.Frame(42), got);
    }

    [Fact]
    public void Full_TX_ring_makes_writes_wait_for_a_descriptor_and_full_RX_ring_drops_until_reads_return_descriptors()
    {
        using var bed = new NicBed(bitsPerSecond: 10_000_000); // 10 Mb/s: a 1500-byte frame holds the wire 1.2 ms
        var received = new List<int>();
        bed.Run(async () =>
        {
            var nic0 = await NicBed.Open(0);
            var nic1 = await NicBed.Open(1);
            for (var i = 0; i < 20; i++)
            {
                Assert.True((await bed.Send(nic0, NicBed.Frame(i, 1500))).Succeeded); // each write waits when all 7 usable TX descriptors are in flight
            }
            await Sleep(30);
            for (var i = 0; i < 7; i++)
            {
                received.Add(BitConverter.ToInt32(await bed.Receive(nic1), 14)); // nobody read: only 7 RX descriptors were free
            }
            Assert.True((await bed.Send(nic0, NicBed.Frame(100))).Succeeded);
            received.Add(BitConverter.ToInt32(await bed.Receive(nic1), 14)); // descriptors given back: traffic flows again
            await CloseHandle(nic0);
            await CloseHandle(nic1);
        });

        Assert.True(bed.Extensions[0].WritesDeferred > 0);
        Assert.Equal(20 + 1, bed.Extensions[0].FramesSent);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 100], received);
        Assert.Equal(13u, bed.Adapters[1].Read(0x68, AccessWidth.Dword)); // MPC: the 13 frames the full ring dropped
    }
}
