namespace ActorKernel.Actors;

/// <summary>
/// Base of Ke objects (not object-manager objects: see <see cref="KernelObject"/>) that have an address in crash dumps (spin locks, DPCs, timers, interrupt
/// objects, dispatcher objects). The address is a fake kernel virtual address given by the machine
/// the first time the object is used, so it is unique and deterministic per run.
/// </summary>
public abstract class KeObject
{
    private ulong _address;

    /// <summary>The object's simulated kernel address (0 until first used on a machine).</summary>
    public ulong Address => Volatile.Read(ref _address);

    internal ulong EnsureAddress(Machine machine)
    {
        var address = Volatile.Read(ref _address);
        return address != 0 ? address : machine.AllocateAddress(this);
    }

    // Called under the machine's object list lock, so two processors using the object first at once register it once.
    internal bool TryAssignAddress(ulong address) => Interlocked.CompareExchange(ref _address, address, 0) == 0;
}
