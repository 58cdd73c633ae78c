/*++

Module Name:

    ProsewareRobot.cs

Abstract:

    The Proseware robot's miniport driver: it knows one arm's hardware (a reach of 100 units in
    each axis, and where the arm is) and nothing of IRPs. Its DriverEntry hands its callbacks to
    the GeneralRobot port driver, which fills the dispatch table; the port calls back here.

    Left out: real registers and interrupts (the arm moves at once).

Environment:

    Kernel mode. The callbacks run in the port's dispatch routines, at PASSIVE_LEVEL.

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.Robot;

/// <summary>The Proseware robot miniport (<c>prosewarerobot.sys</c>).</summary>
public static class ProsewareRobot
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "ProsewareRobot";

    /// <summary>The image name.</summary>
    public const string ImageName = "prosewarerobot.sys";

    /// <summary>How far the arm reaches in each axis.</summary>
    public const int Reach = 100;

    /// <summary>DriverEntry: register with the port.</summary>
    /// <param name="driverObject">The driver object.</param>
    /// <param name="registryPath">The service key (unused).</param>
    /// <returns>GeneralRobotInitialize's status.</returns>
    public static ValueTask<NtStatus> DriverEntry(DriverObject driverObject, string registryPath)
    {
        _ = registryPath;
        var status = GeneralRobot.GeneralRobotInitialize(driverObject, new RobotMiniportCallbacks(ProsewareHwInitialize, ProsewareHwMove, ProsewareHwGetPosition));
        return ValueTask.FromResult(status);
    }

    /// <summary>The arm's state (the miniport's device context).</summary>
    public sealed class ArmState
    {
        /// <summary>X.</summary>
        public int X { get; internal set; }

        /// <summary>Y.</summary>
        public int Y { get; internal set; }

        /// <summary>Moves done.</summary>
        public int Moves { get; internal set; }
    }

    private static object ProsewareHwInitialize() => new ArmState();

    private static (NtStatus, int, int) ProsewareHwMove(object context, int x, int y)
    {
        var arm = (ArmState)context;
        if (Math.Abs(x) > Reach || Math.Abs(y) > Reach)
        {
            return (NtStatus.InvalidParameter, arm.X, arm.Y);
        }
        arm.X = x;
        arm.Y = y;
        arm.Moves++;
        return (NtStatus.Success, x, y);
    }

    private static (int, int) ProsewareHwGetPosition(object context)
    {
        var arm = (ArmState)context;
        return (arm.X, arm.Y);
    }
}
