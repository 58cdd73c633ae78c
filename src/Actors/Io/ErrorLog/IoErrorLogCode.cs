namespace ActorKernel.Actors;

/// <summary>IO_ERR_* (ntiologc.h): the I/O manager's message IDs a driver logs with, and their texts.</summary>
public static class IoErrorLogCode
{
    /// <summary>IO_ERR_DRIVER_ERROR (0xC0040004): "Driver detected an internal error in its data structures for %1."</summary>
    public const uint DriverError = 0xC0040004;

    /// <summary>IO_ERR_TIMEOUT (0xC0040009, event 9): "The device, %1, did not respond within the timeout period."</summary>
    public const uint Timeout = 0xC0040009;

    /// <summary>IO_ERR_CONTROLLER_ERROR (0xC004000B, event 11): "The driver detected a controller error on %1."</summary>
    public const uint ControllerError = 0xC004000B;

    /// <summary>The code's symbolic name, or its hex value.</summary>
    /// <param name="code">The error code.</param>
    /// <returns>"IO_ERR_TIMEOUT" and so on.</returns>
    public static string NameOf(uint code) => code switch
    {
        DriverError => "IO_ERR_DRIVER_ERROR",
        Timeout => "IO_ERR_TIMEOUT",
        ControllerError => "IO_ERR_CONTROLLER_ERROR",
        _ => FormattableString.Invariant($"0x{code:X8}"),
    };

    /// <summary>The message text with %1 replaced.</summary>
    /// <param name="code">The error code.</param>
    /// <param name="insertion">%1: the device's (or driver's) name.</param>
    /// <returns>The text.</returns>
    public static string MessageOf(uint code, string insertion) => code switch
    {
        DriverError => $"Driver detected an internal error in its data structures for {insertion}.",
        Timeout => $"The device, {insertion}, did not respond within the timeout period.",
        ControllerError => $"The driver detected a controller error on {insertion}.",
        _ => FormattableString.Invariant($"{insertion}: error 0x{code:X8}"),
    };
}
