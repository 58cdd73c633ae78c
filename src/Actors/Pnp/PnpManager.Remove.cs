namespace ActorKernel.Actors;

// Removal (ReactOS io/pnpmgr/devaction.c IopQueryRemoveDevice, IopSendRemoveDevice,
// IopCancelRemoveDevice, IopSendSurpriseRemoval, IopHandleDeviceRemoval; Microsoft "Removing a
// Device", "Handling an IRP_MN_SURPRISE_REMOVAL Request", "Handling a GUID_TARGET_DEVICE_QUERY_REMOVE
// Event"): a subtree goes children first; an orderly removal is asked first (QUERY_REMOVE, vetoed by an
// open handle or a driver), a surprise removal is told (SURPRISE_REMOVAL) and the stacks stay until
// the last handle closes; after IRP_MN_REMOVE_DEVICE a node the bus no longer reports is deleted and a
// driver left without device objects is unloaded.
public sealed partial class PnpManager
{
    /// <summary>
    /// Queues the query-and-remove of <paramref name="node"/>'s subtree (CM_Query_And_Remove_SubTree):
    /// open handles or a driver failing IRP_MN_QUERY_REMOVE_DEVICE veto it (<see cref="DeviceNode.LastVeto"/>);
    /// otherwise every stack of the subtree is sent IRP_MN_REMOVE_DEVICE, children first.
    /// </summary>
    /// <param name="node">The root of the subtree.</param>
    /// <param name="completion">Told the outcome (null: read <see cref="DeviceNode.LastVeto"/> once <see cref="IsIdle"/>).</param>
    public void RequestQueryRemove(DeviceNode node, PnpActionCompletion? completion = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        PiQueueDeviceAction(new PnpDeviceAction(node, PnpDeviceActionKind.QueryRemoveDevice, completion));
    }

    /// <summary>
    /// PiProcessQueryRemoveAndEject: the subtree, children first. A stack with an open handle vetoes
    /// (PNP_VetoOutstandingOpen, the instance path) before any IRP; then IRP_MN_QUERY_REMOVE_DEVICE to each
    /// stack (after it succeeds the stack is DOE_REMOVE_PENDING: new opens fail); a driver failing it
    /// vetoes (PNP_VetoDevice with its status) and every stack that was asked gets
    /// IRP_MN_CANCEL_REMOVE_DEVICE, parents first. Otherwise the subtree is removed.
    /// </summary>
    private async ValueTask<PnpVeto?> PiProcessQueryRemove(DeviceNode root)
    {
        var nodes = IopSubtreeChildrenFirst(root).Where(n => n.State is not (DeviceNodeState.Removed or DeviceNodeState.Deleted)).ToList();
        if (nodes.Count == 0)
        {
            return new PnpVeto(PnpVetoType.AlreadyRemoved, root.InstancePath, NtStatus.Unsuccessful);
        }
        foreach (var n in nodes)
        {
            if (IopOpenCount(n) is var opens and > 0)
            {
                PnpLog(n, FormattableString.Invariant($"query-remove vetoed: PNP_VetoOutstandingOpen ({opens} open)"));
                return new PnpVeto(PnpVetoType.OutstandingOpen, n.InstancePath, NtStatus.Unsuccessful);
            }
        }
        var queried = new List<(DeviceNode Node, DeviceNodeState Before)>();
        foreach (var n in nodes)
        {
            var (status, _, _) = await IopSynchronousCall(n, PnpMinorFunction.QueryRemoveDevice, null, "").ConfigureAwait(false);
            queried.Add((n, n.State));
            if (!status.IsSuccess())
            {
                for (var i = queried.Count - 1; i >= 0; i--)
                {
                    var (q, before) = queried[i];
                    await IopSynchronousCall(q, PnpMinorFunction.CancelRemoveDevice, null, "").ConfigureAwait(false);
                    Io.IopCancelPrepareDeviceForRemoval(q.PhysicalDeviceObject);
                    q.State = before;
                }
                PnpLog(n, "query-remove vetoed: PNP_VetoDevice " + status.ToDisplayString());
                return new PnpVeto(PnpVetoType.Device, n.InstancePath, status);
            }
            Io.IopPrepareDeviceForRemoval(n.PhysicalDeviceObject);
            n.State = DeviceNodeState.QueryRemoved;
        }
        await IopRemoveSubtree(root).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// IopSendSurpriseRemoval for a subtree (the device left the bus, or its driver reported it failed):
    /// children first, each stack is marked DOE_REMOVE_PENDING (new opens fail with
    /// STATUS_NO_SUCH_DEVICE) and sent IRP_MN_SURPRISE_REMOVAL; then its interfaces are disabled (the
    /// removal is announced after the IRP completed). With no handle open in the subtree it is removed
    /// at once; otherwise it waits in DeviceNodeRemovePendingCloses for the last close.
    /// </summary>
    private async ValueTask IopSurpriseRemoveSubtree(DeviceNode root, bool reportedMissing)
    {
        var nodes = IopSubtreeChildrenFirst(root);
        foreach (var n in nodes)
        {
            if (reportedMissing)
            {
                n.ReportedMissing = true; // the children of a device that left went with it
            }
            if (n.State is DeviceNodeState.Removed or DeviceNodeState.Deleted or DeviceNodeState.RemovePendingCloses)
            {
                continue;
            }
            Io.IopPrepareDeviceForRemoval(n.PhysicalDeviceObject);
            await IopSynchronousCall(n, PnpMinorFunction.SurpriseRemoval, null, "").ConfigureAwait(false);
            IopDisableDeviceInterfaces(n);
            n.State = DeviceNodeState.RemovePendingCloses;
        }
        var opens = nodes.Sum(IopOpenCount);
        if (opens == 0)
        {
            await IopRemoveSubtree(root).ConfigureAwait(false);
            return;
        }
        PnpLog(root, FormattableString.Invariant($"DeviceNodeRemovePendingCloses: {opens} open"));
    }

    /// <summary>The last handle of a subtree waiting in DeviceNodeRemovePendingCloses closed: IRP_MN_REMOVE_DEVICE now.</summary>
    private async ValueTask PiRemovePendingCloses(DeviceNode root)
    {
        root.RemoveQueued = false;
        if (root.State == DeviceNodeState.RemovePendingCloses && IopSubtreeChildrenFirst(root).Sum(IopOpenCount) == 0)
        {
            await IopRemoveSubtree(root).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// IopSendRemoveDevice for a subtree, children first: IRP_MN_REMOVE_DEVICE to each stack (each driver
    /// waits for its requests, detaches and deletes its device; the bus deletes a PDO it no longer
    /// reports), its interfaces disabled, its resources given back to the arbiters and the HAL. A node
    /// the bus no longer reports leaves the tree (DeviceNodeDeleted, the PnP manager's PDO reference
    /// dropped); one still present stays DeviceNodeRemoved. Then every driver of the removed stacks that
    /// has no device object left is unloaded.
    /// </summary>
    private async ValueTask IopRemoveSubtree(DeviceNode root)
    {
        var drivers = new List<DriverObject>();
        foreach (var n in IopSubtreeChildrenFirst(root))
        {
            foreach (var device in IopStackDevices(n))
            {
                if (!drivers.Contains(device.DriverObject))
                {
                    drivers.Add(device.DriverObject);
                }
            }
            Io.IopPrepareDeviceForRemoval(n.PhysicalDeviceObject);
            await IopSynchronousCall(n, PnpMinorFunction.RemoveDevice, null, "").ConfigureAwait(false);
            IopDisableDeviceInterfaces(n);
            lock (_treeLock)
            {
                _arbiter.Release(n);
            }
            if (n.Hardware is { } hardware)
            {
                Machine.Hal.RevokeResources(hardware);
            }
            n.ResourceList = null;
            n.ResourceListTranslated = null;
            n.Hardware = null;
            if (n.ReportedMissing || !ReferenceEquals(n, root))
            {
                // Gone from the bus, or a child of the removed device: its bus deletes the PDO (at once,
                // or with the parent's own IRP_MN_REMOVE_DEVICE), and the node leaves the tree.
                n.ReportedMissing = true;
                lock (_treeLock)
                {
                    n.Parent?.RemoveChild(n);
                    _nodesByPdo.Remove(n.PhysicalDeviceObject);
                    _nodesByPath.Remove(n.InstancePath);
                }
                n.State = DeviceNodeState.Deleted;
                n.PhysicalDeviceObject.ObDereferenceObject(); // the reference kept since the bus reported it
            }
            else
            {
                lock (Io.StackLock)
                {
                    foreach (var device in IopStackDevices(n))
                    {
                        device.RemovePending = false;
                        device.RemoveProcessed = true;
                    }
                }
                n.State = DeviceNodeState.Removed;
            }
            PnpLog(n, n.State.Name());
        }
        foreach (var driver in drivers)
        {
            if (!ReferenceEquals(driver, RootDriver) && driver.DeviceObjects.Count == 0 && !driver.Unloaded)
            {
                await IopUnloadDriver(root, driver).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The driver's last device object was deleted: DRVO_UNLOAD_INVOKED (no new load or attachment), then
    /// DriverUnload and the image goes (IopUnloadDriver). A driver without DriverUnload stays loaded.
    /// </summary>
    private async ValueTask IopUnloadDriver(DeviceNode node, DriverObject driver)
    {
        if (driver.DriverUnload is null)
        {
            PnpLog(node, $"{driver.Name} has no DriverUnload: it stays loaded");
            return;
        }
        // DRVO_UNLOAD_INVOKED is the driver's actor admitting DriverUnload (DriverObject.LifeState): from then on no AddDevice.
        var status = await Io.UnloadDriverAsync(driver).ConfigureAwait(false);
        PnpLog(node, $"DriverUnload {driver.Name} -> {status.ToDisplayString()}");
    }

    /// <summary>
    /// PiActionQueryState (IoInvalidateDeviceState): IRP_MN_QUERY_PNP_DEVICE_STATE to a started stack; a
    /// stack that reports PNP_DEVICE_FAILED gets CM_PROB_FAILED_POST_START (43) and is surprise-removed,
    /// then removed once its handles are closed (the node stays, with its problem).
    /// </summary>
    private async ValueTask PiQueryDeviceState(DeviceNode node)
    {
        if (node.State != DeviceNodeState.Started)
        {
            return;
        }
        var (status, information, _) = await IopSynchronousCall(node, PnpMinorFunction.QueryPnpDeviceState, null, "").ConfigureAwait(false);
        node.DeviceState = status.IsSuccess() ? (PnpDeviceState)information : PnpDeviceState.None;
        if ((node.DeviceState & PnpDeviceState.Failed) != 0)
        {
            node.SetProblem(CmProblem.FailedPostStart, NtStatus.Unsuccessful);
            await IopSurpriseRemoveSubtree(node, reportedMissing: false).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The I/O manager sent a file's IRP_MJ_CLOSE and the device has no open left (IopDecrementDeviceObjectRef):
    /// if its stack belongs to a subtree waiting in DeviceNodeRemovePendingCloses and no handle of the
    /// subtree is open, the removal is queued.
    /// </summary>
    internal void IopDeviceClosed(DeviceObject device)
    {
        DeviceObject pdo;
        lock (Io.StackLock)
        {
            pdo = device;
            while (pdo.AttachedTo is { } lower)
            {
                pdo = lower;
            }
        }
        DeviceNode? pending = null;
        lock (_treeLock)
        {
            for (var n = _nodesByPdo.GetValueOrDefault(pdo); n is not null; n = n.Parent)
            {
                if (n.State == DeviceNodeState.RemovePendingCloses)
                {
                    pending = n;
                }
            }
            if (pending is null || pending.RemoveQueued || IopSubtreeChildrenFirstLocked(pending).Sum(IopOpenCount) > 0)
            {
                return;
            }
            pending.RemoveQueued = true;
        }
        PiQueueDeviceAction(new PnpDeviceAction(pending, PnpDeviceActionKind.RemovePendingCloses));
    }

    /// <summary>The node's subtree, each child before its parent, the bus's order among siblings.</summary>
    private List<DeviceNode> IopSubtreeChildrenFirst(DeviceNode root)
    {
        lock (_treeLock)
        {
            return IopSubtreeChildrenFirstLocked(root);
        }
    }

    private static List<DeviceNode> IopSubtreeChildrenFirstLocked(DeviceNode root)
    {
        var list = new List<DeviceNode>();
        Visit(root);
        return list;

        void Visit(DeviceNode n)
        {
            foreach (var child in n.Children)
            {
                Visit(child);
            }
            list.Add(n);
        }
    }

    /// <summary>The devices of the node's stack, the PDO first.</summary>
    private List<DeviceObject> IopStackDevices(DeviceNode node)
    {
        var devices = new List<DeviceObject>();
        lock (Io.StackLock)
        {
            for (DeviceObject? d = node.PhysicalDeviceObject; d is not null; d = d.AttachedDevice)
            {
                devices.Add(d);
            }
        }
        return devices;
    }

    /// <summary>The opens (file objects not yet closed) of every device of the node's stack: what vetoes a query-remove and what a surprise removal waits for.</summary>
    private int IopOpenCount(DeviceNode node) => IopStackDevices(node).Sum(d => d.OpenCount);
}

/// <summary>PNP_VETO_TYPE (cfg.h): why the PnP manager refused a removal.</summary>
public enum PnpVetoType
{
    /// <summary>PNP_VetoTypeUnknown (0).</summary>
    TypeUnknown = 0,

    /// <summary>PNP_VetoLegacyDevice (1).</summary>
    LegacyDevice = 1,

    /// <summary>PNP_VetoPendingClose (2).</summary>
    PendingClose = 2,

    /// <summary>PNP_VetoWindowsApp (3).</summary>
    WindowsApp = 3,

    /// <summary>PNP_VetoWindowsService (4).</summary>
    WindowsService = 4,

    /// <summary>PNP_VetoOutstandingOpen (5): handles are open on the device; the text is its instance path.</summary>
    OutstandingOpen = 5,

    /// <summary>PNP_VetoDevice (6): a driver of the device failed the request; the text is its instance path.</summary>
    Device = 6,

    /// <summary>PNP_VetoDriver (7).</summary>
    Driver = 7,

    /// <summary>PNP_VetoIllegalDeviceRequest (8).</summary>
    IllegalDeviceRequest = 8,

    /// <summary>PNP_VetoInsufficientPower (9).</summary>
    InsufficientPower = 9,

    /// <summary>PNP_VetoNonDisableable (10).</summary>
    NonDisableable = 10,

    /// <summary>PNP_VetoLegacyDriver (11).</summary>
    LegacyDriver = 11,

    /// <summary>PNP_VetoInsufficientRights (12).</summary>
    InsufficientRights = 12,

    /// <summary>PNP_VetoAlreadyRemoved (13): the device is removed already.</summary>
    AlreadyRemoved = 13,
}

/// <summary>A refused removal: the veto type, its text (an instance path) and the status behind it.</summary>
/// <param name="Type">PNP_VETO_TYPE.</param>
/// <param name="Name">The veto text (the instance path of the device that vetoed).</param>
/// <param name="Status">The status a driver failed IRP_MN_QUERY_REMOVE_DEVICE with, or STATUS_UNSUCCESSFUL.</param>
public sealed record PnpVeto(PnpVetoType Type, string Name, NtStatus Status);

/// <summary>Where a waiter learns the outcome of a queued query-remove: an event the worker sets, and the veto.</summary>
public sealed class PnpActionCompletion
{
    /// <summary>Creates the completion (its event not signalled).</summary>
    public PnpActionCompletion() => Wdm.KeInitializeEvent(Done, EventType.NotificationEvent, false);

    /// <summary>Signalled when the action ran.</summary>
    public KEvent Done { get; } = new();

    /// <summary>Whether the action ran.</summary>
    public bool IsCompleted { get; private set; }

    /// <summary>The veto, or null when the removal went ahead.</summary>
    public PnpVeto? Veto { get; private set; }

    internal void Complete(PnpVeto? veto)
    {
        Veto = veto;
        IsCompleted = true;
        Wdm.KeSetEvent(Done, (int)PriorityBoost.IoNoIncrement, false);
    }
}
