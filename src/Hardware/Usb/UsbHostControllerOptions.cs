namespace ActorKernel.Hardware;

/// <summary>The USB host controller's root ports and costs (virtual nanoseconds).</summary>
public sealed class UsbHostControllerOptions
{
    /// <summary>No cost beyond the port reset: for tests that only count.</summary>
    public static UsbHostControllerOptions NoLatency { get; } = new() { TransferOverheadNs = 0, ByteNs = 0, PortResetNs = 1000 };

    /// <summary>Root ports (N_PORTS, 1..8).</summary>
    public int Ports { get; init; } = 2;

    /// <summary>Cost of every transfer descriptor: fetch, scheduling, handshakes (the scenario's latency).</summary>
    public long TransferOverheadNs { get; init; } = 20_000;

    /// <summary>Cost per byte on the wire (about 17 ns at 480 Mb/s with the protocol's overhead).</summary>
    public long ByteNs { get; init; } = 17;

    /// <summary>Duration of port reset signalling (USB 2.0 7.1.7.5: TDRSTR, 10 ms for a root port).</summary>
    public long PortResetNs { get; init; } = 10_000_000;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Ports, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Ports, 8);
        ArgumentOutOfRangeException.ThrowIfNegative(TransferOverheadNs);
        ArgumentOutOfRangeException.ThrowIfNegative(ByteNs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PortResetNs);
    }
}
