using ActorKernel.Runtime;

namespace ActorKernel.Actors;

// A driver's life runs through its driver object's actor (DriverObjectActor): DriverEntry, AddDevice
// and DriverUnload are admitted by it before they run on the caller's processor at its IRQL.
public sealed partial class IoManager
{
    private int _driverActors;

    /// <summary>
    /// Gives <paramref name="driver"/> its actor in the attached machine's actor system, at the first
    /// life routine called on a processor (the PnP manager's loads): a driver a test bed loads and runs
    /// from its own thread never needs one, and its machine's schedule stays what it was.
    /// </summary>
    internal void IopCreateDriverActor(DriverObject driver)
    {
        if (Machine is not { } machine || driver.Actor is not null)
        {
            return;
        }
        // Prefixed by the machine: two machines (two I/O managers) may share one actor system.
        var actorName = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{machine.Options.Name}-driver-{Interlocked.Increment(ref _driverActors)}");
        var state = driver.LifeState;
        var devices = driver.DeviceObjects.Count;
        driver.Actor = machine.System.ActorOf(Props.Create(() => new DriverObjectActor(driver, state, devices)), actorName);
    }

    /// <summary>
    /// Calls one of <paramref name="driver"/>'s life routines (<paramref name="call"/>). On a processor
    /// the call is a hop to the driver's actor, which admits it or refuses it (AddDevice while unload is
    /// pending: STATUS_IMAGE_ALREADY_LOADED, and the routine does not run); the routine then runs on this
    /// processor, and the actor is told what it returned. Off a processor (a test bed loading drivers
    /// from its own thread) the routine runs at once and the actor is told afterwards.
    /// </summary>
    internal async ValueTask<NtStatus> IopCallDriverLifeRoutine(DriverObject driver, IopDriverRoutine routine, Func<ValueTask<NtStatus>> call)
    {
        if (InlineIoProcessor.Current is KeIoProcessor { Processor: { Top: not null } processor } cpu && Machine is not null)
        {
            IopCreateDriverActor(driver);
            var actor = driver.Actor!;
            var irql = cpu.CurrentIrql;
            var hop = new IopDriverHop(processor, routine) { Target = actor };
            await new KiHopAwaitable(hop);
            processor.KiCheckHopIrql(irql);
            if (!hop.Refusal.IsSuccess())
            {
                return hop.Refusal;
            }
            var status = await call().ConfigureAwait(false);
            actor.Tell(new IopDriverRoutineDone(routine, status, Admitted: true));
            return status;
        }
        if (routine == IopDriverRoutine.AddDevice && driver.LifeState is DriverLifeState.UnloadPending or DriverLifeState.Unloaded)
        {
            return NtStatus.ImageAlreadyLoaded;
        }
        if (routine == IopDriverRoutine.DriverUnload && driver.Actor is null)
        {
            driver.LifeState = DriverLifeState.UnloadPending;
        }
        var result = await call().ConfigureAwait(false);
        if (driver.Actor is { } told)
        {
            told.Tell(new IopDriverRoutineDone(routine, result, Admitted: false));
        }
        else
        {
            // No actor (a driver run from a test bed's thread): the driver object keeps its life itself.
            driver.LifeState = routine switch
            {
                IopDriverRoutine.DriverEntry => result.IsSuccess() ? DriverLifeState.Loaded : DriverLifeState.Unloaded,
                IopDriverRoutine.DriverUnload => DriverLifeState.Unloaded,
                _ => driver.LifeState,
            };
        }
        return result;
    }
}
