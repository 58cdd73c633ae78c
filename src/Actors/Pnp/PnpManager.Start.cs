using ActorKernel.Hardware;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Actors;

// Resource assignment and start (ReactOS io/pnpmgr/devaction.c PiStartDeviceFinal, pnpres.c
// IopAssignDeviceResources and IopTranslateDeviceResources; Microsoft "Starting a Device").
public sealed partial class PnpManager
{
    /// <summary>
    /// Assigns the node's resources (a conflict: CM_PROB_NORMAL_CONFLICT, 12), sends IRP_MN_START_DEVICE
    /// with the raw and translated lists (a failure: CM_PROB_FAILED_START, 10, and the resources go back),
    /// then PiStartDeviceFinal: IRP_MN_QUERY_CAPABILITIES again and IRP_MN_QUERY_PNP_DEVICE_STATE
    /// (PNP_DEVICE_FAILED: CM_PROB_FAILED_POST_START, 43).
    /// </summary>
    private async ValueTask PiStartDevice(DeviceNode node)
    {
        if (!IopAssignDeviceResources(node))
        {
            return;
        }
        node.State = DeviceNodeState.StartPending;
        var status = await Io.IopStartDevice(node.PhysicalDeviceObject, node.Hardware, node.ResourceList, node.ResourceListTranslated).ConfigureAwait(false);
        PnpLog(node, $"IRP_MN_START_DEVICE -> {status.ToDisplayString()}");
        if (!status.IsSuccess())
        {
            lock (_treeLock)
            {
                _arbiter.Release(node);
            }
            node.ResourceList = null;
            node.ResourceListTranslated = null;
            node.SetProblem(CmProblem.FailedStart, status);
            node.State = DeviceNodeState.AwaitingQueuedRemoval;
            return;
        }
        node.Capabilities = await IopQueryDeviceCapabilities(node, "(after start)").ConfigureAwait(false) ?? node.Capabilities;
        var (stateStatus, information, _) = await IopSynchronousCall(node, PnpMinorFunction.QueryPnpDeviceState, null, "").ConfigureAwait(false);
        node.DeviceState = stateStatus.IsSuccess() ? (PnpDeviceState)information : PnpDeviceState.None;
        if ((node.DeviceState & PnpDeviceState.Failed) != 0)
        {
            node.SetProblem(CmProblem.FailedPostStart, NtStatus.Unsuccessful);
        }
        node.State = DeviceNodeState.Started;
    }

    /// <summary>
    /// IopAssignDeviceResources: the arbiters pick the raw resources from the requirements; the HAL's
    /// translator (HalGetInterruptVector) turns each interrupt into the system vector, DIRQL and
    /// affinity IoConnectInterrupt takes; ports and memory translate to themselves on x86/x64.
    /// </summary>
    private bool IopAssignDeviceResources(DeviceNode node)
    {
        if (node.ResourceRequirements is not { AlternativeLists: > 0 } requirements)
        {
            node.State = DeviceNodeState.ResourcesAssigned;
            return true;
        }
        CmResourceList? raw;
        PnpResourceConflict? conflict;
        lock (_treeLock)
        {
            raw = _arbiter.Assign(node, requirements, out conflict);
        }
        if (raw is null)
        {
            node.Conflict = conflict;
            node.SetProblem(CmProblem.NormalConflict, NtStatus.ConflictingAddresses);
            PnpLog(node, "resource conflict: " + conflict);
            return false;
        }
        var rawPartials = new List<CmPartialResourceDescriptor>();
        var translatedPartials = new List<CmPartialResourceDescriptor>();
        var full = raw.List[0];
        foreach (var d in full.PartialResourceList.PartialDescriptors)
        {
            if (d.Type == CmResourceType.Interrupt)
            {
                var line = d.u.Interrupt.Level;
                var vector = HalGetInterruptVector(full.InterfaceType, full.BusNumber, line, line, out var irql, out var affinity);
                rawPartials.Add(d with { u = new CmResourceUnion { Interrupt = new CmInterrupt(line, line, affinity) } });
                translatedPartials.Add(d with { u = new CmResourceUnion { Interrupt = new CmInterrupt((uint)irql, vector, affinity) } });
            }
            else
            {
                rawPartials.Add(d);
                translatedPartials.Add(d);
            }
        }
        node.ResourceList = new CmResourceList([full with { PartialResourceList = new CmPartialResourceList(rawPartials) }]);
        node.ResourceListTranslated = new CmResourceList([new CmFullResourceDescriptor(InterfaceType.Internal, 0, new CmPartialResourceList(translatedPartials))]);
        node.Hardware = IopFindHardware(rawPartials);
        node.State = DeviceNodeState.ResourcesAssigned;
        return true;
    }

    /// <summary>The placed device whose port or memory window the assignment covers (the HAL grants the stack its accesses).</summary>
    private PlacedDevice? IopFindHardware(List<CmPartialResourceDescriptor> assigned)
    {
        foreach (var placed in Machine.Hal.Platform.Devices)
        {
            foreach (var r in placed.Resources)
            {
                foreach (var d in assigned)
                {
                    var range = d.Type switch
                    {
                        CmResourceType.Port when r.Kind == HardwareResourceKind.Port => d.u.Port,
                        CmResourceType.Memory when r.Kind == HardwareResourceKind.Memory => d.u.Memory,
                        _ => default,
                    };
                    if (range.Length > 0 && range.Start < r.Start + r.Length && r.Start < range.Start + range.Length)
                    {
                        return placed;
                    }
                }
            }
        }
        return null;
    }
}
