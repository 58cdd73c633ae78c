using ActorKernel.Hardware;

namespace ActorKernel.Actors;

public sealed partial class Machine
{
    /// <summary>
    /// The simulator defect that stopped this machine, or null. When set the machine is frozen as at a
    /// bugcheck (<see cref="IsBugChecked"/> is true) but there is no <see cref="CrashDump"/>: no driver is blamed.
    /// </summary>
    public SimulatorDefectException? SimulatorDefect { get; private set; }

    /// <summary>Raised once, on the thread that found it, when a simulator defect stops the machine.</summary>
    public event Action<SimulatorDefectException>? SimulatorDefectRaised;

    /// <summary>
    /// Stops every processor as KeBugCheck does (the same freeze), without a dump: the exception is the
    /// simulator's, and the host must report it as its own error. A bugcheck already under way wins.
    /// </summary>
    internal void KiStopForSimulatorDefect(SimulatorDefectException defect)
    {
        if (Interlocked.CompareExchange(ref _bugChecked, 1, 0) != 0)
        {
            return;
        }
        SimulatorDefect = defect;
        foreach (var device in _devices)
        {
            device.Tell(DeviceStop.Instance);
        }
        SimulatorDefectRaised?.Invoke(defect);
    }
}
