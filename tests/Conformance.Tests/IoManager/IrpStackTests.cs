using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.IoManager;

[Trait("Area", "IoManager")]
public sealed class IrpStackTests
{
    [Fact]
    public void IoAllocateIrp_starts_with_no_current_location_CurrentLocation_is_StackCount_plus_one()
    {
        using var bed = new IoTestBed();
        var irp = IoAllocateIrp(bed.Io, 3, false);

        Assert.Equal(3, irp.StackCount);
        Assert.Equal(4, irp.CurrentLocation);
        Assert.Same(irp.StackLocations[2], IoGetNextIrpStackLocation(irp));
        Assert.Throws<InvalidOperationException>(() => IoGetCurrentIrpStackLocation(irp));
        Assert.NotEqual(0UL, irp.Address);
    }

    [Fact]
    public void IoCallDriver_moves_down_one_location_and_records_the_target_device_in_it()
    {
        using var bed = new IoTestBed();
        IoStackLocation? seen = null;
        var driver = bed.LoadDriver("Lower", d => d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
        {
            seen = IoGetCurrentIrpStackLocation(irp);
            Assert.Equal(1, irp.CurrentLocation);
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        });
        var device = bed.CreateDevice(driver);
        var irp = bed.NewIrp(device, IrpMajorFunction.Read);
        IoGetNextIrpStackLocation(irp).Parameters.Read.Length = 512;

        var status = IoTestBed.Run(IoCallDriver(device, irp));

        Assert.Equal(NtStatus.Success, status);
        Assert.Same(device, seen!.DeviceObject);
        Assert.Equal(IrpMajorFunction.Read, seen.MajorFunction);
    }

    [Fact]
    public void IoSkipCurrentIrpStackLocation_gives_the_lower_driver_the_callers_own_location()
    {
        using var bed = new IoTestBed();
        int lowerLocation = 0;
        var lowerDriver = bed.LoadDriver("Lower", d => d.MajorFunction[(int)IrpMajorFunction.Write] = async (dev, irp) =>
        {
            lowerLocation = irp.CurrentLocation;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        });
        var lower = bed.CreateDevice(lowerDriver);
        var upperDriver = bed.LoadDriver("Upper", d => d.MajorFunction[(int)IrpMajorFunction.Write] = (dev, irp) =>
        {
            IoSkipCurrentIrpStackLocation(irp);
            return IoCallDriver(lower, irp);
        });
        var upper = bed.CreateDevice(upperDriver, attachTo: lower);
        var irp = bed.NewIrp(upper, IrpMajorFunction.Write);

        IoTestBed.Run(IoCallDriver(upper, irp));

        Assert.Equal(2, upper.StackSize);
        Assert.Equal(2, lowerLocation);
    }

    [Fact]
    public void IoCopyCurrentIrpStackLocationToNext_copies_the_request_but_not_completion_routine_context_or_control()
    {
        using var bed = new IoTestBed();
        var irp = IoAllocateIrp(bed.Io, 3, false);
        var top = IoGetNextIrpStackLocation(irp);
        top.MajorFunction = IrpMajorFunction.Read;
        top.Parameters.Read.Length = 4096;
        top.Parameters.Read.ByteOffset = 8192;
        IoSetNextIrpStackLocation(irp);
        IoSetCompletionRoutine(irp, (_, _, _) => ValueTask.FromResult(NtStatus.Success), "stale", true, true, true);
        IoGetNextIrpStackLocation(irp).Control |= StackLocationControl.PendingReturned;

        IoCopyCurrentIrpStackLocationToNext(irp);

        var next = IoGetNextIrpStackLocation(irp);
        Assert.Equal(IrpMajorFunction.Read, next.MajorFunction);
        Assert.Equal(4096u, next.Parameters.Read.Length);
        Assert.Equal(8192L, next.Parameters.Read.ByteOffset);
        Assert.Null(next.CompletionRoutine);
        Assert.Null(next.Context);
        Assert.Equal(StackLocationControl.None, next.Control);
    }

    [Fact]
    public void Parameters_views_share_slots_as_the_wdm_union_does_Read_Length_is_DeviceIoControl_OutputBufferLength()
    {
        using var bed = new IoTestBed();
        var location = IoGetNextIrpStackLocation(IoAllocateIrp(bed.Io, 1, false));

        location.Parameters.Read.Length = 77;
        location.Parameters.Read.ByteOffset = 0x222000;

        Assert.Equal(77u, location.Parameters.DeviceIoControl.OutputBufferLength);
        Assert.Equal(77u, location.Parameters.Write.Length);
        Assert.Equal(0x00222000u, location.Parameters.DeviceIoControl.IoControlCode.Value);
    }

    [Fact]
    public void IoCallDriver_with_no_location_left_bugchecks_NO_MORE_IRP_STACK_LOCATIONS_with_the_irp()
    {
        using var bed = new IoTestBed();
        var lowerDriver = bed.LoadDriver("Lower", _ => { });
        var lower = bed.CreateDevice(lowerDriver);
        var upperDriver = bed.LoadDriver("Upper", d => d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
        {
            IoCopyCurrentIrpStackLocationToNext(irp);
            return IoCallDriver(lower, irp);
        });
        var upper = bed.CreateDevice(upperDriver);
        // Sized for the upper device alone (StackSize 1): forwarding needs a second location.
        var irp = bed.NewIrp(upper, IrpMajorFunction.Read);

        var crash = Assert.Throws<BugCheckException>(() => IoTestBed.Run(IoCallDriver(upper, irp)));

        Assert.Equal(BugCheckCode.NoMoreIrpStackLocations, crash.Code);
        Assert.Equal(irp.Address, crash.Parameter1);
    }

    [Fact]
    public void IoCompleteRequest_twice_bugchecks_MULTIPLE_IRP_COMPLETE_REQUESTS_with_the_irp()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Twice", d => d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
        {
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        });
        var device = bed.CreateDevice(driver);
        var irp = bed.NewIrp(device, IrpMajorFunction.Read);

        var crash = Assert.Throws<BugCheckException>(() => IoTestBed.Run(IoCallDriver(device, irp)));

        Assert.Equal(BugCheckCode.MultipleIrpCompleteRequests, crash.Code);
        Assert.Equal(irp.Address, crash.Parameter1);
    }

    [Fact]
    public void Unset_MajorFunction_entry_completes_with_STATUS_INVALID_DEVICE_REQUEST()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Empty", _ => { });
        var device = bed.CreateDevice(driver);
        var irp = bed.NewIrp(device, IrpMajorFunction.FlushBuffers);

        var status = IoTestBed.Run(IoCallDriver(device, irp));

        Assert.Equal(NtStatus.InvalidDeviceRequest, status);
        Assert.Equal(NtStatus.InvalidDeviceRequest, irp.IoStatus.Status);
        Assert.True(irp.IsCompleted);
    }

    [Fact]
    public void IoReuseIrp_makes_a_completed_irp_sendable_again_with_the_given_status()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Empty", _ => { });
        var device = bed.CreateDevice(driver);
        var irp = bed.NewIrp(device, IrpMajorFunction.Read);
        IoTestBed.Run(IoCallDriver(device, irp));
        Assert.True(irp.IsCompleted);

        IoReuseIrp(irp, NtStatus.NotSupported);

        Assert.False(irp.IsCompleted);
        Assert.Equal(irp.StackCount + 1, irp.CurrentLocation);
        Assert.Equal(NtStatus.NotSupported, irp.IoStatus.Status);
        Assert.False(irp.PendingReturned);
        Assert.False(irp.Cancel);
    }
}

[Trait("Area", "IoManager")]
public sealed class IrpLifetimeTests
{
    [Fact]
    public void IoBuildAsynchronousFsdRequest_irp_is_freed_by_its_creators_completion_routine_returning_MORE_PROCESSING_REQUIRED()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("Disk", d => d.MajorFunction[(int)IrpMajorFunction.Write] = async (dev, irp) =>
        {
            irp.IoStatus.Status = NtStatus.Success;
            irp.IoStatus.Information = IoGetCurrentIrpStackLocation(irp).Parameters.Write.Length;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        });
        var device = bed.CreateDevice(driver);
        var iosb = new IoStatusBlock();
        var irp = IoBuildAsynchronousFsdRequest(IrpMajorFunction.Write, device, new UserBuffer(0x10000, new byte[32]), 32, 512, iosb)!;
        Assert.Equal((32u, 512L), (IoGetNextIrpStackLocation(irp).Parameters.Write.Length, IoGetNextIrpStackLocation(irp).Parameters.Write.ByteOffset));
        Assert.Null(irp.SystemBuffer);
        Assert.Equal(0x10000UL, irp.UserBuffer!.Address);
        ulong seenInformation = 0;
        IoSetCompletionRoutine(irp, (_, completed, _) =>
        {
            seenInformation = completed.IoStatus.Information;
            IoFreeIrp(completed);
            return ValueTask.FromResult(NtStatus.MoreProcessingRequired);
        }, null, true, true, true);

        Assert.Equal(NtStatus.Success, IoTestBed.Run(IoCallDriver(device, irp)));

        Assert.Equal(32UL, seenInformation);
        Assert.True(irp.IsFreed);
        // Completing a freed IRP is completing it twice.
        var crash = Assert.Throws<BugCheckException>(() => IoTestBed.Run(IoCompleteRequest(irp, PriorityBoost.IoNoIncrement)));
        Assert.Equal(BugCheckCode.MultipleIrpCompleteRequests, crash.Code);
    }

    [Fact]
    public void IoFreeIrp_of_an_irp_a_driver_still_holds_bugchecks_0xC9_0x20B_with_verification_on()
    {
        using var bed = new IoTestBed();
        Irp? held = null;
        var driver = bed.LoadDriver("Holder", d => d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
        {
            IoMarkIrpPending(irp);
            held = irp;
            return ValueTask.FromResult(NtStatus.Pending);
        }, verify: true);
        var device = bed.CreateDevice(driver);
        var irp = bed.NewIrp(device, IrpMajorFunction.Read);
        IoTestBed.Run(IoCallDriver(device, irp));

        var crash = Assert.Throws<BugCheckException>(() => IoFreeIrp(held!));

        Assert.Equal(((ulong)IoVerifierViolation.FreeIrpInUse, irp.Address, device.Address), (crash.Parameter1, crash.Parameter3, crash.Parameter4));
    }

    [Fact]
    public void IoFreeIrp_twice_of_an_irp_that_reached_a_verified_driver_bugchecks_0xC9_0x20B()
    {
        using var bed = new IoTestBed(observe: false);
        var driver = bed.LoadDriver("Checked", d => d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
        {
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        }, verify: true);
        var device = bed.CreateDevice(driver);
        var irp = bed.NewOwnedIrp(device, IrpMajorFunction.Read);
        IoTestBed.Run(IoCallDriver(device, irp));
        IoFreeIrp(irp);

        var crash = Assert.Throws<BugCheckException>(() => IoFreeIrp(irp));

        Assert.Equal((BugCheckCode.DriverVerifierIomanagerViolation, (ulong)IoVerifierViolation.FreeIrpInUse, irp.Address), (crash.Code, crash.Parameter1, crash.Parameter3));
    }

    [Fact]
    public void IoFreeIrp_twice_with_VerifyAllDrivers_bugchecks_0xC9_0x20B()
    {
        using var bed = new IoTestBed(observe: false);
        bed.Io.VerifyAllDrivers = true;
        var irp = IoAllocateIrp(bed.Io, 2, false);
        IoFreeIrp(irp);

        var crash = Assert.Throws<BugCheckException>(() => IoFreeIrp(irp));

        Assert.Equal((BugCheckCode.DriverVerifierIomanagerViolation, (ulong)IoVerifierViolation.FreeIrpInUse, irp.Address), (crash.Code, crash.Parameter1, crash.Parameter3));
    }

    [Fact]
    public void IoFreeIrp_twice_without_verification_is_quiet_and_returns_the_irp_to_the_lookaside_list_once()
    {
        using var bed = new IoTestBed(observe: false);
        var irp = IoAllocateIrp(bed.Io, 2, false);
        var before = bed.Io.IrpLookaside;
        IoFreeIrp(irp);

        IoFreeIrp(irp);

        var after = bed.Io.IrpLookaside;
        Assert.Equal((before.TotalFrees + 1, before.Free + 1), (after.TotalFrees, after.Free));
        Assert.Same(irp, IoAllocateIrp(bed.Io, 2, false));
        Assert.NotSame(irp, IoAllocateIrp(bed.Io, 2, false));
    }
}
