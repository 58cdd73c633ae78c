/*++

Module Name:

    StripeVolume.cs

Abstract:

    stripe.sys, a striped volume (RAID-0) over two or more partitions, in the spirit of the fault
    tolerance driver (ftdisk) and the volume manager: the volume's bytes are laid out in stripe
    units across its members in turn, unit u on member u mod n at byte (u / n) * StripeSize of that
    member. The volume is a root-enumerated device (its FDO \Device\StripeVolumeN, \??\StripeVolumeN);
    its members are the partitions its configuration names, bound at the first open (the partitions
    are enumerated after the root's devices have started).

    A read or write is split with IoMakeAssociatedIrp: one associated IRP per stripe unit it
    touches, each with a partial MDL (IoBuildPartialMdl) over its piece of the master's locked
    buffer, sent to its member. The master's AssociatedIrp.IrpCount is set before the first is sent;
    the I/O manager completes the master when the last associated IRP completes. Each associated
    IRP's completion routine records the first failure in the master (the first error wins: its
    status, Information 0; the boxed status in the master's Tail.Overlay.DriverContext[0] says one
    was recorded) and lets completion go on. A request that lies inside one stripe unit is not split:
    the IRP itself goes down to its member with the next location aimed at the member offset (as a
    file system sends a single run, FatSingleAsync), so the common 4 KiB request costs no
    associated IRP and no partial MDL; the volume's StackSize is raised at binding to leave its
    members' locations in every IRP. IOCTL_DISK_GET_LENGTH_INFO answers the volume's length and
    IRP_MJ_FLUSH_BUFFERS is passed to each member.

    Left out: mirroring and parity, member failure handling, dynamic disks' on-disk database, the
    volume IOCTLs (IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS), mount manager registration.

Environment:

    Kernel mode. Reads and writes at PASSIVE_LEVEL in the requester's context; completion
    routines at DISPATCH_LEVEL.

--*/

using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using ActorKernel.Actors;
using ActorKernel.Drivers.Storage;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Volume;

/// <summary>The striped volume driver (<c>stripe.sys</c>).</summary>
public static class StripeVolume
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "stripe";

    /// <summary>The image name.</summary>
    public const string ImageName = "stripe.sys";

    private const uint SectorSize = 512;

    // Made once: a method group passed as a delegate allocates on every call.
    private static readonly IoCompletionRoutine ChildDone = StripeChildDone;

    /// <summary>The DriverEntry of a stripe set over <paramref name="members"/> (its configuration, as ftdisk keeps it in the registry).</summary>
    /// <param name="members">The members' device names, in stripe order (two or more).</param>
    /// <param name="stripeSize">Bytes per stripe unit (a multiple of the sector size).</param>
    /// <returns>The DriverEntry.</returns>
    public static DriverInitialize DriverEntryFor(IReadOnlyList<string> members, uint stripeSize)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count < 2 || stripeSize == 0 || stripeSize % SectorSize != 0)
        {
            throw new ArgumentException("A stripe set needs two or more members and a stripe size of whole sectors.");
        }
        return (driverObject, registryPath) =>
        {
            _ = registryPath;
            driverObject.MajorFunction[(int)IrpMajorFunction.Create] = StripeCreateClose;
            driverObject.MajorFunction[(int)IrpMajorFunction.Close] = StripeCreateClose;
            driverObject.MajorFunction[(int)IrpMajorFunction.Cleanup] = StripeCreateClose;
            driverObject.MajorFunction[(int)IrpMajorFunction.Read] = StripeReadWrite;
            driverObject.MajorFunction[(int)IrpMajorFunction.Write] = StripeReadWrite;
            driverObject.MajorFunction[(int)IrpMajorFunction.DeviceControl] = StripeDeviceControl;
            driverObject.MajorFunction[(int)IrpMajorFunction.FlushBuffers] = StripeFlush;
            driverObject.MajorFunction[(int)IrpMajorFunction.Pnp] = StripePassDown;
            driverObject.MajorFunction[(int)IrpMajorFunction.Power] = StripePassDown;
            driverObject.DriverExtension.AddDevice = (driver, pdo) => StripeAddDevice(driver, pdo, members, stripeSize);
            return ValueTask.FromResult(NtStatus.Success);
        };
    }

    /// <summary>AddDevice: \Device\StripeVolumeN (direct I/O: the master's MDL is what the pieces map), attached to the root PDO.</summary>
    private static ValueTask<NtStatus> StripeAddDevice(DriverObject driverObject, DeviceObject pdo, IReadOnlyList<string> members, uint stripeSize)
    {
        var number = driverObject.DeviceObjects.Count;
        var extension = new StripeExtension(members, stripeSize);
        var name = string.Create(CultureInfo.InvariantCulture, $"\\Device\\StripeVolume{number}");
        var status = IoCreateDevice(driverObject, extension, name, DeviceType.Disk, 0, false, out var fdo);
        if (!status.IsSuccess())
        {
            return ValueTask.FromResult(status);
        }
        driverObject.Manager.Objects.IoCreateSymbolicLink(string.Create(CultureInfo.InvariantCulture, $"\\??\\StripeVolume{number}"), name);
        extension.DeviceObject = fdo;
        extension.LowerDevice = IoAttachDeviceToDeviceStack(fdo!, pdo);
        fdo!.Flags |= DeviceObjectFlags.DirectIo;
        fdo.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>PnP and power: the root PDO does what is needed.</summary>
    private static ValueTask<NtStatus> StripePassDown(DeviceObject deviceObject, Irp irp)
    {
        var stack = IoGetCurrentIrpStackLocation(irp);
        if (stack.MajorFunction == IrpMajorFunction.Pnp && (PnpMinorFunction)stack.MinorFunction is PnpMinorFunction.StartDevice or PnpMinorFunction.QueryRemoveDevice or PnpMinorFunction.CancelRemoveDevice)
        {
            irp.IoStatus.Status = NtStatus.Success;
        }
        IoSkipCurrentIrpStackLocation(irp);
        return IoCallDriver(deviceObject.GetExtension<StripeExtension>().LowerDevice!, irp);
    }

    /// <summary>IRP_MJ_CREATE binds the members the first time (each must exist; its length from IOCTL_DISK_GET_LENGTH_INFO); cleanup and close do nothing.</summary>
    private static async ValueTask<NtStatus> StripeCreateClose(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<StripeExtension>();
        var status = NtStatus.Success;
        if (IoGetCurrentIrpStackLocation(irp).MajorFunction == IrpMajorFunction.Create && extension.Members.Count == 0)
        {
            status = await StripeBindMembers(deviceObject, extension);
        }
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    /// <summary>
    /// IRP_MJ_DEVICE_CONTROL: IOCTL_DISK_GET_LENGTH_INFO gives the volume's length (what format and a
    /// file system's mount ask a volume); other codes are STATUS_INVALID_DEVICE_REQUEST.
    /// </summary>
    private static async ValueTask<NtStatus> StripeDeviceControl(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<StripeExtension>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var status = NtStatus.InvalidDeviceRequest;
        ulong information = 0;
        if (stack.Parameters.DeviceIoControl.IoControlCode == StorageIoctl.DiskGetLengthInfo)
        {
            if (extension.Members.Count == 0)
            {
                status = NtStatus.DeviceNotReady;
            }
            else if (stack.Parameters.DeviceIoControl.OutputBufferLength < StorageIoctl.LengthInformationSize)
            {
                status = NtStatus.BufferTooSmall;
            }
            else
            {
                BinaryPrimitives.WriteInt64LittleEndian(irp.SystemBuffer, extension.VolumeLength);
                information = StorageIoctl.LengthInformationSize;
                status = NtStatus.Success;
            }
        }
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = information;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    /// <summary>
    /// IRP_MJ_FLUSH_BUFFERS (a file system's flush reaches the volume): a flush to each member, in
    /// turn; a member that keeps no cache (STATUS_INVALID_DEVICE_REQUEST: disk.sys passes no flush
    /// down) has nothing to write; the first other failure fails the volume's flush.
    /// </summary>
    private static async ValueTask<NtStatus> StripeFlush(DeviceObject deviceObject, Irp irp)
    {
        var status = NtStatus.Success;
        foreach (var member in deviceObject.GetExtension<StripeExtension>().Members)
        {
            var done = new KEvent();
            KeInitializeEvent(done, EventType.NotificationEvent, false);
            var iosb = new IoStatusBlock();
            var flush = IoBuildSynchronousFsdRequest(IrpMajorFunction.FlushBuffers, member, null, 0, 0, done.IoSignal, iosb)!;
            var result = await IoCallDriver(member, flush);
            if (result == NtStatus.Pending)
            {
                await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
                result = iosb.Status;
            }
            if (!result.IsSuccess() && result != NtStatus.InvalidDeviceRequest && status.IsSuccess())
            {
                status = result;
            }
        }
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    private static async ValueTask<NtStatus> StripeBindMembers(DeviceObject deviceObject, StripeExtension extension)
    {
        var members = new List<DeviceObject>();
        var unitsPerMember = long.MaxValue;
        foreach (var name in extension.MemberNames)
        {
            if (deviceObject.DriverObject.Manager.Objects.Lookup<DeviceObject>(name, out var member) != NtStatus.Success)
            {
                return NtStatus.DeviceNotReady; // a member is missing: the volume is not complete
            }
            while (member!.AttachedDevice is { } above)
            {
                member = above; // IoGetAttachedDevice: requests go to the top of the member's stack
            }
            var length = new byte[StorageIoctl.LengthInformationSize];
            var status = await StripeSynchronousIoctl(member, StorageIoctl.DiskGetLengthInfo, length);
            if (!status.IsSuccess())
            {
                return status;
            }
            unitsPerMember = Math.Min(unitsPerMember, BinaryPrimitives.ReadInt64LittleEndian(length) / extension.StripeSize);
            members.Add(member);
        }
        extension.VolumeLength = unitsPerMember * extension.StripeSize * members.Count;
        // A request inside one stripe unit goes down to its member itself: the volume's IRPs need the members' locations too.
        deviceObject.StackSize = (sbyte)Math.Max(deviceObject.StackSize, members.Max(m => m.StackSize) + 1);
        extension.Members = members;
        return NtStatus.Success;
    }

    private static async ValueTask<NtStatus> StripeSynchronousIoctl(DeviceObject target, IoControlCode code, byte[] output)
    {
        var done = new KEvent();
        KeInitializeEvent(done, EventType.NotificationEvent, false);
        var iosb = new IoStatusBlock();
        var irp = IoBuildDeviceIoControlRequest(code, target, null, 0, new UserBuffer(0, output), (uint)output.Length, false, done.IoSignal, iosb);
        if (irp is null)
        {
            return NtStatus.InsufficientResources;
        }
        var status = await IoCallDriver(target, irp);
        if (status == NtStatus.Pending)
        {
            await KeWaitForSingleObject(done, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
            status = iosb.Status;
        }
        return status;
    }

    /// <summary>
    /// IRP_MJ_READ / IRP_MJ_WRITE: whole sectors inside the volume are split into one associated IRP
    /// per stripe unit touched; the master completes when the last of them has. A request inside one
    /// stripe unit goes down itself (its next location aimed at the member), as a file system sends a
    /// single run: no associated IRP, no partial MDL. A volume not bound yet (a mount's first read
    /// before any open) binds first.
    /// </summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))] // pooled: it suspends once per request
    private static async ValueTask<NtStatus> StripeReadWrite(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<StripeExtension>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var length = stack.Parameters.Read.Length;
        var offset = stack.Parameters.Read.ByteOffset;
        NtStatus status;
        if (extension.Members.Count == 0 && await StripeBindMembers(deviceObject, extension) is var bound && !bound.IsSuccess())
        {
            status = bound;
        }
        else if (offset < 0 || offset % SectorSize != 0 || length % SectorSize != 0 || offset + length > extension.VolumeLength)
        {
            status = NtStatus.InvalidParameter;
        }
        else if (length == 0)
        {
            status = NtStatus.Success;
        }
        else if (StripeWithinOneUnit(extension, irp, offset, length, out var member, out var memberIndex, out var memberOffset))
        {
            IoMarkIrpPending(irp);
            var next = IoGetNextIrpStackLocation(irp);
            next.MajorFunction = stack.MajorFunction;
            next.MinorFunction = 0;
            next.Parameters.Read.Length = length;
            next.Parameters.Read.ByteOffset = memberOffset;
            extension.Record(new StripeChild(memberIndex, memberOffset, length, stack.MajorFunction, false, irp.Address));
            await IoCallDriver(member, irp);
            return NtStatus.Pending;
        }
        else
        {
            await StripeSplit(extension, irp, stack.MajorFunction, offset, length);
            return NtStatus.Pending;
        }
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    /// <summary>Whether the request lies in one stripe unit and the IRP has the locations its member's stack needs below the volume's.</summary>
    private static bool StripeWithinOneUnit(StripeExtension extension, Irp irp, long offset, uint length, out DeviceObject member, out int memberIndex, out long memberOffset)
    {
        var stripe = extension.StripeSize;
        var unit = offset / stripe;
        var members = extension.Members;
        memberIndex = (int)(unit % members.Count);
        member = members[memberIndex];
        memberOffset = ((unit / members.Count) * stripe) + (offset % stripe);
        return (offset + length - 1) / stripe == unit && irp.CurrentLocation - 1 >= member.StackSize;
    }

    /// <summary>The split: count the pieces, set IrpCount, then make and send each associated IRP.</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder))] // pooled: it suspends once per piece
    private static async ValueTask StripeSplit(StripeExtension extension, Irp master, IrpMajorFunction major, long offset, uint length)
    {
        var stripe = extension.StripeSize;
        var count = (int)((((offset + length - 1) / stripe) - (offset / stripe)) + 1);
        master.DriverContext[0] = null; // the first failure of a child, boxed (Tail.Overlay.DriverContext: the volume owns the master now)
        IoMarkIrpPending(master);
        master.IoStatus.Status = NtStatus.Success;
        master.IoStatus.Information = length;
        master.AssociatedIrpCount = count; // before the first is sent: it may complete at once
        var va = MmGetMdlVirtualAddress(master.MdlAddress!);
        var members = extension.Members;
        for (uint done = 0; done < length;)
        {
            var volumeOffset = offset + done;
            var unit = volumeOffset / stripe;
            var within = volumeOffset % stripe;
            var piece = (uint)Math.Min(stripe - within, length - done);
            var memberIndex = (int)(unit % members.Count);
            var member = members[memberIndex];
            var memberOffset = ((unit / members.Count) * stripe) + within;
            var child = IoMakeAssociatedIrp(master, member.StackSize);
            var mdl = IoAllocateMdl(va + done, piece)!;
            IoBuildPartialMdl(master.MdlAddress!, mdl, va + done, piece);
            child.MdlAddress = mdl;
            var next = IoGetNextIrpStackLocation(child);
            next.MajorFunction = major;
            next.Parameters.Read.Length = piece;
            next.Parameters.Read.ByteOffset = memberOffset;
            IoSetCompletionRoutine(child, ChildDone, master, true, true, true);
            extension.Record(new StripeChild(memberIndex, memberOffset, piece, major, (child.Flags & IrpFlags.AssociatedIrp) != 0 && child.MasterIrp == master, master.Address));
            done += piece;
            await IoCallDriver(member, child);
        }
    }

    /// <summary>An associated IRP completed: the first failure becomes the master's status; the I/O manager does the rest.</summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    private static ValueTask<NtStatus> StripeChildDone(DeviceObject? deviceObject, Irp irp, object? context)
    {
        _ = deviceObject;
        var master = (Irp)context!;
        var status = irp.IoStatus.Status;
        if (!status.IsSuccess() && Interlocked.CompareExchange(ref master.DriverContext[0], status, null) is null)
        {
            master.IoStatus.Status = status;
            master.IoStatus.Information = 0;
        }
        return ValueTask.FromResult(NtStatus.Success);
    }
}
