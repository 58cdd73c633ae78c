using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using ActorKernel.Drivers.Zoo;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Verifier;

/// <summary>I/O verification puts IRPs in special pool: a driver's touch of a freed IRP faults (Microsoft, "I/O Verification"; "Bug Check 0xD5").</summary>
[Trait("Area", "Verifier")]
public sealed class IrpSpecialPoolTests
{
    private static (Machine Machine, ulong Irp, ExplorationReport Report) RunTouchAfterCall(bool verify)
    {
        Machine? machine = null;
        ulong irpAddress = 0;
        var scenario = new ExplorerScenario("touch-after-call-probe", run =>
        {
            var bed = ZooBed.Create(run);
            machine = bed.Machine;
            var lower = bed.Load("ZooTouchLower", TouchAfterCallDriver.LowerEntry);
            var filter = bed.Load("ZooTouchAfterCall", TouchAfterCallDriver.Entry(false, lower.DeviceObjects[0]), verify);
            // Record the IRP the filter sees: wrap its read routine.
            var read = filter.MajorFunction[(int)IrpMajorFunction.Read];
            filter.MajorFunction[(int)IrpMajorFunction.Read] = (device, irp) =>
            {
                irpAddress = irp.Address;
                return read(device, irp);
            };
            var done = false;
            bed.Thread(0, "Reader", async () =>
            {
                var (_, file) = await NtCreateFile(bed.Io, TouchAfterCallDriver.DeviceName, KProcessorMode.KernelMode, true, false);
                await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, new byte[16]), 16, 0);
                done = true;
            });
            bed.RunUntil(() => done, "the read");
        });
        var report = Explorer.Explore(scenario, new ExplorerOptions { Seed = 1, Schedules = 1, Shrink = false });
        return (machine!, irpAddress, report);
    }

    [Fact]
    public void A_driver_reading_a_freed_irp_under_IO_verification_bugchecks_DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL_D5()
    {
        var (machine, irp, report) = RunTouchAfterCall(verify: true);

        Assert.Equal(ExplorationStop.Failure, report.Stop);
        var dump = machine.CrashDump!;
        Assert.Equal(BugCheckCode.DriverPageFaultInFreedSpecialPool, dump.Code);
        // P1 Irp->IoStatus (FIELD_OFFSET 0x30 on x64), P2 0 = read, P3 the filter's code, P4 reserved.
        Assert.Equal(irp + 0x30, dump.Parameters[0].Value);
        Assert.Equal(0UL, dump.Parameters[1].Value);
        Assert.NotEqual(0UL, dump.Parameters[2].Value);
        Assert.Equal(0UL, dump.Parameters[3].Value);
        Assert.StartsWith("zootouchaftercall", dump.FaultingModule, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_verification_the_freed_irp_is_recycled_and_the_late_read_goes_unnoticed()
    {
        var (machine, _, report) = RunTouchAfterCall(verify: false);

        Assert.Equal(ExplorationStop.ScheduleBudget, report.Stop);
        Assert.False(machine.IsBugChecked);
    }
}
