using System.Runtime.CompilerServices;
using ActorKernel.Actors;
using ActorKernel.Drivers.Ndis;
using static ActorKernel.Actors.Kernel32;

namespace ActorKernel.Conformance.Tests.Stacks.Ndis;

/// <summary>
/// The NDIS library's side of a removal by the PnP manager: the adapter is pulled out of its PCI slot
/// while a program has it open, pci.sys reports it missing, and the PnP manager surprise-removes it;
/// MiniportPause and MiniportHaltEx run before IRP_MN_SURPRISE_REMOVAL goes down, the miniport gives
/// back what it took, a read waiting at the protocol edge completes, and once the program closed its
/// handle IRP_MN_REMOVE_DEVICE takes the device away.
/// </summary>
[Trait("Area", "Stacks")]
public sealed class NdisRemovalTests
{
    [Fact]
    public void Removing_an_adapter_halts_the_miniport_frees_its_resources_and_completes_waiting_reads_with_STATUS_DEVICE_REMOVED()
    {
        using var machine = new NdisMachine("netremove", 7, adapters: 1, macBase: 0x70);
        machine.Enumerate();
        var block = machine.Block(0);
        var adapter = (AkNdisAdapter)block.MiniportAdapterContext!;
        IoResult read = default;
        var reading = new StrongBox<bool>();
        var done = new StrongBox<bool>();
        machine.Start(async () =>
        {
            var nic = await NdisMachine.Open(0);
            var buffer = machine.Process.VirtualAlloc(4096);
            reading.Value = true;
            read = await ReadFile(nic, buffer, 2048);
            await CloseHandle(nic);
        }, done);
        machine.RunUntil(() => reading.Value && block.PendingReads.Count == 1);

        var node = machine.AdapterNode(0);
        var fdo = node.PhysicalDeviceObject.AttachedDevice!;

        Assert.True(machine.Machine.Hal.Platform.UnplugPciDevice("nic0"));
        machine.RunUntil(() => done.Value && machine.Pnp.IsIdle && node.State == DeviceNodeState.Deleted);

        Assert.Equal(["IRP_MN_SURPRISE_REMOVAL", "IRP_MN_REMOVE_DEVICE"], RemovalIrps(machine, node));
        Assert.Equal(NdisMiniportState.Halted, block.State);
        Assert.Equal(NtStatus.DeviceRemoved, read.Status);
        Assert.Equal(0ul, adapter.Registers);   // NdisMUnmapIoSpace
        Assert.Equal(0ul, adapter.RxRing);      // NdisMFreeSharedMemory
        Assert.Null(adapter.InterruptHandle);   // NdisMDeregisterInterruptEx
        Assert.Null(block.PhysicalDeviceObject.AttachedDevice);
        Assert.True(fdo.DeletePending, "NDIS deleted the FDO on IRP_MN_REMOVE_DEVICE");
    }

    [Fact]
    public void Every_write_completes_when_the_adapter_is_removed_while_frames_are_being_sent()
    {
        using var machine = new NdisMachine("netremovesend", 8, adapters: 2, macBase: 0x80);
        machine.Enumerate();
        ActorKernel.Hardware.NetworkAdapter.Connect(machine.AdapterRef(0), machine.AdapterRef(1));
        var block = machine.Block(0);
        var statuses = new List<NtStatus>();
        var writing = new StrongBox<bool>();
        var done = new StrongBox<bool>();
        machine.Start(async () =>
        {
            var nic = await NdisMachine.Open(0);
            var buffer = machine.Process.VirtualAlloc(4096);
            machine.Process.WriteMemory(buffer, NdisMachine.Frame([0x02, 0, 0, 0, 0x80, 1], [0x02, 0, 0, 0, 0x80, 0], 0, payload: 1500));
            writing.Value = true;
            for (var i = 0; i < 40 && block.State != NdisMiniportState.Halted; i++)
            {
                statuses.Add((await WriteFile(nic, buffer, 1514)).Status);
            }
            await CloseHandle(nic);
        }, done);
        machine.RunUntil(() => writing.Value);

        var node = machine.AdapterNode(0);

        Assert.True(machine.Machine.Hal.Platform.UnplugPciDevice("nic0"));
        machine.RunUntil(() => done.Value && machine.Pnp.IsIdle && node.State == DeviceNodeState.Deleted);

        // MiniportPause gave every send it held back to NDIS: no write is left waiting on a halted adapter.
        Assert.Equal(["IRP_MN_SURPRISE_REMOVAL", "IRP_MN_REMOVE_DEVICE"], RemovalIrps(machine, node));
        Assert.Equal(NdisMiniportState.Halted, block.State);
        Assert.NotEmpty(statuses);
        Assert.All(statuses, s => Assert.True(s == NtStatus.Success || s == NtStatus.NdisPaused || s == NtStatus.NoSuchDevice || s == NtStatus.DeletePending, s.ToDisplayString()));
    }

    /// <summary>The removal IRPs the PnP manager sent the node, in order.</summary>
    private static List<string> RemovalIrps(NdisMachine machine, DeviceNode node) =>
        [.. machine.Pnp.Log.Where(e => e.Node == node).Select(e => e.What.Split(' ')[0])
            .Where(s => s is "IRP_MN_QUERY_REMOVE_DEVICE" or "IRP_MN_REMOVE_DEVICE" or "IRP_MN_SURPRISE_REMOVAL" or "IRP_MN_CANCEL_REMOVE_DEVICE")];
}
