namespace ActorKernel.Actors;

public static partial class Wdm
{
    /// <summary>
    /// IoBuildSynchronousFsdRequest: a read, write, flush or shutdown IRP for <paramref name="deviceObject"/>,
    /// buffered as the device asks (DO_BUFFERED_IO, DO_DIRECT_IO or neither); at completion the I/O
    /// manager fills <paramref name="ioStatusBlock"/>, signals <paramref name="event"/> and frees the IRP;
    /// a request that failed without STATUS_PENDING writes neither (check IoCallDriver's status first).
    /// </summary>
    /// <param name="majorFunction">IRP_MJ_READ, IRP_MJ_WRITE, IRP_MJ_FLUSH_BUFFERS or IRP_MJ_SHUTDOWN.</param>
    /// <param name="deviceObject">The target device (its StackSize sizes the IRP).</param>
    /// <param name="buffer">The data buffer (reads and writes).</param>
    /// <param name="length">Bytes to transfer.</param>
    /// <param name="startingOffset">Byte offset on the device.</param>
    /// <param name="event">Signalled at completion.</param>
    /// <param name="ioStatusBlock">Receives the final status.</param>
    /// <returns>The IRP, ready for IoCallDriver; null when <paramref name="length"/> exceeds the buffer.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static Irp? IoBuildSynchronousFsdRequest(IrpMajorFunction majorFunction, DeviceObject deviceObject, UserBuffer? buffer, uint length,
        long startingOffset, IIoEvent @event, IoStatusBlock ioStatusBlock)
    {
        var irp = IoBuildAsynchronousFsdRequest(majorFunction, deviceObject, buffer, length, startingOffset, ioStatusBlock);
        if (irp is null)
        {
            return null;
        }
        irp.UserEvent = @event;
        // Threaded to the caller (IoQueueThreadIrp), but not IRP_SYNCHRONOUS_API: with no file object, an
        // error after STATUS_PENDING is reported to the status block and event, one without it is not.
        irp.ThreadedByIoManager = true;
        irp.Thread = Processor.CurrentOrNull?.KiCurrentThread;
        irp.Manager.IopRequestIssued(irp);
        return irp;
    }

    /// <summary>
    /// IoBuildAsynchronousFsdRequest: as IoBuildSynchronousFsdRequest, without event; the caller's
    /// completion routine frees the IRP (IoFreeIrp) and returns STATUS_MORE_PROCESSING_REQUIRED.
    /// </summary>
    /// <param name="majorFunction">IRP_MJ_READ, IRP_MJ_WRITE, IRP_MJ_FLUSH_BUFFERS or IRP_MJ_SHUTDOWN.</param>
    /// <param name="deviceObject">The target device.</param>
    /// <param name="buffer">The data buffer.</param>
    /// <param name="length">Bytes to transfer.</param>
    /// <param name="startingOffset">Byte offset on the device.</param>
    /// <param name="ioStatusBlock">Receives the final status, or null.</param>
    /// <returns>The IRP, or null when <paramref name="length"/> exceeds the buffer.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static Irp? IoBuildAsynchronousFsdRequest(IrpMajorFunction majorFunction, DeviceObject deviceObject, UserBuffer? buffer, uint length,
        long startingOffset, IoStatusBlock? ioStatusBlock)
    {
        ArgumentNullException.ThrowIfNull(deviceObject);
        var manager = deviceObject.DriverObject.Manager;
        if ((majorFunction is IrpMajorFunction.Read or IrpMajorFunction.Write) && (buffer is null ? length != 0 : length > buffer.Length))
        {
            return null;
        }
        var irp = IoAllocateIrp(manager, deviceObject.StackSize, false);
        irp.UserIosb = ioStatusBlock;
        // Tail.Overlay.Thread is the caller's: an IRP whose completion reaches the top anyway is
        // finished by the I/O manager (status block, free), unlike a bare IoAllocateIrp one.
        irp.Thread = Processor.CurrentOrNull?.KiCurrentThread;
        irp.ThreadedByIoManager = true;
        var next = irp.NextStackLocation;
        next.MajorFunction = majorFunction;
        if (majorFunction is IrpMajorFunction.Read or IrpMajorFunction.Write)
        {
            next.Parameters.Read.Length = length;
            next.Parameters.Read.ByteOffset = startingOffset;
            if (manager.IopPrepareReadWriteBuffers(irp, deviceObject, majorFunction, buffer, length) != NtStatus.Success)
            {
                // The copy or probe of the caller's buffer raised: NT frees the IRP and returns NULL.
                IoFreeIrp(irp);
                return null;
            }
        }
        return irp;
    }

    /// <summary>
    /// IoBuildDeviceIoControlRequest: an IRP_MJ_DEVICE_CONTROL (or INTERNAL_DEVICE_CONTROL) IRP with
    /// its buffers set up for the code's transfer method; completion fills
    /// <paramref name="ioStatusBlock"/>, signals <paramref name="event"/> and frees the IRP, except when
    /// the request failed without STATUS_PENDING: then neither is written (wait only on STATUS_PENDING).
    /// </summary>
    /// <param name="ioControlCode">The control code.</param>
    /// <param name="deviceObject">The target device.</param>
    /// <param name="inputBuffer">The input buffer, or null.</param>
    /// <param name="inputBufferLength">Its length.</param>
    /// <param name="outputBuffer">The output buffer, or null.</param>
    /// <param name="outputBufferLength">Its length.</param>
    /// <param name="internalDeviceIoControl">IRP_MJ_INTERNAL_DEVICE_CONTROL instead of IRP_MJ_DEVICE_CONTROL.</param>
    /// <param name="event">Signalled at completion.</param>
    /// <param name="ioStatusBlock">Receives the final status.</param>
    /// <returns>The IRP, or null when a length exceeds its buffer.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static Irp? IoBuildDeviceIoControlRequest(IoControlCode ioControlCode, DeviceObject deviceObject, UserBuffer? inputBuffer, uint inputBufferLength,
        UserBuffer? outputBuffer, uint outputBufferLength, bool internalDeviceIoControl, IIoEvent @event, IoStatusBlock ioStatusBlock)
    {
        ArgumentNullException.ThrowIfNull(deviceObject);
        var manager = deviceObject.DriverObject.Manager;
        if (!IoManager.IopBufferCovers(inputBuffer, inputBufferLength) || !IoManager.IopBufferCovers(outputBuffer, outputBufferLength))
        {
            return null;
        }
        var irp = IoAllocateIrp(manager, deviceObject.StackSize, false);
        irp.UserIosb = ioStatusBlock;
        irp.UserEvent = @event;
        // Threaded to the caller (IoQueueThreadIrp), but not IRP_SYNCHRONOUS_API: with no file object, an
        // error after STATUS_PENDING is reported to the status block and event, one without it is not.
        irp.ThreadedByIoManager = true;
        irp.Thread = Processor.CurrentOrNull?.KiCurrentThread;
        var next = irp.NextStackLocation;
        next.MajorFunction = internalDeviceIoControl ? IrpMajorFunction.InternalDeviceControl : IrpMajorFunction.DeviceControl;
        if (manager.IopPrepareDeviceIoControl(irp, next, ioControlCode, inputBuffer, inputBufferLength, outputBuffer, outputBufferLength) != NtStatus.Success)
        {
            IoFreeIrp(irp);
            return null;
        }
        manager.IopRequestIssued(irp);
        return irp;
    }
}
