using ActorKernel.Actors;
using ActorKernel.Drivers.Bus;
using ActorKernel.Hardware;
using ActorKernel.Host;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Kernel32;

namespace ActorKernel.Tracing.Tests;

/// <summary>
/// Two machines on one dispatcher, each a <see cref="Machine"/> with its own processors, I/O
/// manager, trace recorder and a PCI network adapter under aknic.sys; a cable joins the adapters.
/// A client process sends a request frame and reads the answer; the server process reads the
/// request and writes it back. aknic.sys carries the W3C traceparent of the sending request in the
/// frame, and the receiving aknic.sys hands it to the read it completes.
/// </summary>
internal sealed class TwoMachinesBed : IDisposable
{
    private readonly ActorSystem _system;

    public TwoMachinesBed()
    {
        _system = ActorSystem.Create("two-machines", ActorSystemOptions.DeterministicWith(5));
        Client = new Node(_system, "client", 1);
        Server = new Node(_system, "server", 2);
        NetworkAdapter.Connect(Client.Nic.Actor, Server.Nic.Actor);
        Client.StartDevice();
        Server.StartDevice();
    }

    public Node Client { get; }

    public Node Server { get; }

    public void RunUntil(Func<bool> condition)
    {
        Assert.True(Client.Machine.RunUntil(() => condition() || Client.Machine.IsBugChecked || Server.Machine.IsBugChecked, TimeSpan.FromSeconds(5)), "the exchange finished");
        Assert.False(Client.Machine.IsBugChecked || Server.Machine.IsBugChecked, (Client.Machine.CrashDump ?? Server.Machine.CrashDump)?.Analysis);
    }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
        _system.Dispose();
    }

    internal sealed class Node : IDisposable
    {
        private const int Line = 10;
        private readonly DeviceObject _pdo;

        public Node(ActorSystem system, string name, ulong seed)
        {
            Machine = Machine.Create(new MachineOptions
            {
                Name = name,
                Processors = 2,
                Seed = seed,
                ClockIntervalNs = 1_000_000,
                SystemWorkerThreads = 0,
                InterruptLines = [new InterruptLineConfig(Line, 0x6A, 6, 0, InterruptTrigger.Level)],
                Memory = new MemoryManagerOptions { PhysicalMemoryBytes = 16UL << 20, NonPagedPoolBytes = 4UL << 20, PagedPoolBytes = 4UL << 20, PageFileBytes = 16UL << 20 },
            }, system);
            Io = new IoManager();
            Io.AttachTo(Machine);
            Recorder = IoTraceRecorder.Attach(Io, new KernelTraceOptions { Seed = seed });
            var bus = Loaded(Io.LoadDriverAsync(RootBus.ServiceName, RootBus.ImageName, RootBus.DriverEntry));
            var driver = Loaded(Io.LoadDriverAsync(Drivers.Network.Nic.ServiceName, Drivers.Network.Nic.ImageName, Drivers.Network.Nic.DriverEntry));
            _pdo = RootBus.CreatePdo(bus, "NicPdo0");
            var add = driver.DriverExtension.AddDevice!(driver, _pdo);
            Assert.True(add.IsCompleted && add.Result == NtStatus.Success, "AddDevice");
            // The same placement a scenario's nic device gets from the runner: PCI, level-triggered INTA#.
            Nic = new NicConfig("nic0", Line, 1_000_000_000, 500, null).Place(Machine);
            Process = UserProcess.Create(Machine, Io, name + ".exe");
        }

        public Machine Machine { get; }

        public IoManager Io { get; }

        public IoTraceRecorder Recorder { get; }

        public PlacedHardware Nic { get; }

        public UserProcess Process { get; }

        public void StartDevice()
        {
            Machine.Start();
            NtStatus? started = null;
            Machine.CreateSystemThread(0, KernelModule.Kernel, "PnpStart", async _ => started = await Io.IopStartDevice(_pdo, Nic.Placed));
            Assert.True(Machine.RunUntil(() => started is not null, TimeSpan.FromSeconds(1)));
            Assert.Equal(NtStatus.Success, started);
        }

        public void Dispose()
        {
            Recorder.Dispose();
            Machine.Dispose();
        }

        private static DriverObject Loaded(ValueTask<(NtStatus Status, DriverObject? Driver)> load)
        {
            Assert.True(load.IsCompleted);
            Assert.Equal(NtStatus.Success, load.Result.Status);
            return load.Result.Driver!;
        }
    }
}

/// <summary>Issue 14, acceptance item 3: one trace spans two machines joined by a network link.</summary>
[Trait("Area", "Tracing")]
public sealed class TwoMachinesTests
{
    private static ValueTask<Handle> OpenNic() =>
        CreateFile("\\\\.\\Nic0", GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);

    [Fact]
    public void The_clients_request_and_the_servers_ISR_DPC_and_read_are_one_trace_across_both_machines()
    {
        using var bed = new TwoMachinesBed();
        var request = new byte[128];
        new byte[] { 0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x88, 0xB5, (byte)'G', (byte)'E', (byte)'T' }.CopyTo(request, 0);
        byte[]? answered = null;
        byte[]? served = null;
        var server = bed.Server.Process;
        server.CreateThread(0, "serve", async () =>
        {
            var nic = await OpenNic();
            var buffer = server.VirtualAlloc(4096);
            var read = await ReadFile(nic, buffer, 2048);
            Assert.True(read.Succeeded, read.Status.ToString());
            served = new byte[read.BytesTransferred];
            server.ReadMemory(buffer, served);
            Assert.True((await WriteFile(nic, buffer, read.BytesTransferred)).Succeeded); // the answer: the request echoed
        });
        var client = bed.Client.Process;
        client.CreateThread(0, "ask", async () =>
        {
            var nic = await OpenNic();
            var buffer = client.VirtualAlloc(4096);
            client.WriteMemory(buffer, request);
            Assert.True((await WriteFile(nic, buffer, (uint)request.Length)).Succeeded);
            var reply = client.VirtualAlloc(4096);
            var read = await ReadFile(nic, reply, 2048);
            Assert.True(read.Succeeded, read.Status.ToString());
            answered = new byte[read.BytesTransferred];
            client.ReadMemory(reply, answered);
        });
        bed.RunUntil(() => answered is not null);
        bed.RunUntil(() => bed.Client.Recorder.GetTraces().Any(t => t.Root.Name == "ReadFile") && bed.Server.Recorder.GetTraces().Any(t => t.Root.Name == "WriteFile"));

        // The user programs see their bytes only: the trace context rides in the frame and is stripped on receipt.
        Assert.Equal(request, served);
        Assert.Equal(request, answered);

        var send = Assert.Single(bed.Client.Recorder.GetTraces(), t => t.Root.Name == "WriteFile");
        var receive = Assert.Single(bed.Server.Recorder.GetTraces(), t => t.Root.Name == "ReadFile");
        // One trace: the server's read continues the client's send, its root a child of the client's root across the wire.
        Assert.Equal(send.TraceId, receive.TraceId);
        Assert.Equal(send.Root.SpanId, receive.Root.ParentSpanId);
        Assert.All(receive.Spans, s => Assert.Equal(send.TraceId, s.TraceId));
        // The server's side of it: the adapter's ISR at DIRQL and the DPC that completed the read, on the server's processors.
        Assert.Contains(receive.Spans, s => s.Category == TraceSpanCategory.Isr && Equals(s.Attribute("nt.driver.image"), "aknic.sys"));
        Assert.Contains(receive.Spans, s => s.Category == TraceSpanCategory.Dpc && Equals(s.Attribute("nt.driver.image"), "aknic.sys"));
        Assert.Contains(receive.Spans, s => s.Category == TraceSpanCategory.Dispatch && Equals(s.Attribute("nt.device"), "\\Device\\Nic0"));
        // And the answer continues the server's write the same way.
        var answer = Assert.Single(bed.Server.Recorder.GetTraces(), t => t.Root.Name == "WriteFile");
        Assert.Equal(answer.TraceId, Assert.Single(bed.Client.Recorder.GetTraces(), t => t.Root.Name == "ReadFile").TraceId);
        // Each machine kept its own trace ids otherwise: the client's send was not renamed.
        Assert.NotEqual(send.TraceId, answer.TraceId);
    }
}
