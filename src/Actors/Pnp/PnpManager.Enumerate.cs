namespace ActorKernel.Actors;

// Enumeration (ReactOS io/pnpmgr/devaction.c: PiEnumerateDevice, PiInitializeDevNode,
// IopCreateDeviceInstancePath): the order of the questions a new PDO is asked is NT's.
public sealed partial class PnpManager
{
    /// <summary>
    /// PiActionEnumDeviceTree for <paramref name="node"/>: asks its stack for BusRelations, sets up each
    /// new child (IDs and requirements, then drivers, resources and start, in the bus's order), then
    /// enumerates each started child the same way (depth first).
    /// </summary>
    private async ValueTask PipEnumerateDeviceTree(DeviceNode node)
    {
        if (node.State != DeviceNodeState.Started || Machine.IsBugChecked)
        {
            return;
        }
        var (added, missing) = await PiEnumerateDevice(node).ConfigureAwait(false);
        foreach (var gone in missing)
        {
            // IopHandleDeviceRemoval: a child the bus no longer reports was pulled out (surprise removal).
            await IopSurpriseRemoveSubtree(gone, reportedMissing: true).ConfigureAwait(false);
        }
        foreach (var child in added)
        {
            await PiInitializeDevNode(child).ConfigureAwait(false);
        }
        foreach (var child in added)
        {
            if (child.State == DeviceNodeState.Initialized)
            {
                await PiCallDriverAddDevice(child).ConfigureAwait(false);
            }
            if (child.State == DeviceNodeState.DriversAdded)
            {
                await PiStartDevice(child).ConfigureAwait(false);
            }
        }
        List<DeviceNode> children;
        lock (_treeLock)
        {
            children = [.. node.Children];
        }
        foreach (var child in children)
        {
            await PipEnumerateDeviceTree(child).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// PiEnumerateDevice: IRP_MN_QUERY_DEVICE_RELATIONS (BusRelations) to the node's stack; a device
    /// node for each PDO not seen before, in the order the bus reported them. The manager keeps the
    /// reference the bus driver took on a new PDO and drops the one on a PDO it knows. A child whose PDO
    /// is no longer in the relations is returned as missing (ReactOS PiEnumerateDevice: DNF_ENUMERATED
    /// cleared, then IopHandleDeviceRemoval).
    /// </summary>
    private async ValueTask<(List<DeviceNode> Added, List<DeviceNode> Missing)> PiEnumerateDevice(DeviceNode node)
    {
        var (status, _, pointer) = await IopSynchronousCall(node, PnpMinorFunction.QueryDeviceRelations,
            s => s.Parameters.QueryDeviceRelations.Type = DeviceRelationType.BusRelations, "BusRelations").ConfigureAwait(false);
        var added = new List<DeviceNode>();
        var missing = new List<DeviceNode>();
        if (!status.IsSuccess() || pointer is not DeviceRelations relations)
        {
            return (added, missing);
        }
        lock (_treeLock)
        {
            var reported = new HashSet<DeviceObject>(relations.Objects, ReferenceEqualityComparer.Instance);
            foreach (var child in node.Children)
            {
                if (!reported.Contains(child.PhysicalDeviceObject) && !child.ReportedMissing)
                {
                    child.ReportedMissing = true;
                    missing.Add(child);
                }
            }
            foreach (var pdo in relations.Objects)
            {
                if (_nodesByPdo.ContainsKey(pdo))
                {
                    pdo.ObDereferenceObject();
                    continue;
                }
                var child = new DeviceNode(node, pdo);
                node.AddChild(child);
                _nodesByPdo.Add(pdo, child);
                added.Add(child);
            }
        }
        return (added, missing);
    }

    /// <summary>
    /// PiInitializeDevNode: IRP_MN_QUERY_ID (BusQueryDeviceID), IRP_MN_QUERY_CAPABILITIES,
    /// IRP_MN_QUERY_ID (BusQueryInstanceID) make the instance path; then BusQueryHardwareIDs,
    /// BusQueryCompatibleIDs, IRP_MN_QUERY_RESOURCES (the boot configuration) and
    /// IRP_MN_QUERY_RESOURCE_REQUIREMENTS. A device without a device ID, or one that reports
    /// HardwareDisabled, stays uninitialized.
    /// </summary>
    private async ValueTask PiInitializeDevNode(DeviceNode node)
    {
        var (status, deviceId) = await IopQueryId(node, BusQueryIdType.DeviceId).ConfigureAwait(false);
        if (!status.IsSuccess() || deviceId.Count == 0)
        {
            node.SetProblem(CmProblem.FailedInstall, status.IsSuccess() ? NtStatus.Unsuccessful : status);
            return;
        }
        node.DeviceId = deviceId[0];
        var capabilities = await IopQueryDeviceCapabilities(node, "(after enumeration)").ConfigureAwait(false);
        node.Capabilities = capabilities;
        if (capabilities is { HardwareDisabled: true })
        {
            node.SetProblem(CmProblem.FailedInstall, NtStatus.PlugPlayNoDevice);
            return;
        }
        var (_, instanceId) = await IopQueryId(node, BusQueryIdType.InstanceId).ConfigureAwait(false);
        node.InstanceId = instanceId.Count > 0 ? instanceId[0] : "";
        var instancePath = node.DeviceId + "\\" + node.InstanceId;
        lock (_treeLock)
        {
            if (_nodesByPath.TryGetValue(instancePath, out var older))
            {
                // Two PDOs with the same device and instance IDs: the bus driver is broken (IopGetDeviceObjectFromDeviceInstance finds the first).
                throw IoManager.IopBugCheck(BugCheckCode.PnpDetectedFatalError, 0x1, node.PhysicalDeviceObject.Address, older.PhysicalDeviceObject.Address);
            }
            node.InstancePath = instancePath;
            _nodesByPath.Add(instancePath, node);
        }
        node.HardwareIds = (await IopQueryId(node, BusQueryIdType.HardwareIds).ConfigureAwait(false)).Ids;
        node.CompatibleIds = (await IopQueryId(node, BusQueryIdType.CompatibleIds).ConfigureAwait(false)).Ids;
        var (bootStatus, _, boot) = await IopSynchronousCall(node, PnpMinorFunction.QueryResources, null, "").ConfigureAwait(false);
        node.BootResources = bootStatus.IsSuccess() ? boot as CmResourceList : null;
        var (requirementsStatus, _, requirements) = await IopSynchronousCall(node, PnpMinorFunction.QueryResourceRequirements, null, "").ConfigureAwait(false);
        node.ResourceRequirements = requirementsStatus.IsSuccess() ? requirements as IoResourceRequirementsList : null;
        node.State = DeviceNodeState.Initialized;
    }
}
