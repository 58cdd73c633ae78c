namespace ActorKernel.Actors;

/// <summary>
/// DEVICE_OBJECT: one driver's presence in a device stack. IoCreateDevice makes it; a function or
/// filter driver attaches it on top of the stack (IoAttachDeviceToDeviceStack), which makes its
/// <see cref="StackSize"/> one more than the device below. A PDO is the bus driver's device at the
/// bottom; an FDO is the function driver's; filters sit above or below the FDO.
/// </summary>
public sealed class DeviceObject : KernelObject
{
    internal DeviceObject(DriverObject driver, DeviceType type, DeviceCharacteristics characteristics, bool exclusive, object? extension, ulong address)
    {
        DriverObject = driver;
        DeviceType = type;
        Characteristics = characteristics;
        Exclusive = exclusive;
        DeviceExtension = extension;
        Address = address;
        Flags = DeviceObjectFlags.DeviceInitializing | (exclusive ? DeviceObjectFlags.Exclusive : 0);
        StackSize = 1;
    }

    /// <summary>The driver that created the device.</summary>
    public DriverObject DriverObject { get; }

    /// <summary>DEVICE_OBJECT.DeviceType (FILE_DEVICE_*).</summary>
    public DeviceType DeviceType { get; }

    /// <summary>DEVICE_OBJECT.Characteristics (FILE_* characteristics).</summary>
    public DeviceCharacteristics Characteristics { get; set; }

    /// <summary>Whether only one open may exist at a time (the Exclusive argument of IoCreateDevice).</summary>
    public bool Exclusive { get; }

    /// <summary>DEVICE_OBJECT.Flags (DO_*). IoCreateDevice sets DO_DEVICE_INITIALIZING; the driver clears it when ready.</summary>
    public DeviceObjectFlags Flags { get; set; }

    /// <summary>
    /// DEVICE_OBJECT.Vpb: the volume parameter block. IoCreateDevice gives one to FILE_DEVICE_DISK,
    /// CD_ROM, TAPE and VIRTUAL_DISK devices (the storage devices a volume can be mounted on); a file
    /// system points its volume device object's Vpb at the VPB it mounted, as FastFAT does.
    /// </summary>
    public Vpb? Vpb { get; set; }

    /// <summary>DEVICE_OBJECT.StackSize: the stack locations an IRP sent to this device needs (this one and all below).</summary>
    public sbyte StackSize { get; set; }

    /// <summary>DEVICE_OBJECT.AlignmentRequirement (FILE_*_ALIGNMENT).</summary>
    public uint AlignmentRequirement { get; set; }

    /// <summary>DEVICE_OBJECT.DeviceExtension: the driver's per-device state.</summary>
    public object? DeviceExtension { get; }

    /// <summary>DEVICE_OBJECT.AttachedDevice: the device attached directly above (null at the top).</summary>
    public DeviceObject? AttachedDevice { get; internal set; }

    /// <summary>DEVOBJ_EXTENSION.AttachedTo: the device this one is attached to (null at the bottom).</summary>
    public DeviceObject? AttachedTo { get; internal set; }

    /// <summary>DEVICE_OBJECT.CurrentIrp: the IRP StartIo is working on (IoStartPacket/IoStartNextPacket).</summary>
    public Irp? CurrentIrp { get; internal set; }

    /// <summary>The device queue of IoStartPacket (DEVICE_OBJECT.DeviceQueue).</summary>
    public KDeviceQueue DeviceQueue { get; } = new();

    /// <summary>The device timer of IoInitializeTimer, if any.</summary>
    public IoDeviceTimer? Timer { get; internal set; }

    /// <summary>Opens not yet closed (DEVICE_OBJECT.ReferenceCount counts these in NT).</summary>
    public int OpenCount => Volatile.Read(ref OpenCountField);

    internal int OpenCountField;

    /// <summary>
    /// The device's actor in the machine's actor system: made by IoCreateDevice once the I/O manager
    /// is attached to a machine (<see cref="IoManager.AttachTo"/>; devices that existed then get theirs
    /// at attach). It keeps the device's statistics (<see cref="GetDeviceStatistics"/>). After
    /// IoDeleteDevice it stops; the reference then leads to dead letters. Null off a machine.
    /// </summary>
    public ActorKernel.Runtime.IActorRef? Actor { get; internal set; }

    /// <summary>The device's security descriptor (IoCreateDeviceSecure's SDDL), checked against user-mode opens.</summary>
    public DeviceSecurity Security { get; set; }

    /// <summary>DOE_REMOVE_PENDING: the PnP manager is removing the device's stack (IRP_MN_QUERY_REMOVE_DEVICE succeeded); new opens fail with STATUS_NO_SUCH_DEVICE.</summary>
    public bool RemovePending { get; internal set; }

    /// <summary>DOE_UNLOAD_PENDING: the driver is being unloaded (<see cref="IoManager.UnloadDriverAsync"/>); new opens fail with STATUS_NO_SUCH_DEVICE.</summary>
    public bool UnloadPending { get; internal set; }

    /// <summary>DOE_REMOVE_PROCESSED: the device's stack was sent IRP_MN_REMOVE_DEVICE (the PnP manager's removal, PnpManager.Remove.cs); opens of what is left fail with STATUS_NO_SUCH_DEVICE.</summary>
    public bool RemoveProcessed { get; internal set; }

    // Whether IoDeleteDevice ran: no hop to the device after that (its dispatch routine is called directly).
    private int _deleted;

    // What the device counts for its actor (made with the actor): hop arrivals and completion passes.
    private DeviceHopCounters? _counters;

    /// <summary>Whether IoCallDriver on a processor hops to this device: it has an actor and IoDeleteDevice has not run.</summary>
    internal bool IopHops => Actor is not null && Volatile.Read(ref _deleted) == 0;

    /// <summary>IoDeleteDevice: no hop starts after this; returns whether the actor must be told (the first call).</summary>
    internal bool IopMarkHopsDeleted() => Interlocked.Exchange(ref _deleted, 1) == 0;

    /// <summary>Gives the device the counters its actor takes (when the actor is made), a stripe per processor.</summary>
    internal void IopInitializeCounters(int processors) => _counters ??= new DeviceHopCounters(processors);

    /// <summary>
    /// IoCallDriver on <paramref name="processor"/> hopped to this device with an IRP of <paramref name="major"/>:
    /// counted here, for the actor to take when asked (no message: the hop is the caller's processor's own Continue).
    /// </summary>
    internal void IopReportArrived(int processor, IrpMajorFunction major) => _counters?.Arrived(processor, major);

    /// <summary>The actor adds the arrivals reported since it last looked to <paramref name="counts"/>.</summary>
    internal void IopTakeArrived(long[] counts) => _counters?.TakeArrived(counts);

    /// <summary>
    /// Completion passed a location of this device on <paramref name="cpu"/>: counted here, for the actor to take
    /// when asked (no message: a delivery per pass cost a third of an IRP's deliveries through a 3-deep stack).
    /// </summary>
    internal void IopReportPassed(IIoProcessor cpu)
    {
        if (_counters is not { } counters || Volatile.Read(ref _deleted) != 0)
        {
            return;
        }
        if (cpu is KeIoProcessor)
        {
            counters.Passed(cpu.Number);
        }
        else
        {
            counters.PassedOffProcessor();
        }
    }

    /// <summary>The actor takes the passes reported since it last looked.</summary>
    internal long IopTakePassed() => _counters?.TakePassed() ?? 0;

    /// <summary>Whether IoDeleteDevice was called.</summary>
    public bool DeletePending { get; internal set; }

    /// <summary>The device extension as <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The extension type given to IoCreateDevice.</typeparam>
    /// <returns>The extension.</returns>
    /// <exception cref="InvalidCastException">The extension is of another type.</exception>
    public T GetExtension<T>() where T : class => (T)DeviceExtension!;

    /// <inheritdoc />
    public override string ObjectTypeName => "Device";

    /// <inheritdoc />
    public override string ToString() => $"{Name ?? $"Device 0x{Address:X16}"} ({DriverObject.ImageName})";
}
