namespace ActorKernel.Actors;

// The machine's HAL, made on first use (after the memory manager, whose RAM the platform wraps).
public sealed partial class Machine
{
    private Hal? _hal;

    /// <summary>The machine's HAL (and through it the hardware platform: placed devices, PCI, physical memory).</summary>
    public Hal Hal
    {
        get
        {
            var hal = Volatile.Read(ref _hal);
            if (hal is null)
            {
                Interlocked.CompareExchange(ref _hal, new Hal(this), null);
                hal = _hal!;
            }
            return hal;
        }
    }
}
