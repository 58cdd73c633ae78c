using System.Buffers;

namespace ActorKernel.Actors;

public sealed partial class IoManager
{
    // The pool of system buffers (NT: nonpaged pool, ExAllocatePoolWithTag(..., 'Io  ')). One pool per
    // I/O manager, not ArrayPool.Shared: its buckets are plain LIFO stacks under a lock, with no
    // per-thread or per-core caches, so a deterministic run rents the same arrays in the same order.
    // Created at the first buffered request; arrays of up to 1 MiB are kept, 256 of each size.
    private ArrayPool<byte>? _systemBuffers;

    private ArrayPool<byte> SystemBuffers => _systemBuffers ?? Interlocked.CompareExchange(ref _systemBuffers, ArrayPool<byte>.Create(1 << 20, 256), null) ?? _systemBuffers;

    /// <summary>
    /// IopAllocateSystemBuffer: a pooled buffer of at least <paramref name="length"/> bytes for
    /// Irp-&gt;AssociatedIrp.SystemBuffer, all zero (a reused array shows nothing of an earlier
    /// request), with IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER.
    /// </summary>
    private byte[] IopAllocateSystemBuffer(Irp irp, uint length)
    {
        var system = SystemBuffers.Rent((int)length);
        Array.Clear(system);
        irp.SystemBuffer = system;
        irp.RentedSystemBuffer = system;
        irp.SystemBufferLength = (int)length;
        irp.Flags |= IrpFlags.BufferedIo | IrpFlags.DeallocateBuffer;
        return system;
    }

    /// <summary>Returns the request's pooled system buffer (IRP_DEALLOCATE_BUFFER), at its end or when its IRP is freed unsent.</summary>
    internal void IopFreeSystemBuffer(Irp irp)
    {
        if (irp.RentedSystemBuffer is { } rented)
        {
            irp.RentedSystemBuffer = null;
            irp.SystemBuffer = null;
            irp.Flags &= ~IrpFlags.DeallocateBuffer;
            SystemBuffers.Return(rented);
        }
    }

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
            var system = IopAllocateSystemBuffer(irp, length).AsSpan(0, (int)length);
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
                    var system = IopAllocateSystemBuffer(irp, size);
                    if (inputLength > 0 && IopCopyIn(input!, system.AsSpan(0, (int)inputLength)) is var copied && copied != NtStatus.Success)
                    {
                        return copied;
                    }
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
                    var system = IopAllocateSystemBuffer(irp, inputLength);
                    var copied = IopCopyIn(input!, system.AsSpan(0, (int)inputLength));
                    if (copied != NtStatus.Success)
                    {
                        return copied;
                    }
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
