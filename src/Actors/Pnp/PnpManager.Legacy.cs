namespace ActorKernel.Actors;

// Services that start at boot whether or not a device names them (ReactOS io/iomgr/driver.c
// IopInitializeSystemDrivers, io/pnpmgr: IopCreateDeviceNode for a legacy driver): a driver with no
// AddDevice routine is a legacy (NT4-style) driver, and the PnP manager gives it a device node of its
// own under the root, Root\LEGACY_<SERVICE>\0000, so the tree shows every driver that runs.
public sealed partial class PnpManager
{
    /// <summary>The device ID prefix of a legacy driver's device node (<c>Root\LEGACY_SIOCTL</c>).</summary>
    public const string LegacyDeviceIdPrefix = "Root\\LEGACY_";

    /// <summary>
    /// Queues IopInitializeSystemDrivers: each SERVICE_SYSTEM_START (1) or SERVICE_AUTO_START (2) service
    /// of the registry that is not loaded yet is loaded (DriverEntry), in registry order, after the
    /// device actions queued before it (queue it after the first enumeration, as NT loads system-start
    /// drivers once the boot enumeration is done).
    /// </summary>
    public void RequestSystemStartDrivers()
    {
        Interlocked.Increment(ref _pendingActions);
        Actor.Tell(new PnpDeviceAction(RootDeviceNode, PnpDeviceActionKind.LoadSystemStartDrivers));
    }

    /// <summary>
    /// IopInitializeSystemDrivers: loads each boot-time service; a driver without AddDevice gets its
    /// legacy device node (started, as NT reports it); a failed load gives that node its problem code
    /// (CM_PROB_FAILED_DRIVER_ENTRY, 37, or CM_PROB_DRIVER_FAILED_LOAD, 39) and the boot goes on.
    /// </summary>
    private async ValueTask IopInitializeSystemDrivers()
    {
        foreach (var service in Registry.Services.Where(s => s.Start is PnpServiceKey.SystemStart or PnpServiceKey.AutoStart))
        {
            if (Machine.IsBugChecked)
            {
                return;
            }
            var (driver, problem, status) = await IopLoadServiceDriver(RootDeviceNode, service.Name).ConfigureAwait(false);
            if (driver is { DriverExtension.AddDevice: not null } || FindDeviceNode(LegacyInstancePath(service.Name)) is not null)
            {
                continue; // a PnP driver: its devices come with the device nodes that name it
            }
            var node = IopCreateLegacyDeviceNode(service.Name);
            if (driver is null)
            {
                node.SetProblem(problem, status);
                continue;
            }
            node.State = DeviceNodeState.Started;
        }
    }

    /// <summary>Root\LEGACY_&lt;SERVICE&gt;\0000 under the root, its PDO one of \Driver\PnpManager's (not reported by BusRelations).</summary>
    private DeviceNode IopCreateLegacyDeviceNode(string service)
    {
        var deviceId = LegacyDeviceIdPrefix + service.ToUpperInvariant();
        var pdo = PnpRootCreatePdo(new PnpRootDevice(deviceId[("Root\\".Length)..], "0000", null)); // a child, not a bus: no BusRelations
        var instancePath = LegacyInstancePath(service);
        var node = new DeviceNode(RootDeviceNode, pdo)
        {
            DeviceId = deviceId,
            InstanceId = "0000",
            InstancePath = instancePath,
            HardwareIds = [deviceId[("Root\\".Length)..]],
            ServiceName = service,
            State = DeviceNodeState.Initialized,
        };
        lock (_treeLock)
        {
            RootDeviceNode.AddChild(node);
            _nodesByPdo.Add(pdo, node);
            _nodesByPath.Add(node.InstancePath, node);
        }
        return node;
    }

    /// <summary>The instance path of <paramref name="service"/>'s legacy device node.</summary>
    /// <param name="service">The service name.</param>
    /// <returns><c>Root\LEGACY_&lt;SERVICE&gt;\0000</c>.</returns>
    public static string LegacyInstancePath(string service) => LegacyDeviceIdPrefix + service.ToUpperInvariant() + "\\0000";
}
