namespace ActorKernel.Actors;

/// <summary>
/// The I/O manager of one simulated machine: its drivers and devices (named in the object
/// namespace), the IRPs it allocated, the cancel spin lock, verification settings and the hook that
/// every driver routine passes through. The WDM-named services are on <see cref="Wdm"/>; they find
/// the manager through the objects they are given.
/// </summary>
public sealed partial class IoManager
{
    // Simulated addresses: IRPs and objects come from "nonpaged pool", one block per object, in
    // allocation order, so the same run gives the same addresses.
    private const ulong ObjectRegionBase = 0xFFFF_FA80_0100_0000;
    private long _nextObject;

    /// <summary>Creates an I/O manager over <paramref name="objects"/>.</summary>
    /// <param name="objects">The object namespace where drivers and named devices are inserted.</param>
    /// <param name="costs">Simulated cost of I/O manager services; default if null.</param>
    public IoManager(ObjectNamespace? objects = null, IoCostModel? costs = null)
    {
        Objects = objects ?? new ObjectNamespace();
        Costs = costs ?? IoCostModel.Default;
    }

    /// <summary>The object namespace.</summary>
    public ObjectNamespace Objects { get; }

    /// <summary>The simulated cost of I/O manager services.</summary>
    public IoCostModel Costs { get; }

    /// <summary>An observer told of every routine the I/O manager runs (null: none, and no cost).</summary>
    public IIoRoutineObserver? Observer { get; set; }

    /// <summary>When true, I/O verification applies to every driver, as if each had <see cref="DriverObject.VerifierEnabled"/>.</summary>
    public bool VerifyAllDrivers { get; set; }

    /// <summary>The drivers loaded, in load order.</summary>
    public IReadOnlyList<DriverObject> Drivers => Volatile.Read(ref _drivers);

    // Replaced, never changed, under _driversLock: IopDriverOfModule reads it on hot paths without a lock.
    private DriverObject[] _drivers = [];
    private readonly Lock _driversLock = new();

    internal ulong AllocateAddress() => ObjectRegionBase + ((ulong)Interlocked.Increment(ref _nextObject) << 9);

    /// <summary>
    /// Loads a driver: creates <c>\Driver\<paramref name="serviceName"/></c> and calls its DriverEntry
    /// (IopLoadDriver). Runs DriverEntry on the current processor at PASSIVE_LEVEL.
    /// </summary>
    /// <param name="serviceName">The service name, e.g. <c>RamDisk</c>.</param>
    /// <param name="imageName">The image name, e.g. <c>ramdisk.sys</c>.</param>
    /// <param name="driverEntry">DriverEntry.</param>
    /// <param name="verify">Whether I/O verification is on for the driver.</param>
    /// <returns>The driver object, and DriverEntry's status (on failure the driver is not kept).</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public async ValueTask<(NtStatus Status, DriverObject? Driver)> LoadDriverAsync(string serviceName, string imageName, DriverInitialize driverEntry, bool verify = false)
    {
        ArgumentNullException.ThrowIfNull(driverEntry);
        MakeCurrent();
        var driver = new DriverObject(this, serviceName, imageName, AllocateAddress()) { VerifierEnabled = verify };
        var status = Objects.Insert("\\Driver\\" + serviceName, driver);
        if (status != NtStatus.Success)
        {
            return (status, null);
        }
        status = await IopCallDriverLifeRoutine(driver, IopDriverRoutine.DriverEntry,
            () => driverEntry(driver, "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\" + serviceName)).ConfigureAwait(false);
        if (!status.IsSuccess())
        {
            Objects.Remove("\\Driver\\" + serviceName);
            return (status, null);
        }
        foreach (var device in driver.DeviceObjects)
        {
            // IopInitializeDriverModule: devices made in DriverEntry are ready when it returns; the
            // driver clears DO_DEVICE_INITIALIZING itself only for those it makes later (AddDevice).
            device.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        }
        lock (_driversLock)
        {
            Volatile.Write(ref _drivers, [.. _drivers, driver]);
        }
        return (status, driver);
    }

    /// <summary>
    /// Unloads a driver (IopUnloadDriver): calls its DriverUnload, which must delete its devices, and
    /// removes <c>\Driver\Name</c>. The driver's code is gone afterwards: a routine of it that still
    /// runs (a completion routine of an IRP it forgot, a cancel routine, a timer) bugchecks
    /// DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS (0xCE).
    /// </summary>
    /// <param name="driver">The driver.</param>
    /// <returns>STATUS_SUCCESS, or STATUS_INVALID_DEVICE_REQUEST for a driver without DriverUnload (it cannot be unloaded).</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public async ValueTask<NtStatus> UnloadDriverAsync(DriverObject driver)
    {
        ArgumentNullException.ThrowIfNull(driver);
        if (driver.DriverUnload is not { } unload || driver.Unloaded)
        {
            return NtStatus.InvalidDeviceRequest;
        }
        MakeCurrent();
        foreach (var device in driver.DeviceObjects)
        {
            // DOE_UNLOAD_PENDING: no new open reaches a device of a driver being unloaded.
            device.UnloadPending = true;
        }
        var admitted = await IopCallDriverLifeRoutine(driver, IopDriverRoutine.DriverUnload, async () =>
        {
            await unload(driver).ConfigureAwait(false);
            return NtStatus.Success;
        }).ConfigureAwait(false);
        if (!admitted.IsSuccess())
        {
            return admitted; // the driver's actor refused: its unload already runs
        }
        driver.Unloaded = true;
        Machine?.KiUnloadModule(driver.Module); // the image goes (KeCheckForTimer: 0xC7 for a timer still set)
        if (driver.Name is { } name)
        {
            Objects.Remove(name);
        }
        lock (_driversLock)
        {
            Volatile.Write(ref _drivers, Array.FindAll(_drivers, d => d != driver));
            if (Machine is not null && !driver.Module.Unloaded)
            {
                _unloadedMapped.Add(driver); // its image stays until the last queued work item of it returned
            }
        }
        return NtStatus.Success;
    }

    // Drivers unloaded (DriverUnload returned, \Driver\Name gone) whose image may still be mapped; under _driversLock.
    private readonly List<DriverObject> _unloadedMapped = [];

    /// <summary>
    /// The previous instance of <paramref name="service"/> when its driver object is gone but its image is
    /// still in memory (MmLoadSystemImage would answer STATUS_IMAGE_ALREADY_LOADED with no \Driver\ object:
    /// IopLoadDriver's STATUS_DRIVER_FAILED_PRIOR_UNLOAD); null otherwise.
    /// </summary>
    internal DriverObject? IopPriorInstanceInMemory(string service)
    {
        lock (_driversLock)
        {
            _unloadedMapped.RemoveAll(d => d.Module.Unloaded);
            return _unloadedMapped.Find(d => string.Equals(d.ServiceName, service, StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>Executing a routine of an unloaded driver: DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS (0xCE, P1 = the routine, P3 = the referencing address).</summary>
    internal void IopCheckLoaded(DriverObject? driver, Delegate routine)
    {
        if (driver is { Unloaded: true })
        {
            var address = RoutineAddress(routine);
            throw IopBugCheck(BugCheckCode.DriverUnloadedWithoutCancellingPendingOperations, address, 0, address);
        }
    }

    /// <summary>Whether I/O verification applies to <paramref name="driver"/>.</summary>
    internal bool IsVerified(DriverObject? driver) => driver is not null && (driver.VerifierEnabled || VerifyAllDrivers);

    /// <summary>
    /// IopInvalidDeviceRequest: the dispatch routine of every MajorFunction entry a driver leaves
    /// unset; completes the IRP with STATUS_INVALID_DEVICE_REQUEST.
    /// </summary>
    internal static readonly DriverDispatch IopInvalidDeviceRequest = static async (device, irp) =>
    {
        irp.IoStatus.Status = NtStatus.InvalidDeviceRequest;
        irp.IoStatus.Information = 0;
        await Wdm.IoCompleteRequest(irp, PriorityBoost.IoNoIncrement).ConfigureAwait(false);
        return NtStatus.InvalidDeviceRequest;
    };
}

/// <summary>Simulated cost, in nanoseconds, of the I/O manager's services.</summary>
public sealed record IoCostModel
{
    /// <summary>The defaults.</summary>
    public static IoCostModel Default { get; } = new();

    /// <summary>IoCallDriver: the hop to the next device (check, bookkeeping, indirect call).</summary>
    public long CallDriverNs { get; init; } = 60;

    /// <summary>IoCompleteRequest, per stack location it passes.</summary>
    public long CompleteLocationNs { get; init; } = 40;

    /// <summary>IoAllocateIrp / IoFreeIrp / IoBuild*Request.</summary>
    public long AllocateIrpNs { get; init; } = 150;

    /// <summary>The I/O manager's copy of a buffered-I/O buffer, per byte.</summary>
    public double CopyPerByteNs { get; init; } = 0.1;

    /// <summary>Any other I/O manager call.</summary>
    public long DefaultCallNs { get; init; } = 30;
}

public sealed partial class IoManager
{
    private int _autogeneratedNames;

    /// <summary>Guards the AttachedDevice / AttachedTo links of every stack (IopDatabaseLock).</summary>
    internal Lock StackLock { get; } = new();

    internal string IopNextAutogeneratedName() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"\\Device\\{Interlocked.Increment(ref _autogeneratedNames):X8}");

    /// <summary>
    /// A "WDM DRIVER ERROR" of I/O verification as the bugcheck it raises: 0xC9 with the error code,
    /// the address in the driver (here the driver object's), the IRP and the device object.
    /// </summary>
    internal static BugCheckException IopWdmDriverError(IoVerifierViolation code, DriverObject? driver, Irp? irp, DeviceObject? device) =>
        IopBugCheck(BugCheckCode.DriverVerifierIomanagerViolation, (ulong)code, driver?.Address ?? 0, irp?.Address ?? 0, device?.Address ?? 0);
}

public sealed partial class IoManager
{
    /// <summary>
    /// KeBugCheckEx from an I/O manager check: on a processor, the machine freezes now, while the
    /// faulting driver's routine is still the running frame (so the dump names it); outside the
    /// processor model, the exception alone.
    /// </summary>
    internal static BugCheckException IopBugCheck(BugCheckCode code, ulong p1 = 0, ulong p2 = 0, ulong p3 = 0, ulong p4 = 0) =>
        Processor.CurrentOrNull is { Top: not null }
            ? KernelContext.BugCheck(code, p1, p2, p3, p4)
            : new BugCheckException(code, p1, p2, p3, p4);
}

public sealed partial class IoManager
{
    private int _deviceActors;

    /// <summary>
    /// Gives <paramref name="device"/> its actor in the attached machine's actor system (nothing off
    /// a machine): IoCreateDevice calls it, and <see cref="AttachTo"/> for the devices that exist.
    /// </summary>
    internal void IopCreateDeviceActor(DeviceObject device)
    {
        if (Machine is not { } machine || device.Actor is not null || device.DeletePending)
        {
            return;
        }
        var name = device.Name ?? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Device 0x{device.Address:X16}");
        // Prefixed by the machine: two machines (two I/O managers) may share one actor system.
        var actorName = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{machine.Options.Name}-device-{Interlocked.Increment(ref _deviceActors)}");
        device.IopInitializeCounters(machine.ProcessorCount);
        device.Actor = machine.System.ActorOf(ActorKernel.Runtime.Props.Create(() => new DeviceObjectActor(name, device)), actorName);
    }

    /// <summary>IoDeleteDevice: the device's actor stops (no hop goes through it: nothing in flight to wait for).</summary>
    internal static void IopStopDeviceActor(DeviceObject device)
    {
        if (device.IopMarkHopsDeleted() && device.Actor is { } actor)
        {
            actor.Tell(IopDeviceDeleted.Instance);
        }
    }

    internal long IopNow() => Machine?.NowNanoseconds ?? 0;
}
