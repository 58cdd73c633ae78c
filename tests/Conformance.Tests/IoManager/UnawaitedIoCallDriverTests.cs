using System.Text;
using ActorKernel.Actors;
using static ActorKernel.Conformance.Tests.IoManager.UnawaitedBed;
using ActorKernel.Conformance.Tests.UserMode;
using static ActorKernel.Actors.Kernel32;
using static ActorKernel.Actors.Wdm;
using IoMgr = ActorKernel.Actors.IoManager;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.IoManager;

/// <summary>
/// An IoCallDriver whose ValueTask is not awaited at once (the WDM idiom
/// <c>IoMarkIrpPending; _ = IoCallDriver(lower, irp); return STATUS_PENDING;</c>): the hop is in
/// flight while the caller goes on; the caller's next suspension waits until the dispatch routine
/// has run to its first return (as in NT, where IoCallDriver calls it), and what cannot wait stops
/// the machine naming the driver that did not await.
/// </summary>
[Trait("Area", "IoManager")]
public sealed class UnawaitedIoCallDriverTests
{
    private static readonly KernelModule Caller = new("caller.sys");

    [Fact]
    public void An_IoCallDriver_not_awaited_then_a_yield_runs_the_dispatch_routine_once_before_the_yield_returns()
    {
        var log = new List<string>();
        using var bed = new Bed(Completing(log));
        Irp? irp = null;
        bed.Machine.RunRoutine(0, Caller, "Caller", async () =>
        {
            irp = bed.NewRead();
            _ = IoCallDriver(bed.Device, irp);
            log.Add("after call");
            await KeCompute(1000);
            log.Add("end");
        });
        bed.Run();

        Assert.False(bed.Machine.IsBugChecked, bed.Machine.CrashDump?.Analysis);
        // The code up to the caller's next kernel call runs before the dispatch routine (it did not await);
        // that call then waits until the dispatch routine returned, exactly once.
        Assert.Equal(["after call", "dispatch", "end"], log);
        Assert.Equal(NtStatus.Success, irp!.IoStatus.Status);
    }

    [Fact]
    public void The_callers_code_after_its_next_kernel_call_never_runs_between_the_slices_of_a_dispatch_routine_that_yields_and_hops()
    {
        var log = new List<string>();
        DeviceObject? second = null;
        using var bed = new Bed(async (device, irp) =>
        {
            log.Add("dispatch start");
            await KeCompute(500);
            log.Add("dispatch after yield");
            // A nested, awaited IoCallDriver: another hop inside the first one's dispatch routine.
            var inner = IoAllocateIrp(irp.Manager, second!.StackSize, false);
            inner.Thread = log;
            IoGetNextIrpStackLocation(inner).MajorFunction = IrpMajorFunction.Write;
            await IoCallDriver(second, inner);
            log.Add("dispatch end");
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        });
        second = bed.Device;
        bed.Device.DriverObject.MajorFunction[(int)IrpMajorFunction.Write] = (device, irp) =>
        {
            log.Add("inner dispatch");
            irp.IoStatus.Status = NtStatus.Success;
            return ValueTask.FromResult(NtStatus.Success);
        };
        bed.Machine.RunRoutine(0, Caller, "Caller", async () =>
        {
            _ = IoCallDriver(bed.Device, bed.NewRead());
            log.Add("after call");
            await KeCompute(10);
            log.Add("after compute");
            await KeCompute(10);
            log.Add("end");
        });
        bed.Run();

        Assert.False(bed.Machine.IsBugChecked, bed.Machine.CrashDump?.Analysis);
        Assert.Equal(["after call", "dispatch start", "dispatch after yield", "inner dispatch", "dispatch end", "after compute", "end"], log);
    }

    [Fact]
    public void Two_IoCallDrivers_not_awaited_deliver_each_irp_once_in_call_order_before_the_callers_next_kernel_call()
    {
        var log = new List<string>();
        using var bed = new Bed(async (device, irp) =>
        {
            log.Add($"dispatch {irp.Address:x}");
            await KeCompute(100);
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        });
        Irp? first = null, second = null;
        bed.Machine.RunRoutine(0, Caller, "Caller", async () =>
        {
            first = bed.NewRead();
            second = bed.NewRead();
            _ = IoCallDriver(bed.Device, first);
            _ = IoCallDriver(bed.Device, second);
            log.Add("after calls");
            await KeCompute(10);
            log.Add("end");
        });
        bed.Run();

        Assert.False(bed.Machine.IsBugChecked, bed.Machine.CrashDump?.Analysis);
        Assert.Equal(["after calls", $"dispatch {first!.Address:x}", $"dispatch {second!.Address:x}", "end"], log);
        Assert.Equal(NtStatus.Success, first.IoStatus.Status);
        Assert.Equal(NtStatus.Success, second.IoStatus.Status);
    }

    [Fact]
    public void A_routine_that_returns_right_after_an_IoCallDriver_it_did_not_await_still_delivers_the_irp_once()
    {
        var log = new List<string>();
        using var bed = new Bed(Completing(log));
        Irp? irp = null;
        bed.Machine.RunRoutine(0, Caller, "Caller", () =>
        {
            irp = bed.NewRead();
            _ = IoCallDriver(bed.Device, irp);
            log.Add("returned");
            return ValueTask.CompletedTask;
        });
        bed.Run();

        Assert.False(bed.Machine.IsBugChecked, bed.Machine.CrashDump?.Analysis);
        Assert.Equal(["returned", "dispatch"], log);
        Assert.Equal(NtStatus.Success, irp!.IoStatus.Status);
        Assert.Equal(0, bed.Machine.Processors[0].Depth);
    }

    [Fact]
    public void A_wait_after_an_IoCallDriver_not_awaited_begins_after_the_dispatch_routine_returned_even_when_that_routine_blocks()
    {
        var log = new List<string>();
        var done = new KEvent();
        KeInitializeEvent(done, EventType.NotificationEvent, false);
        using var bed = new Bed(async (device, irp) =>
        {
            log.Add("dispatch start");
            // The dispatch routine blocks the caller's thread itself (as NT's would, inside IoCallDriver).
            await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10);
            log.Add("dispatch end");
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            KeSetEvent(done, 0, false);
            return NtStatus.Success;
        });
        NtStatus waited = NtStatus.Unsuccessful;
        bed.Machine.RunRoutine(0, Caller, "Caller", async () =>
        {
            _ = IoCallDriver(bed.Device, bed.NewRead());
            log.Add("after call");
            waited = await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            log.Add("end");
        });
        bed.Run();

        Assert.False(bed.Machine.IsBugChecked, bed.Machine.CrashDump?.Analysis);
        Assert.Equal(["after call", "dispatch start", "dispatch end", "end"], log);
        Assert.Equal(NtStatus.Success, waited);
    }

    [Fact]
    public void A_dispatch_routine_that_waits_while_its_callers_KeRemoveQueue_is_registered_behind_the_hop_stops_the_machine_naming_the_caller()
    {
        var queue = new KQueue();
        KeInitializeQueue(queue, 0);
        using var bed = new Bed(async (device, irp) =>
        {
            await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10);
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        });
        bed.Machine.RunRoutine(0, Caller, "Caller", async () =>
        {
            _ = IoCallDriver(bed.Device, bed.NewRead());
            await KeRemoveQueue(queue, KProcessorMode.KernelMode, null);
        });
        bed.Run();

        var dump = bed.Machine.CrashDump;
        Assert.NotNull(dump);
        Assert.Equal(BugCheckCode.KmodeExceptionNotHandled, dump!.Code);
        Assert.Equal(Processor.StatusAssertionFailure, dump.ParameterValues[0]);
        Assert.Equal("caller.sys", dump.FaultingModule);
        Assert.Contains("IoCallDriver was not awaited by caller.sys", dump.Note);
        Assert.Contains("KeDelayExecutionThread", dump.Note);
    }

    [Fact]
    public void Raising_IRQL_after_an_IoCallDriver_not_awaited_takes_effect_after_the_dispatch_routine_ran_at_the_callers_IRQL()
    {
        var log = new List<string>();
        using var bed = new Bed(async (device, irp) =>
        {
            log.Add($"dispatch at {KeGetCurrentIrql()}");
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        });
        bed.Machine.RunRoutine(0, Caller, "Caller", async () =>
        {
            _ = IoCallDriver(bed.Device, bed.NewRead());
            var old = KeRaiseIrql(Irql.DispatchLevel);
            log.Add($"raised from {old} to {KeGetCurrentIrql()}");
            await KeCompute(10);
            log.Add($"computed at {bed.Machine.Processors[0].Irql}");
            await KeLowerIrql(old);
            log.Add($"lowered to {bed.Machine.Processors[0].Irql}");
        });
        bed.Run();

        // NT: the dispatch routine runs inside IoCallDriver at the caller's PASSIVE_LEVEL; the raise comes after it.
        Assert.False(bed.Machine.IsBugChecked, bed.Machine.CrashDump?.Note);
        Assert.Equal(["raised from PassiveLevel to DispatchLevel", "dispatch at PassiveLevel", "computed at DispatchLevel", "lowered to PassiveLevel"], log);
    }

    [Fact]
    public void A_dispatch_routine_reached_by_an_IoCallDriver_not_awaited_under_a_spin_lock_runs_with_the_lock_still_held()
    {
        var spinLock = new KSpinLock();
        KeInitializeSpinLock(spinLock, "Queue lock");
        using var bed = new Bed(async (device, irp) =>
        {
            // In NT the caller still holds the lock here (IoCallDriver runs this before KeReleaseSpinLock): taking it again is a driver bug.
            await KeAcquireSpinLockAtDpcLevel(spinLock);
            KeReleaseSpinLockFromDpcLevel(spinLock);
            return NtStatus.Success;
        });
        bed.Machine.RunRoutine(0, Caller, "Caller", async () =>
        {
            var old = await KeAcquireSpinLock(spinLock);
            _ = IoCallDriver(bed.Device, bed.NewRead());
            await KeReleaseSpinLock(spinLock, old);
        });
        bed.Run();

        var dump = bed.Machine.CrashDump;
        Assert.NotNull(dump);
        Assert.Equal(BugCheckCode.SpinLockAlreadyOwned, dump!.Code);
    }

    /// <summary>Loads fwd.sys, whose every dispatch routine passes the IRP down without awaiting, on top of <paramref name="target"/>'s stack.</summary>
    private static DeviceObject AttachUnawaitingFilter(IoMgr io, DeviceObject target, List<string>? log = null)
    {
        DeviceObject? lower = null;
        DeviceObject? fwd = null;
        IoTestBed.Run(io.LoadDriverAsync("Fwd", "fwd.sys", (d, registryPath) =>
        {
            for (var major = 0; major < d.MajorFunction.Length; major++)
            {
                d.MajorFunction[major] = (dev, irp) =>
                {
                    log?.Add($"fwd {IoGetCurrentIrpStackLocation(irp).MajorFunction.ToDisplayString()}");
                    IoMarkIrpPending(irp);
                    IoCopyCurrentIrpStackLocationToNext(irp);
                    _ = IoCallDriver(lower!, irp);
                    return ValueTask.FromResult(NtStatus.Pending);
                };
            }
            Assert.Equal(NtStatus.Success, IoCreateDevice(d, null, null, target.DeviceType, 0, false, out fwd));
            lower = IoAttachDeviceToDeviceStack(fwd!, target);
            fwd!.Flags |= lower!.Flags & (DeviceObjectFlags.BufferedIo | DeviceObjectFlags.DirectIo);
            fwd.Flags &= ~DeviceObjectFlags.DeviceInitializing;
            return ValueTask.FromResult(NtStatus.Success);
        }));
        return fwd!;
    }

    [Fact]
    public void A_filter_passing_requests_down_with_IoMarkIrpPending_IoCallDriver_not_awaited_return_PENDING_serves_CreateFile_and_an_overlapped_ReadFile()
    {
        using var bed = new UserModeBed();
        var target = bed.CreateSimpleDevice("Tgt");
        target.Flags |= DeviceObjectFlags.BufferedIo;
        AttachUnawaitingFilter(bed.Io, target);
        var file = Handle.Null;
        QueuedCompletion got = default;
        IoResult read = default;
        bed.Run(async () =>
        {
            // CreateFile: the I/O manager waits on the file's event after the filter returned STATUS_PENDING.
            file = await CreateFile("\\\\.\\Tgt", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Overlapped);
            var port = await CreateIoCompletionPort(file, Handle.Null, 5, 0);
            var buffer = bed.Process.VirtualAlloc(4096);
            read = await ReadFile(file, buffer, 16, new Overlapped { Offset = 0 });
            got = await GetQueuedCompletionStatus(port, 1000);
            await CloseHandle(file);
        });

        Assert.NotEqual(Handle.Null, file);
        Assert.True(got.Succeeded, $"the read passed down without await never completed: {read}; stuck: {string.Join("; ", bed.Io.GetStuckRequests())}");
        Assert.Equal(5UL, got.CompletionKey);
        Assert.Empty(bed.Io.GetStuckRequests());
        // Every request reached tgt.sys exactly once, through the filter.
        var tgt = bed.Trace.Started.Where(r => r.Kind == IoRoutineKind.Dispatch && r.Driver!.ImageName == "tgt.sys").Select(r => r.MajorFunction);
        Assert.Equal([IrpMajorFunction.Create, IrpMajorFunction.Read, IrpMajorFunction.Cleanup, IrpMajorFunction.Close], tgt);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_RAM_disk_stack_under_a_filter_that_does_not_await_IoCallDriver_serves_synchronous_CreateFile_WriteFile_and_ReadFile(bool directIo)
    {
        using var bed = new UserModeBed(directIo: directIo);
        var log = new List<string>();
        AttachUnawaitingFilter(bed.Io, bed.RamDiskFdo, log);
        var data = Encoding.ASCII.GetBytes("written through fwd.sys, read back");
        var readBack = new byte[data.Length];
        IoResult write = default, read = default;
        bed.Run(async () =>
        {
            var file = await CreateFile("\\\\.\\RamDisk0", GenericAccess.GenericRead | GenericAccess.GenericWrite, FileShareMode.Read | FileShareMode.Write,
                CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = bed.Process.VirtualAlloc(4096);
            bed.Process.WriteMemory(buffer, data);
            write = await WriteFile(file, buffer, (uint)data.Length, new Overlapped { Offset = 4096 });
            read = await ReadFile(file, buffer + 1024, (uint)data.Length, new Overlapped { Offset = 4096 });
            bed.Process.ReadMemory(buffer + 1024, readBack);
            await CloseHandle(file);
        });

        Assert.Equal(new IoResult(true, (uint)data.Length, NtStatus.Success, Win32Error.Success), write);
        Assert.Equal(new IoResult(true, (uint)data.Length, NtStatus.Success, Win32Error.Success), read);
        Assert.Equal(data, readBack);
        Assert.Equal(["fwd IRP_MJ_CREATE", "fwd IRP_MJ_WRITE", "fwd IRP_MJ_READ", "fwd IRP_MJ_CLEANUP", "fwd IRP_MJ_CLOSE"], log);
        var reads = bed.Trace.Started.Where(r => r.Kind == IoRoutineKind.Dispatch && r.MajorFunction == IrpMajorFunction.Read).Select(r => r.Driver!.ImageName);
        Assert.Equal(["fwd.sys", "cntfilt.sys", "ramdisk.sys"], reads);
        Assert.Empty(bed.Io.GetStuckRequests());
    }
}
