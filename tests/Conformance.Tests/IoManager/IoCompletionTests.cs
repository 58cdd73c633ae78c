using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Processors.ProcessorFixture;

namespace ActorKernel.Conformance.Tests.IoManager;

/// <summary>The I/O completion object: packets in, packets out, exactly as posted.</summary>
[Trait("Area", "UserMode")]
public sealed class IoCompletionTests
{
    private static IoCompletionObject NewPort(uint count)
    {
        Assert.Equal(NtStatus.Success, NtCreateIoCompletion(out var port, count));
        return port;
    }

    [Fact]
    public void NtCreateIoCompletion_makes_an_IoCompletion_object_whose_count_0_means_the_processor_count()
    {
        using var machine = Create(processors: 3);
        var port = NewPort(0);
        var two = NewPort(2);
        machine.RunRoutine(0, Driver, "Poster", () =>
        {
            NtSetIoCompletion(port, 1, null, NtStatus.Success, 0);
            return ValueTask.CompletedTask;
        });
        Run(machine);

        Assert.Equal("IoCompletion", port.ObjectTypeName);
        Assert.Equal(3, port.Queue.MaximumCount);
        Assert.Equal(2, two.Queue.MaximumCount);
        Assert.Equal(1, port.Queue.EntryCount);
    }

    [Fact]
    public void Packets_carry_key_context_status_and_information_exactly()
    {
        using var machine = Create();
        var port = NewPort(1);
        var context = new object();
        var posted = new[]
        {
            new IoCompletionPacket(0xDEAD_BEEF_0000_0001, context, NtStatus.Cancelled, 4096),
            new IoCompletionPacket(ulong.MaxValue, null, NtStatus.Success, 0),
            new IoCompletionPacket(0, "ctx", NtStatus.BufferOverflow, ulong.MaxValue),
        };
        var removed = new List<(NtStatus, IoCompletionPacket)>();
        machine.RunRoutine(0, Driver, "Worker", async () =>
        {
            foreach (var p in posted)
            {
                Assert.Equal(NtStatus.Success, NtSetIoCompletion(port, p.KeyContext, p.ApcContext, p.Status, p.Information));
            }
            for (var i = 0; i < posted.Length; i++)
            {
                removed.Add(await NtRemoveIoCompletion(port, null));
            }
        });
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(posted.Select(p => (NtStatus.Success, p)), removed);
        Assert.Same(context, removed[0].Item2.ApcContext);
    }

    [Fact]
    public void NtRemoveIoCompletionEx_waits_for_the_first_packet_then_takes_what_is_queued_up_to_the_array_length()
    {
        using var machine = Create(processors: 2);
        var port = NewPort(1);
        var results = new List<(NtStatus Status, ulong[] Keys, long At)>();
        long postedAt = 0;
        machine.CreateSystemThread(0, Driver, "Remover", async _ =>
        {
            var packets = new IoCompletionPacket[3];
            for (var round = 0; round < 3; round++)
            {
                var (status, removed) = await NtRemoveIoCompletionEx(port, packets, round == 2 ? 0 : null);
                results.Add((status, packets.Take(removed).Select(p => p.KeyContext).ToArray(), machine.NowNanoseconds));
            }
        });
        machine.RunRoutine(1, Driver, "Poster", async () =>
        {
            await KeCompute(100_000);
            postedAt = machine.NowNanoseconds;
            for (ulong key = 1; key <= 5; key++)
            {
                NtSetIoCompletion(port, key, null, NtStatus.Success, key * 512);
            }
        }, Irql.DispatchLevel);
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(3, results.Count);
        Assert.Equal(NtStatus.Success, results[0].Status);
        Assert.Equal([1UL, 2, 3], results[0].Keys);
        Assert.True(results[0].At >= postedAt, "the first call waited for the first packet");
        Assert.Equal(NtStatus.Success, results[1].Status);
        Assert.Equal([4UL, 5], results[1].Keys);
        Assert.Equal(NtStatus.Timeout, results[2].Status);
        Assert.Empty(results[2].Keys);
    }

    [Fact]
    public void A_packet_posted_from_a_DPC_completes_a_waiting_NtRemoveIoCompletion()
    {
        using var machine = Create();
        var port = NewPort(0);
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, _, _) =>
        {
            Assert.Equal(Irql.DispatchLevel, KeGetCurrentIrql());
            NtSetIoCompletion(port, 42, "irp 1", NtStatus.Success, 512);
            return ValueTask.CompletedTask;
        }, null, Driver);
        Connect(machine, (_, _) =>
        {
            KeInsertQueueDpc(dpc, null, null);
            return ValueTask.FromResult(true);
        });
        (NtStatus Status, IoCompletionPacket Packet)? result = null;
        long at = 0;
        machine.CreateSystemThread(0, Driver, "Waiter", async _ =>
        {
            result = await NtRemoveIoCompletion(port, null);
            at = machine.NowNanoseconds;
        });
        RaiseAt(machine, DeviceLine, 300_000);
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal((NtStatus.Success, new IoCompletionPacket(42, "irp 1", NtStatus.Success, 512)), result);
        Assert.True(at >= 300_000, $"the waiter returned at {at} ns, before the interrupt");
    }

    [Fact]
    public void NtRemoveIoCompletion_on_an_empty_port_returns_STATUS_TIMEOUT_when_its_timeout_expires()
    {
        using var machine = Create();
        var port = NewPort(1);
        (NtStatus Status, IoCompletionPacket Packet)? result = null;
        long waited = 0;
        machine.CreateSystemThread(0, Driver, "Waiter", async _ =>
        {
            var start = machine.NowNanoseconds;
            result = await NtRemoveIoCompletion(port, -20_000); // 2 ms
            waited = machine.NowNanoseconds - start;
        });
        Run(machine);

        Assert.Equal((NtStatus.Timeout, default(IoCompletionPacket)), result);
        Assert.InRange(waited, 2_000_000, 2_020_000);
    }

    [Fact]
    public void The_last_dereference_of_the_port_drops_the_packets_left()
    {
        using var machine = Create();
        var port = NewPort(1);
        machine.RunRoutine(0, Driver, "Poster", () =>
        {
            NtSetIoCompletion(port, 1, null, NtStatus.Success, 0);
            NtSetIoCompletion(port, 2, null, NtStatus.Success, 0);
            return ValueTask.CompletedTask;
        });
        Run(machine);
        Assert.Equal(2, port.Queue.EntryCount);

        Assert.Equal(0, port.ObDereferenceObject());
        Assert.Equal(0, port.Queue.EntryCount);
    }
}
