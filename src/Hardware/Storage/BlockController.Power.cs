namespace ActorKernel.Hardware;

/// <summary>
/// The controller's power: it follows its PCI function's PMCSR.PowerState. Datasheet: in D3hot the
/// controller core is unpowered; the register block does not decode (reads return all ones, writes are
/// dropped), the command in flight and any commands still in the submission ring are abandoned, the
/// write-back cache (volatile) is lost, and on the return to D0 every register holds its reset value:
/// the driver must flush before D3 and program the rings again after D0.
/// </summary>
public sealed partial class BlockController : IPciPowerManagedDevice
{
    private bool _poweredOff;

    /// <summary>Whether the controller is in D3hot now.</summary>
    public bool PoweredOff
    {
        get
        {
            lock (_lock)
            {
                return _poweredOff;
            }
        }
    }

    /// <summary>Times the controller lost power (entered D3hot).</summary>
    public int PowerLosses { get; private set; }

    /// <inheritdoc />
    public void SetPciPowerState(PciPowerState state)
    {
        lock (_lock)
        {
            var off = state == PciPowerState.D3Hot;
            if (off == _poweredOff)
            {
                return;
            }
            _poweredOff = off;
            if (off)
            {
                PowerLosses++;
            }
            // Power-on reset values (entering D3 loses them; D0 comes up with them).
            _control = _options.WriteCacheEnabled ? BlockControl.WriteCacheEnable : BlockControl.None;
            _interruptStatus = BlockInterrupt.None;
            _interruptEnable = BlockInterrupt.None;
            _error = 0;
            _submissionBase = _completionBase = 0;
            _depth = 2;
            _submissionHead = _submissionTail = _completionHead = _completionTail = 0;
            _busy = false; // the command in flight is abandoned: its timer finds _busy clear
            _hung = false;
            _hangResetsLeft = 0;
            _dirty.Clear(); // the write-back cache is volatile
            UpdateInterrupt();
        }
    }
}
