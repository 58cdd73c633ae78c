using System.Runtime.CompilerServices;
using ActorKernel.Hardware;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Kernel32;

namespace ActorKernel.Conformance.Tests.Stacks.Ndis;

/// <summary>
/// Two machines of one process on one actor system (one dispatcher, one virtual clock), each with its
/// own PnP manager building akndis.sys over its adapter; a cable joins the two adapters. A client
/// program on one machine sends frames, a server program on the other echoes each back.
/// </summary>
[Trait("Area", "Stacks")]
public sealed class NdisTwoMachinesTests
{
    [Fact]
    public void Frames_cross_a_cable_between_two_machines_each_running_its_own_ndis_stack_and_come_back_echoed()
    {
        using var system = ActorSystem.Create("ndis-two-machines", ActorSystemOptions.DeterministicWith(19));
        using var client = new NdisMachine("client", 1, adapters: 1, macBase: 0xC1, system);
        using var server = new NdisMachine("server", 2, adapters: 1, macBase: 0x5E, system);
        client.Enumerate();
        server.Enumerate();
        NetworkAdapter.Connect(client.AdapterRef(0), server.AdapterRef(0));
        var requests = Enumerable.Range(0, 5).Select(i => NdisMachine.Frame([0x02, 0, 0, 0, 0x5E, 0], [0x02, 0, 0, 0, 0xC1, 0], i, payload: 200 + i)).ToList();
        var echoes = new List<byte[]>();
        var served = new StrongBox<bool>();
        var asked = new StrongBox<bool>();

        server.Start(async () =>
        {
            var nic = await NdisMachine.Open(0);
            var buffer = server.Process.VirtualAlloc(4096);
            for (var i = 0; i < requests.Count; i++)
            {
                var frame = await NdisStackTests.ReadFrame(server, nic, buffer);
                var destination = frame[0..6];
                frame.AsSpan(6, 6).CopyTo(frame); // back to the sender
                destination.CopyTo(frame, 6);
                server.Process.WriteMemory(buffer, frame);
                Assert.True((await WriteFile(nic, buffer, (uint)frame.Length)).Succeeded);
            }
            await CloseHandle(nic);
        }, served);
        client.Start(async () =>
        {
            var nic = await NdisMachine.Open(0);
            var buffer = client.Process.VirtualAlloc(4096);
            foreach (var request in requests)
            {
                client.Process.WriteMemory(buffer, request);
                Assert.True((await WriteFile(nic, buffer, (uint)request.Length)).Succeeded);
                echoes.Add(await NdisStackTests.ReadFrame(client, nic, buffer));
            }
            await CloseHandle(nic);
        }, asked);
        client.RunUntil(() => (served.Value && asked.Value) || server.Machine.IsBugChecked);

        Assert.False(server.Machine.IsBugChecked, server.Machine.CrashDump?.Analysis);
        Assert.Equal(requests.Count, echoes.Count);
        for (var i = 0; i < requests.Count; i++)
        {
            Assert.Equal(requests[i][6..12], echoes[i][0..6]);
            Assert.Equal(requests[i][0..6], echoes[i][6..12]);
            Assert.Equal(requests[i][12..], echoes[i][12..]);
        }
    }
}
