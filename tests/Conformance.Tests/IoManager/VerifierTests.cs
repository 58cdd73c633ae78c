using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.IoManager;

/// <summary>
/// A filter above a function driver that holds reads and returns STATUS_PENDING while forgetting
/// IoMarkIrpPending; it forwards them later (as from a DPC), and the function driver completes them at once.
/// </summary>
internal sealed class ForgetfulFilterStack
{
    public ForgetfulFilterStack(IoTestBed bed, bool verifyFilter)
    {
        var functionDriver = bed.LoadDriver("Func", d =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Create] = Succeed;
            d.MajorFunction[(int)IrpMajorFunction.Read] = Succeed;
        });
        Function = bed.CreateDevice(functionDriver, "\\Device\\Func0");
        var filterDriver = bed.LoadDriver("Forgetful", d =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Create] = (dev, irp) =>
            {
                IoSkipCurrentIrpStackLocation(irp);
                return IoCallDriver(Function, irp);
            };
            d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
            {
                // The bug: the IRP is queued and STATUS_PENDING returned, but IoMarkIrpPending was not called.
                Held.Add(irp);
                return ValueTask.FromResult(NtStatus.Pending);
            };
        }, verify: verifyFilter);
        Filter = bed.CreateDevice(filterDriver, attachTo: Function);
    }

    public DeviceObject Function { get; }

    public DeviceObject Filter { get; }

    public List<Irp> Held { get; } = [];

    /// <summary>The filter forwards the held read (from a DPC); the function driver completes it synchronously.</summary>
    public ValueTask<NtStatus> ForwardHeld()
    {
        var irp = Held[0];
        IoCopyCurrentIrpStackLocationToNext(irp);
        return IoCallDriver(Function, irp);
    }

    private static async ValueTask<NtStatus> Succeed(DeviceObject device, Irp irp)
    {
        irp.IoStatus.Status = NtStatus.Success;
        irp.IoStatus.Information = IoGetCurrentIrpStackLocation(irp).MajorFunction == IrpMajorFunction.Read ? IoGetCurrentIrpStackLocation(irp).Parameters.Read.Length : 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return NtStatus.Success;
    }
}

[Trait("Area", "IoManager")]
public sealed class VerifierTests
{
    [Fact]
    public void Filter_returning_STATUS_PENDING_without_IoMarkIrpPending_bugchecks_0xC9_0x23D_with_verification_on()
    {
        using var bed = new IoTestBed();
        var stack = new ForgetfulFilterStack(bed, verifyFilter: true);
        var irp = bed.NewIrp(stack.Filter, IrpMajorFunction.Read);
        Assert.Equal(NtStatus.Pending, IoTestBed.Run(IoCallDriver(stack.Filter, irp)));

        var crash = Assert.Throws<BugCheckException>(() => IoTestBed.Run(stack.ForwardHeld()));

        Assert.Equal(BugCheckCode.DriverVerifierIomanagerViolation, crash.Code);
        Assert.Equal((ulong)IoVerifierViolation.ReturnedPendingWithoutMarkPending, crash.Parameter1);
        Assert.Equal(stack.Filter.DriverObject.Address, crash.Parameter2);
        Assert.Equal(irp.Address, crash.Parameter3);
        Assert.Equal(stack.Filter.Address, crash.Parameter4);
    }

    [Fact]
    public void Filter_returning_STATUS_PENDING_without_IoMarkIrpPending_is_reported_as_a_stuck_request_without_verification()
    {
        using var bed = new IoTestBed();
        var stack = new ForgetfulFilterStack(bed, verifyFilter: false);
        var (status, file) = IoTestBed.Run(NtCreateFile(bed.Io, "\\Device\\Func0", KProcessorMode.KernelMode, true, true));
        Assert.Equal(NtStatus.Success, status);
        var iosb = new IoStatusBlock();

        var read = NtReadFile(file!, iosb, new UserBuffer(0x20000, new byte[512]), 512, 0);
        Assert.False(read.IsCompleted);
        IoTestBed.Run(stack.ForwardHeld());

        // Completion reached the top with PendingReturned FALSE, so the requester's event was never set.
        Assert.False(read.IsCompleted);
        var stuck = Assert.Single(bed.Io.GetStuckRequests());
        Assert.Same(stack.Held[0], stuck.Irp);
        Assert.True(stuck.Finished);
        Assert.Equal("NtReadFile", stuck.Requester);
        Assert.Contains(stuck.Irp.ToString(), stuck.Description, StringComparison.Ordinal);
        Assert.Contains("IoMarkIrpPending", stuck.Description, StringComparison.Ordinal);
        Assert.Contains("forgetful.sys", stuck.Description, StringComparison.Ordinal);
        Assert.Contains("\\Device\\Func0", stuck.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_request_that_went_pending_and_was_marked_is_not_reported_stuck()
    {
        using var bed = new IoTestBed();
        var stack = new ForgetfulFilterStack(bed, verifyFilter: false);
        stack.Filter.DriverObject.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
        {
            IoMarkIrpPending(irp);
            stack.Held.Add(irp);
            return ValueTask.FromResult(NtStatus.Pending);
        };
        var (_, file) = IoTestBed.Run(NtCreateFile(bed.Io, "\\Device\\Func0", KProcessorMode.KernelMode, true, true));
        var iosb = new IoStatusBlock();

        var read = NtReadFile(file!, iosb, new UserBuffer(0x20000, new byte[512]), 512, 0);
        IoTestBed.Run(stack.ForwardHeld());

        Assert.Equal(NtStatus.Success, IoTestBed.Run(read));
        Assert.Equal(512UL, iosb.Information);
        Assert.Empty(bed.Io.GetStuckRequests());
    }

    [Fact]
    public void IoCompleteRequest_with_STATUS_PENDING_bugchecks_0xC9_0x6_with_verification_on()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Bad", d => d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
        {
            irp.IoStatus.Status = NtStatus.Pending;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Pending;
        }, verify: true);
        var device = bed.CreateDevice(driver);
        var irp = bed.NewIrp(device, IrpMajorFunction.Read);

        var crash = Assert.Throws<BugCheckException>(() => IoTestBed.Run(IoCallDriver(device, irp)));

        Assert.Equal(BugCheckCode.DriverVerifierIomanagerViolation, crash.Code);
        Assert.Equal(0x6UL, crash.Parameter1);
        Assert.Equal(0x103UL, crash.Parameter2);
        Assert.Equal(irp.Address, crash.Parameter3);
    }

    [Fact]
    public void IoCallDriver_above_DISPATCH_LEVEL_bugchecks_0xC9_0x10_with_verification_on()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Target", _ => { }, verify: true);
        var device = bed.CreateDevice(driver);
        var irp = bed.NewIrp(device, IrpMajorFunction.Read);
        bed.Cpu.SwapIrql((Irql)5);

        var crash = Assert.Throws<BugCheckException>(() => IoTestBed.Run(IoCallDriver(device, irp)));

        Assert.Equal(BugCheckCode.DriverVerifierIomanagerViolation, crash.Code);
        Assert.Equal(0x10UL, crash.Parameter1);
        Assert.Equal(5UL, crash.Parameter2);
    }

    [Fact]
    public void Without_verification_IoCallDriver_runs_the_dispatch_routine_at_the_callers_irql()
    {
        using var bed = new IoTestBed();
        var ran = Irql.PassiveLevel;
        var driver = bed.LoadDriver("Target", d => d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
        {
            ran = InlineIoProcessor.Current.CurrentIrql;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        });
        var device = bed.CreateDevice(driver);
        var irp = bed.NewIrp(device, IrpMajorFunction.Read);
        bed.Cpu.SwapIrql(Irql.DispatchLevel);

        Assert.Equal(NtStatus.Success, IoTestBed.Run(IoCallDriver(device, irp)));

        Assert.Equal(Irql.DispatchLevel, ran);
        Assert.Equal(Irql.DispatchLevel, bed.Trace.Started.Single(r => r.Kind == IoRoutineKind.Dispatch).Irql);
    }

    [Fact]
    public void Dispatch_routine_returning_at_another_irql_bugchecks_0xC9_0x5_with_device_and_both_irqls()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Raiser", d => d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
        {
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            InlineIoProcessor.Current.SwapIrql(Irql.DispatchLevel);
            return NtStatus.Success;
        }, verify: true);
        var device = bed.CreateDevice(driver);
        var irp = bed.NewIrp(device, IrpMajorFunction.Read);

        var crash = Assert.Throws<BugCheckException>(() => IoTestBed.Run(IoCallDriver(device, irp)));

        Assert.Equal((ulong)IoVerifierViolation.IrqlChangedDuringDispatch, crash.Parameter1);
        Assert.Equal(device.Address, crash.Parameter2);
        Assert.Equal((ulong)Irql.PassiveLevel, crash.Parameter3);
        Assert.Equal((ulong)Irql.DispatchLevel, crash.Parameter4);
    }

    [Fact]
    public void IoMarkIrpPending_without_returning_STATUS_PENDING_bugchecks_0xC9_0x23E_with_verification_on()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Marker", d => d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
        {
            IoMarkIrpPending(irp);
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        }, verify: true);
        var device = bed.CreateDevice(driver);
        var irp = bed.NewIrp(device, IrpMajorFunction.Read);

        var crash = Assert.Throws<BugCheckException>(() => IoTestBed.Run(IoCallDriver(device, irp)));

        Assert.Equal((ulong)IoVerifierViolation.MarkedPendingWithoutReturningPending, crash.Parameter1);
        Assert.Equal(irp.Address, crash.Parameter3);
    }

    [Fact]
    public void IoCompleteRequest_with_a_cancel_routine_still_set_bugchecks_0xC9_0x7_with_verification_on()
    {
        using var bed = new IoTestBed();
        IoCancelRoutine cancel = (_, _) => ValueTask.CompletedTask;
        var driver = bed.LoadDriver("Sloppy", d => d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
        {
            IoSetCancelRoutine(irp, cancel);
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        }, verify: true);
        var device = bed.CreateDevice(driver);
        var irp = bed.NewIrp(device, IrpMajorFunction.Read);

        var crash = Assert.Throws<BugCheckException>(() => IoTestBed.Run(IoCallDriver(device, irp)));

        Assert.Equal(0x7UL, crash.Parameter1);
        Assert.Equal(bed.Io.RoutineAddress(cancel), crash.Parameter2);
        Assert.Equal(irp.Address, crash.Parameter3);
    }

    [Fact]
    public void Dispatch_returning_a_status_without_completing_the_irp_bugchecks_0xC9_0x226_with_verification_on()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Lazy", d => d.MajorFunction[(int)IrpMajorFunction.Create] = (dev, irp) => ValueTask.FromResult(NtStatus.Success), verify: true);
        bed.CreateDevice(driver, "\\Device\\Lazy0");

        var crash = Assert.Throws<BugCheckException>(() => IoTestBed.Run(NtCreateFile(bed.Io, "\\Device\\Lazy0", KProcessorMode.KernelMode, true, false)));

        Assert.Equal((ulong)IoVerifierViolation.DispatchReturnedWithoutCompletingOrPending, crash.Parameter1);
    }
}

[Trait("Area", "IoManager")]
public sealed class VerifierDeviceTests
{
    [Fact]
    public void Sending_to_a_device_still_DO_DEVICE_INITIALIZING_bugchecks_0xC9_0x243_with_verification_on()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Hasty", _ => { }, verify: true);
        IoCreateDevice(driver, null, null, DeviceType.Unknown, 0, false, out var device);
        var irp = bed.NewIrp(device!, IrpMajorFunction.Read);

        var crash = Assert.Throws<BugCheckException>(() => IoTestBed.Run(IoCallDriver(device!, irp)));

        Assert.Equal(((ulong)IoVerifierViolation.DeviceInitializingNotCleared, irp.Address, device!.Address), (crash.Parameter1, crash.Parameter3, crash.Parameter4));
    }

    [Fact]
    public void A_filter_that_does_not_copy_DO_BUFFERED_IO_from_below_bugchecks_0xC9_0x244_with_verification_on()
    {
        using var bed = new IoTestBed();
        var lowerDriver = bed.LoadDriver("Buffered", _ => { });
        var lower = bed.CreateDevice(lowerDriver);
        lower.Flags |= DeviceObjectFlags.BufferedIo;
        var filterDriver = bed.LoadDriver("Careless", _ => { }, verify: true);
        var filter = bed.CreateDevice(filterDriver, attachTo: lower);
        var irp = bed.NewIrp(filter, IrpMajorFunction.Read);

        var crash = Assert.Throws<BugCheckException>(() => IoTestBed.Run(IoCallDriver(filter, irp)));

        Assert.Equal(((ulong)IoVerifierViolation.IoFlagsNotCopied, filter.Address), (crash.Parameter1, crash.Parameter4));
    }

    [Fact]
    public void A_completion_routine_that_does_not_propagate_pending_is_logged_as_0x228_then_its_pending_return_bugchecks_0x23D()
    {
        using var bed = new IoTestBed();
        IoCompletionRoutine forgetful = (device, irp, _) => ValueTask.FromResult(NtStatus.Success);
        var stack = new PendingStack(bed, midRoutine: forgetful);
        stack.Mid.DriverObject.VerifierEnabled = true;
        var irp = bed.NewIrp(stack.Top, IrpMajorFunction.Read);
        // Mid returns the lower driver's STATUS_PENDING; only its completion routine could mark its location.
        Assert.Equal(NtStatus.Pending, IoTestBed.Run(IoCallDriver(stack.Top, irp)));

        var crash = Assert.Throws<BugCheckException>(() => stack.CompleteHeldAtDispatch(NtStatus.Success));

        var finding = Assert.Single(bed.Io.VerifierFindings);
        Assert.Equal((IoVerifierViolation.CompletionRoutineDidNotPropagatePending, "mid.sys", irp.Address), (finding.Code, finding.Driver, finding.Irp));
        Assert.Equal(((ulong)IoVerifierViolation.ReturnedPendingWithoutMarkPending, irp.Address, stack.Mid.Address), (crash.Parameter1, crash.Parameter3, crash.Parameter4));
    }
}
