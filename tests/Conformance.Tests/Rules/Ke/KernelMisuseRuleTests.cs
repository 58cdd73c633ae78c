using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.IoManager;
using static ActorKernel.Actors.Wdm;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.Rules.Ke;

/// <summary>
/// BUG-018 and BUG-019: misuses the kernel used to refuse with an InvalidOperationException (and so a
/// KMODE_EXCEPTION_NOT_HANDLED with the simulator's STATUS code) end in the bugcheck NT reaches for them.
/// </summary>
[Trait("Area", "Conformance")]
public sealed class KernelMisuseRuleTests : IDisposable
{
    private readonly Machine _machine = Machine.Create(new MachineOptions { Processors = 1, ClockIntervalNs = 0, SystemWorkerThreads = 0 });
    private readonly IoMgr _io = new();
    private static readonly KernelModule Caller = new("caller.sys");

    public KernelMisuseRuleTests() => _io.AttachTo(_machine);

    public void Dispose() => _machine.Dispose();

    private DeviceObject LoadDevice(string name, Action<DriverObject> entry)
    {
        var driver = IoTestBed.Run(_io.LoadDriverAsync(name, name.ToLowerInvariant() + ".sys", (driver, _) =>
        {
            entry(driver);
            return ValueTask.FromResult(NtStatus.Success);
        })).Driver!;
        Assert.Equal(NtStatus.Success, IoCreateDevice(driver, null, null, DeviceType.Unknown, 0, false, out var device));
        device!.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return device;
    }

    private CrashDump Call(DeviceObject device)
    {
        _machine.RunRoutine(0, Caller, "Caller", async () =>
        {
            var irp = IoAllocateIrp(_io, device.StackSize, false);
            IoGetNextIrpStackLocation(irp).MajorFunction = IrpMajorFunction.Read;
            await IoCallDriver(device, irp);
        });
        _machine.System.Deterministic!.RunUntilQuiescent(10_000_000);
        Assert.Null(_machine.SimulatorDefect);
        return Assert.IsType<CrashDump>(_machine.CrashDump);
    }

    [Fact]
    public void IoStartPacket_from_a_driver_with_no_DriverStartIo_jumps_to_address_0_at_DISPATCH_LEVEL_DRIVER_IRQL_NOT_LESS_OR_EQUAL()
    {
        var device = LoadDevice("NoStartIo", d => d.MajorFunction[(int)IrpMajorFunction.Read] = async (device, irp) =>
        {
            IoMarkIrpPending(irp);
            await IoStartPacket(device, irp, null, null); // DriverStartIo was never set
            return NtStatus.Pending;
        });

        var dump = Call(device);

        Assert.Equal(BugCheckCode.DriverIrqlNotLessOrEqual, dump.Code);
        Assert.Equal([0UL, (ulong)Irql.DispatchLevel, 8UL, 0UL], dump.ParameterValues); // address 0, DISPATCH_LEVEL, execute
        Assert.Equal("nostartio.sys", dump.FaultingModule);
    }

    [Fact]
    public void Releasing_a_queued_spin_lock_through_a_handle_no_acquire_filled_bugchecks_SPIN_LOCK_NOT_OWNED()
    {
        var device = LoadDevice("EmptyHandle", d => d.MajorFunction[(int)IrpMajorFunction.Read] = async (_, irp) =>
        {
            var old = KeRaiseIrql(Irql.DispatchLevel);
            KeReleaseInStackQueuedSpinLockFromDpcLevel(new KLockQueueHandle()); // never acquired
            await KeLowerIrql(old);
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        });

        var dump = Call(device);

        Assert.Equal(BugCheckCode.SpinLockNotOwned, dump.Code);
        Assert.Equal(0UL, dump.ParameterValues[0]); // the handle's lock pointer
        Assert.Equal("emptyhandle.sys", dump.FaultingModule);
    }
}
