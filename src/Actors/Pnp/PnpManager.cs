using ActorKernel.Runtime;

namespace ActorKernel.Actors;

/// <summary>
/// The Plug and Play manager of one machine (ReactOS io/pnpmgr; Microsoft "PnP Manager"): it owns the
/// device tree from the root device node (HTREE\ROOT\0, whose PDO belongs to \Driver\PnpManager),
/// asks each started bus for its children (IRP_MN_QUERY_DEVICE_RELATIONS, BusRelations), makes a
/// device node for every new PDO and asks it for its IDs, capabilities and resource requirements,
/// loads the function driver and filters the registry names and calls their AddDevice routines,
/// assigns resources through its arbiters and starts the stack (IRP_MN_START_DEVICE). A device that
/// cannot be set up keeps a problem code, and the rest of the tree goes on.
/// </summary>
/// <remarks>
/// Device actions (enumerate a node's subtree) are messages to the manager's actor, which runs one at a
/// time in a system thread at PASSIVE_LEVEL (PipDeviceActionWorker), so the tree changes in one
/// deterministic order. The tree's shape (children, the PDO and path maps) changes under its lock; a
/// node's fields are written by the worker alone, so read them (or <see cref="DumpDeviceTree"/>) once
/// <see cref="IsIdle"/> holds.
/// </remarks>
public sealed partial class PnpManager
{
    /// <summary>The service name of the PnP manager's own driver object (<c>\Driver\PnpManager</c>).</summary>
    public const string RootDriverServiceName = "PnpManager";

    /// <summary>The instance path of the root device node.</summary>
    public const string RootInstancePath = "HTREE\\ROOT\\0";

    private readonly Lock _treeLock = new();
    private readonly Dictionary<DeviceObject, DeviceNode> _nodesByPdo = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, DeviceNode> _nodesByPath = new(StringComparer.OrdinalIgnoreCase);
    private readonly PnpArbiter _arbiter = new();
    private readonly IReadOnlyDictionary<string, DriverInitialize> _images;
    private readonly List<PnpEvent> _log = [];
    private int _pendingActions;

    private PnpManager(Machine machine, IoManager io, PnpRegistry registry, IReadOnlyDictionary<string, DriverInitialize> images)
    {
        Machine = machine;
        Io = io;
        Registry = registry;
        _images = new Dictionary<string, DriverInitialize>(images, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The machine.</summary>
    public Machine Machine { get; }

    /// <summary>The I/O manager whose drivers and devices the tree holds.</summary>
    public IoManager Io { get; }

    /// <summary>The registry it reads.</summary>
    public PnpRegistry Registry { get; }

    /// <summary>IopRootDeviceNode: HTREE\ROOT\0.</summary>
    public DeviceNode RootDeviceNode { get; private set; } = null!;

    /// <summary>\Driver\PnpManager: the driver of the root PDO and of the root-enumerated PDOs.</summary>
    public DriverObject RootDriver { get; private set; } = null!;

    /// <summary>The manager's actor (it queues the device actions).</summary>
    public IActorRef Actor { get; private set; } = null!;

    /// <summary>No device action is queued or running: the tree is settled.</summary>
    public bool IsIdle => Volatile.Read(ref _pendingActions) == 0;

    /// <summary>
    /// What the manager did, in order: each PnP IRP it sent (<c>IRP_MN_QUERY_ID BusQueryDeviceID -&gt; STATUS_SUCCESS</c>),
    /// each DriverEntry and AddDevice it called, each conflict, with the device node it was for.
    /// </summary>
    public IReadOnlyList<PnpEvent> Log
    {
        get
        {
            lock (_log)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>The resources the arbiters handed out, in assignment order.</summary>
    public IReadOnlyList<PnpResourceClaim> Claims
    {
        get
        {
            lock (_treeLock)
            {
                return [.. _arbiter.Claims];
            }
        }
    }

    /// <summary>
    /// Creates the PnP manager of <paramref name="machine"/>: loads \Driver\PnpManager, creates the root
    /// PDO and the root device node (started, as NT creates it) and the manager's actor. Nothing is
    /// enumerated until <see cref="RequestDeviceEnumeration"/>.
    /// </summary>
    /// <param name="machine">The machine.</param>
    /// <param name="io">Its I/O manager (attached to the machine).</param>
    /// <param name="registry">The registry: services, driver database, filters, root devices.</param>
    /// <param name="images">The driver images on "disk": image name (a service's ImagePath) to DriverEntry.</param>
    /// <returns>The manager.</returns>
    /// <exception cref="InvalidOperationException">The I/O manager has a PnP manager already.</exception>
    public static PnpManager Create(Machine machine, IoManager io, PnpRegistry registry, IReadOnlyDictionary<string, DriverInitialize> images)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(io);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(images);
        if (io.PnpManager is not null)
        {
            throw new InvalidOperationException("This I/O manager has a PnP manager already.");
        }
        var manager = new PnpManager(machine, io, registry, images);
        var load = io.LoadDriverAsync(RootDriverServiceName, "ntoskrnl.exe", manager.PnpRootDriverEntry);
        if (!load.IsCompleted || !load.Result.Status.IsSuccess())
        {
            throw new InvalidOperationException("\\Driver\\PnpManager did not load.");
        }
        manager.RootDriver = load.Result.Driver!;
        var rootPdo = manager.PnpRootCreatePdo(null);
        var root = new DeviceNode(null, rootPdo)
        {
            InstancePath = RootInstancePath,
            DeviceId = "HTREE\\ROOT",
            InstanceId = "0",
            State = DeviceNodeState.Started,
        };
        manager.RootDeviceNode = root;
        manager._nodesByPdo.Add(rootPdo, root);
        manager._nodesByPath.Add(root.InstancePath, root);
        io.PnpManager = manager;
        var name = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{machine.Options.Name}-pnpmgr");
        manager.Actor = machine.System.ActorOf(Props.Create(() => new PnpManagerActor(manager)), name);
        return manager;
    }

    /// <summary>
    /// Queues the enumeration of <paramref name="node"/>'s subtree (PiQueueDeviceAction with
    /// PiActionEnumDeviceTree): the bus is asked for its children, new ones are set up and started,
    /// and each started child is enumerated in turn.
    /// </summary>
    /// <param name="node">The node (the root when null).</param>
    public void RequestDeviceEnumeration(DeviceNode? node = null)
    {
        Interlocked.Increment(ref _pendingActions);
        Actor.Tell(new PnpDeviceAction(node ?? RootDeviceNode, PnpDeviceActionKind.EnumerateDeviceTree));
    }

    /// <summary>The device node of <paramref name="physicalDeviceObject"/>, or null (IopGetDeviceNode).</summary>
    /// <param name="physicalDeviceObject">A PDO.</param>
    /// <returns>The node.</returns>
    public DeviceNode? IopGetDeviceNode(DeviceObject physicalDeviceObject)
    {
        lock (_treeLock)
        {
            return _nodesByPdo.GetValueOrDefault(physicalDeviceObject);
        }
    }

    /// <summary>The device node with <paramref name="instancePath"/> (case-insensitive, as registry paths), or null.</summary>
    /// <param name="instancePath">An instance path.</param>
    /// <returns>The node.</returns>
    public DeviceNode? FindDeviceNode(string instancePath)
    {
        lock (_treeLock)
        {
            return _nodesByPath.GetValueOrDefault(instancePath);
        }
    }

    /// <summary>Runs one device action: called by the actor's worker thread.</summary>
    internal async ValueTask PipDeviceAction(PnpDeviceAction action)
    {
        try
        {
            switch (action.Kind)
            {
                case PnpDeviceActionKind.EnumerateDeviceTree:
                    await PipEnumerateDeviceTree(action.Node).ConfigureAwait(false);
                    break;
                case PnpDeviceActionKind.LoadSystemStartDrivers:
                    await IopInitializeSystemDrivers().ConfigureAwait(false);
                    break;
            }
        }
        finally
        {
            Interlocked.Decrement(ref _pendingActions);
        }
    }

    private void PnpLog(DeviceNode node, string what)
    {
        lock (_log)
        {
            _log.Add(new PnpEvent(node, what));
        }
    }
}

/// <summary>One step of the PnP manager, for tests and traces.</summary>
/// <param name="Node">The device node it was for.</param>
/// <param name="What">The step (<c>IRP_MN_QUERY_ID BusQueryDeviceID -&gt; STATUS_SUCCESS</c>, <c>AddDevice \Driver\Serial (DeviceDriver) -&gt; STATUS_SUCCESS</c>).</param>
public sealed record PnpEvent(DeviceNode Node, string What)
{
    /// <inheritdoc />
    public override string ToString() => Node.InstancePath + " " + What;
}

/// <summary>The device actions of the PnP manager's queue (DEVICE_ACTION).</summary>
public enum PnpDeviceActionKind
{
    /// <summary>PiActionEnumDeviceTree: enumerate a node and its started children.</summary>
    EnumerateDeviceTree,

    /// <summary>IopInitializeSystemDrivers: load the SERVICE_SYSTEM_START and SERVICE_AUTO_START services no device loaded (PnpManager.Legacy.cs).</summary>
    LoadSystemStartDrivers,
}

/// <summary>A device action for the PnP manager's actor (DEVICE_ACTION_REQUEST).</summary>
/// <param name="Node">The device node.</param>
/// <param name="Kind">What to do.</param>
public sealed record PnpDeviceAction(DeviceNode Node, PnpDeviceActionKind Kind);

public sealed partial class IoManager
{
    /// <summary>The machine's PnP manager, once one was created over this I/O manager (IoInvalidateDeviceRelations finds it here).</summary>
    public PnpManager? PnpManager { get; internal set; }
}
