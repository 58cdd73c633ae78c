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
    public void A_query_remove_sends_query_remove_then_remove_and_afterwards_the_name_is_gone_STATUS_OBJECT_NAME_NOT_FOUND()
    {
        using var bed = new RamDiskPnpBed();
        var fdo = bed.RamDiskFdo;
        var filter = fdo.AttachedDevice!;
        var pdo = fdo.AttachedTo!;
        var minors = new List<PnpMinorFunction>();
        bed.Io.Observer = new PnpRecorder(bed.Trace, minors);

        var veto = bed.QueryRemove();
        var (handle, error, status) = bed.Open("\\\\.\\RamDisk0");
        var (byDeviceName, _, deviceStatus) = bed.Open("\\Device\\RamDisk0");

        Assert.Null(veto);
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
        // The PnP manager's own steps: the root device is still reported, so its node stays (removed); drivers left without devices unload.
        Assert.Equal(DeviceNodeState.Removed, bed.Node.State);
        Assert.True(fdo.DriverObject.Unloaded);
        Assert.False(filter.DriverObject.Unloaded, "cntfilt.sys has no DriverUnload: it stays loaded");
    }

    [Fact]
    public void The_function_driver_passes_IRP_MN_REMOVE_DEVICE_to_the_PDO_before_IoReleaseRemoveLockAndWait_and_before_it_detaches_and_deletes()
    {
        using var bed = new RamDiskPnpBed();
        var fdo = bed.RamDiskFdo;
        var pdo = fdo.AttachedTo!;
        var removeLock = fdo.GetExtension<RamDiskExtension>().RemoveLock;
        var atPdo = new List<(bool LockRemoved, bool FdoDeletePending, bool FdoAttached)>();
        bed.Io.Observer = new PdoRemoveRecorder(bed.Trace, pdo, () => atPdo.Add((removeLock.Removed, fdo.DeletePending, ReferenceEquals(fdo.AttachedTo, pdo))));

        var veto = bed.QueryRemove();

        Assert.Null(veto);
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
        using var bed = new RamDiskPnpBed();
        var pdo = bed.RamDiskFdo.AttachedTo!;
        var minors = new List<PnpMinorFunction>();
        bed.Io.Observer = new PnpRecorder(bed.Trace, minors);
        var veto = new VetoFilter(bed.Io, pdo);

        var refused = bed.QueryRemove();
        var (handle, _, status) = bed.Open("\\\\.\\RamDisk0");

        // The PnP manager reports the veto: PNP_VetoDevice, the node and the driver's status.
        Assert.Equal(new PnpVeto(PnpVetoType.Device, RamDiskPnpBed.InstancePath, NtStatus.DeviceBusy), refused);
        Assert.Equal([PnpMinorFunction.QueryRemoveDevice, PnpMinorFunction.CancelRemoveDevice], veto.Seen);
        Assert.Equal([PnpMinorFunction.CancelRemoveDevice], minors);
        Assert.Equal(NtStatus.Success, status);
        Assert.True(handle.IsValid);
        Assert.False(bed.RamDiskFdo.RemovePending || bed.RamDiskFdo.RemoveProcessed || bed.RamDiskFdo.DeletePending);
        Assert.False(bed.RamDiskFdo.GetExtension<RamDiskExtension>().RemoveLock.Removed);
        Assert.Equal(DeviceNodeState.Started, bed.Node.State);
    }

    [Fact]
    public void A_handle_opened_before_the_removal_vetoes_a_query_remove_and_after_a_surprise_removal_its_read_fails_STATUS_NO_SUCH_DEVICE_and_IRP_MN_REMOVE_DEVICE_waits_for_its_close()
    {
        using var bed = new RamDiskPnpBed(failing: true);
        var fdo = bed.RamDiskFdo;
        var minors = new List<PnpMinorFunction>();
        bed.Io.Observer = new PnpRecorder(bed.Trace, minors);
        var handle = Handle.Invalid;
        bed.Run(async () => handle = await CreateFile("\\\\.\\RamDisk0", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal));

        // An orderly removal asks first: the open handle vetoes it before any IRP (PNP_VetoOutstandingOpen).
        Assert.Equal(new PnpVeto(PnpVetoType.OutstandingOpen, RamDiskPnpBed.InstancePath, NtStatus.Unsuccessful), bed.QueryRemove());
        Assert.Empty(minors);
        // The device fails (its filter reports PNP_DEVICE_FAILED): the PnP manager surprise-removes it, the handle still open.
        bed.Failing!.ReportFailed = true;
        IoInvalidateDeviceState(fdo.AttachedTo!);
        bed.RunUntil(() => bed.Pnp.IsIdle);
        Assert.Equal(DeviceNodeState.RemovePendingCloses, bed.Node.State);
        var read = default(IoResult);
        var closed = false;
        bed.Run(async () =>
        {
            var buffer = bed.Process.VirtualAlloc(4096);
            read = await ReadFile(handle, buffer, 512);
            closed = await CloseHandle(handle);
        });

        Assert.Equal(new IoResult(false, 0, NtStatus.NoSuchDevice, Win32Error.FileNotFound), read);
        Assert.True(closed, "the handle's CLEANUP and CLOSE still succeed after the surprise removal");
        Assert.Equal(0, bed.Process.HandleCount);
        Assert.Contains(bed.Trace.Started, r => r.Driver?.ImageName == RamDisk.ImageName && r.MajorFunction == IrpMajorFunction.Read);
        // The last close let IRP_MN_REMOVE_DEVICE go down: the stack is gone, the node keeps its problem.
        Assert.Equal([PnpMinorFunction.QueryPnpDeviceState, PnpMinorFunction.SurpriseRemoval, PnpMinorFunction.RemoveDevice], minors);
        Assert.Equal(DeviceNodeState.Removed, bed.Node.State);
        Assert.Equal(CmProblem.FailedPostStart, bed.Node.Problem);
        Assert.True(fdo.DeletePending);
        Assert.True(fdo.GetExtension<RamDiskExtension>().RemoveLock.Removed);
    }

    [Fact]
    public void A_CreateFile_in_flight_counts_as_an_open_the_query_remove_is_vetoed_PNP_VetoOutstandingOpen_and_succeeds_once_the_handle_is_closed()
    {
        using var bed = new RamDiskPnpBed();
        var pdo = bed.RamDiskFdo.AttachedTo!;
        // An upper filter that holds IRP_MJ_CREATE: the open passed the I/O manager's checks (and was counted) before the removal began.
        var gate = new GateFilter(bed.Io, pdo);
        var ramdisk = new List<string>();
        bed.Io.Observer = new DispatchRecorder(bed.Trace, ramdisk);
        (Handle Handle, Win32Error Error, NtStatus Status) open = default;
        var opened = false;
        bed.Process.CreateThread(0, "opener", async () =>
        {
            open = (await CreateFile("\\\\.\\RamDisk0", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal), GetLastError(), GetLastNtStatus());
            opened = true;
        });
        bed.RunUntil(() => gate.HeldCreate is not null);

        var refused = bed.QueryRemove();
        Assert.Equal(new PnpVeto(PnpVetoType.OutstandingOpen, RamDiskPnpBed.InstancePath, NtStatus.Unsuccessful), refused);
        Assert.Empty(ramdisk); // no IRP went down: the veto comes before any
        gate.Release(bed.Machine);
        bed.RunUntil(() => Volatile.Read(ref opened));
        Assert.Equal(NtStatus.Success, open.Status);
        bed.Run(async () => await CloseHandle(open.Handle));
        var removed = bed.QueryRemove();

        Assert.Null(removed);
        Assert.Equal(["IRP_MJ_CREATE", "IRP_MJ_CLEANUP", "IRP_MJ_CLOSE", "IRP_MN_QUERY_REMOVE_DEVICE", "IRP_MN_REMOVE_DEVICE"], ramdisk);
        Assert.Equal(0, bed.Process.HandleCount);
        Assert.Equal(0, bed.RamDiskFdo.OpenCount);
        Assert.True(bed.RamDiskFdo.DeletePending);
    }

    /// <summary>Records each request ramdisk.sys's dispatch routine is given, as it is given: the minor name of a PnP IRP, else the major name.</summary>
    private sealed class DispatchRecorder(RoutineRecorder inner, List<string> log) : IIoRoutineObserver
    {
        public void RoutineStarted(in IoRoutineEvent routine)
        {
            inner.RoutineStarted(routine);
            if (routine.Kind == IoRoutineKind.Dispatch && routine.Driver?.ImageName == RamDisk.ImageName)
            {
                log.Add(routine.MajorFunction == IrpMajorFunction.Pnp
                    ? ((PnpMinorFunction)IoGetCurrentIrpStackLocation(routine.Irp!).MinorFunction) switch
                    {
                        PnpMinorFunction.QueryRemoveDevice => "IRP_MN_QUERY_REMOVE_DEVICE",
                        PnpMinorFunction.RemoveDevice => "IRP_MN_REMOVE_DEVICE",
                        var other => other.ToString(),
                    }
                    : routine.MajorFunction.ToDisplayString());
            }
        }

        public void RoutineFinished(in IoRoutineEvent routine, NtStatus result) => inner.RoutineFinished(routine, result);
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
    /// An upper filter that holds every IRP_MJ_CREATE until <see cref="GateFilter.Release"/>; on
    /// IRP_MN_REMOVE_DEVICE it passes the remove down, then sends a create still held on and leaves the stack.
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

        /// <summary>Sends the held create on down the stack (from a system thread of <paramref name="machine"/>).</summary>
        public void Release(Machine machine) =>
            machine.CreateSystemThread(0, KernelModule.Kernel, "GateRelease", async _ =>
            {
                if (HeldCreate is { } create)
                {
                    HeldCreate = null;
                    IoSkipCurrentIrpStackLocation(create);
                    await IoCallDriver(_lower, create);
                }
            });

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

    /// <summary>
    /// The RAM disk stack built by the PnP manager from the registry, as the host's runner builds it: the
    /// root enumerator reports <c>Root\RAMDISK\0000</c>, ramdisk.sys is its function driver, the counting
    /// filter its upper filter (and, with <c>failing</c>, a filter above it that can report PNP_DEVICE_FAILED).
    /// Removals are the PnP manager's own; the tests' hand-attached filters sit on top of this stack.
    /// </summary>
    private sealed class RamDiskPnpBed : IDisposable
    {
        public const string InstancePath = "Root\\RAMDISK\\0000";

        private readonly Pnp.PnpBed _bed = new();

        public RamDiskPnpBed(bool failing = false)
        {
            _bed.AddImage(RamDisk.ImageName, RamDisk.DriverEntryWith(new RamDiskOptions(64 * 1024, false)));
            _bed.AddImage(CountingFilter.ImageName, CountingFilter.DriverEntry);
            if (failing)
            {
                Failing = new Pnp.VetoFilter("Failing", _bed.Journal);
                _bed.AddImage("failing.sys", Failing.DriverEntry);
            }
            _bed.Io.Observer = Trace;
            _bed.Enumerate($"""
                [Services]
                {RamDisk.ServiceName} = {RamDisk.ImageName}
                {CountingFilter.ServiceName} = {CountingFilter.ImageName}
                Failing = failing.sys

                [Drivers]
                RAMDISK = {RamDisk.ServiceName}, DiskDrive

                [Device {InstancePath}]
                UpperFilters = {CountingFilter.ServiceName}{(failing ? ", Failing" : "")}

                [Root]
                RAMDISK\0000 =
                """);
            Assert.Equal(DeviceNodeState.Started, Node.State);
            RamDiskFdo = Io.Drivers.Single(d => d.ServiceName == RamDisk.ServiceName).DeviceObjects.Single();
            Process = UserProcess.Create(_bed.Machine, _bed.Io, "app.exe");
        }

        public IoMgr Io => _bed.Io;

        public Machine Machine => _bed.Machine;

        public PnpManager Pnp => _bed.Pnp;

        public RoutineRecorder Trace { get; } = new();

        public DeviceNode Node => _bed.Node(InstancePath);

        public DeviceObject RamDiskFdo { get; }

        public Pnp.VetoFilter? Failing { get; }

        public UserProcess Process { get; }

        public void RunUntil(Func<bool> condition) => _bed.RunUntil(condition);

        /// <summary>Runs <paramref name="main"/> as a user thread of app.exe to its end, the PnP manager idle again.</summary>
        public void Run(Func<ValueTask> main)
        {
            var done = false;
            Process.CreateThread(0, "main", async () =>
            {
                await main();
                Volatile.Write(ref done, true);
            });
            RunUntil(() => Volatile.Read(ref done) && Pnp.IsIdle);
        }

        /// <summary>The PnP manager's orderly removal of the RAM disk's node (CM_Query_And_Remove_SubTree): its veto, or null once removed.</summary>
        public PnpVeto? QueryRemove()
        {
            var completion = new PnpActionCompletion();
            Pnp.RequestQueryRemove(Node, completion);
            RunUntil(() => completion.IsCompleted && Pnp.IsIdle);
            return completion.Veto;
        }

        public (Handle Handle, Win32Error Error, NtStatus Status) Open(string name)
        {
            (Handle, Win32Error, NtStatus) result = default;
            Run(async () =>
            {
                var handle = await CreateFile(name, GenericAccess.GenericRead, FileShareMode.Read | FileShareMode.Write, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
                result = (handle, GetLastError(), GetLastNtStatus());
            });
            return result;
        }

        public void Dispose() => _bed.Dispose();
    }
}
