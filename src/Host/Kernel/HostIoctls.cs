using ActorKernel.Actors;
using ActorKernel.Drivers.Ioctl;
using ActorKernel.Drivers.Robot;
using ActorKernel.Runtime;

namespace ActorKernel.Host;

/// <summary>The IOCTLs the io runner's workloads send to each sample driver, and how each reply is checked.</summary>
internal static class HostIoctls
{
    // An IOCTL nobody in the RAM disk's stack handles: it goes down to the PDO, which refuses it.
    private static readonly IoControlCode UnhandledIoctl = IoControlCode.CtlCode(DeviceType.Disk, 0x801, TransferMethod.MethodBuffered, IoctlAccess.FileAnyAccess);

    /// <summary>The IOCTL source for a workload of <paramref name="target"/> whose sizes go up to <paramref name="maxSize"/>.</summary>
    public static Func<WorkloadIoctl> For(IoTarget target, int maxSize) => target.Driver switch
    {
        DriverCatalog.SioctlDriver => () => new SioctlRequests(maxSize),
        DriverCatalog.ProsewareRobotDriver => () => new RobotMoves(target.SafetyBoxes),
        DriverCatalog.InterruptEchoDriver => WorkloadIoctl.Fixed(Drivers.Interrupts.InterruptEchoCodes.GetStatistics, -1, Drivers.Interrupts.InterruptEchoCodes.StatisticsLength),
        _ => WorkloadIoctl.Fixed(UnhandledIoctl),
    };

    /// <summary>Sioctl: the four METHOD_ types in turn, input of the drawn size; every reply must be the driver's string.</summary>
    private sealed class SioctlRequests(int maxSize) : WorkloadIoctl
    {
        private static readonly IoControlCode[] Methods =
            [SioctlCodes.MethodBuffered, SioctlCodes.MethodInDirect, SioctlCodes.MethodOutDirect, SioctlCodes.MethodNeither];

        private int _next;

        public override int MaxInputLength => Math.Max(1, maxSize);

        public override int MaxOutputLength => Math.Max(maxSize, SioctlCodes.Reply.Length);

        public override IoctlCall Prepare(DeterministicRandom random, Span<byte> input, int size) =>
            new(Methods[_next++ & 3], Math.Max(1, size), Math.Max(size, SioctlCodes.Reply.Length));

        public override bool? Check(ReadOnlySpan<byte> output, uint bytesReturned) =>
            output[..SioctlCodes.Reply.Length].SequenceEqual(SioctlCodes.Reply);
    }

    /// <summary>A robot: IOCTL_ROBOT_MOVE to a point within reach; the reply must be that point clamped to each AfterThought box above.</summary>
    private sealed class RobotMoves(IReadOnlyList<AfterThoughtExtension> boxes) : WorkloadIoctl
    {
        private (int X, int Y) _expected;

        public override int MaxInputLength => RobotCodes.PositionSize;

        public override int MaxOutputLength => RobotCodes.PositionSize;

        public override IoctlCall Prepare(DeterministicRandom random, Span<byte> input, int size)
        {
            var (x, y) = (random.Next(2 * ProsewareRobot.Reach + 1) - ProsewareRobot.Reach, random.Next(2 * ProsewareRobot.Reach + 1) - ProsewareRobot.Reach);
            RobotCodes.WritePosition(input, x, y);
            foreach (var box in boxes)
            {
                (x, y) = (Math.Clamp(x, -box.Limit, box.Limit), Math.Clamp(y, -box.Limit, box.Limit));
            }
            _expected = (x, y);
            return new(RobotCodes.Move, RobotCodes.PositionSize, RobotCodes.PositionSize);
        }

        public override bool? Check(ReadOnlySpan<byte> output, uint bytesReturned) => RobotCodes.ReadPosition(output) == _expected;
    }
}
