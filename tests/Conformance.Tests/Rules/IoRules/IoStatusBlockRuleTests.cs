using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.IoManager;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Rules.IoRules;

/// <summary>
/// A device whose controls and reads fail: <see cref="FailNow"/> (and reads) complete at once with
/// STATUS_INVALID_PARAMETER and return it; <see cref="PendThenFail"/> is marked pending and held, and
/// <see cref="FailHeld"/> completes it later with STATUS_DEVICE_NOT_CONNECTED.
/// </summary>
internal sealed class FailingDevice
{
    public static readonly IoControlCode FailNow = IoControlCode.CtlCode(DeviceType.Unknown, 0x910, TransferMethod.MethodBuffered, IoctlAccess.FileAnyAccess);

    public static readonly IoControlCode PendThenFail = IoControlCode.CtlCode(DeviceType.Unknown, 0x911, TransferMethod.MethodBuffered, IoctlAccess.FileAnyAccess);

    public FailingDevice(IoTestBed bed)
    {
        var driver = bed.LoadDriver("Failing", d =>
        {
            d.MajorFunction[(int)IrpMajorFunction.DeviceControl] = Dispatch;
            d.MajorFunction[(int)IrpMajorFunction.Read] = Dispatch;
        });
        Device = bed.CreateDevice(driver, "\\Device\\Failing");
        Bed = bed;
    }

    public IoTestBed Bed { get; }

    public DeviceObject Device { get; }

    public List<Irp> Held { get; } = [];

    public void FailHeld()
    {
        var irp = Held[^1];
        irp.IoStatus.Status = NtStatus.DeviceNotConnected;
        irp.IoStatus.Information = 0;
        var old = Bed.Cpu.SwapIrql(Irql.DispatchLevel);
        IoTestBed.Run(IoCompleteRequest(irp, PriorityBoost.IoNoIncrement));
        Bed.Cpu.SwapIrql(old);
    }

    private async ValueTask<NtStatus> Dispatch(DeviceObject device, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        if (stack.MajorFunction == IrpMajorFunction.DeviceControl && stack.Parameters.DeviceIoControl.IoControlCode == PendThenFail)
        {
            IoMarkIrpPending(irp);
            Held.Add(irp);
            return NtStatus.Pending;
        }
        irp.IoStatus.Status = NtStatus.InvalidParameter;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return NtStatus.InvalidParameter;
    }
}

/// <summary>
/// IopCompleteRequest's rules for the requester's status block and event (ReactOS ntoskrnl/io/iomgr/irp.c
/// IopCompleteRequest; "Different ways of handling IRPs"; IoBuildDeviceIoControlRequest): a request that
/// fails without STATUS_PENDING writes nothing and signals nothing, whoever built it; one that pended
/// and then failed is reported to an IRP without a file object (IoBuild*Request is not IRP_SYNCHRONOUS_API).
/// </summary>
[Trait("Area", "Conformance")]
public sealed class IoStatusBlockRuleTests
{
    private static readonly NtStatus Untouched = (NtStatus)0x12345678;

    private static IoStatusBlock Sentinel() => new() { Status = Untouched, Information = 0xAB };

    [Fact]
    public void IoBuildDeviceIoControlRequest_failed_without_pending_writes_no_status_block_and_signals_no_event()
    {
        using var bed = new IoTestBed();
        var failing = new FailingDevice(bed);
        var iosb = Sentinel();
        var done = new IoCompletionEvent();
        var irp = IoBuildDeviceIoControlRequest(FailingDevice.FailNow, failing.Device, null, 0, null, 0, false, done, iosb)!;

        var status = IoTestBed.Run(IoCallDriver(failing.Device, irp));

        Assert.Equal(NtStatus.InvalidParameter, status);
        // The classic deadlock: a caller waiting on the event without checking for STATUS_PENDING waits forever.
        Assert.False(done.IsSignaled);
        Assert.Equal(Untouched, iosb.Status);
        Assert.Equal(0xABUL, iosb.Information);
        Assert.True(irp.IsFreed);
    }

    [Fact]
    public void IoBuildSynchronousFsdRequest_failed_without_pending_writes_no_status_block_and_signals_no_event()
    {
        using var bed = new IoTestBed();
        var failing = new FailingDevice(bed);
        var iosb = Sentinel();
        var done = new IoCompletionEvent();
        var irp = IoBuildSynchronousFsdRequest(IrpMajorFunction.Read, failing.Device, new UserBuffer(0x10000, new byte[16]), 16, 0, done, iosb)!;

        var status = IoTestBed.Run(IoCallDriver(failing.Device, irp));

        Assert.Equal(NtStatus.InvalidParameter, status);
        Assert.False(done.IsSignaled);
        Assert.Equal(Untouched, iosb.Status);
        Assert.True(irp.IsFreed);
    }

    [Fact]
    public void IoBuildDeviceIoControlRequest_that_pended_then_failed_writes_the_status_block_and_signals_the_event()
    {
        using var bed = new IoTestBed();
        var failing = new FailingDevice(bed);
        var iosb = Sentinel();
        var done = new IoCompletionEvent();
        var irp = IoBuildDeviceIoControlRequest(FailingDevice.PendThenFail, failing.Device, null, 0, null, 0, false, done, iosb)!;

        Assert.Equal(NtStatus.Pending, IoTestBed.Run(IoCallDriver(failing.Device, irp)));
        Assert.False(done.IsSignaled);
        failing.FailHeld();

        Assert.True(done.IsSignaled);
        Assert.Equal(NtStatus.DeviceNotConnected, iosb.Status);
        Assert.Equal(0UL, iosb.Information);
    }

    [Fact]
    public void IoBuildDeviceIoControlRequest_does_not_set_IRP_SYNCHRONOUS_API()
    {
        using var bed = new IoTestBed();
        var failing = new FailingDevice(bed);
        var irp = IoBuildDeviceIoControlRequest(FailingDevice.PendThenFail, failing.Device, null, 0, null, 0, false, new IoCompletionEvent(), new IoStatusBlock())!;
        var fsd = IoBuildSynchronousFsdRequest(IrpMajorFunction.Read, failing.Device, new UserBuffer(0x10000, new byte[16]), 16, 0, new IoCompletionEvent(), new IoStatusBlock())!;

        Assert.Equal(IrpFlags.None, irp.Flags & IrpFlags.SynchronousApi);
        Assert.Equal(IrpFlags.None, fsd.Flags & IrpFlags.SynchronousApi);
    }
}
