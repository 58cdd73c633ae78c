using ActorKernel.Actors;

namespace ActorKernel.Drivers.Robot;

/// <summary>The robot class's control codes and structures, shared by port, miniport, filter and applications.</summary>
public static class RobotCodes
{
    /// <summary>FILE_DEVICE_ROBOT: a vendor device type.</summary>
    public const DeviceType RobotType = (DeviceType)0x8123;

    /// <summary>IOCTL_ROBOT_MOVE: input ROBOT_POSITION (8 bytes: x, y as 32-bit integers), output the position reached.</summary>
    public static readonly IoControlCode Move = IoControlCode.CtlCode(RobotType, 0x800, TransferMethod.MethodBuffered, IoctlAccess.FileWriteAccess);

    /// <summary>IOCTL_ROBOT_GET_POSITION: output ROBOT_POSITION.</summary>
    public static readonly IoControlCode GetPosition = IoControlCode.CtlCode(RobotType, 0x801, TransferMethod.MethodBuffered, IoctlAccess.FileReadAccess);

    /// <summary>sizeof(ROBOT_POSITION).</summary>
    public const int PositionSize = 8;

    /// <summary>Writes a ROBOT_POSITION.</summary>
    /// <param name="buffer">At least 8 bytes.</param>
    /// <param name="x">X.</param>
    /// <param name="y">Y.</param>
    public static void WritePosition(Span<byte> buffer, int x, int y)
    {
        BitConverter.TryWriteBytes(buffer, x);
        BitConverter.TryWriteBytes(buffer[4..], y);
    }

    /// <summary>Reads a ROBOT_POSITION.</summary>
    /// <param name="buffer">At least 8 bytes.</param>
    /// <returns>X and Y.</returns>
    public static (int X, int Y) ReadPosition(ReadOnlySpan<byte> buffer) => (BitConverter.ToInt32(buffer), BitConverter.ToInt32(buffer[4..]));
}
