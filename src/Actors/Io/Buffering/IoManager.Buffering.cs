namespace ActorKernel.Actors;

public sealed partial class IoManager
{
    internal static bool IopBufferCovers(UserBuffer? buffer, uint length) => length == 0 || (buffer is not null && length <= buffer.Length);

    /// <summary>
    /// Read and write buffers by the device's method: DO_BUFFERED_IO gets a system buffer (a write's
    /// data copied in now, a read's copied back at completion); DO_DIRECT_IO an MDL of the locked
    /// requester buffer; neither the requester's address in Irp-&gt;UserBuffer.
    /// </summary>
    /// <returns>STATUS_SUCCESS, or the status that fails the request before it is sent (the caller frees the IRP).</returns>
    internal NtStatus IopPrepareReadWriteBuffers(Irp irp, DeviceObject device, IrpMajorFunction major, UserBuffer? buffer, uint length)
    {
        var read = major == IrpMajorFunction.Read;
        irp.Flags |= read ? IrpFlags.ReadOperation : IrpFlags.WriteOperation;
        if (buffer is null || length == 0)
        {
            return NtStatus.Success;
        }
        if ((device.Flags & DeviceObjectFlags.BufferedIo) != 0)
        {
            var system = new byte[length];
            irp.SystemBuffer = system;
            irp.Flags |= IrpFlags.BufferedIo | IrpFlags.DeallocateBuffer;
            if (read)
            {
                irp.Flags |= IrpFlags.InputOperation;
                irp.UserBuffer = buffer;
            }
            else
            {
                var copied = IopCopyIn(buffer, system);
                if (copied != NtStatus.Success)
                {
                    return copied;
                }
            }
        }
        else if ((device.Flags & DeviceObjectFlags.DirectIo) != 0)
        {
            // The device writes the buffer of a read (IoWriteAccess) and reads that of a write.
            var locked = IopLockUserBuffer(irp, buffer, length, read ? LockOperation.IoWriteAccess : LockOperation.IoReadAccess);
            if (locked != NtStatus.Success)
            {
                return locked;
            }
        }
        else
        {
            irp.UserBuffer = buffer;
        }
        return NtStatus.Success;
    }

    /// <summary>
    /// Device-control buffers by the code's transfer method (METHOD_BUFFERED: one system buffer of
    /// max(in, out) holding the input, whose first Information bytes are copied to the output at
    /// completion; IN/OUT_DIRECT: buffered input, MDL of the output; NEITHER: both raw).
    /// </summary>
    /// <returns>STATUS_SUCCESS, or the status that fails the request before it is sent (the caller frees the IRP).</returns>
    internal NtStatus IopPrepareDeviceIoControl(Irp irp, IoStackLocation location, IoControlCode code, UserBuffer? input, uint inputLength, UserBuffer? output, uint outputLength)
    {
        var parameters = location.Parameters.DeviceIoControl;
        parameters.IoControlCode = code;
        parameters.InputBufferLength = inputLength;
        parameters.OutputBufferLength = outputLength;
        switch (code.Method)
        {
            case TransferMethod.MethodBuffered:
                var size = Math.Max(inputLength, outputLength);
                if (size > 0)
                {
                    var system = new byte[size];
                    if (inputLength > 0 && IopCopyIn(input!, system.AsSpan(0, (int)inputLength)) is var copied && copied != NtStatus.Success)
                    {
                        return copied;
                    }
                    irp.SystemBuffer = system;
                    irp.Flags |= IrpFlags.BufferedIo | IrpFlags.DeallocateBuffer;
                    if (outputLength > 0)
                    {
                        irp.Flags |= IrpFlags.InputOperation;
                        irp.UserBuffer = output;
                    }
                }
                break;
            case TransferMethod.MethodInDirect:
            case TransferMethod.MethodOutDirect:
                if (inputLength > 0)
                {
                    var system = new byte[inputLength];
                    var copied = IopCopyIn(input!, system);
                    if (copied != NtStatus.Success)
                    {
                        return copied;
                    }
                    irp.SystemBuffer = system;
                    irp.Flags |= IrpFlags.BufferedIo | IrpFlags.DeallocateBuffer;
                }
                if (outputLength > 0)
                {
                    // METHOD_IN_DIRECT: the device reads the output buffer; METHOD_OUT_DIRECT: it writes it.
                    var locked = IopLockUserBuffer(irp, output!, outputLength,
                        code.Method == TransferMethod.MethodInDirect ? LockOperation.IoReadAccess : LockOperation.IoWriteAccess);
                    if (locked != NtStatus.Success)
                    {
                        return locked;
                    }
                }
                break;
            default:
                parameters.Type3InputBuffer = input;
                irp.UserBuffer = output;
                break;
        }
        return NtStatus.Success;
    }

    /// <summary>
    /// The copy into a system buffer, in the requester's context under try/except: a process-backed
    /// buffer is read from its process's pages; an invalid page is STATUS_ACCESS_VIOLATION.
    /// </summary>
    private NtStatus IopCopyIn(UserBuffer buffer, Span<byte> system)
    {
        var status = buffer.IopRead(system, out var faultDelay);
        InlineIoProcessor.Current.Charge((long)(system.Length * Costs.CopyPerByteNs) + 1 + faultDelay);
        return status;
    }

    /// <summary>
    /// The copy back of a buffered read (IopCompleteRequest): into the requester's buffer, in its
    /// process's pages whatever process is current now (NT runs this in the requester's thread by APC).
    /// </summary>
    private NtStatus IopCopyBack(UserBuffer buffer, ReadOnlySpan<byte> system)
    {
        var status = buffer.IopWrite(system, out var faultDelay);
        InlineIoProcessor.Current.Charge((long)(system.Length * Costs.CopyPerByteNs) + 1 + faultDelay);
        return status;
    }
}
