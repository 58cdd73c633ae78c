using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.IoManager;

/// <summary>A driver whose reads wait in a cancel-safe queue (the WDK's cancel sample shape).</summary>
internal sealed class CsqDriver
{
    private readonly LinkedList<Irp> _queue = new();

    public CsqDriver(IoTestBed bed, Func<ValueTask<Irql>> acquire, Action<Irql> release)
    {
        IoCsqInitialize(Csq,
            (csq, irp, _) =>
            {
                _queue.AddLast(irp);
                return NtStatus.Success;
            },
            (csq, irp) => Assert.True(_queue.Remove(irp), "CsqRemoveIrp removes a queued IRP"),
            (csq, irp, peek) =>
            {
                var node = irp is null ? _queue.First : _queue.Find(irp)?.Next;
                while (node is not null && peek is not null && !ReferenceEquals(IoGetCurrentIrpStackLocation(node.Value).FileObject, peek))
                {
                    node = node.Next;
                }
                return node?.Value;
            },
            _ => acquire(),
            (_, irql) => release(irql),
            async (csq, irp) =>
            {
                CanceledCompletions.Add(irp);
                irp.IoStatus.Status = NtStatus.Cancelled;
                irp.IoStatus.Information = 0;
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            });
        var driver = bed.LoadDriver("CsqDrv", d =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
            {
                await IoCsqInsertIrp(Csq, irp, null);
                return NtStatus.Pending;
            };
            d.MajorFunction[(int)IrpMajorFunction.Create] = Complete;
            d.MajorFunction[(int)IrpMajorFunction.Close] = Complete;
            d.MajorFunction[(int)IrpMajorFunction.Cleanup] = async (dev, irp) =>
            {
                // IRP_MJ_CLEANUP: complete the queued IRPs of this file object.
                var file = IoGetCurrentIrpStackLocation(irp).FileObject;
                while (await IoCsqRemoveNextIrp(Csq, file) is { } queued)
                {
                    queued.IoStatus.Status = NtStatus.Cancelled;
                    await IoCompleteRequest(queued, PriorityBoost.IoNoIncrement);
                }
                return await Complete(dev, irp);
            };
        });
        Device = bed.CreateDevice(driver, "\\Device\\Csq0");
    }

    public IoCsq Csq { get; } = new();

    public DeviceObject Device { get; }

    public int Queued => _queue.Count;

    public List<Irp> CanceledCompletions { get; } = [];

    /// <summary>The driver's own completion of the next queued IRP (its device finished the work).</summary>
    public async ValueTask<bool> CompleteNext()
    {
        var irp = await IoCsqRemoveNextIrp(Csq, null);
        if (irp is null)
        {
            return false;
        }
        irp.IoStatus.Status = NtStatus.Success;
        irp.IoStatus.Information = 1;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return true;
    }

    private static async ValueTask<NtStatus> Complete(DeviceObject device, Irp irp)
    {
        irp.IoStatus.Status = NtStatus.Success;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return NtStatus.Success;
    }
}

[Trait("Area", "IoManager")]
public sealed class CancelTests
{
    private static CsqDriver SimpleCsqDriver(IoTestBed bed) =>
        new(bed, () => ValueTask.FromResult(bed.Cpu.SwapIrql(Irql.DispatchLevel)), irql => bed.Cpu.SwapIrql(irql));

    [Fact]
    public void IoCancelIrp_calls_the_cancel_routine_once_at_DISPATCH_LEVEL_with_the_cancel_spin_lock_held()
    {
        using var bed = new IoTestBed();
        var calls = new List<(Irql Irql, bool LockHeld, Irql CancelIrql)>();
        IoCancelRoutine cancel = async (device, irp) =>
        {
            calls.Add((InlineIoProcessor.Current.CurrentIrql, bed.Io.CancelSpinLockHeld, irp.CancelIrql));
            IoReleaseCancelSpinLock(irp.CancelIrql);
            irp.IoStatus.Status = NtStatus.Cancelled;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        };
        var driver = bed.LoadDriver("Holder", d => d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
        {
            IoMarkIrpPending(irp);
            IoSetCancelRoutine(irp, cancel);
            return ValueTask.FromResult(NtStatus.Pending);
        });
        var device = bed.CreateDevice(driver);
        var irp = bed.NewIrp(device, IrpMajorFunction.Read);
        IoTestBed.Run(IoCallDriver(device, irp));

        Assert.True(IoTestBed.Run(IoCancelIrp(irp)));
        Assert.False(IoTestBed.Run(IoCancelIrp(irp)));

        var call = Assert.Single(calls);
        Assert.Equal((Irql.DispatchLevel, true, Irql.PassiveLevel), call);
        Assert.True(irp.Cancel);
        Assert.True(irp.IsCompleted);
        Assert.Equal(NtStatus.Cancelled, irp.IoStatus.Status);
        Assert.False(bed.Io.CancelSpinLockHeld);
        Assert.Equal(Irql.PassiveLevel, bed.Cpu.CurrentIrql);
        Assert.Single(bed.Trace.Started, r => r.Kind == IoRoutineKind.Cancel);
    }

    [Fact]
    public void IoCancelIrp_without_a_cancel_routine_sets_Cancel_and_returns_false()
    {
        using var bed = new IoTestBed();
        var irp = IoAllocateIrp(bed.Io, 1, false);

        Assert.False(IoTestBed.Run(IoCancelIrp(irp)));

        Assert.True(irp.Cancel);
        Assert.False(bed.Io.CancelSpinLockHeld);
    }

    [Fact]
    public void Cancelling_a_completed_irp_whose_cancel_routine_is_still_set_bugchecks_CANCEL_STATE_IN_COMPLETED_IRP()
    {
        using var bed = new IoTestBed();
        IoCancelRoutine cancel = (_, _) => ValueTask.CompletedTask;
        var driver = bed.LoadDriver("Sloppy", d => d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
        {
            IoSetCancelRoutine(irp, cancel);
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        });
        var device = bed.CreateDevice(driver);
        var irp = bed.NewIrp(device, IrpMajorFunction.Read);
        IoTestBed.Run(IoCallDriver(device, irp));

        var crash = Assert.Throws<BugCheckException>(() => IoTestBed.Run(IoCancelIrp(irp)));

        Assert.Equal(BugCheckCode.CancelStateInCompletedIrp, crash.Code);
        Assert.Equal(irp.Address, crash.Parameter1);
        Assert.Equal(bed.Io.RoutineAddress(cancel), crash.Parameter2);
    }

    [Fact]
    public void Acquiring_the_cancel_spin_lock_twice_on_one_processor_bugchecks_SPIN_LOCK_ALREADY_OWNED()
    {
        using var bed = new IoTestBed();
        IoTestBed.Run(IoAcquireCancelSpinLock(bed.Io));

        var crash = Assert.Throws<BugCheckException>(() => IoTestBed.Run(IoAcquireCancelSpinLock(bed.Io)));

        Assert.Equal(BugCheckCode.SpinLockAlreadyOwned, crash.Code);
        Assert.Equal(bed.Io.CancelSpinLockAddress, crash.Parameter1);
    }

    [Fact]
    public void Cancel_of_an_irp_in_a_cancel_safe_queue_completes_it_once_with_STATUS_CANCELLED()
    {
        using var bed = new IoTestBed();
        var driver = SimpleCsqDriver(bed);
        var iosb = new IoStatusBlock();
        var done = new IoCompletionEvent();
        var irp = IoBuildSynchronousFsdRequest(IrpMajorFunction.Read, driver.Device, new UserBuffer(0x10000, new byte[8]), 8, 0, done, iosb)!;
        Assert.Equal(NtStatus.Pending, IoTestBed.Run(IoCallDriver(driver.Device, irp)));
        Assert.Equal(1, driver.Queued);

        Assert.True(IoTestBed.Run(IoCancelIrp(irp)));

        Assert.Equal(0, driver.Queued);
        Assert.Same(irp, Assert.Single(driver.CanceledCompletions));
        Assert.True(done.IsSignaled);
        Assert.Equal(NtStatus.Cancelled, iosb.Status);
        Assert.False(IoTestBed.Run(driver.CompleteNext()));
    }

    [Fact]
    public void An_irp_cancelled_before_it_reaches_the_cancel_safe_queue_is_completed_as_cancelled_at_insert()
    {
        using var bed = new IoTestBed();
        var driver = SimpleCsqDriver(bed);
        var iosb = new IoStatusBlock();
        var irp = IoBuildSynchronousFsdRequest(IrpMajorFunction.Read, driver.Device, new UserBuffer(0x10000, new byte[8]), 8, 0, new IoCompletionEvent(), iosb)!;
        IoTestBed.Run(IoCancelIrp(irp));

        IoTestBed.Run(IoCallDriver(driver.Device, irp));

        Assert.Equal(0, driver.Queued);
        Assert.Equal(NtStatus.Cancelled, iosb.Status);
    }

    [Fact]
    public void IRP_MJ_CLEANUP_completes_the_queued_irps_of_its_file_object_only()
    {
        using var bed = new IoTestBed();
        var driver = SimpleCsqDriver(bed);
        var (_, fileA) = IoTestBed.Run(NtCreateFile(bed.Io, "\\Device\\Csq0", KProcessorMode.KernelMode, true, false));
        var (_, fileB) = IoTestBed.Run(NtCreateFile(bed.Io, "\\Device\\Csq0", KProcessorMode.KernelMode, true, false));
        var iosbA = new IoStatusBlock();
        var iosbB = new IoStatusBlock();
        var readA = NtReadFile(fileA!, iosbA, new UserBuffer(0x10000, new byte[4]), 4, 0);
        var readB = NtReadFile(fileB!, iosbB, new UserBuffer(0x20000, new byte[4]), 4, 0);
        Assert.Equal(2, driver.Queued);

        IoTestBed.Run(NtClose(fileA!));

        Assert.Equal(NtStatus.Cancelled, IoTestBed.Run(readA));
        Assert.False(readB.IsCompleted);
        Assert.Equal(1, driver.Queued);
        IoTestBed.Run(driver.CompleteNext());
        Assert.Equal(NtStatus.Success, IoTestBed.Run(readB));
    }

    [Fact]
    public void A_race_of_cancel_with_completion_never_completes_an_irp_twice_or_loses_one_over_1000_seeds()
    {
        var outcomes = new HashSet<string>();
        for (var seed = 1UL; seed <= 1000; seed++)
        {
            outcomes.Add(RunCancelRace(seed));
        }
        // The seeds really interleave: cancels win some races and completions others.
        Assert.Contains(outcomes, o => o.Contains('C', StringComparison.Ordinal) && o.Contains('S', StringComparison.Ordinal));
        Assert.Contains(outcomes, o => !o.Contains('C', StringComparison.Ordinal));
        Assert.Contains(outcomes, o => !o.Contains('S', StringComparison.Ordinal));
    }

    private static string RunCancelRace(ulong seed)
    {
        using var bed = new IoTestBed(observe: false);
        var interleaver = new Interleaver(seed);
        var queueLock = new InterleavedSpinLock(interleaver);
        var driver = new CsqDriver(bed, queueLock.Acquire, queueLock.Release);
        const int Count = 3;
        var completions = new int[Count];
        var irps = new Irp[Count];
        var blocks = new IoStatusBlock[Count];
        var events = new IoCompletionEvent[Count];
        for (var i = 0; i < Count; i++)
        {
            blocks[i] = new IoStatusBlock();
            events[i] = new IoCompletionEvent();
            irps[i] = IoBuildSynchronousFsdRequest(IrpMajorFunction.Read, driver.Device, new UserBuffer(0x10000, new byte[1]), 1, 0, events[i], blocks[i])!;
            var index = i;
            IoSetCompletionRoutine(irps[i], (_, _, _) =>
            {
                completions[index]++;
                return ValueTask.FromResult(NtStatus.Success);
            }, null, true, true, true);
        }
        var requester = new InlineIoProcessor(0);
        var device = new InlineIoProcessor(1);
        var canceller = new InlineIoProcessor(2);
        interleaver.Spawn(requester, async () =>
        {
            foreach (var irp in irps)
            {
                Assert.Equal(NtStatus.Pending, await IoCallDriver(driver.Device, irp));
                await interleaver.Yield();
            }
        });
        interleaver.Spawn(device, async () =>
        {
            for (var attempt = 0; attempt < 2 * Count; attempt++)
            {
                await interleaver.Yield();
                await driver.CompleteNext();
            }
        });
        interleaver.Spawn(canceller, async () =>
        {
            foreach (var irp in irps)
            {
                await interleaver.Yield();
                await IoCancelIrp(irp);
            }
        });

        interleaver.RunAll();
        // What is still queued is completed by the driver (as at cleanup), so nothing may be lost.
        interleaver.Spawn(device, async () =>
        {
            while (await driver.CompleteNext())
            {
            }
        });
        interleaver.RunAll();

        var outcome = "";
        for (var i = 0; i < Count; i++)
        {
            Assert.True(completions[i] == 1, $"seed {seed}: IRP {i} completed {completions[i]} times");
            Assert.True(events[i].IsSignaled, $"seed {seed}: IRP {i} lost");
            Assert.True(irps[i].IsFreed);
            Assert.Contains(blocks[i].Status, new[] { NtStatus.Success, NtStatus.Cancelled });
            outcome += blocks[i].Status == NtStatus.Success ? "S" : "C";
        }
        Assert.Equal(0, driver.Queued);
        Assert.False(bed.Io.CancelSpinLockHeld);
        return outcome;
    }
}
