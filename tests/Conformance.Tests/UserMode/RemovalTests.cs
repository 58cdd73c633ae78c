using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.IoManager;
using ActorKernel.Drivers.Filter;
using ActorKernel.Drivers.RamDisk;
using static ActorKernel.Actors.Kernel32;
using static ActorKernel.Actors.Wdm;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.UserMode;

/// <summary>Opens and requests of a device whose PnP stack is being removed (the RAM disk: counting filter → ramdisk.sys → root-bus PDO).</summary>
[Trait("Area", "UserMode")]
public sealed class RemovalTests
{
    public enum DeviceState
    {
        RemovePending,
        RemoveProcessed,
        DeletePending,
        UnloadPending,
        Initializing,
    }

    [Theory]
    [InlineData(DeviceState.RemovePending)]
    [InlineData(DeviceState.RemoveProcessed)]
    [InlineData(DeviceState.DeletePending)]
    [InlineData(DeviceState.UnloadPending)]
    [InlineData(DeviceState.Initializing)]
    public void An_open_of_a_device_going_away_or_still_initializing_is_STATUS_NO_SUCH_DEVICE_ERROR_FILE_NOT_FOUND_and_sends_no_IRP(DeviceState state)
    {
        using var bed = new UserModeBed();
        var fdo = bed.RamDiskFdo;
        switch (state)
        {
            case DeviceState.RemovePending: bed.Io.IopPrepareDeviceForRemoval(fdo); break;
            case DeviceState.RemoveProcessed: fdo.RemoveProcessed = true; break;
            case DeviceState.DeletePending: fdo.DeletePending = true; break;
            case DeviceState.UnloadPending: fdo.UnloadPending = true; break;
            case DeviceState.Initializing: fdo.Flags |= DeviceObjectFlags.DeviceInitializing; break;
        }

        var (handle, error, status) = Open(bed, "\\\\.\\RamDisk0");

        Assert.Equal(Handle.Invalid, handle);
        Assert.Equal((Win32Error.FileNotFound, NtStatus.NoSuchDevice), (error, status));
        Assert.Equal((0xC000000Eu, 2), ((uint)status, (int)error));
        Assert.Empty(bed.Trace.Started);
        Assert.Equal(0, bed.Process.HandleCount);
    }

    [Fact]
    public void IopRemoveDevice_sends_query_remove_then_remove_and_afterwards_the_name_is_gone_STATUS_OBJECT_NAME_NOT_FOUND()
    {
        using var bed = new UserModeBed();
        var fdo = bed.RamDiskFdo;
        var filter = fdo.AttachedDevice!;
        var pdo = fdo.AttachedTo!;
        var minors = new List<PnpMinorFunction>();
        bed.Io.Observer = new PnpRecorder(bed.Trace, minors);

        var removed = Remove(bed, pdo);
        var (handle, error, status) = Open(bed, "\\\\.\\RamDisk0");
        var (byDeviceName, _, deviceStatus) = Open(bed, "\\Device\\RamDisk0");

        Assert.Equal(NtStatus.Success, removed);
        Assert.Equal([PnpMinorFunction.QueryRemoveDevice, PnpMinorFunction.RemoveDevice], minors);
        Assert.Equal((Handle.Invalid, Win32Error.FileNotFound, NtStatus.ObjectNameNotFound), (handle, error, status));
        Assert.Equal((Handle.Invalid, NtStatus.ObjectNameNotFound), (byDeviceName, deviceStatus));
        Assert.True(fdo.DeletePending);
        Assert.True(filter.DeletePending);
        Assert.Empty(fdo.DriverObject.DeviceObjects);
        Assert.Empty(filter.DriverObject.DeviceObjects);
        Assert.Null(pdo.AttachedDevice);
        Assert.True(pdo.RemoveProcessed);
        Assert.False(pdo.RemovePending);
        Assert.True(fdo.GetExtension<RamDiskExtension>().RemoveLock.Removed);
    }

    [Fact]
    public void The_function_driver_passes_IRP_MN_REMOVE_DEVICE_to_the_PDO_before_IoReleaseRemoveLockAndWait_and_before_it_detaches_and_deletes()
    {
        using var bed = new UserModeBed();
        var fdo = bed.RamDiskFdo;
        var pdo = fdo.AttachedTo!;
        var removeLock = fdo.GetExtension<RamDiskExtension>().RemoveLock;
        var atPdo = new List<(bool LockRemoved, bool FdoDeletePending, bool FdoAttached)>();
        bed.Io.Observer = new PdoRemoveRecorder(bed.Trace, pdo, () => atPdo.Add((removeLock.Removed, fdo.DeletePending, ReferenceEquals(fdo.AttachedTo, pdo))));

        var removed = Remove(bed, pdo);

        Assert.Equal(NtStatus.Success, removed);
        // When the bus driver got the remove IRP the RAM disk had not yet released-and-waited, detached or deleted.
        Assert.Equal([(false, false, true)], atPdo);
        // Afterwards it did all three.
        Assert.True(removeLock.Removed);
        Assert.True(fdo.DeletePending);
        Assert.Null(fdo.AttachedTo);
    }

    [Fact]
    public void A_failed_query_remove_sends_cancel_remove_and_leaves_the_stack_in_place()
    {
        using var bed = new UserModeBed();
        var pdo = bed.RamDiskFdo.AttachedTo!;
        var minors = new List<PnpMinorFunction>();
        bed.Io.Observer = new PnpRecorder(bed.Trace, minors);
        var veto = new VetoFilter(bed.Io, pdo);

        var removed = Remove(bed, pdo);
        var (handle, _, status) = Open(bed, "\\\\.\\RamDisk0");

        Assert.Equal(NtStatus.DeviceBusy, removed);
        Assert.Equal([PnpMinorFunction.QueryRemoveDevice, PnpMinorFunction.CancelRemoveDevice], veto.Seen);
        Assert.Equal([PnpMinorFunction.CancelRemoveDevice], minors);
        Assert.Equal(NtStatus.Success, status);
        Assert.True(handle.IsValid);
        Assert.False(bed.RamDiskFdo.RemovePending || bed.RamDiskFdo.RemoveProcessed || bed.RamDiskFdo.DeletePending);
        Assert.False(bed.RamDiskFdo.GetExtension<RamDiskExtension>().RemoveLock.Removed);
    }

    [Fact]
    public void A_read_on_a_handle_opened_before_the_removal_fails_with_STATUS_DELETE_PENDING_from_the_drivers_remove_lock_ERROR_ACCESS_DENIED()
    {
        using var bed = new UserModeBed();
        var pdo = bed.RamDiskFdo.AttachedTo!;
        var handle = Handle.Invalid;
        bed.Run(async () => handle = await CreateFile("\\\\.\\RamDisk0", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal));

        Assert.Equal(NtStatus.Success, Remove(bed, pdo));
        var read = default(IoResult);
        var closed = false;
        bed.Run(async () =>
        {
            var buffer = bed.Process.VirtualAlloc(4096);
            read = await ReadFile(handle, buffer, 512);
            closed = await CloseHandle(handle);
        });

        Assert.Equal(new IoResult(false, 0, NtStatus.DeletePending, Win32Error.AccessDenied), read);
        Assert.Equal(5, (int)read.Error);
        Assert.True(closed, "the handle's CLEANUP and CLOSE still succeed after the removal");
        Assert.Equal(0, bed.Process.HandleCount);
        Assert.Contains(bed.Trace.Started, r => r.Driver?.ImageName == RamDisk.ImageName && r.MajorFunction == IrpMajorFunction.Read);
    }

    [Fact]
    public void A_CreateFile_that_races_the_removal_gets_STATUS_DELETE_PENDING_from_the_drivers_remove_lock_which_Win32_reports_as_ERROR_ACCESS_DENIED()
    {
        using var bed = new UserModeBed();
        var pdo = bed.RamDiskFdo.AttachedTo!;
        // An upper filter that holds IRP_MJ_CREATE: the open passed the I/O manager's checks before the removal began.
        var gate = new GateFilter(bed.Io, pdo);
        (Handle Handle, Win32Error Error, NtStatus Status) open = default;
        NtStatus removed = default;

        bed.Process.CreateThread(0, "opener", async () =>
            open = (await CreateFile("\\\\.\\RamDisk0", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal), GetLastError(), GetLastNtStatus()));
        bed.Machine.CreateSystemThread(0, KernelModule.Kernel, "PnpRemove", async _ =>
        {
            while (gate.HeldCreate is null)
            {
                await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10_000);
            }
            removed = await bed.Io.IopRemoveDevice(pdo);
        });
        bed.RunUntilIdle();

        Assert.Equal(NtStatus.Success, removed);
        Assert.Equal((Handle.Invalid, Win32Error.AccessDenied, NtStatus.DeletePending), open);
        Assert.Equal(0xC0000056u, (uint)open.Status);
        // The create reached ramdisk.sys only after its IRP_MN_REMOVE_DEVICE had begun: its remove lock refused it.
        var ramdisk = bed.Trace.Started.Where(r => r.Driver?.ImageName == RamDisk.ImageName).Select(r => r.MajorFunction).ToList();
        Assert.Equal([IrpMajorFunction.Pnp, IrpMajorFunction.Pnp, IrpMajorFunction.Create], ramdisk);
        Assert.Equal(0, bed.Process.HandleCount);
        Assert.Equal(0, bed.RamDiskFdo.OpenCount);
    }

    private static NtStatus Remove(UserModeBed bed, DeviceObject pdo)
    {
        NtStatus status = default;
        bed.Machine.CreateSystemThread(0, KernelModule.Kernel, "PnpRemove", async _ => status = await bed.Io.IopRemoveDevice(pdo));
        bed.RunUntilIdle();
        return status;
    }

    private static (Handle Handle, Win32Error Error, NtStatus Status) Open(UserModeBed bed, string name)
    {
        (Handle, Win32Error, NtStatus) result = default;
        bed.Run(async () =>
        {
            var handle = await CreateFile(name, GenericAccess.GenericRead, FileShareMode.Read | FileShareMode.Write, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            result = (handle, GetLastError(), GetLastNtStatus());
        });
        return result;
    }

    /// <summary>Calls <c>atRemove</c> when the PDO's dispatch routine is given IRP_MN_REMOVE_DEVICE.</summary>
    private sealed class PdoRemoveRecorder(RoutineRecorder inner, DeviceObject pdo, Action atRemove) : IIoRoutineObserver
    {
        public void RoutineStarted(in IoRoutineEvent routine)
        {
            inner.RoutineStarted(routine);
            if (routine.Kind == IoRoutineKind.Dispatch && routine.MajorFunction == IrpMajorFunction.Pnp && routine.Driver == pdo.DriverObject &&
                (PnpMinorFunction)IoGetCurrentIrpStackLocation(routine.Irp!).MinorFunction == PnpMinorFunction.RemoveDevice)
            {
                atRemove();
            }
        }

        public void RoutineFinished(in IoRoutineEvent routine, NtStatus result) => inner.RoutineFinished(routine, result);
    }

    /// <summary>Records the minor function of each IRP_MJ_PNP the RAM disk's dispatch routine is given.</summary>
    private sealed class PnpRecorder(RoutineRecorder inner, List<PnpMinorFunction> minors) : IIoRoutineObserver
    {
        public void RoutineStarted(in IoRoutineEvent routine)
        {
            inner.RoutineStarted(routine);
            if (routine.Kind == IoRoutineKind.Dispatch && routine.MajorFunction == IrpMajorFunction.Pnp && routine.Driver?.ImageName == RamDisk.ImageName)
            {
                minors.Add((PnpMinorFunction)IoGetCurrentIrpStackLocation(routine.Irp!).MinorFunction);
            }
        }

        public void RoutineFinished(in IoRoutineEvent routine, NtStatus result) => inner.RoutineFinished(routine, result);
    }

    /// <summary>An upper filter that fails IRP_MN_QUERY_REMOVE_DEVICE with STATUS_DEVICE_BUSY (its device is in use) and passes everything else down.</summary>
    private sealed class VetoFilter
    {
        private readonly DeviceObject _lower;

        public VetoFilter(IoMgr io, DeviceObject pdo)
        {
            var driver = IoTestBed.Run(io.LoadDriverAsync("VetoFlt", "vetoflt.sys", (d, _) =>
            {
                Array.Fill(d.MajorFunction, Dispatch);
                return ValueTask.FromResult(NtStatus.Success);
            })).Driver!;
            Assert.Equal(NtStatus.Success, IoCreateDevice(driver, null, null, DeviceType.Disk, 0, false, out var device));
            _lower = IoAttachDeviceToDeviceStack(device!, pdo)!;
            device!.Flags |= _lower.Flags & (DeviceObjectFlags.BufferedIo | DeviceObjectFlags.DirectIo);
            device.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        }

        public List<PnpMinorFunction> Seen { get; } = [];

        private async ValueTask<NtStatus> Dispatch(DeviceObject device, Irp irp)
        {
            var stack = IoGetCurrentIrpStackLocation(irp);
            if (stack.MajorFunction == IrpMajorFunction.Pnp)
            {
                Seen.Add((PnpMinorFunction)stack.MinorFunction);
                if (stack.MinorFunction == (byte)PnpMinorFunction.QueryRemoveDevice)
                {
                    irp.IoStatus.Status = NtStatus.DeviceBusy;
                    await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                    return NtStatus.DeviceBusy;
                }
            }
            IoSkipCurrentIrpStackLocation(irp);
            return await IoCallDriver(_lower, irp);
        }
    }

    /// <summary>
    /// An upper filter that holds every IRP_MJ_CREATE; on IRP_MN_REMOVE_DEVICE it passes the remove
    /// down, then sends the held creates on (to a stack being removed) and leaves the stack.
    /// </summary>
    private sealed class GateFilter
    {
        private readonly DeviceObject _lower;

        public GateFilter(IoMgr io, DeviceObject pdo)
        {
            var driver = IoTestBed.Run(io.LoadDriverAsync("GateFlt", "gateflt.sys", (d, _) =>
            {
                Array.Fill(d.MajorFunction, PassDown);
                d.MajorFunction[(int)IrpMajorFunction.Create] = HoldCreate;
                d.MajorFunction[(int)IrpMajorFunction.Pnp] = Pnp;
                return ValueTask.FromResult(NtStatus.Success);
            })).Driver!;
            Assert.Equal(NtStatus.Success, IoCreateDevice(driver, null, null, DeviceType.Disk, 0, false, out var device));
            _lower = IoAttachDeviceToDeviceStack(device!, pdo)!;
            device!.Flags |= _lower.Flags & (DeviceObjectFlags.BufferedIo | DeviceObjectFlags.DirectIo);
            device.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        }

        public Irp? HeldCreate { get; private set; }

        private ValueTask<NtStatus> HoldCreate(DeviceObject device, Irp irp)
        {
            IoMarkIrpPending(irp);
            HeldCreate = irp;
            return ValueTask.FromResult(NtStatus.Pending);
        }

        private ValueTask<NtStatus> PassDown(DeviceObject device, Irp irp)
        {
            IoSkipCurrentIrpStackLocation(irp);
            return IoCallDriver(_lower, irp);
        }

        private async ValueTask<NtStatus> Pnp(DeviceObject device, Irp irp)
        {
            var remove = IoGetCurrentIrpStackLocation(irp).MinorFunction == (byte)PnpMinorFunction.RemoveDevice;
            IoSkipCurrentIrpStackLocation(irp);
            var status = await IoCallDriver(_lower, irp);
            if (remove)
            {
                if (HeldCreate is { } create)
                {
                    HeldCreate = null;
                    IoSkipCurrentIrpStackLocation(create);
                    await IoCallDriver(_lower, create);
                }
                IoDetachDevice(_lower);
                IoDeleteDevice(device);
            }
            return status;
        }
    }
}
