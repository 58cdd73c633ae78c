namespace ActorKernel.Actors;

// The system event log's I/O part: IoWriteErrorLogEntry's packets in the order written, with the
// machine's time (NT's error log thread hands them to the event log service; here they stay in the
// I/O manager, where the host's summary reads them).
public sealed partial class IoManager
{
    private readonly List<IoErrorLogEntry> _errorLog = [];

    /// <summary>The entries written with IoWriteErrorLogEntry, oldest first.</summary>
    public IReadOnlyList<IoErrorLogEntry> ErrorLog
    {
        get
        {
            lock (_errorLog)
            {
                return [.. _errorLog];
            }
        }
    }

    internal void IopWriteErrorLogEntry(IoErrorLogPacket packet, DriverObject driver)
    {
        if (packet.Consumed)
        {
            throw new InvalidOperationException("IoWriteErrorLogEntry: the packet was already written or freed.");
        }
        packet.Consumed = true;
        var entry = new IoErrorLogEntry(IopNow(), driver.ServiceName, (packet.IoObject as DeviceObject)?.Name, packet);
        lock (_errorLog)
        {
            _errorLog.Add(entry);
        }
    }
}
