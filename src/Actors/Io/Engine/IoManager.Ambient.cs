namespace ActorKernel.Actors;

public sealed partial class IoManager
{
    [ThreadStatic]
    private static IoManager? t_current;

    /// <summary>
    /// The I/O manager of the routine running on this thread: set while the manager runs a driver
    /// routine and by <see cref="Enter"/>. WDM services that are given no object to find it through
    /// (IoAllocateIrp) use it.
    /// </summary>
    /// <exception cref="InvalidOperationException">No I/O manager is current on this thread.</exception>
    public static IoManager Current =>
        (Processor.CurrentOrNull is { } processor ? KeIoProcessor.ManagerOf(processor.Machine) : null)
        ?? t_current
        ?? throw new InvalidOperationException("No I/O manager is current on this thread: call from a driver routine or inside IoManager.Enter().");

    /// <summary>
    /// Makes this the I/O manager of <paramref name="machine"/>: routines on its processors find it as
    /// <see cref="Current"/>, and every device object (those that exist now and those created later)
    /// has an actor in the machine's actor system, to which IoCallDriver sends its IRPs.
    /// </summary>
    /// <param name="machine">The machine.</param>
    public void AttachTo(Machine machine)
    {
        ArgumentNullException.ThrowIfNull(machine);
        KeIoProcessor.Attach(machine, this);
        Machine = machine;
        machine.ThreadRundown = IopRundownThread;
        // Every device object gets its actor (IoCallDriver on a processor is a message to it).
        foreach (var driver in Drivers)
        {
            foreach (var device in driver.DeviceObjects)
            {
                IopCreateDeviceActor(device);
            }
        }
    }

    /// <summary>The machine this I/O manager serves, once attached.</summary>
    public Machine? Machine { get; private set; }

    /// <summary>Makes this manager the current one on this thread (each I/O service on an object of it does so).</summary>
    internal void MakeCurrent() => t_current = this;

    /// <summary>Makes this manager current on the thread until the scope is disposed.</summary>
    /// <returns>A scope restoring the previous one.</returns>
    public AmbientScope Enter()
    {
        var previous = t_current;
        t_current = this;
        return new AmbientScope(previous);
    }

    /// <summary>Restores the previously current I/O manager when disposed.</summary>
    public readonly struct AmbientScope : IDisposable
    {
        private readonly IoManager? _previous;

        internal AmbientScope(IoManager? previous) => _previous = previous;

        /// <inheritdoc />
        public void Dispose() => t_current = _previous;
    }

    private readonly Dictionary<System.Reflection.MethodInfo, ulong> _routineAddresses = [];
    private ulong _nextRoutineAddress = 0xFFFF_F800_2000_0000;

    /// <summary>
    /// A simulated code address for a driver routine (bugcheck parameters name routines by address):
    /// each distinct method gets the next address the first time it is seen.
    /// </summary>
    internal ulong RoutineAddress(Delegate? routine)
    {
        if (routine is null)
        {
            return 0;
        }
        lock (_routineAddresses)
        {
            if (!_routineAddresses.TryGetValue(routine.Method, out var address))
            {
                address = _nextRoutineAddress;
                _nextRoutineAddress += 0x100;
                _routineAddresses.Add(routine.Method, address);
            }
            return address;
        }
    }
}
