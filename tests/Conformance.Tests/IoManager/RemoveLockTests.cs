using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.IoManager;

[Trait("Area", "IoManager")]
public sealed class RemoveLockTests
{
    [Fact]
    public void IoAcquireRemoveLock_succeeds_until_IoReleaseRemoveLockAndWait_then_fails_with_STATUS_DELETE_PENDING()
    {
        var removeLock = new IoRemoveLock();
        IoInitializeRemoveLock(removeLock, 0x6B636F4C, 0, 0);
        var first = new object();
        var second = new object();

        var before = (IoAcquireRemoveLock(removeLock, first), IoAcquireRemoveLock(removeLock, second));
        IoReleaseRemoveLock(removeLock, second);
        var held = removeLock.OutstandingAcquisitions;
        var wait = IoReleaseRemoveLockAndWait(removeLock, first);
        var after = IoAcquireRemoveLock(removeLock, new object());

        Assert.Equal((NtStatus.Success, NtStatus.Success), before);
        Assert.Equal(1, held);
        Assert.True(wait.IsCompleted, "the caller's own acquisition was the last one: nothing to wait for");
        Assert.Equal(NtStatus.DeletePending, after);
        Assert.Equal(0xC0000056u, (uint)after);
        Assert.True(removeLock.Removed);
        Assert.Equal(0, removeLock.OutstandingAcquisitions);
    }

    [Fact]
    public void IoReleaseRemoveLockAndWait_blocks_the_remover_until_the_request_in_flight_releases_its_acquisition()
    {
        using var machine = Machine.Create(new MachineOptions { Processors = 2, Seed = 3, ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        var io = new IoMgr();
        io.AttachTo(machine);
        var removeLock = new IoRemoveLock();
        Irp? held = null;
        var log = new List<string>();
        var driver = IoTestBed.Run(io.LoadDriverAsync("Locker", "locker.sys", (d, _) =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Create] = async (dev, irp) =>
            {
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return NtStatus.Success;
            };
            d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
            {
                var status = IoAcquireRemoveLock(removeLock, irp);
                if (!status.IsSuccess())
                {
                    log.Add("read refused: " + status.ToDisplayString().Split(' ')[0]);
                    irp.IoStatus.Status = status;
                    await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                    return status;
                }
                // The first read stays in the device (holding the lock) until the completer finishes it.
                IoMarkIrpPending(irp);
                held = irp;
                return NtStatus.Pending;
            };
            IoInitializeRemoveLock(removeLock, 0x6B636F4C, 0, 0);
            return ValueTask.FromResult(IoCreateDevice(d, null, "\\Device\\Locker0", DeviceType.Unknown, 0, false, out var created));
        })).Driver!;
        NtStatus firstRead = default, secondRead = default;
        long waitedAt = 0, resumedAt = 0, completedAt = 0;

        machine.RunRoutine(0, SampleStack.Caller, "Reader", async () =>
        {
            var (_, file) = await NtCreateFile(io, "\\Device\\Locker0", KProcessorMode.KernelMode, true, false);
            firstRead = await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, new byte[16]), 16, 0);
        });
        machine.RunRoutine(1, driver.Module, "Remover", async () =>
        {
            while (held is null)
            {
                await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10_000);
            }
            Assert.Equal(NtStatus.Success, IoAcquireRemoveLock(removeLock, "remove"));
            log.Add("remover waits");
            waitedAt = machine.NowNanoseconds;
            await IoReleaseRemoveLockAndWait(removeLock, "remove");
            resumedAt = machine.NowNanoseconds;
            log.Add("remover resumes");
        });
        machine.RunRoutine(1, SampleStack.Caller, "Completer", async () =>
        {
            var (_, file) = await NtCreateFile(io, "\\Device\\Locker0", KProcessorMode.KernelMode, true, false);
            while (!removeLock.Removed)
            {
                await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10_000);
            }
            // A request that arrives while the remover waits is refused; the one inside still holds the lock.
            secondRead = await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x20000, new byte[16]), 16, 0);
            await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -1_000_000);
            log.Add("held read completes");
            completedAt = machine.NowNanoseconds;
            var irp = held!;
            irp.IoStatus.Status = NtStatus.Success;
            irp.IoStatus.Information = 16;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            IoReleaseRemoveLock(removeLock, irp);
        });
        machine.System.Deterministic!.RunUntilQuiescent(10_000_000);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(["remover waits", "read refused: STATUS_DELETE_PENDING", "held read completes", "remover resumes"], log);
        Assert.Equal((NtStatus.Success, NtStatus.DeletePending), (firstRead, secondRead));
        Assert.True(resumedAt >= completedAt, $"the remover resumed at {resumedAt} ns, before the held read completed at {completedAt} ns");
        Assert.True(resumedAt - waitedAt >= 100_000_000, $"the remover waited {resumedAt - waitedAt} ns, less than the 100 ms the held read stayed in the device");
        Assert.Equal(0, removeLock.OutstandingAcquisitions);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void IoReleaseRemoveLock_of_a_tag_never_acquired_is_0xC4_0xD5_under_IO_verification_and_unchecked_without(bool verify)
    {
        using var machine = Machine.Create(new MachineOptions { Processors = 1, Seed = 3, ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        var io = new IoMgr();
        io.AttachTo(machine);
        var removeLock = new IoRemoveLock();
        var driver = IoTestBed.Run(io.LoadDriverAsync("Sloppy", "sloppy.sys", (d, _) =>
        {
            IoInitializeRemoveLock(removeLock, 0x706F6C53, 0, 0);
            return ValueTask.FromResult(NtStatus.Success);
        }, verify)).Driver!;
        var acquiredFor = IoAllocateIrp(io, 1, false);
        var releasedFor = IoAllocateIrp(io, 1, false);
        var returned = false;

        machine.RunRoutine(0, driver.Module, "SloppyDispatch", () =>
        {
            IoAcquireRemoveLock(removeLock, acquiredFor);
            IoReleaseRemoveLock(removeLock, releasedFor);
            returned = true;
            return ValueTask.CompletedTask;
        });
        machine.System.Deterministic!.RunUntilQuiescent(1_000_000);

        Assert.Equal(verify, machine.IsBugChecked);
        Assert.Equal(!verify, returned);
        if (verify)
        {
            var dump = machine.CrashDump!;
            Assert.Equal(BugCheckCode.DriverVerifierDetectedViolation, dump.Code);
            Assert.Equal([0xD5UL, removeLock.Address, releasedFor.Address, 0UL], dump.ParameterValues);
            Assert.NotEqual(0UL, removeLock.Address);
            Assert.Equal("sloppy.sys", dump.FaultingModule);
        }
    }

    [Fact]
    public void IoReleaseRemoveLockAndWait_with_a_tag_never_acquired_is_0xC4_0xD6_naming_the_last_acquisition_under_IO_verification()
    {
        using var machine = Machine.Create(new MachineOptions { Processors = 1, Seed = 3, ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        var io = new IoMgr { VerifyAllDrivers = true };
        io.AttachTo(machine);
        var removeLock = new IoRemoveLock();
        var driver = IoTestBed.Run(io.LoadDriverAsync("Sloppy", "sloppy.sys", (d, _) =>
        {
            IoInitializeRemoveLock(removeLock, 0x706F6C53, 0, 0);
            return ValueTask.FromResult(NtStatus.Success);
        })).Driver!;
        var removeIrp = IoAllocateIrp(io, 1, false);
        var otherIrp = IoAllocateIrp(io, 1, false);

        machine.RunRoutine(0, driver.Module, "SloppyRemove", async () =>
        {
            IoAcquireRemoveLock(removeLock, removeIrp);
            await IoReleaseRemoveLockAndWait(removeLock, otherIrp);
        });
        machine.System.Deterministic!.RunUntilQuiescent(1_000_000);

        Assert.True(machine.IsBugChecked);
        Assert.Equal(BugCheckCode.DriverVerifierDetectedViolation, machine.CrashDump!.Code);
        Assert.Equal([0xD6UL, removeLock.Address, otherIrp.Address, removeIrp.Address], machine.CrashDump.ParameterValues);
        Assert.False(removeLock.Removed);
    }
}
