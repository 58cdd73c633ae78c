using ActorKernel.Actors;
using ActorKernel.Drivers.Storage;
using ActorKernel.Drivers.Usb.Storage;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Stacks.Usb;

/// <summary>usbstor's error recovery (BOT 5.3.4, 6.7): an SRB whose CBW the device answers with Phase Error.</summary>
[Trait("Area", "Stacks")]
public sealed class UsbStorRecoveryTests
{
    [Fact]
    public void A_phase_error_makes_usbstor_reset_the_device_retry_once_fail_the_srb_and_the_device_works_again()
    {
        using var bed = new UsbStackBed();
        var lunPdo = bed.DiskNode()!.PhysicalDeviceObject;
        var fdo = bed.UsbDeviceNode()!.PhysicalDeviceObject.AttachedDevice!.GetExtension<UsbStorFdoExtension>();
        ScsiRequestBlock? bad = null, good = null;
        NtStatus badStatus = default, goodStatus = default;
        var done = false;
        bed.Machine.CreateSystemThread(0, KernelModule.Kernel, "SrbSender", async _ =>
        {
            // READ(10) of two blocks while the SRB asks for one block's bytes: the device moves more than the host
            // expects (BOT 6.7.2 case 7) and ends with Phase Error; the host must reset the device (5.3.4).
            (bad, badStatus) = await SendSrb(lunPdo, blocks: 2, length: 512);
            (good, goodStatus) = await SendSrb(lunPdo, blocks: 1, length: 512);
            done = true;
        });
        bed.Pnp.RunUntil(() => done);

        Assert.Equal((UsbStor.SrbStatusBusReset, NtStatus.DeviceNotConnected), (bad!.SrbStatus, badStatus)); // retried once after the reset, then given up
        Assert.Equal(0u, bad.DataTransferLength);
        Assert.True(fdo.ResetRecoveries >= 2, $"{fdo.ResetRecoveries} reset recoveries"); // the first failure and the retry's
        Assert.Equal((SrbStatus.Success, NtStatus.Success, 512u), (good!.SrbStatus, goodStatus, good.DataTransferLength));
        Assert.False(bed.Device.IsHalted(0x81) || bed.Device.IsHalted(0x02), "the recovery cleared both halts");
    }

    /// <summary>An IRP_MJ_SCSI with a READ(10) SRB over nonpaged pool to the LUN PDO, waited for (PASSIVE_LEVEL).</summary>
    private static async ValueTask<(ScsiRequestBlock Srb, NtStatus Status)> SendSrb(DeviceObject lunPdo, ushort blocks, uint length)
    {
        const uint Tag = 0x74736554; // 'Test'
        var buffer = ExAllocatePoolWithTag(PoolType.NonPagedPool, 4096, Tag);
        var mdl = IoAllocateMdl(buffer, length)!;
        MmBuildMdlForNonPagedPool(mdl);
        var srb = new ScsiRequestBlock { Function = SrbFunction.ExecuteScsi, SrbFlags = SrbFlags.DataIn, DataTransferLength = length, DataBuffer = buffer };
        srb.SetCdb10(ScsiOp.Read, 0, blocks);
        var completed = new KEvent();
        KeInitializeEvent(completed, EventType.NotificationEvent, false);
        var irp = IoAllocateIrp(lunPdo.StackSize, false);
        irp.MdlAddress = mdl;
        var next = IoGetNextIrpStackLocation(irp);
        next.MajorFunction = IrpMajorFunction.Scsi;
        next.Parameters.Others.Argument1 = srb;
        IoSetCompletionRoutine(irp, (_, _, context) =>
        {
            KeSetEvent((KEvent)context!, 0, false);
            return ValueTask.FromResult(NtStatus.MoreProcessingRequired);
        }, completed, true, true, true);
        await IoCallDriver(lunPdo, irp);
        await KeWaitForSingleObject(completed, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
        var status = irp.IoStatus.Status;
        irp.MdlAddress = null;
        IoFreeIrp(irp);
        IoFreeMdl(mdl);
        ExFreePoolWithTag(buffer, Tag);
        return (srb, status);
    }
}
