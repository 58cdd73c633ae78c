using System.Text;
using ActorKernel.Actors;
using static ActorKernel.Conformance.Tests.IoManager.UnawaitedBed;
using ActorKernel.Conformance.Tests.UserMode;
using static ActorKernel.Actors.Kernel32;
using static ActorKernel.Actors.Wdm;
using ActorKernel.Conformance.Tests.IoManager;
using IoMgr = ActorKernel.Actors.IoManager;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.IoManager;

/// <summary>
/// What a caller does after an IoCallDriver it did not await happens after the dispatch routine has run
/// to its first return, as in NT where IoCallDriver calls it: a wait on an object the routine clears,
/// a spin lock (free or held elsewhere), an IRQL change or a lock release, and what the dispatch
/// routine itself asks for before the caller's next call; an exception in that routine stops the machine.
/// </summary>
[Trait("Area", "IoManager")]
public sealed class UnawaitedSuspensionOrderTests
{
    private static readonly KernelModule Caller = new("caller.sys");

    [Fact]
    public void A_wait_on_an_object_already_signalled_after_an_IoCallDriver_not_awaited_still_begins_after_the_dispatch_routine()
    {
        var log = new List<string>();
        var ready = new KEvent();
        KeInitializeEvent(ready, EventType.NotificationEvent, true); // signalled before the call
        using var bed = new Bed(async (device, irp) =>
        {
            // In NT this runs inside IoCallDriver, before the caller's wait: it clears the event
            // and sets it again only when the request is done.
            log.Add("dispatch start");
            KeClearEvent(ready);
            await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10);
            log.Add("dispatch end");
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            KeSetEvent(ready, 0, false);
            return NtStatus.Success;
        });
        bed.Machine.RunRoutine(0, Caller, "Caller", async () =>
        {
            _ = IoCallDriver(bed.Device, bed.NewRead());
            log.Add("after call");
            await KeWaitForSingleObject(ready, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            log.Add("end");
        });
        bed.Run();

        Assert.False(bed.Machine.IsBugChecked, bed.Machine.CrashDump?.Analysis);
        // NT order: the dispatch routine (inside IoCallDriver) clears the event, the caller's wait blocks until it is set.
        Assert.Equal(["after call", "dispatch start", "dispatch end", "end"], log);
    }

    [Fact]
    public void A_zero_timeout_poll_outside_a_thread_after_an_IoCallDriver_not_awaited_sees_what_the_dispatch_routine_did()
    {
        var ready = new KEvent();
        KeInitializeEvent(ready, EventType.NotificationEvent, true);
        NtStatus? polled = null;
        using var bed = new Bed(async (device, irp) =>
        {
            KeClearEvent(ready); // in NT this runs inside IoCallDriver, before the poll
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        });
        bed.Machine.RunRoutine(0, Caller, "Caller", async () =>
        {
            _ = IoCallDriver(bed.Device, bed.NewRead());
            polled = await KeWaitForSingleObject(ready, KWaitReason.Executive, KProcessorMode.KernelMode, false, 0);
        }, Irql.DispatchLevel);
        bed.Run();

        Assert.False(bed.Machine.IsBugChecked, bed.Machine.CrashDump?.Note);
        Assert.Equal(NtStatus.Timeout, polled);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_spin_lock_taken_at_DISPATCH_LEVEL_after_an_IoCallDriver_not_awaited_is_legal_whether_or_not_another_processor_holds_it(bool contended)
    {
        var log = new List<string>();
        using var bed = new Bed(Completing(log), processors: 2);
        var spinLock = new KSpinLock();
        KeInitializeSpinLock(spinLock, "Maybe contended");
        var held = !contended;
        if (contended)
        {
            bed.Machine.RunRoutine(1, Caller, "Holder", async () =>
            {
                var old = await KeAcquireSpinLock(spinLock);
                held = true;
                await KeCompute(1_000_000);
                await KeReleaseSpinLock(spinLock, old);
            }, Irql.DispatchLevel);
        }
        bed.Machine.RunRoutine(0, Caller, "Caller", async () =>
        {
            while (!held)
            {
                await KeCompute(100);
            }
            _ = IoCallDriver(bed.Device, bed.NewRead());
            await KeAcquireSpinLockAtDpcLevel(spinLock);
            log.Add("locked");
            KeReleaseSpinLockFromDpcLevel(spinLock);
        }, Irql.DispatchLevel);
        bed.Run();

        // Same driver code, same IRQL: the outcome must not depend on whether the lock was free at that instant.
        Assert.False(bed.Machine.IsBugChecked, bed.Machine.CrashDump?.Note);
        Assert.Equal(2, log.Count);
    }

    [Fact]
    public void A_suspension_asked_for_inside_a_dispatch_routine_reached_by_an_unawaited_call_is_applied_before_the_outer_callers_later_call()
    {
        var log = new List<string>();
        Bed? bedRef = null;
        Irp NewIrp(IrpMajorFunction major)
        {
            var irp = IoAllocateIrp(bedRef!.Io, bedRef.Device.StackSize, false);
            irp.Thread = bedRef;
            IoGetNextIrpStackLocation(irp).MajorFunction = major;
            return irp;
        }
        async ValueTask<NtStatus> Complete(Irp irp)
        {
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        }
        using var bed = new Bed(async (device, irp) =>
        {
            // A (read): calls C without awaiting it, then yields, then finishes.
            log.Add("A start");
            _ = IoCallDriver(device, NewIrp(IrpMajorFunction.DeviceControl));
            await KeCompute(5);
            log.Add("A end");
            return await Complete(irp);
        });
        bedRef = bed;
        bed.Device.DriverObject.MajorFunction[(int)IrpMajorFunction.DeviceControl] = async (device, irp) =>
        {
            log.Add("C");
            return await Complete(irp);
        };
        bed.Device.DriverObject.MajorFunction[(int)IrpMajorFunction.Write] = async (device, irp) =>
        {
            log.Add("B");
            return await Complete(irp);
        };
        bed.Machine.RunRoutine(0, Caller, "Caller", async () =>
        {
            _ = IoCallDriver(bed.Device, NewIrp(IrpMajorFunction.Read));
            _ = IoCallDriver(bed.Device, NewIrp(IrpMajorFunction.Write));
            await KeCompute(10);
            log.Add("caller end");
        });
        bed.Run();

        Assert.False(bed.Machine.IsBugChecked, bed.Machine.CrashDump?.Note);
        // NT: IoCallDriver(A) runs A to its return (C inside it, then A's own code), and only then does the caller call B.
        Assert.Equal(["A start", "C", "A end", "B", "caller end"], log);
    }

    [Fact]
    public void An_IoCallDriver_not_awaited_under_a_spin_lock_then_the_release_is_legal_NT_code()
    {
        var log = new List<string>();
        using var bed = new Bed(Completing(log));
        var spinLock = new KSpinLock();
        KeInitializeSpinLock(spinLock, "Queue lock");
        Irp? irpUnderLock = null;
        bed.Machine.RunRoutine(0, Caller, "Caller", async () =>
        {
            var old = await KeAcquireSpinLock(spinLock);
            irpUnderLock = bed.NewRead();
            _ = IoCallDriver(bed.Device, irpUnderLock); // NT: the dispatch routine runs here, at DISPATCH_LEVEL
            await KeReleaseSpinLock(spinLock, old);
            log.Add("released");
        });
        bed.Run();

        Assert.False(bed.Machine.IsBugChecked, bed.Machine.CrashDump?.Note);
        Assert.Equal(Irql.PassiveLevel, bed.Machine.Processors[0].Irql);
        Assert.Equal(NtStatus.Success, irpUnderLock!.IoStatus.Status);
        Assert.Equal(["dispatch", "released"], log);
    }

    [Fact]
    public void A_dispatch_routine_that_throws_behind_an_IoCallDriver_not_awaited_stops_the_machine()
    {
        using var bed = new Bed(async (device, irp) =>
        {
            await KeCompute(10);
            throw new InvalidOperationException("driver bug");
        });
        bed.Machine.RunRoutine(0, Caller, "Caller", async () =>
        {
            var irp = bed.NewRead();
            IoMarkIrpPending(irp);
            _ = IoCallDriver(bed.Device, irp);
            await KeCompute(10);
        });
        bed.Run();

        // Awaited, the same exception is KMODE_EXCEPTION_NOT_HANDLED naming tgt.sys; not awaited it must not vanish.
        Assert.True(bed.Machine.IsBugChecked, "the driver's exception was swallowed with the un-awaited IoCallDriver task");
    }
}
