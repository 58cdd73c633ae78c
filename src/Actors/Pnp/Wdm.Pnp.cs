namespace ActorKernel.Actors;

public static partial class Wdm
{
    /// <summary>
    /// IoInvalidateDeviceRelations: a bus driver tells the PnP manager that the relations of
    /// <paramref name="deviceObject"/> (its PDO) changed, typically BusRelations after a child
    /// arrived or left; the PnP manager queues an enumeration of the device's subtree and sends
    /// IRP_MN_QUERY_DEVICE_RELATIONS later, from its own thread.
    /// </summary>
    /// <param name="deviceObject">The PDO of the device whose relations changed.</param>
    /// <param name="type">Which relations (BusRelations is the one modelled).</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL. Ignored for a device the PnP manager has no device node for.</remarks>
    public static void IoInvalidateDeviceRelations(DeviceObject deviceObject, DeviceRelationType type)
    {
        ArgumentNullException.ThrowIfNull(deviceObject);
        if (Processor.CurrentOrNull is { } processor)
        {
            processor.KiCharge(processor.Costs.DefaultCallNs);
        }
        if (type != DeviceRelationType.BusRelations || deviceObject.DriverObject.Manager.PnpManager is not { } pnp
            || pnp.IopGetDeviceNode(deviceObject) is not { } node)
        {
            return;
        }
        pnp.RequestDeviceEnumeration(node);
    }
}
