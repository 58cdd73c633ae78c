using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.IoManager;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Rules.IoRules;

/// <summary>
/// IoForwardIrpSynchronously copies the current location to the next, sends the IRP down and returns
/// once the lower driver completed it, with completion stopped so the caller owns the IRP again; with no
/// next location it returns FALSE and sends nothing. Source: Microsoft, "IoForwardIrpSynchronously
/// function (wdm.h)".
/// </summary>
[Trait("Area", "Conformance")]
public sealed class ForwardIrpSynchronouslyRuleTests
{
    [Fact]
    public void IoForwardIrpSynchronously_returns_after_the_lower_driver_completed_and_the_caller_owns_the_irp_again()
    {
        using var bed = new IoTestBed();
        var lowerCalls = 0;
        var lower = bed.CreateDevice(bed.LoadDriver("Lower", d => d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
        {
            lowerCalls++;
            irp.IoStatus.Status = NtStatus.Success;
            irp.IoStatus.Information = 42;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        }));
        var irp = IoAllocateIrp(bed.Io, (sbyte)(lower.StackSize + 1), false);
        irp.Thread = bed.RequesterThread;
        IoSetNextIrpStackLocation(irp); // the caller's own location is current, one below it is free
        IoGetCurrentIrpStackLocation(irp).MajorFunction = IrpMajorFunction.Read;

        Assert.True(IoTestBed.Run(IoForwardIrpSynchronously(lower, irp)));

        Assert.Equal(1, lowerCalls);
        Assert.Equal(NtStatus.Success, irp.IoStatus.Status);
        Assert.Equal(42UL, irp.IoStatus.Information);
        Assert.False(irp.IsCompleted); // completion stopped at the forwarding routine: the caller completes it
        IoTestBed.Run(IoCompleteRequest(irp, PriorityBoost.IoNoIncrement));
        Assert.True(irp.IsFreed);
    }

    [Fact]
    public void IoForwardIrpSynchronously_with_no_next_stack_location_returns_FALSE_and_sends_nothing()
    {
        using var bed = new IoTestBed();
        var lowerCalls = 0;
        var lower = bed.CreateDevice(bed.LoadDriver("Lower", d => d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
        {
            lowerCalls++;
            return ValueTask.FromResult(NtStatus.Success);
        }));
        var irp = IoAllocateIrp(bed.Io, 1, false);
        irp.Thread = bed.RequesterThread;
        IoSetNextIrpStackLocation(irp); // the only location is current: there is no next one

        Assert.False(IoTestBed.Run(IoForwardIrpSynchronously(lower, irp)));

        Assert.Equal(0, lowerCalls);
        IoFreeIrp(irp);
    }
}
