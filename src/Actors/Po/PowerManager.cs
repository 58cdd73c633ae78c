using ActorKernel.Runtime;

namespace ActorKernel.Actors;

/// <summary>
/// The power manager of one machine (ReactOS ntoskrnl/po; Microsoft "Power Manager"): it moves the
/// machine between S0, S3, S4 and S5 by sending IRP_MN_QUERY_POWER and IRP_MN_SET_POWER to every
/// started device stack in device-tree order, sends the power IRPs drivers request
/// (PoRequestPowerIrp) and tracks each device object's power state (PoSetPowerState), runs idle
/// detection (PoRegisterDeviceForIdleDetection, PoSetDeviceBusy), watches power IRPs for drivers
/// that hold them too long (0x9F subcode 3), and at S5 sends IRP_MJ_SHUTDOWN to every device that
/// asked for it (IoRegisterShutdownNotification) before the machine stops.
/// </summary>
/// <remarks>
/// System transitions are messages to the manager's actor, which runs one at a time in a system
/// thread at PASSIVE_LEVEL (as the PnP manager's device actions run), so the IRPs go out in one
/// deterministic order. Before Windows Vista (<see cref="PowerManagerOptions.Version"/>) power IRPs
/// are serialised per device object and every driver must call PoStartNextPowerIrp.
/// </remarks>
public sealed partial class PowerManager
{
    private readonly Lock _lock = new();
    private readonly Dictionary<DeviceObject, PopDeviceRecord> _devices = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Irp, PopIrpRecord> _irps = new(ReferenceEqualityComparer.Instance);
    private readonly List<PopIrpRecord> _irpsInOrder = [];
    private readonly List<PoIdleCounter> _idleList = [];
    private readonly List<PowerEvent> _log = [];
    private int _pendingActions;
    private uint _systemContext;

    private PowerManager(Machine machine, IoManager io, PnpManager pnp, PowerManagerOptions options)
    {
        Machine = machine;
        Io = io;
        Pnp = pnp;
        Options = options;
    }

    /// <summary>The machine.</summary>
    public Machine Machine { get; }

    /// <summary>The I/O manager.</summary>
    public IoManager Io { get; }

    /// <summary>The PnP manager whose device tree orders the system power IRPs.</summary>
    public PnpManager Pnp { get; }

    /// <summary>The release it behaves as and its timeouts.</summary>
    public PowerManagerOptions Options { get; }

    /// <summary>The manager's actor (system transitions, the idle and watchdog scans).</summary>
    public IActorRef Actor { get; private set; } = null!;

    /// <summary>The system power state the machine is in (S0 until a transition completes).</summary>
    public SystemPowerState SystemState { get; private set; } = SystemPowerState.PowerSystemWorking;

    /// <summary>S5 completed: IRP_MJ_SHUTDOWN and the S5 IRPs went out and the machine stopped.</summary>
    public bool IsPoweredOff { get; private set; }

    /// <summary>No system transition is queued or running.</summary>
    public bool IsIdle => Volatile.Read(ref _pendingActions) == 0;

    /// <summary>Whether power IRPs are serialised and PoStartNextPowerIrp is required (Windows Server 2003, XP and 2000).</summary>
    public bool SerializesPowerIrps => Options.Version < NtPowerVersion.WindowsVista;

    /// <summary>
    /// What the manager did, in order: each power IRP it sent and how it completed, each IRP_MJ_SHUTDOWN,
    /// each idle power-down, each system state reached.
    /// </summary>
    public IReadOnlyList<PowerEvent> Log
    {
        get
        {
            lock (_log)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>Creates the power manager of <paramref name="machine"/> over its PnP manager's device tree, and its actor.</summary>
    /// <param name="machine">The machine.</param>
    /// <param name="io">Its I/O manager.</param>
    /// <param name="pnp">Its PnP manager.</param>
    /// <param name="options">The release and timeouts (null: Windows 10's behaviour, the defaults).</param>
    /// <returns>The manager.</returns>
    /// <exception cref="InvalidOperationException">The I/O manager has a power manager already.</exception>
    public static PowerManager Create(Machine machine, IoManager io, PnpManager pnp, PowerManagerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(io);
        ArgumentNullException.ThrowIfNull(pnp);
        if (io.PowerManager is not null)
        {
            throw new InvalidOperationException("This I/O manager has a power manager already.");
        }
        options ??= new PowerManagerOptions();
        options.Validate();
        var manager = new PowerManager(machine, io, pnp, options);
        io.PowerManager = manager;
        var name = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{machine.Options.Name}-pomgr");
        manager.Actor = machine.System.ActorOf(Props.Create(() => new PowerManagerActor(manager)), name);
        return manager;
    }

    /// <summary>
    /// Queues a system power transition (NtSetSystemPowerState / NtInitiatePowerAction): to S3 or S4 (query,
    /// then set, leaves first), back to S0 (set, parents first), or to S5 (IRP_MJ_SHUTDOWN, then set, then off).
    /// </summary>
    /// <param name="state">PowerSystemWorking, PowerSystemSleeping3, PowerSystemHibernate or PowerSystemShutdown.</param>
    /// <exception cref="ArgumentOutOfRangeException">Another state.</exception>
    public void RequestSystemPowerState(SystemPowerState state)
    {
        if (state is not (SystemPowerState.PowerSystemWorking or SystemPowerState.PowerSystemSleeping3 or SystemPowerState.PowerSystemHibernate or SystemPowerState.PowerSystemShutdown))
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "The machine supports S0, S3, S4 and S5.");
        }
        Interlocked.Increment(ref _pendingActions);
        Actor.Tell(new PopSystemAction(state));
    }

    /// <summary>The device power state the driver of <paramref name="deviceObject"/> last reported with PoSetPowerState (D0 until it reports one).</summary>
    /// <param name="deviceObject">A device object.</param>
    /// <returns>Its state.</returns>
    public DevicePowerState GetDevicePowerState(DeviceObject deviceObject)
    {
        lock (_lock)
        {
            return _devices.TryGetValue(deviceObject, out var record) ? record.DeviceState : DevicePowerState.PowerDeviceD0;
        }
    }

    /// <summary>The device objects registered with IoRegisterShutdownNotification, in the order IRP_MJ_SHUTDOWN reaches them.</summary>
    public IReadOnlyList<DeviceObject> ShutdownNotificationList => Io.IopShutdownNotificationList;

    internal void PopActionDone() => Interlocked.Decrement(ref _pendingActions);

    internal void PopLog(DeviceObject? device, string what)
    {
        var pdo = device;
        while (pdo?.AttachedTo is { } lower)
        {
            pdo = lower; // the stack's PDO names the device node
        }
        var node = pdo is null ? null : Pnp.IopGetDeviceNode(pdo);
        lock (_log)
        {
            _log.Add(new PowerEvent(Machine.NowNanoseconds, node?.InstancePath ?? device?.ToString() ?? "system", what));
        }
    }

    private PopDeviceRecord PopRecord(DeviceObject device)
    {
        if (!_devices.TryGetValue(device, out var record))
        {
            record = new PopDeviceRecord();
            _devices.Add(device, record);
        }
        return record;
    }

    /// <summary>DEVOBJ_EXTENSION's power fields: the state PoSetPowerState reported and the serialisation of power IRPs.</summary>
    private sealed class PopDeviceRecord
    {
        public DevicePowerState DeviceState { get; set; } = DevicePowerState.PowerDeviceD0;

        public SystemPowerState SystemState { get; set; } = SystemPowerState.PowerSystemWorking;

        // POPF_SYSTEM_ACTIVE / POPF_DEVICE_ACTIVE: an S- or D-IRP is at this device object (pre-Vista serialisation).
        public bool SystemActive { get; set; }

        public bool DeviceActive { get; set; }

        public Queue<(Irp Irp, DeviceObject Target)> SystemPending { get; } = new();

        public Queue<(Irp Irp, DeviceObject Target)> DevicePending { get; } = new();
    }
}

/// <summary>The power manager's release and timeouts.</summary>
public sealed record PowerManagerOptions
{
    /// <summary>The Windows release it behaves as (Windows 10 by default: no serialisation, PoStartNextPowerIrp does nothing).</summary>
    public NtPowerVersion Version { get; init; } = NtPowerVersion.Windows10;

    /// <summary>
    /// The power IRP watchdog: a power IRP the manager sent that is not completed within this time bugchecks
    /// DRIVER_POWER_STATE_FAILURE (0x9F) subcode 3. NT's is "several minutes" (PoQueryWatchdogTime); 10 minutes here.
    /// </summary>
    public TimeSpan PowerIrpTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the idle counters advance and the watchdog looks (PopScanIdleList runs once a second).</summary>
    public TimeSpan ScanInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first problem.</summary>
    public void Validate()
    {
        if (PowerIrpTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("PowerIrpTimeout must be positive.");
        }
        if (ScanInterval <= TimeSpan.Zero || ScanInterval > PowerIrpTimeout)
        {
            throw new ArgumentException("ScanInterval must be positive and no longer than PowerIrpTimeout.");
        }
    }
}

/// <summary>One step of the power manager, for tests and traces.</summary>
/// <param name="TimeNs">Virtual time, in nanoseconds.</param>
/// <param name="Device">The device node's instance path (or the device object, or "system").</param>
/// <param name="What">The step (<c>IRP_MN_SET_POWER S3 -&gt; STATUS_SUCCESS</c>, <c>IRP_MJ_SHUTDOWN</c>).</param>
public sealed record PowerEvent(long TimeNs, string Device, string What)
{
    /// <inheritdoc />
    public override string ToString() => Device + " " + What;
}

/// <summary>A system transition for the power manager's actor.</summary>
/// <param name="State">The target state.</param>
internal sealed record PopSystemAction(SystemPowerState State);

public sealed partial class IoManager
{
    // IopNotifyShutdownQueueHead: IoRegisterShutdownNotification inserts at the head.
    private readonly List<DeviceObject> _shutdownList = [];

    /// <summary>The machine's power manager, once one was created over this I/O manager.</summary>
    public PowerManager? PowerManager { get; internal set; }

    internal IReadOnlyList<DeviceObject> IopShutdownNotificationList
    {
        get
        {
            lock (_shutdownList)
            {
                return [.. _shutdownList];
            }
        }
    }

    /// <summary>IoRegisterShutdownNotification: see <see cref="Wdm.IoRegisterShutdownNotification"/>.</summary>
    internal void IopRegisterShutdownNotification(DeviceObject deviceObject)
    {
        lock (_shutdownList)
        {
            if (!_shutdownList.Contains(deviceObject))
            {
                _shutdownList.Insert(0, deviceObject); // InsertHeadList: the last registered hears it first
            }
        }
    }

    /// <summary>IoUnregisterShutdownNotification.</summary>
    internal void IopUnregisterShutdownNotification(DeviceObject deviceObject)
    {
        lock (_shutdownList)
        {
            _shutdownList.Remove(deviceObject);
        }
    }
}
