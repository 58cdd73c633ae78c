using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using ActorKernel.Actors;
using ActorKernel.Drivers.Ndis;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Kernel32;

namespace ActorKernel.Conformance.Tests.Stacks.Ndis;

/// <summary>
/// The network driver pair built by the PnP manager (issue 19: the NDIS stack): the NDIS library owns
/// the miniport's driver object, starts each adapter through MiniportInitializeEx, and carries frames
/// a user program writes on one adapter to a read on the linked one, through both miniports' rings.
/// </summary>
[Trait("Area", "Stacks")]
public sealed class NdisStackTests
{
    private const string ExpectedTree = """
        DevNode HTREE\ROOT\0
          State = DeviceNodeStarted (0x308)
          Stack = PnpManager
          DevNode Root\*PNP0A03\0000
            State = DeviceNodeStarted (0x308)
            Service = pci (Class System)
            Stack = pci > PnpManager
            DevNode PCI\VEN_8086&DEV_100E&SUBSYS_00000000&REV_00\00
              State = DeviceNodeStarted (0x308)
              Service = AkNdis (Class Net)
              Stack = AkNdis > pci
              Resource = Memory 0xE0000000-0xE000007F exclusive
              Resource = IRQ 11 shared
            DevNode PCI\VEN_8086&DEV_100E&SUBSYS_00000000&REV_00\08
              State = DeviceNodeStarted (0x308)
              Service = AkNdis (Class Net)
              Stack = AkNdis > pci
              Resource = Memory 0xE0001000-0xE000107F exclusive
              Resource = IRQ 11 shared

        """;

    private static NdisMachine LinkedPair(DispatcherKind dispatcher = DispatcherKind.Deterministic)
    {
        var machine = new NdisMachine("netpair", 19, adapters: 2, macBase: 0xA0, dispatcher: dispatcher);
        machine.Enumerate();
        ActorKernel.Hardware.NetworkAdapter.Connect(machine.AdapterRef(0), machine.AdapterRef(1));
        return machine;
    }

    [Fact]
    public void The_pnp_manager_builds_one_akndis_stack_per_adapter_on_the_pci_bus()
    {
        using var machine = LinkedPair();

        Assert.Equal(ExpectedTree.Replace("\r\n", "\n", StringComparison.Ordinal), machine.Pnp.DumpDeviceTree());
    }

    [Fact]
    public void The_ndis_library_owns_the_miniports_dispatch_table_AddDevice_and_Unload()
    {
        using var machine = LinkedPair();
        var fdo = machine.AdapterNode(0).PhysicalDeviceObject.AttachedDevice!;
        var driver = fdo.DriverObject;

        Assert.Equal(@"\Driver\AkNdis", driver.Name);
        Assert.Equal(typeof(Drivers.Ndis.Ndis), driver.DriverExtension.AddDevice!.Method.DeclaringType);
        Assert.Equal(typeof(Drivers.Ndis.Ndis), driver.DriverUnload!.Method.DeclaringType);
        foreach (var major in new[] { IrpMajorFunction.Create, IrpMajorFunction.Read, IrpMajorFunction.Write, IrpMajorFunction.DeviceControl, IrpMajorFunction.Pnp })
        {
            Assert.Equal(typeof(Drivers.Ndis.Ndis), driver.MajorFunction[(int)major].Method.DeclaringType);
        }
        // The FDO is NDIS's, its extension the NDIS_MINIPORT_BLOCK; the miniport's own state is the adapter context it registered.
        Assert.Equal(@"\Device\AkNdis0", fdo.Name);
        Assert.Equal(DeviceType.PhysicalNetcard, fdo.DeviceType);
        var block = fdo.GetExtension<NdisMiniportBlock>();
        Assert.Equal(NdisMiniportState.Running, block.State);
        Assert.IsType<AkNdisAdapter>(block.MiniportAdapterContext);
        Assert.Equal(new byte[] { 0x02, 0, 0, 0, 0xA0, 0 }, block.Attributes!.CurrentMacAddress);
    }

    [Theory]
    [InlineData(DispatcherKind.Deterministic)]
    [InlineData(DispatcherKind.Concurrent)]
    public void Frames_written_on_one_adapter_are_read_on_the_linked_one_through_both_miniports_in_order_and_intact(DispatcherKind dispatcher)
    {
        using var machine = LinkedPair(dispatcher);
        const int Frames = 20; // more than a ring holds: TX waits for descriptors, RX descriptors come back through MiniportReturnNetBufferLists
        var mac0 = new byte[] { 0x02, 0, 0, 0, 0xA0, 0 };
        var mac1 = new byte[] { 0x02, 0, 0, 0, 0xA0, 1 };
        var sent = Enumerable.Range(0, Frames).Select(i => NdisMachine.Frame(mac1, mac0, i)).ToList();
        var replies = Enumerable.Range(0, 3).Select(i => NdisMachine.Frame(mac0, mac1, 100 + i, payload: 1500)).ToList();
        var atOne = new List<byte[]>();
        var atZero = new List<byte[]>();
        var done = new StrongBox<bool>();

        machine.Start(async () =>
        {
            var nic0 = await NdisMachine.Open(0);
            var nic1 = await NdisMachine.Open(1);
            var buffer = machine.Process.VirtualAlloc(4096);
            foreach (var frame in sent)
            {
                machine.Process.WriteMemory(buffer, frame);
                Assert.Equal((uint)frame.Length, (await WriteFile(nic0, buffer, (uint)frame.Length)).BytesTransferred);
            }
            for (var i = 0; i < Frames; i++)
            {
                atOne.Add(await ReadFrame(machine, nic1, buffer));
            }
            foreach (var frame in replies)
            {
                machine.Process.WriteMemory(buffer, frame);
                Assert.True((await WriteFile(nic1, buffer, (uint)frame.Length)).Succeeded);
                atZero.Add(await ReadFrame(machine, nic0, buffer));
            }
            await CloseHandle(nic0);
            await CloseHandle(nic1);
        }, done);
        machine.RunUntil(() => Volatile.Read(ref done.Value));

        Assert.Equal(sent, atOne);
        Assert.Equal(replies, atZero);
        var adapter0 = (AkNdisAdapter)machine.Block(0).MiniportAdapterContext!;
        var adapter1 = (AkNdisAdapter)machine.Block(1).MiniportAdapterContext!;
        Assert.Equal((ulong)(Frames), adapter0.FramesSent);
        Assert.Equal((ulong)(Frames), adapter1.FramesReceived);
        Assert.Equal(Frames + 3, machine.Block(0).SendsCompleted + machine.Block(1).SendsCompleted);
        Assert.Equal(0, machine.Block(1).ReceivesDropped);
    }

    [Fact]
    public void A_read_waiting_on_the_receiving_adapter_is_completed_by_the_indication()
    {
        using var machine = LinkedPair();
        var frame = NdisMachine.Frame([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0x02, 0, 0, 0, 0xA0, 0], 1);
        IoResult read = default;
        var back = new byte[frame.Length];
        var reading = new StrongBox<bool>();
        var done = new StrongBox<bool>();
        machine.Start(async () =>
        {
            var nic1 = await NdisMachine.Open(1);
            var buffer = machine.Process.VirtualAlloc(4096);
            reading.Value = true;
            read = await ReadFile(nic1, buffer, 2048);
            machine.Process.ReadMemory(buffer, back);
        }, done);
        machine.RunUntil(() => reading.Value && machine.Block(1).PendingReads.Count == 1);

        var wrote = new StrongBox<bool>();
        machine.Start(async () =>
        {
            var nic0 = await NdisMachine.Open(0);
            var buffer = machine.Process.VirtualAlloc(4096);
            machine.Process.WriteMemory(buffer, frame);
            await WriteFile(nic0, buffer, (uint)frame.Length);
        }, wrote);
        machine.RunUntil(() => done.Value && wrote.Value);

        Assert.True(read.Succeeded);
        Assert.Equal((uint)frame.Length, read.BytesTransferred);
        Assert.Equal(frame, back);
    }

    [Fact]
    public void IOCTL_NDIS_QUERY_GLOBAL_STATS_queries_the_miniport_through_MiniportOidRequest()
    {
        using var machine = LinkedPair();
        var results = new Dictionary<string, (IoResult Result, byte[] Data)>();
        var done = new StrongBox<bool>();

        machine.Start(async () =>
        {
            var nic1 = await NdisMachine.Open(1);
            var buffer = machine.Process.VirtualAlloc(4096);
            machine.Process.WriteMemory(buffer, NdisMachine.Frame([0x02, 0, 0, 0, 0xA0, 0], [0x02, 0, 0, 0, 0xA0, 1], 0));
            await WriteFile(nic1, buffer, 114);
            foreach (var (name, oid, length) in new[]
            {
                ("address", NdisOid.Ieee8023CurrentAddress, 6u), ("xmit", NdisOid.GenXmitOk, 8u), ("short", NdisOid.GenXmitOk, 4u), ("unknown", 0x00FFFFFFu, 8u),
            })
            {
                var input = machine.Process.VirtualAlloc(4096);
                var output = machine.Process.VirtualAlloc(4096);
                var oidBytes = new byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(oidBytes, oid);
                machine.Process.WriteMemory(input, oidBytes);
                var result = await DeviceIoControl(nic1, Drivers.Ndis.Ndis.IoctlNdisQueryGlobalStats, input, 4, output, length);
                var data = new byte[result.BytesTransferred];
                machine.Process.ReadMemory(output, data);
                results[name] = (result, data);
            }
            await CloseHandle(nic1);
        }, done);
        machine.RunUntil(() => done.Value);

        Assert.Equal(0x00170002u, Drivers.Ndis.Ndis.IoctlNdisQueryGlobalStats.Value);
        Assert.Equal(new byte[] { 0x02, 0, 0, 0, 0xA0, 1 }, results["address"].Data);
        Assert.Equal(1ul, BinaryPrimitives.ReadUInt64LittleEndian(results["xmit"].Data));
        Assert.Equal(NtStatus.BufferTooSmall, results["short"].Result.Status);
        Assert.Equal(NtStatus.NotSupported, results["unknown"].Result.Status);
    }

    [Fact]
    public void A_frame_shorter_than_an_Ethernet_header_is_refused_with_STATUS_INVALID_PARAMETER()
    {
        using var machine = LinkedPair();
        IoResult wrote = default;
        var done = new StrongBox<bool>();

        machine.Start(async () =>
        {
            var nic0 = await NdisMachine.Open(0);
            var buffer = machine.Process.VirtualAlloc(4096);
            wrote = await WriteFile(nic0, buffer, 13);
            await CloseHandle(nic0);
        }, done);
        machine.RunUntil(() => done.Value);

        Assert.Equal(NtStatus.InvalidParameter, wrote.Status);
        Assert.Equal(0, machine.Block(0).SendsCompleted);
    }

    internal static async ValueTask<byte[]> ReadFrame(NdisMachine machine, Handle handle, ulong buffer)
    {
        var read = await ReadFile(handle, buffer, 2048);
        Assert.True(read.Succeeded, read.Status.ToDisplayString());
        var frame = new byte[read.BytesTransferred];
        machine.Process.ReadMemory(buffer, frame);
        return frame;
    }
}
