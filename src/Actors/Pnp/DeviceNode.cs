using ActorKernel.Hardware;

namespace ActorKernel.Actors;

/// <summary>
/// DEVICE_NODE: the PnP manager's record of one device in the device tree: its PDO, the IDs and
/// capabilities its bus driver reported, the service and filters the registry named, the resources
/// the arbiters assigned, its state and its problem code. The PnP manager's worker changes it; readers
/// (the dump, tests) see a consistent snapshot under the tree's lock.
/// </summary>
public sealed class DeviceNode
{
    private readonly List<DeviceNode> _children = [];

    internal DeviceNode(DeviceNode? parent, DeviceObject physicalDeviceObject)
    {
        Parent = parent;
        PhysicalDeviceObject = physicalDeviceObject;
        Level = parent is null ? 0 : parent.Level + 1;
    }

    /// <summary>Parent (null for the root device node).</summary>
    public DeviceNode? Parent { get; }

    /// <summary>The children, in the order their bus reported them (Child, then each Sibling).</summary>
    public IReadOnlyList<DeviceNode> Children => _children;

    /// <summary>Level: the depth in the tree (the root is 0).</summary>
    public int Level { get; }

    /// <summary>PhysicalDeviceObject: the PDO the bus driver reported.</summary>
    public DeviceObject PhysicalDeviceObject { get; }

    /// <summary>InstancePath: <c>DeviceID\InstanceID</c> (<c>Root\*PNP0501\0000</c>), the device's key under Enum.</summary>
    public string InstancePath { get; internal set; } = "";

    /// <summary>The device ID (BusQueryDeviceID).</summary>
    public string DeviceId { get; internal set; } = "";

    /// <summary>The instance ID (BusQueryInstanceID).</summary>
    public string InstanceId { get; internal set; } = "";

    /// <summary>The hardware IDs (BusQueryHardwareIDs), most specific first.</summary>
    public IReadOnlyList<string> HardwareIds { get; internal set; } = [];

    /// <summary>The compatible IDs (BusQueryCompatibleIDs), most specific first.</summary>
    public IReadOnlyList<string> CompatibleIds { get; internal set; } = [];

    /// <summary>The capabilities the stack reported (after start, the second answer).</summary>
    public DeviceCapabilities? Capabilities { get; internal set; }

    /// <summary>ResourceRequirements (IRP_MN_QUERY_RESOURCE_REQUIREMENTS), or null for a device that needs none.</summary>
    public IoResourceRequirementsList? ResourceRequirements { get; internal set; }

    /// <summary>BootResources (IRP_MN_QUERY_RESOURCES), or null.</summary>
    public CmResourceList? BootResources { get; internal set; }

    /// <summary>ResourceList: the raw resources the arbiters assigned (AllocatedResources of the start).</summary>
    public CmResourceList? ResourceList { get; internal set; }

    /// <summary>ResourceListTranslated (AllocatedResourcesTranslated of the start).</summary>
    public CmResourceList? ResourceListTranslated { get; internal set; }

    /// <summary>The placed hardware the resources belong to (what the HAL's access checks grant), or null.</summary>
    public PlacedDevice? Hardware { get; internal set; }

    /// <summary>ServiceName: the function driver's service, or null (none matched, or the root).</summary>
    public string? ServiceName { get; internal set; }

    /// <summary>The setup class the driver database gave.</summary>
    public string? ClassName { get; internal set; }

    /// <summary>State.</summary>
    public DeviceNodeState State { get; internal set; } = DeviceNodeState.Uninitialized;

    /// <summary>Problem: the CM_PROB code (None when the device works).</summary>
    public CmProblem Problem { get; internal set; }

    /// <summary>ProblemStatus: the NTSTATUS behind the problem (what the failed DriverEntry, AddDevice or start returned).</summary>
    public NtStatus ProblemStatus { get; internal set; }

    /// <summary>The conflict that kept the device from getting its resources (CM_PROB_NORMAL_CONFLICT), or null.</summary>
    public PnpResourceConflict? Conflict { get; internal set; }

    /// <summary>What IRP_MN_QUERY_PNP_DEVICE_STATE returned after start.</summary>
    public PnpDeviceState DeviceState { get; internal set; }

    /// <summary>The drivers of the stack, top first (the service names of the driver objects), as <c>!devstack</c> lists them.</summary>
    public IReadOnlyList<string> DriverStack
    {
        get
        {
            var stack = new List<string>();
            lock (PhysicalDeviceObject.DriverObject.Manager.StackLock)
            {
                for (DeviceObject? d = PhysicalDeviceObject; d is not null; d = d.AttachedDevice)
                {
                    stack.Insert(0, d.DriverObject.ServiceName);
                }
            }
            return stack;
        }
    }

    /// <summary>The veto of the last query-remove of this node's subtree (PNP_VETO_TYPE and its text), or null when none was vetoed.</summary>
    public PnpVeto? LastVeto { get; internal set; }

    /// <summary>The bus no longer reports the PDO (DNF_ENUMERATED cleared): after IRP_MN_REMOVE_DEVICE the node is deleted.</summary>
    public bool ReportedMissing { get; internal set; }

    /// <summary>A removal of the subtree waits for the last handle (DeviceNodeRemovePendingCloses) and is queued once.</summary>
    internal bool RemoveQueued { get; set; }

    internal void AddChild(DeviceNode child) => _children.Add(child);

    internal void RemoveChild(DeviceNode child) => _children.Remove(child);

    internal void SetProblem(CmProblem problem, NtStatus status)
    {
        Problem = problem;
        ProblemStatus = status;
    }

    /// <inheritdoc />
    public override string ToString() => InstancePath;
}
