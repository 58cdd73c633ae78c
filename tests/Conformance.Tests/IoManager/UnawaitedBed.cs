using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.IoManager;

/// <summary>The machine and target driver the tests of an IoCallDriver that is not awaited share.</summary>
internal static class UnawaitedBed
{
    /// <summary>One processor, one driver whose read dispatch routine is <paramref name="dispatch"/>.</summary>
    internal sealed class Bed : IDisposable
    {
        public Bed(DriverDispatch dispatch, int processors = 1, ulong seed = 1)
        {
            Machine = Machine.Create(new MachineOptions { Processors = processors, Seed = seed, ClockIntervalNs = 0, SystemWorkerThreads = 0 });
            Io = new IoMgr();
            Io.AttachTo(Machine);
            var driver = IoTestBed.Run(Io.LoadDriverAsync("Tgt", "tgt.sys", (d, _) =>
            {
                d.MajorFunction[(int)IrpMajorFunction.Read] = dispatch;
                return ValueTask.FromResult(NtStatus.Success);
            })).Driver!;
            Assert.Equal(NtStatus.Success, IoCreateDevice(driver, null, null, DeviceType.Unknown, 0, false, out var device));
            device!.Flags &= ~DeviceObjectFlags.DeviceInitializing;
            Device = device;
        }

        public Machine Machine { get; }

        public IoMgr Io { get; }

        public DeviceObject Device { get; }

        public Irp NewRead()
        {
            var irp = IoAllocateIrp(Io, Device.StackSize, false);
            irp.Thread = this; // Tail.Overlay.Thread set by its sender: the I/O manager finishes and frees it at the top
            IoGetNextIrpStackLocation(irp).MajorFunction = IrpMajorFunction.Read;
            return irp;
        }

        public void Run() => Machine.System.Deterministic!.RunUntilQuiescent(1_000_000);

        public void Dispose() => Machine.Dispose();
    }

    internal static DriverDispatch Completing(List<string> log, string name = "dispatch") => async (device, irp) =>
    {
        log.Add(name);
        irp.IoStatus.Status = NtStatus.Success;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return NtStatus.Success;
    };
}
