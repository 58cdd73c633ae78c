namespace ActorKernel.Actors;

/// <summary>
/// DRIVER_OBJECT: a loaded driver, named <c>\Driver\Name</c>. DriverEntry fills in
/// <see cref="MajorFunction"/>, <see cref="DriverExtension"/>.AddDevice, <see cref="DriverUnload"/>
/// and <see cref="DriverStartIo"/>; entries it leaves alone complete with STATUS_INVALID_DEVICE_REQUEST.
/// </summary>
public sealed class DriverObject : KernelObject
{
    /// <summary>IRP_MJ_MAXIMUM_FUNCTION + 1: the size of the dispatch table.</summary>
    public const int MajorFunctionCount = (int)IrpMajorFunction.MaximumFunction + 1;

    internal DriverObject(IoManager manager, string name, string imageName, ulong address)
    {
        Manager = manager;
        ServiceName = name;
        ImageName = imageName;
        Module = new KernelModule(imageName);
        Address = address;
        Array.Fill(MajorFunction, IoManager.IopInvalidDeviceRequest);
    }

    /// <summary>The service name (the last element of <c>\Driver\Name</c>).</summary>
    public string ServiceName { get; }

    /// <summary>The image name (e.g. <c>ramdisk.sys</c>), used in bugcheck analyses and traces.</summary>
    public string ImageName { get; }

    /// <summary>The loaded image: the processor charges the driver's routines to it and crash analyses name it.</summary>
    public KernelModule Module { get; }

    /// <summary>MajorFunction[IRP_MJ_*]: the dispatch routines.</summary>
    public DriverDispatch[] MajorFunction { get; } = new DriverDispatch[MajorFunctionCount];

    /// <summary>DriverObject-&gt;DriverExtension.</summary>
    public DriverExtension DriverExtension { get; } = new();

    /// <summary>DriverObject-&gt;DriverUnload.</summary>
    public DriverUnload? DriverUnload { get; set; }

    /// <summary>DriverObject-&gt;DriverStartIo.</summary>
    public DriverStartIo? DriverStartIo { get; set; }

    /// <summary>DriverObject-&gt;FastIoDispatch: a file system's fast I/O routines, or null (every request is an IRP).</summary>
    public FastIoDispatch? FastIoDispatch { get; set; }

    /// <summary>How often the I/O manager's fast I/O calls into this driver were taken and declined.</summary>
    public FastIoStatistics FastIoStatistics { get; } = new();

    /// <summary>DriverObject-&gt;DeviceObject: the driver's device objects, newest first, as NT links them.</summary>
    public IReadOnlyList<DeviceObject> DeviceObjects => _devices;

    /// <summary>Whether Driver Verifier's I/O verification is on for this driver (verifier /driver name.sys).</summary>
    public bool VerifierEnabled { get; set; }

    /// <summary>Whether the driver was unloaded (its code is gone: calling any of its routines bugchecks 0xCE).</summary>
    public bool Unloaded { get; internal set; }

    /// <summary>The driver object's actor (on a machine): it admits DriverEntry, AddDevice and DriverUnload and counts the device objects.</summary>
    public ActorKernel.Runtime.IActorRef? Actor { get; internal set; }

    /// <summary>Where the driver's life is, as its actor last set it.</summary>
    public DriverLifeState LifeState
    {
        get => (DriverLifeState)Volatile.Read(ref _lifeState);
        internal set => Volatile.Write(ref _lifeState, (int)value);
    }

    private int _lifeState;
    /// <summary>DRVO_UNLOAD_INVOKED: the PnP manager is unloading the driver (its last device object was deleted); it gets no new device or load until DriverUnload returned.</summary>
    public bool UnloadPending { get; internal set; }

    /// <summary>The I/O manager the driver is loaded into.</summary>
    public IoManager Manager { get; }

    private readonly List<DeviceObject> _devices = [];
    private readonly List<KeyValuePair<object, object>> _clientExtensions = [];

    /// <summary>IoAllocateDriverObjectExtension: attaches per-driver state under <paramref name="clientIdentification"/>.</summary>
    /// <param name="clientIdentification">A unique key (the WDK's ClientIdentificationAddress).</param>
    /// <param name="extension">The state.</param>
    /// <returns>STATUS_SUCCESS, or STATUS_OBJECT_NAME_COLLISION when the key is taken.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public NtStatus IoAllocateDriverObjectExtension(object clientIdentification, object extension)
    {
        lock (_clientExtensions)
        {
            if (_clientExtensions.Exists(e => Equals(e.Key, clientIdentification)))
            {
                return NtStatus.ObjectNameCollision;
            }
            _clientExtensions.Add(new(clientIdentification, extension));
            return NtStatus.Success;
        }
    }

    /// <summary>IoGetDriverObjectExtension: the state attached under <paramref name="clientIdentification"/>, or null.</summary>
    /// <param name="clientIdentification">The key.</param>
    /// <returns>The state, or null.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public object? IoGetDriverObjectExtension(object clientIdentification)
    {
        lock (_clientExtensions)
        {
            return _clientExtensions.Find(e => Equals(e.Key, clientIdentification)).Value;
        }
    }

    internal void LinkDevice(DeviceObject device) => _devices.Insert(0, device);

    internal void UnlinkDevice(DeviceObject device) => _devices.Remove(device);

    /// <inheritdoc />
    public override string ObjectTypeName => "Driver";

    /// <inheritdoc />
    public override string ToString() => Name ?? "\\Driver\\" + ServiceName;
}

/// <summary>DRIVER_EXTENSION: the PnP part of the driver object.</summary>
public sealed class DriverExtension
{
    /// <summary>AddDevice, called by the PnP manager for each new device the driver serves.</summary>
    public DriverAddDevice? AddDevice { get; set; }
}
