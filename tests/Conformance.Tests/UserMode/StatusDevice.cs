using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.IoManager;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.UserMode;

/// <summary>
/// A legacy buffered device <c>\Device\Status</c> (link <c>\??\Status</c>) whose requests end with the
/// statuses the Win32 result rules are about. Reads: a 4096-byte medium; a read at or past its end
/// completes STATUS_END_OF_FILE with 0 bytes, one inside it STATUS_SUCCESS with the bytes left (up to the
/// length). Controls: <see cref="Overflow"/> completes at once with STATUS_BUFFER_OVERFLOW and
/// <see cref="OverflowBytes"/> bytes; <see cref="PendOverflow"/> pends and does the same 250 ms later from a
/// system thread; <see cref="Slow"/> pends with no cancel routine and completes STATUS_SUCCESS 250 ms later.
/// </summary>
internal static class StatusDevice
{
    public const long MediumSize = 4096;

    public const uint OverflowBytes = 6;

    public const long DelayNs = 250_000_000;

    public static readonly IoControlCode Overflow = IoControlCode.CtlCode(DeviceType.Unknown, 0x900, TransferMethod.MethodBuffered, IoctlAccess.FileAnyAccess);

    public static readonly IoControlCode PendOverflow = IoControlCode.CtlCode(DeviceType.Unknown, 0x901, TransferMethod.MethodBuffered, IoctlAccess.FileAnyAccess);

    public static readonly IoControlCode Slow = IoControlCode.CtlCode(DeviceType.Unknown, 0x902, TransferMethod.MethodBuffered, IoctlAccess.FileAnyAccess);

    public static DeviceObject Create(ActorKernel.Actors.IoManager io, List<string> log)
    {
        DeviceObject? device = null;
        IoTestBed.Run(io.LoadDriverAsync("Status", "status.sys", (d, _) =>
        {
            for (var major = 0; major < d.MajorFunction.Length; major++)
            {
                d.MajorFunction[major] = (dev, irp) => Dispatch(irp, log);
            }
            var status = IoCreateDevice(d, null, "\\Device\\Status", DeviceType.Unknown, 0, false, out device);
            device!.Flags |= DeviceObjectFlags.BufferedIo;
            device.Flags &= ~DeviceObjectFlags.DeviceInitializing;
            d.Manager.Objects.IoCreateSymbolicLink("\\??\\Status", "\\Device\\Status");
            return ValueTask.FromResult(status);
        }));
        return device!;
    }

    private static async ValueTask<NtStatus> Dispatch(Irp irp, List<string> log)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        if (stack.MajorFunction == IrpMajorFunction.Read)
        {
            var offset = stack.Parameters.Read.ByteOffset;
            var status = offset >= MediumSize ? NtStatus.EndOfFile : NtStatus.Success;
            irp.IoStatus.Information = offset >= MediumSize ? 0 : (ulong)Math.Min(stack.Parameters.Read.Length, MediumSize - offset);
            return await Complete(irp, status);
        }
        if (stack.MajorFunction != IrpMajorFunction.DeviceControl)
        {
            return await Complete(irp, NtStatus.Success);
        }
        var code = stack.Parameters.DeviceIoControl.IoControlCode;
        if (code == Overflow)
        {
            irp.IoStatus.Information = OverflowBytes;
            return await Complete(irp, NtStatus.BufferOverflow);
        }
        var (final, bytes) = code == PendOverflow ? (NtStatus.BufferOverflow, OverflowBytes) : (NtStatus.Success, 0u);
        IoMarkIrpPending(irp);
        PsCreateSystemThread(out _, async _ =>
        {
            await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -DelayNs / 100);
            irp.IoStatus.Information = bytes;
            irp.IoStatus.Status = final;
            log.Add($"status.sys completes {final.ToDisplayString().Split(' ')[0]}");
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        }, null, "StatusCompleter");
        return NtStatus.Pending;
    }

    private static async ValueTask<NtStatus> Complete(Irp irp, NtStatus status)
    {
        irp.IoStatus.Status = status;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }
}
