namespace ActorKernel.Actors;

public static partial class Wdm
{
    /// <summary>
    /// IoAllocateErrorLogEntry: a packet for the system event log. Null when the size is outside
    /// sizeof(IO_ERROR_LOG_PACKET) .. ERROR_LOG_MAXIMUM_SIZE (the driver then logs nothing).
    /// </summary>
    /// <param name="ioObject">The device object (its name becomes the message's %1) or the driver object.</param>
    /// <param name="entrySize">Bytes for the packet and its dump data.</param>
    /// <returns>The packet, or null.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static IoErrorLogPacket? IoAllocateErrorLogEntry(object ioObject, byte entrySize)
    {
        ArgumentNullException.ThrowIfNull(ioObject);
        if (ioObject is not (DeviceObject or DriverObject))
        {
            throw new ArgumentException("IoAllocateErrorLogEntry takes a device or driver object.", nameof(ioObject));
        }
        InlineIoProcessor.Current.Charge(1);
        return entrySize is < IoErrorLogPacket.MinimumSize or > IoErrorLogPacket.MaximumSize ? null : new IoErrorLogPacket(ioObject, entrySize);
    }

    /// <summary>IoWriteErrorLogEntry: queues the packet for the event log; it belongs to the I/O manager from now on.</summary>
    /// <param name="packet">A packet from IoAllocateErrorLogEntry, written once.</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static void IoWriteErrorLogEntry(IoErrorLogPacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        var driver = packet.IoObject as DriverObject ?? ((DeviceObject)packet.IoObject).DriverObject;
        InlineIoProcessor.Current.Charge(1);
        driver.Manager.IopWriteErrorLogEntry(packet, driver);
    }

    /// <summary>IoFreeErrorLogEntry: gives back a packet that will not be written.</summary>
    /// <param name="packet">A packet from IoAllocateErrorLogEntry.</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static void IoFreeErrorLogEntry(IoErrorLogPacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        packet.Consumed = true;
    }
}
