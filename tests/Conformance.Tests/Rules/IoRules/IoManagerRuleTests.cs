using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.IoManager;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Rules.IoRules;

/// <summary>
/// A buffered (DO_BUFFERED_IO) device whose reads complete at once with <see cref="ReadStatus"/>, after
/// filling the system buffer with 0x5A and reporting the read length as Information; its controls
/// record the IRP they got. Rows BUF-/IRP-/CMP- of docs/conformance.md.
/// </summary>
internal sealed class RecordingDevice
{
    public RecordingDevice(IoTestBed bed, DeviceObjectFlags buffering = DeviceObjectFlags.BufferedIo)
    {
        var driver = bed.LoadDriver("Rec", d =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Create] = d.MajorFunction[(int)IrpMajorFunction.Close] = d.MajorFunction[(int)IrpMajorFunction.Cleanup] = async (dev, irp) =>
            {
                irp.IoStatus.Status = NtStatus.Success;
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return NtStatus.Success;
            };
            d.MajorFunction[(int)IrpMajorFunction.Read] = d.MajorFunction[(int)IrpMajorFunction.DeviceControl] = async (dev, irp) =>
            {
                var stack = IoGetCurrentIrpStackLocation(irp);
                Seen.Add((stack.MajorFunction, irp.Flags, irp.SystemBuffer?.Length ?? -1, irp.SystemBufferLength, irp.RequestorMode));
                irp.SystemBuffer?.AsSpan().Fill(0x5A);
                irp.IoStatus.Status = ReadStatus;
                irp.IoStatus.Information = stack.MajorFunction == IrpMajorFunction.Read ? stack.Parameters.Read.Length : 0;
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return ReadStatus;
            };
        });
        Device = bed.CreateDevice(driver, "\\Device\\Rec");
        Device.Flags |= buffering;
    }

    public DeviceObject Device { get; }

    public NtStatus ReadStatus { get; set; } = NtStatus.Success;

    public List<(IrpMajorFunction Major, IrpFlags Flags, int SystemBufferLength, int AskedLength, KProcessorMode Mode)> Seen { get; } = [];
}

/// <summary>Rules of buffered I/O the I/O manager applies at completion and when it builds requests (ReactOS io/iomgr/irp.c IopCompleteRequest, iofunc.c NtReadFile, IopDeviceFsIoControl).</summary>
[Trait("Area", "Conformance")]
public sealed class BufferingRuleTests
{
    private static byte[] Read(IoTestBed bed, RecordingDevice rec, out NtStatus status)
    {
        var (open, file) = IoTestBed.Run(NtCreateFile(bed.Io, "\\Device\\Rec", KProcessorMode.KernelMode, true, false));
        Assert.Equal(NtStatus.Success, open);
        var data = new byte[16];
        status = IoTestBed.Run(NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x40000, data), 16, 0));
        return data;
    }

    [Fact]
    public void A_buffered_read_completed_with_STATUS_VERIFY_REQUIRED_is_not_copied_back()
    {
        using var bed = new IoTestBed();
        var rec = new RecordingDevice(bed) { ReadStatus = NtStatus.VerifyRequired };

        var data = Read(bed, rec, out var status);

        Assert.Equal(NtStatus.VerifyRequired, status);
        Assert.All(data, b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_buffered_read_completed_with_an_error_is_not_copied_back_and_a_warning_is()
    {
        using var bed = new IoTestBed();
        var rec = new RecordingDevice(bed) { ReadStatus = NtStatus.DeviceNotConnected };
        var failed = Read(bed, rec, out _);
        rec.ReadStatus = NtStatus.BufferOverflow;
        var warned = Read(bed, rec, out _);

        Assert.All(failed, b => Assert.Equal(0, b));
        Assert.All(warned, b => Assert.Equal(0x5A, b));
    }

    [Fact]
    public void NtReadFile_on_a_buffered_device_sends_IRP_READ_OPERATION_BUFFERED_IO_DEALLOCATE_BUFFER_INPUT_OPERATION_with_a_system_buffer_of_the_length()
    {
        using var bed = new IoTestBed();
        var rec = new RecordingDevice(bed);

        Read(bed, rec, out _);

        var seen = Assert.Single(rec.Seen);
        const IrpFlags Expected = IrpFlags.ReadOperation | IrpFlags.BufferedIo | IrpFlags.DeallocateBuffer | IrpFlags.InputOperation;
        Assert.Equal(Expected, seen.Flags & Expected);
        Assert.Equal(16, seen.AskedLength);
    }

    [Fact]
    public void METHOD_BUFFERED_with_no_input_and_no_output_gets_no_system_buffer_and_no_IRP_BUFFERED_IO()
    {
        using var bed = new IoTestBed();
        var rec = new RecordingDevice(bed);
        var code = IoControlCode.CtlCode(DeviceType.Unknown, 0x900, TransferMethod.MethodBuffered, IoctlAccess.FileAnyAccess);
        var irp = IoBuildDeviceIoControlRequest(code, rec.Device, null, 0, null, 0, false, new IoCompletionEvent(), new IoStatusBlock())!;

        IoTestBed.Run(IoCallDriver(rec.Device, irp));

        var seen = Assert.Single(rec.Seen);
        Assert.Equal(-1, seen.SystemBufferLength);
        Assert.Equal(IrpFlags.None, seen.Flags & (IrpFlags.BufferedIo | IrpFlags.DeallocateBuffer | IrpFlags.InputOperation));
    }

    [Fact]
    public void METHOD_BUFFERED_system_buffer_is_the_larger_of_the_input_and_output_lengths()
    {
        using var bed = new IoTestBed();
        var rec = new RecordingDevice(bed);
        var code = IoControlCode.CtlCode(DeviceType.Unknown, 0x900, TransferMethod.MethodBuffered, IoctlAccess.FileAnyAccess);
        var irp = IoBuildDeviceIoControlRequest(code, rec.Device, new UserBuffer(0x10000, new byte[8]), 8, new UserBuffer(0x20000, new byte[24]), 24, false, new IoCompletionEvent(), new IoStatusBlock())!;

        IoTestBed.Run(IoCallDriver(rec.Device, irp));

        Assert.Equal(24, Assert.Single(rec.Seen).AskedLength);
    }
}

/// <summary>Completion routine arguments and the cancel routine's view (ReactOS io/iomgr/irp.c IofCompleteRequest, IoCancelIrp; "Using IoCompletion routines").</summary>
[Trait("Area", "Conformance")]
public sealed class CompletionArgumentRuleTests
{
    [Fact]
    public void A_completion_routine_gets_the_device_of_the_driver_that_set_it_and_NULL_when_that_driver_has_no_location()
    {
        using var bed = new IoTestBed();
        var devices = new List<DeviceObject?>();
        IoCompletionRoutine record = (device, irp, _) =>
        {
            devices.Add(device);
            return ValueTask.FromResult(NtStatus.MoreProcessingRequired);
        };
        var lowerDriver = bed.LoadDriver("Low", d => d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
        {
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        });
        var lower = bed.CreateDevice(lowerDriver);
        DeviceObject? upper = null;
        var upperDriver = bed.LoadDriver("Up", d => d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
        {
            IoCopyCurrentIrpStackLocationToNext(irp);
            IoSetCompletionRoutine(irp, (device, i, c) =>
            {
                devices.Add(device);
                if (i.PendingReturned)
                {
                    IoMarkIrpPending(i);
                }
                return ValueTask.FromResult(NtStatus.Success);
            }, null, true, true, true);
            return IoCallDriver(lower, irp);
        });
        upper = bed.CreateDevice(upperDriver, attachTo: lower);
        // The originator has no location of its own: its routine sits in the top device's location.
        var irp = IoAllocateIrp(bed.Io, upper.StackSize, false);
        IoGetNextIrpStackLocation(irp).MajorFunction = IrpMajorFunction.Read;
        IoSetCompletionRoutine(irp, record, null, true, true, true);

        IoTestBed.Run(IoCallDriver(upper, irp));

        Assert.Equal([upper, null], devices);
        IoFreeIrp(irp);
    }

    [Fact]
    public void IoCancelIrp_clears_the_cancel_routine_before_calling_it_and_IoSetCancelRoutine_returns_the_previous_one()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("D", _ => { });
        var device = bed.CreateDevice(driver);
        var irp = bed.NewIrp(device, IrpMajorFunction.Read);
        IoSetNextIrpStackLocation(irp);
        IoCancelRoutine? seen = null;
        var called = false;
        IoCancelRoutine routine = (dev, i) =>
        {
            called = true;
            seen = i.CancelRoutine;
            IoReleaseCancelSpinLock(i.CancelIrql);
            return ValueTask.CompletedTask;
        };

        Assert.Null(IoSetCancelRoutine(irp, routine));
        Assert.Same(routine, IoSetCancelRoutine(irp, routine));
        Assert.True(IoTestBed.Run(IoCancelIrp(irp)));

        Assert.True(called);
        Assert.Null(seen);
        Assert.True(irp.Cancel);
    }

    [Fact]
    public void IoDetachDevice_from_a_device_nothing_is_attached_to_bugchecks_0xC9_0x202_with_verification()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("D", _ => { }, verify: true);
        var device = bed.CreateDevice(driver);

        var crash = Assert.Throws<BugCheckException>(() => IoDetachDevice(device));

        Assert.Equal((BugCheckCode.DriverVerifierIomanagerViolation, (ulong)IoVerifierViolation.DetachNotAttached), (crash.Code, crash.Parameter1));
    }

    [Fact]
    public void IoCreateDevice_starts_with_StackSize_1_byte_alignment_and_DO_DEVICE_INITIALIZING()
    {
        using var bed = new IoTestBed();
        var driver = bed.LoadDriver("D", _ => { });

        Assert.Equal(NtStatus.Success, IoCreateDevice(driver, null, null, DeviceType.Unknown, 0, false, out var device));

        Assert.Equal((sbyte)1, device!.StackSize);
        Assert.Equal(0u, device.AlignmentRequirement);
        Assert.NotEqual(DeviceObjectFlags.None, device.Flags & DeviceObjectFlags.DeviceInitializing);
    }
}
