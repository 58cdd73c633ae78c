using ActorKernel.Actors;
using ActorKernel.Runtime;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Filter;
using ActorKernel.Drivers.RamDisk;
using ActorKernel.Conformance.Tests.IoManager;
using static ActorKernel.Actors.Kernel32;
using static ActorKernel.Actors.Wdm;
using IoMgr = ActorKernel.Actors.IoManager;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.IoManager;

/// <summary>On the concurrent dispatcher, a RAM-disk stack under a filter that does not await IoCallDriver loses no IRP.</summary>
[Trait("Area", "IoManager")]
public sealed class ConcurrentUnawaitedIoCallDriverTests
{
    private static DeviceObject AttachUnawaitingFilter(IoMgr io, DeviceObject target)
    {
        DeviceObject? lower = null;
        DeviceObject? fwd = null;
        IoTestBed.Run(io.LoadDriverAsync("Fwd", "fwd.sys", (d, registryPath) =>
        {
            for (var major = 0; major < d.MajorFunction.Length; major++)
            {
                d.MajorFunction[major] = (dev, irp) =>
                {
                    IoMarkIrpPending(irp);
                    IoCopyCurrentIrpStackLocationToNext(irp);
                    _ = IoCallDriver(lower!, irp);
                    return ValueTask.FromResult(NtStatus.Pending);
                };
            }
            Assert.Equal(NtStatus.Success, IoCreateDevice(d, null, null, target.DeviceType, 0, false, out fwd));
            lower = IoAttachDeviceToDeviceStack(fwd!, target);
            fwd!.Flags |= lower!.Flags & (DeviceObjectFlags.BufferedIo | DeviceObjectFlags.DirectIo);
            fwd.Flags &= ~DeviceObjectFlags.DeviceInitializing;
            return ValueTask.FromResult(NtStatus.Success);
        }));
        return fwd!;
    }

    [Fact]
    public void On_the_concurrent_dispatcher_user_io_through_a_filter_that_does_not_await_IoCallDriver_completes_every_request_once() =>
        ActorKernel.Conformance.Tests.UserMode.ConcurrentUserIoTests.FourThreadsWriteAndReadBackThroughPorts((io, top) => AttachUnawaitingFilter(io, top));
}
