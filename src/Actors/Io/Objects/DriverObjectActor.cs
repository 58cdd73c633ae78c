using ActorKernel.Runtime;

namespace ActorKernel.Actors;

/// <summary>The life of a driver as its driver object's actor keeps it (DRVO_* flags of NT's DRIVER_OBJECT).</summary>
public enum DriverLifeState
{
    /// <summary>The image is loaded and DriverEntry has not returned yet.</summary>
    Loading,

    /// <summary>DriverEntry succeeded: the PnP manager may call AddDevice.</summary>
    Loaded,

    /// <summary>Unload was invoked (DRVO_UNLOAD_INVOKED): no new AddDevice; DriverUnload runs.</summary>
    UnloadPending,

    /// <summary>DriverUnload returned, or DriverEntry failed: the image is gone.</summary>
    Unloaded,
}

/// <summary>Asks a driver object's actor for its <see cref="DriverState"/>.</summary>
public sealed record GetDriverState
{
    /// <summary>The one instance.</summary>
    public static GetDriverState Instance { get; } = new();
}

/// <summary>What a driver object's actor holds.</summary>
/// <param name="Driver">The driver's name (<c>\Driver\Serial</c>).</param>
/// <param name="State">Where its life is.</param>
/// <param name="DeviceObjects">Its device objects not yet deleted (IoCreateDevice less IoDeleteDevice).</param>
/// <param name="AddDeviceCalls">AddDevice calls it let run.</param>
/// <param name="AddDeviceRefused">AddDevice requests it refused (unload pending or unloaded).</param>
/// <param name="Steps">Its life in order: <c>DriverEntry</c>, <c>AddDevice</c>, <c>Unload</c>, each with the routine's status.</param>
public sealed record DriverState(string Driver, DriverLifeState State, int DeviceObjects, long AddDeviceCalls, long AddDeviceRefused, IReadOnlyList<string> Steps);

/// <summary>The driver's routines whose call its actor admits.</summary>
internal enum IopDriverRoutine
{
    DriverEntry,
    AddDevice,
    DriverUnload,
}

/// <summary>
/// The hop of a driver routine the I/O or PnP manager is about to call on a processor: told to the
/// driver object's actor, which admits it (<see cref="Refusal"/> stays STATUS_SUCCESS) or refuses it,
/// then resumes the caller; the routine itself runs on the caller's processor at its IRQL.
/// </summary>
internal sealed class IopDriverHop(Processor processor, IopDriverRoutine routine) : KiHop(processor)
{
    public IopDriverRoutine Routine { get; } = routine;

    /// <summary>Set by the actor before it resumes the caller.</summary>
    public NtStatus Refusal { get; set; } = NtStatus.Success;
}

/// <summary>
/// Told when a routine of the driver returned (or, off a processor, when one is called and returns:
/// <see cref="Admitted"/> false), so the actor moves the driver's life on.
/// </summary>
internal sealed record IopDriverRoutineDone(IopDriverRoutine Routine, NtStatus Status, bool Admitted);

/// <summary>IoCreateDevice (+1) and IoDeleteDevice (-1) of one of the driver's devices.</summary>
internal sealed class IopDriverDeviceCount
{
    public static readonly IopDriverDeviceCount Created = new(1);
    public static readonly IopDriverDeviceCount Deleted = new(-1);

    private IopDriverDeviceCount(int delta) => Delta = delta;

    public int Delta { get; }
}

/// <summary>
/// The actor of a driver object (ReactOS io/iomgr/driver.c: IopLoadDriver, IopInitializeDriverModule,
/// IopUnloadDriver; the PnP manager's AddDevice calls): it owns the driver's life. DriverEntry,
/// AddDevice and DriverUnload are admitted by it, in one order, before they run on the caller's
/// processor: AddDevice only once DriverEntry succeeded and never once unload is pending
/// (STATUS_IMAGE_ALREADY_LOADED, as NT's IopResurrectDriver answers); it counts the driver's device objects. It outlives the unload (the driver object does).
/// </summary>
internal sealed class DriverObjectActor : ActorBase
{
    private readonly DriverObject _driver;
    private readonly List<string> _steps = [];
    private DriverLifeState _state = DriverLifeState.Loading;
    private int _devices;
    private long _addDevice;
    private long _refused;

    /// <param name="driver">The driver object.</param>
    /// <param name="state">Its life when the actor was made (at the first routine called on a processor: it may have lived before).</param>
    /// <param name="devices">Its device objects then (later ones are told).</param>
    public DriverObjectActor(DriverObject driver, DriverLifeState state, int devices)
    {
        _driver = driver;
        _state = state;
        _devices = devices;
    }

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case IopDriverHop hop:
                hop.Refusal = Admit(hop.Routine);
                hop.KiResume(Self); // last use of the hop
                return true;
            case IopDriverRoutineDone done:
                if (!done.Admitted)
                {
                    // Off a processor the routine ran at once; its admission is recorded now, in the same order.
                    _ = Admit(done.Routine);
                }
                Returned(done.Routine, done.Status);
                return true;
            case IopDriverDeviceCount count:
                _devices += count.Delta;
                return true;
            case GetDriverState:
                Sender.Tell(new DriverState(_driver.Name ?? _driver.ServiceName, _state, _devices, _addDevice, _refused, [.. _steps]), Self);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Whether the routine may run now: STATUS_SUCCESS, or the status the caller gets instead.</summary>
    private NtStatus Admit(IopDriverRoutine routine)
    {
        switch (routine)
        {
            case IopDriverRoutine.AddDevice when _state != DriverLifeState.Loaded:
                // NT never calls AddDevice of a driver whose unload was invoked: loading it for a device answers
                // STATUS_IMAGE_ALREADY_LOADED (IopLoadDriver -> IopResurrectDriver with DRVO_UNLOAD_INVOKED set).
                _refused++;
                _steps.Add("AddDevice refused (" + _state + ")");
                return NtStatus.ImageAlreadyLoaded;
            case IopDriverRoutine.AddDevice:
                _addDevice++;
                return NtStatus.Success;
            case IopDriverRoutine.DriverUnload when _state != DriverLifeState.Loaded:
                return NtStatus.InvalidDeviceRequest;
            case IopDriverRoutine.DriverUnload:
                _state = DriverLifeState.UnloadPending; // DRVO_UNLOAD_INVOKED: from here on no AddDevice
                _driver.LifeState = _state;
                return NtStatus.Success;
            default:
                return NtStatus.Success;
        }
    }

    private void Returned(IopDriverRoutine routine, NtStatus status)
    {
        _steps.Add(routine + " -> " + status.ToDisplayString());
        switch (routine)
        {
            case IopDriverRoutine.DriverEntry:
                _state = status.IsSuccess() ? DriverLifeState.Loaded : DriverLifeState.Unloaded;
                break;
            case IopDriverRoutine.DriverUnload when _state == DriverLifeState.UnloadPending:
                _state = DriverLifeState.Unloaded;
                break;
        }
        _driver.LifeState = _state;
    }
}
