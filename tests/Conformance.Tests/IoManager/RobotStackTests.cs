using ActorKernel.Actors;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Robot;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.IoManager;

/// <summary>AfterThought (filter) → ProsewareRobot's device run by GeneralRobot's code (port/miniport) → root-bus PDO.</summary>
[Trait("Area", "IoManager")]
public sealed class RobotStackTests
{
    private static (DeviceObject Fdo, DeviceObject Filter, FileObject File) Build(IoTestBed bed)
    {
        var bus = bed.LoadDriver(RootBus.ServiceName, RootBus.ImageName, RootBus.DriverEntry);
        var pdo = RootBus.CreatePdo(bus, "RobotPdo0");
        var miniport = bed.LoadDriver(ProsewareRobot.ServiceName, ProsewareRobot.ImageName, ProsewareRobot.DriverEntry);
        var filter = bed.LoadDriver(AfterThought.ServiceName, AfterThought.ImageName, AfterThought.DriverEntry);
        Assert.Equal(NtStatus.Success, IoTestBed.Run(miniport.DriverExtension.AddDevice!(miniport, pdo)));
        Assert.Equal(NtStatus.Success, IoTestBed.Run(filter.DriverExtension.AddDevice!(filter, pdo)));
        var (status, file) = IoTestBed.Run(NtCreateFile(bed.Io, "\\??\\Robot0", KProcessorMode.UserMode, true, true));
        Assert.Equal(NtStatus.Success, status);
        return (miniport.DeviceObjects[0], filter.DeviceObjects[0], file!);
    }

    private static (NtStatus Status, ulong Information, (int X, int Y) Reached) Move(FileObject file, int x, int y)
    {
        var input = new byte[RobotCodes.PositionSize];
        RobotCodes.WritePosition(input, x, y);
        var output = new byte[RobotCodes.PositionSize];
        var iosb = new IoStatusBlock();
        var status = IoTestBed.Run(NtDeviceIoControlFile(file, iosb, RobotCodes.Move, new UserBuffer(0x10000, input), 8, new UserBuffer(0x20000, output), 8));
        return (status, iosb.Information, RobotCodes.ReadPosition(output));
    }

    [Fact]
    public void The_port_dispatches_for_the_miniports_device_and_calls_the_miniport_to_move_the_arm()
    {
        using var bed = new IoTestBed();
        var (fdo, _, file) = Build(bed);

        Assert.Equal((NtStatus.Success, 8UL, (10, -20)), Move(file, 10, -20));

        var arm = (ProsewareRobot.ArmState)fdo.GetExtension<RobotPortExtension>().MiniportContext;
        Assert.Equal((10, -20, 1), (arm.X, arm.Y, arm.Moves));
        // The dispatch routine that ran for the miniport's driver object is the port's code.
        var dispatch = bed.Trace.Started.Last(r => r.Kind == IoRoutineKind.Dispatch);
        Assert.Equal((ProsewareRobot.ImageName, "RobotPortDeviceControl"), (dispatch.Driver!.ImageName, dispatch.RoutineName));
        Assert.Equal(["afterthought.sys", "prosewarerobot.sys"],
            bed.Trace.Started.Where(r => r.MajorFunction == IrpMajorFunction.DeviceControl).Select(r => r.Driver!.ImageName));
    }

    [Fact]
    public void The_filter_above_modifies_moves_outside_its_safety_box_before_the_port_sees_them()
    {
        using var bed = new IoTestBed();
        var (_, filter, file) = Build(bed);

        Assert.Equal((NtStatus.Success, 8UL, (50, -50)), Move(file, 90, -75));

        Assert.Equal(1, filter.GetExtension<AfterThoughtExtension>().Clamped);
    }

    [Fact]
    public void The_miniport_refuses_a_move_beyond_its_reach_and_the_port_returns_its_status()
    {
        using var bed = new IoTestBed();
        var (_, filter, file) = Build(bed);
        filter.GetExtension<AfterThoughtExtension>().Limit = 500;
        Move(file, 5, 5);

        var (status, _, reached) = Move(file, 200, 0);

        Assert.Equal(NtStatus.InvalidParameter, status);
        // An error status is not copied back to a buffered request's output; the arm stayed put.
        Assert.Equal((0, 0), reached);
        var output = new byte[8];
        IoTestBed.Run(NtDeviceIoControlFile(file, new IoStatusBlock(), RobotCodes.GetPosition, null, 0, new UserBuffer(0x20000, output), 8));
        Assert.Equal((5, 5), RobotCodes.ReadPosition(output));
    }

    [Fact]
    public void The_port_checks_buffer_lengths_and_refuses_unknown_codes()
    {
        using var bed = new IoTestBed();
        var (_, _, file) = Build(bed);
        var small = new UserBuffer(0x20000, new byte[4]);
        var unknown = IoControlCode.CtlCode(RobotCodes.RobotType, 0x8FF, TransferMethod.MethodBuffered, IoctlAccess.FileAnyAccess);

        Assert.Equal(NtStatus.BufferTooSmall, IoTestBed.Run(NtDeviceIoControlFile(file, new IoStatusBlock(), RobotCodes.GetPosition, null, 0, small, 4)));
        Assert.Equal(NtStatus.InvalidDeviceRequest, IoTestBed.Run(NtDeviceIoControlFile(file, new IoStatusBlock(), unknown, null, 0, null, 0)));
    }
}
