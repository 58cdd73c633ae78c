using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.IoManager;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Rules.IoRules;

/// <summary>
/// An IRP a driver allocated (IoAllocateIrp) has no thread (Irp-&gt;Tail.Overlay.Thread NULL). When its
/// completion reaches the top with no completion routine returning STATUS_MORE_PROCESSING_REQUIRED,
/// IofCompleteRequest queues IopCompleteRequest as a kernel APC to that NULL thread; KeInsertQueueApc
/// faults on the thread's APC queue lock at SYNCH_LEVEL: IRQL_NOT_LESS_OR_EQUAL. A cancelled one with no
/// thread is cleaned up instead (IopCleanupIrp). Source: ReactOS ntoskrnl/io/iomgr/irp.c IofCompleteRequest.
/// </summary>
[Trait("Area", "Conformance")]
public sealed class DriverAllocatedIrpRuleTests
{
    private static DeviceObject Completer(IoTestBed bed) =>
        bed.CreateDevice(bed.LoadDriver("Completer", d => d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
        {
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        }));

    [Fact]
    public void IoAllocateIrp_irp_completed_to_the_top_without_MORE_PROCESSING_REQUIRED_bugchecks_IRQL_NOT_LESS_OR_EQUAL()
    {
        using var bed = new IoTestBed();
        var device = Completer(bed);
        var irp = IoAllocateIrp(bed.Io, device.StackSize, false);
        IoGetNextIrpStackLocation(irp).MajorFunction = IrpMajorFunction.Read;

        var crash = IoTestBed.BugCheck(() => IoCallDriver(device, irp));

        Assert.Equal(BugCheckCode.IrqlNotLessOrEqual, crash.Code);
        Assert.Equal(0UL, crash.Parameter1);                         // the NULL thread's APC queue lock
        Assert.Equal(12UL, crash.Parameter2);                        // SYNCH_LEVEL on x64
        Assert.Equal(1UL, crash.Parameter3);                         // a write (acquiring the lock)
    }

    [Fact]
    public void IoAllocateIrp_irp_whose_completion_routine_returns_MORE_PROCESSING_REQUIRED_goes_back_to_its_owner()
    {
        using var bed = new IoTestBed();
        var device = Completer(bed);
        var irp = IoAllocateIrp(bed.Io, (sbyte)(device.StackSize + 1), false);
        IoSetNextIrpStackLocation(irp);
        IoGetNextIrpStackLocation(irp).MajorFunction = IrpMajorFunction.Read;
        var called = 0;
        IoSetCompletionRoutine(irp, (_, _, _) =>
        {
            called++;
            return ValueTask.FromResult(NtStatus.MoreProcessingRequired);
        }, null, true, true, true);

        Assert.Equal(NtStatus.Success, IoTestBed.Run(IoCallDriver(device, irp)));

        Assert.Equal(1, called);
        Assert.False(irp.IsFreed);
        IoFreeIrp(irp);
    }

    [Fact]
    public void IoAllocateIrp_irp_cancelled_before_its_completion_reaches_the_top_is_cleaned_up_without_a_bugcheck()
    {
        using var bed = new IoTestBed();
        var device = bed.CreateDevice(bed.LoadDriver("Canceller", d => d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
        {
            Assert.False(await IoCancelIrp(irp)); // its owner cancelled it meanwhile (no cancel routine): Irp->Cancel is set
            irp.IoStatus.Status = NtStatus.Cancelled;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Cancelled;
        }));
        var irp = IoAllocateIrp(bed.Io, device.StackSize, false);
        IoGetNextIrpStackLocation(irp).MajorFunction = IrpMajorFunction.Read;

        Assert.Equal(NtStatus.Cancelled, IoTestBed.Run(IoCallDriver(device, irp)));

        Assert.True(irp.IsFreed);
    }

    [Fact]
    public void IoAllocateIrp_irp_with_its_thread_set_is_finished_and_freed_by_the_io_manager()
    {
        using var bed = new IoTestBed();
        var device = Completer(bed);
        var irp = IoAllocateIrp(bed.Io, device.StackSize, false);
        irp.Thread = new object();
        IoGetNextIrpStackLocation(irp).MajorFunction = IrpMajorFunction.Read;

        Assert.Equal(NtStatus.Success, IoTestBed.Run(IoCallDriver(device, irp)));

        Assert.True(irp.IsFreed);
    }

    [Fact]
    public void IoBuildAsynchronousFsdRequest_irp_completed_to_the_top_writes_its_status_block_and_is_freed()
    {
        using var bed = new IoTestBed();
        var device = Completer(bed);
        var iosb = new IoStatusBlock { Status = (NtStatus)0x12345678 };
        var irp = IoBuildAsynchronousFsdRequest(IrpMajorFunction.Read, device, new UserBuffer(0x10000, new byte[16]), 16, 0, iosb)!;

        Assert.Equal(NtStatus.Success, IoTestBed.Run(IoCallDriver(device, irp)));

        Assert.Equal(NtStatus.Success, iosb.Status);
        Assert.True(irp.IsFreed);
    }
}

/// <summary>
/// The I/O verifier's caller of IoCallDriver is the driver that owns the current stack location; after
/// IoSkipCurrentIrpStackLocation that is still the forwarding driver, not the one above it (Driver Verifier
/// "I/O Verification"; Bug Check 0xC9 0x203).
/// </summary>
[Trait("Area", "Conformance")]
public sealed class SkipAttributionRuleTests
{
    private static (DeviceObject Top, DeviceObject Mid, DeviceObject Bottom) Stack(IoTestBed bed, bool verifyTop, bool verifyMid)
    {
        var bottomDriver = bed.LoadDriver("Bottom", d => d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
        {
            IoSetCancelRoutine(irp, null);
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        });
        var bottom = bed.CreateDevice(bottomDriver, "\\Device\\Bottom");
        DeviceObject? midDevice = null;
        var midDriver = bed.LoadDriver("Mid", "mid.sys", (d, _) =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
            {
                // The bug the verifier must see: a cancel routine still set when the IRP is passed on.
                IoSetCancelRoutine(irp, (_, _) => ValueTask.CompletedTask);
                IoSkipCurrentIrpStackLocation(irp);
                return IoCallDriver(bottom, irp);
            };
            return ValueTask.FromResult(NtStatus.Success);
        }, verify: verifyMid);
        midDevice = bed.CreateDevice(midDriver, attachTo: bottom);
        var mid = midDevice;
        var topDriver = bed.LoadDriver("Top", "top.sys", (d, _) =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
            {
                IoCopyCurrentIrpStackLocationToNext(irp);
                return IoCallDriver(mid, irp);
            };
            return ValueTask.FromResult(NtStatus.Success);
        }, verify: verifyTop);
        var top = bed.CreateDevice(topDriver, attachTo: bottom);
        return (top, mid, bottom);
    }

    [Fact]
    public void After_IoSkipCurrentIrpStackLocation_the_verifier_checks_the_forwarding_driver_as_the_caller_of_IoCallDriver()
    {
        using var bed = new IoTestBed();
        var (top, mid, bottom) = Stack(bed, verifyTop: false, verifyMid: true);
        var irp = bed.NewIrp(top, IrpMajorFunction.Read);

        var crash = IoTestBed.BugCheck(() => IoCallDriver(top, irp));

        Assert.Equal(BugCheckCode.DriverVerifierIomanagerViolation, crash.Code);
        Assert.Equal((ulong)IoVerifierViolation.CallDriverWithCancelRoutineSet, crash.Parameter1);
        Assert.Equal(mid.DriverObject.Address, crash.Parameter2);
        Assert.Equal(irp.Address, crash.Parameter3);
        Assert.Equal(bottom.Address, crash.Parameter4);
    }

    [Fact]
    public void After_IoSkipCurrentIrpStackLocation_the_driver_above_is_not_blamed_for_the_forwarders_IoCallDriver()
    {
        using var bed = new IoTestBed();
        var (top, _, _) = Stack(bed, verifyTop: true, verifyMid: false);
        var irp = bed.NewIrp(top, IrpMajorFunction.Read);
        irp.Thread = new object();

        Assert.Equal(NtStatus.Success, IoTestBed.Run(IoCallDriver(top, irp)));
    }
}

/// <summary>
/// IoAttachDeviceToDeviceStack (ReactOS ntoskrnl/io/iomgr/device.c IopAttachDeviceToDeviceStackSafe;
/// Microsoft's IoAttachDeviceToDeviceStack page): no attachment onto a top device that is still
/// initializing (DO_DEVICE_INITIALIZING) or is being unloaded, deleted or removed; the new device takes
/// the top device's AlignmentRequirement (not the larger of the two) and StackSize + 1.
/// </summary>
[Trait("Area", "Conformance")]
public sealed class AttachRuleTests
{
    [Fact]
    public void IoAttachDeviceToDeviceStack_onto_a_top_device_still_initializing_returns_NULL()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("D", _ => { });
        Assert.Equal(NtStatus.Success, IoCreateDevice(driver, null, null, DeviceType.Unknown, 0, false, out var lower));
        Assert.Equal(NtStatus.Success, IoCreateDevice(driver, null, null, DeviceType.Unknown, 0, false, out var upper));

        Assert.Null(IoAttachDeviceToDeviceStack(upper!, lower!));
        Assert.Null(lower!.AttachedDevice);
        Assert.Null(upper!.AttachedTo);
    }

    [Fact]
    public void IoAttachDeviceToDeviceStack_onto_a_top_device_being_removed_returns_NULL()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("D", _ => { });
        var lower = bed.CreateDevice(driver);
        bed.Io.IopPrepareDeviceForRemoval(lower);
        Assert.Equal(NtStatus.Success, IoCreateDevice(driver, null, null, DeviceType.Unknown, 0, false, out var upper));

        Assert.Null(IoAttachDeviceToDeviceStack(upper!, lower));
        Assert.Null(lower.AttachedDevice);
    }

    [Fact]
    public void IoAttachDeviceToDeviceStack_takes_the_top_devices_alignment_requirement_and_stack_size_plus_one()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("D", _ => { });
        var lower = bed.CreateDevice(driver);
        lower.AlignmentRequirement = 0x3;      // FILE_LONG_ALIGNMENT
        Assert.Equal(NtStatus.Success, IoCreateDevice(driver, null, null, DeviceType.Unknown, 0, false, out var upper));
        upper!.AlignmentRequirement = 0x1FF;    // FILE_512_BYTE_ALIGNMENT

        Assert.Same(lower, IoAttachDeviceToDeviceStack(upper, lower));

        Assert.Equal(0x3u, upper.AlignmentRequirement);
        Assert.Equal((sbyte)(lower.StackSize + 1), upper.StackSize);
    }
}

/// <summary>
/// IopCompleteRequest unlocks and frees every MDL on the Irp-&gt;MdlAddress chain (ReactOS
/// ntoskrnl/io/iomgr/irp.c IofCompleteRequest, IopCompleteRequest): a driver's system-space MDL chained
/// after the I/O manager's (MmBuildMdlForNonPagedPool, not locked) is freed with it and the request completes.
/// </summary>
[Trait("Area", "Conformance")]
public sealed class MdlChainRuleTests
{
    [Fact]
    public void A_nonpaged_pool_MDL_chained_after_Irp_MdlAddress_is_freed_at_completion_and_the_read_succeeds()
    {
        using var bed = new UserMode.UserModeBed();
        Mdl? chained = null;
        IoTestBed.Run(bed.Io.LoadDriverAsync("Chainer", "chainer.sys", (d, _) =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Create] = d.MajorFunction[(int)IrpMajorFunction.Close] = d.MajorFunction[(int)IrpMajorFunction.Cleanup] = async (dev, irp) =>
            {
                irp.IoStatus.Status = NtStatus.Success;
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return NtStatus.Success;
            };
            d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
            {
                var pool = ExAllocatePoolWithTag(PoolType.NonPagedPool, 64, 0x6E696843); // 'Chin'
                chained = IoAllocateMdl(pool, 64)!;
                MmBuildMdlForNonPagedPool(chained);
                irp.MdlAddress!.Next = chained;
                irp.IoStatus.Status = NtStatus.Success;
                irp.IoStatus.Information = IoGetCurrentIrpStackLocation(irp).Parameters.Read.Length;
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return NtStatus.Success;
            };
            var status = IoCreateDevice(d, null, "\\Device\\Chainer", DeviceType.Unknown, 0, false, out var device);
            device!.Flags |= DeviceObjectFlags.DirectIo;
            device.Flags &= ~DeviceObjectFlags.DeviceInitializing;
            d.Manager.Objects.IoCreateSymbolicLink("\\??\\Chainer", "\\Device\\Chainer");
            return ValueTask.FromResult(status);
        }));
        IoResult read = default;

        bed.Run(async () =>
        {
            var file = await Kernel32.CreateFile("\\\\.\\Chainer", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            var buffer = bed.Process.VirtualAlloc(4096);
            read = await Kernel32.ReadFile(file, buffer, 32);
        });

        Assert.False(bed.Machine.IsBugChecked, bed.Machine.CrashDump?.Analysis);
        Assert.Equal(new IoResult(true, 32, NtStatus.Success, Win32Error.Success), read);
        Assert.NotNull(chained);
    }
}

/// <summary>IoCallDriver with a NULL device (ReactOS io/iomgr/irp.c IofCallDriver reads DeviceObject-&gt;DriverObject; Bug Check 0xC9 0x204 under verification) and IoCompleteRequest above DISPATCH_LEVEL (0xC9/0xE).</summary>
[Trait("Area", "Conformance")]
public sealed class CallDriverArgumentRuleTests
{
    private static readonly KernelModule Sender = new("nullsend.sys");

    [Fact]
    public void IoCallDriver_with_a_NULL_device_is_an_access_violation_not_a_verifier_bugcheck_without_verification()
    {
        using var bed = new UserMode.UserModeBed();
        var top = bed.RamDiskFdo;
        bed.Machine.RunRoutine(0, Sender, "SendToNull", async () =>
        {
            var irp = IoAllocateIrp(bed.Io, top.StackSize, false);
            IoGetNextIrpStackLocation(irp).MajorFunction = IrpMajorFunction.Read;
            await IoCallDriver(null!, irp);
        });
        bed.Machine.System.Deterministic!.RunUntilQuiescent(1_000_000);

        // In a thread: SYSTEM_THREAD_EXCEPTION_NOT_HANDLED with the access violation (not a verifier code).
        var dump = bed.Machine.CrashDump!;
        Assert.Equal(BugCheckCode.SystemThreadExceptionNotHandled, dump.Code);
        Assert.Equal(0xC0000005UL, dump.ParameterValues[0]);   // STATUS_ACCESS_VIOLATION
        Assert.Equal("nullsend.sys", dump.FaultingModule);
    }

    [Fact]
    public void IoCallDriver_with_a_NULL_device_bugchecks_0xC9_0x204_with_verification()
    {
        using var bed = new IoTestBed(verifyAll: true);
        var irp = IoAllocateIrp(bed.Io, 1, false);

        var crash = Assert.Throws<BugCheckException>(() => IoCallDriver(null!, irp));

        Assert.Equal((BugCheckCode.DriverVerifierIomanagerViolation, (ulong)IoVerifierViolation.CallDriverNullDeviceObject, irp.Address), (crash.Code, crash.Parameter1, crash.Parameter3));
    }

    [Fact]
    public void IoCompleteRequest_above_DISPATCH_LEVEL_bugchecks_0xC9_0xE_with_the_irql_and_the_irp()
    {
        using var bed = new IoTestBed();
        Irp? held = null;
        var device = bed.CreateDevice(bed.LoadDriver("Hi", d => d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
        {
            IoMarkIrpPending(irp);
            held = irp;
            return ValueTask.FromResult(NtStatus.Pending);
        }, verify: true));
        var irp = bed.NewIrp(device, IrpMajorFunction.Read);
        IoTestBed.Run(IoCallDriver(device, irp));
        held!.IoStatus.Status = NtStatus.Success;
        bed.Cpu.SwapIrql(Irql.DeviceLevelMin + 2);

        var crash = IoTestBed.BugCheck(() => IoCompleteRequest(held, PriorityBoost.IoNoIncrement));

        Assert.Equal((BugCheckCode.DriverVerifierIomanagerViolation, (ulong)IoVerifierViolation.CompleteRequestAboveDispatch, 5UL, irp.Address),
            (crash.Code, crash.Parameter1, crash.Parameter2, crash.Parameter3));
    }
}
