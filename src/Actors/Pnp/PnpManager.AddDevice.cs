namespace ActorKernel.Actors;

// The drivers of a device (ReactOS io/pnpmgr/devaction.c PiCallDriverAddDevice and
// PiAttachFilterDriversCallback): the registry names them, they are loaded, then AddDevice runs for
// each in stack order, bottom up.
public sealed partial class PnpManager
{
    private enum AddDeviceDriverType
    {
        LowerFilter,
        LowerClassFilter,
        DeviceDriver,
        UpperFilter,
        UpperClassFilter,
    }

    /// <summary>
    /// PiCallDriverAddDevice: the service of the first hardware, then compatible, ID the driver database
    /// knows, and the filters of the device key and the class key, loaded in stack order (device
    /// LowerFilters, class LowerFilters, the function driver, device UpperFilters, class UpperFilters);
    /// then each one's AddDevice with the PDO, in that order. A driver that cannot be loaded gives the
    /// node CM_PROB_DRIVER_FAILED_LOAD (39), or CM_PROB_FAILED_DRIVER_ENTRY (37) when its DriverEntry
    /// failed, and no AddDevice runs; a failed AddDevice of the function driver gives CM_PROB_FAILED_ADD
    /// (31) (a filter's failure is ignored, as NT does).
    /// </summary>
    private async ValueTask PiCallDriverAddDevice(DeviceNode node)
    {
        var entry = Registry.FindDriver(node.HardwareIds, node.CompatibleIds);
        if (entry is null)
        {
            if (node.Capabilities is { RawDeviceOk: true })
            {
                node.State = DeviceNodeState.DriversAdded; // raw: the bus driver alone runs the device
                return;
            }
            node.SetProblem(CmProblem.FailedInstall, NtStatus.ObjectNameNotFound);
            PnpLog(node, "no driver database entry for its IDs");
            return;
        }
        node.ServiceName = entry.Service;
        node.ClassName = entry.Class;
        var deviceKey = Registry.DeviceFilters(node.InstancePath, node.HardwareIds);
        var classKey = Registry.ClassFilters(entry.Class);
        var services = new List<(string Service, AddDeviceDriverType Type)>();
        services.AddRange(deviceKey.LowerFilters.Select(s => (s, AddDeviceDriverType.LowerFilter)));
        services.AddRange(classKey.LowerFilters.Select(s => (s, AddDeviceDriverType.LowerClassFilter)));
        services.Add((entry.Service, AddDeviceDriverType.DeviceDriver));
        services.AddRange(deviceKey.UpperFilters.Select(s => (s, AddDeviceDriverType.UpperFilter)));
        services.AddRange(classKey.UpperFilters.Select(s => (s, AddDeviceDriverType.UpperClassFilter)));

        var drivers = new List<(DriverObject Driver, AddDeviceDriverType Type)>();
        foreach (var (service, type) in services)
        {
            var (driver, problem, status) = await IopLoadServiceDriver(node, service).ConfigureAwait(false);
            if (driver is null)
            {
                node.SetProblem(problem, status);
                return;
            }
            drivers.Add((driver, type));
        }
        foreach (var (driver, type) in drivers)
        {
            NtStatus status;
            if (driver.DriverExtension.AddDevice is { } addDevice)
            {
                // The driver's actor admits the call (never while its unload is pending), then AddDevice runs here.
                status = await Io.IopCallDriverLifeRoutine(driver, IopDriverRoutine.AddDevice, () => addDevice(driver, node.PhysicalDeviceObject)).ConfigureAwait(false);
            }
            else
            {
                status = NtStatus.Unsuccessful; // a legacy driver (no AddDevice) cannot drive a PnP device
            }
            PnpLog(node, $"AddDevice {driver.Name} ({type}) -> {status.ToDisplayString()}");
            if (status == NtStatus.ImageAlreadyLoaded && driver.LifeState is DriverLifeState.UnloadPending or DriverLifeState.Unloaded)
            {
                // The driver's actor refused: its unload was invoked after the load found it. NT's answer is the load's (problem 39).
                node.SetProblem(CmProblem.DriverFailedLoad, NtStatus.DriverUnableToLoad);
                return;
            }
            if (type == AddDeviceDriverType.DeviceDriver && !status.IsSuccess())
            {
                node.SetProblem(CmProblem.FailedAdd, status);
                node.State = DeviceNodeState.AwaitingQueuedRemoval;
                return;
            }
        }
        node.State = DeviceNodeState.DriversAdded;
    }

    /// <summary>
    /// The driver object of <paramref name="service"/>: the loaded one (<c>\Driver\service</c>), or the
    /// image its ImagePath names loaded now (IopLoadDriver: DriverEntry runs in this thread).
    /// </summary>
    private async ValueTask<(DriverObject? Driver, CmProblem Problem, NtStatus Status)> IopLoadServiceDriver(DeviceNode node, string service)
    {
        foreach (var loaded in Io.Drivers.ToList())
        {
            if (string.Equals(loaded.ServiceName, service, StringComparison.OrdinalIgnoreCase) && !loaded.Unloaded)
            {
                if (loaded.UnloadPending)
                {
                    // DRVO_UNLOAD_INVOKED, \Driver\service still named: IopLoadDriver finds the image loaded and IopResurrectDriver
                    // refuses (STATUS_IMAGE_ALREADY_LOADED); PipCallDriverAddDevice makes that STATUS_DRIVER_UNABLE_TO_LOAD, problem 39.
                    PnpLog(node, $"load {loaded.ImageName} for service {service}: its unload was invoked (DRVO_UNLOAD_INVOKED) -> STATUS_IMAGE_ALREADY_LOADED");
                    return (null, CmProblem.DriverFailedLoad, NtStatus.DriverUnableToLoad);
                }
                return (loaded, CmProblem.None, NtStatus.Success);
            }
        }
        if (Registry.FindService(service) is not { } key)
        {
            PnpLog(node, $"service {service} has no key");
            return (null, CmProblem.DriverServiceKeyInvalid, NtStatus.ObjectNameNotFound);
        }
        if (key.Start >= PnpServiceKey.Disabled)
        {
            PnpLog(node, $"service {service} is disabled");
            return (null, CmProblem.DisabledService, NtStatus.Unsuccessful);
        }
        if (Io.IopPriorInstanceInMemory(service) is { } prior)
        {
            // \Driver\service is gone (DriverUnload returned) but its image is still mapped (a queued work item holds it):
            // IopLoadDriver finds the image loaded and no driver object: STATUS_DRIVER_FAILED_PRIOR_UNLOAD, problem 38.
            PnpLog(node, $"load {prior.ImageName} for service {service}: its previous instance is still in memory -> STATUS_DRIVER_FAILED_PRIOR_UNLOAD");
            return (null, CmProblem.DriverFailedPriorUnload, NtStatus.DriverFailedPriorUnload);
        }
        if (!_images.TryGetValue(key.ImagePath, out var entry))
        {
            PnpLog(node, $"load {key.ImagePath} for service {service} -> STATUS_OBJECT_NAME_NOT_FOUND");
            return (null, CmProblem.DriverFailedLoad, NtStatus.ObjectNameNotFound);
        }
        // MmIsDriverVerifying: an image on the verifier's list loads with I/O verification (VerifyDrivers).
        var verify = (Machine.Memory.VfGetOptions(key.ImagePath) & VerifierOptions.IoVerification) != 0;
        Machine.Memory.VfDriverLoaded(key.ImagePath);
        var (status, driver) = await Io.LoadDriverAsync(key.Name, key.ImagePath, entry, verify).ConfigureAwait(false);
        PnpLog(node, $"DriverEntry \\Driver\\{key.Name} ({key.ImagePath}) -> {status.ToDisplayString()}");
        return driver is null
            ? (null, CmProblem.FailedDriverEntry, status)
            : (driver, CmProblem.None, status);
    }
}
