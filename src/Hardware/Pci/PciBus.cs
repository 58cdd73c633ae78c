namespace ActorKernel.Hardware;

/// <summary>
/// A PCI bus: up to 32 single-function devices, each answering configuration cycles by slot. An
/// empty slot answers a read with all-ones (VendorID 0xFFFF, PCI_INVALID_VENDORID) and ignores writes.
/// </summary>
public sealed class PciBus
{
    /// <summary>Devices per bus.</summary>
    public const int MaxDevices = 32;

    private readonly PciFunction?[] _slots = new PciFunction?[MaxDevices];
    private readonly AddressDecoder _decoder;
    private readonly IDmaMemory _memory;

    /// <summary>Creates bus <paramref name="number"/>, its BARs decoded by <paramref name="decoder"/>, its masters reaching <paramref name="memory"/>.</summary>
    /// <param name="number">The bus number.</param>
    /// <param name="decoder">The platform's address decoder.</param>
    /// <param name="memory">Physical memory.</param>
    public PciBus(int number, AddressDecoder decoder, IDmaMemory memory)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(memory);
        Number = number;
        _decoder = decoder;
        _memory = memory;
    }

    /// <summary>The bus number.</summary>
    public int Number { get; }

    /// <summary>The functions present, by device number.</summary>
    public IReadOnlyList<PciFunction> Functions
    {
        get
        {
            lock (_slots)
            {
                return [.. _slots.Where(f => f is not null).Select(f => f!)];
            }
        }
    }

    /// <summary>Plugs a device into the first free slot (or <paramref name="device"/>).</summary>
    /// <param name="definition">Its configuration header.</param>
    /// <param name="device">The slot, or -1 for the first free one.</param>
    /// <returns>Its function.</returns>
    public PciFunction Insert(PciDeviceDefinition definition, int device = -1)
    {
        PciFunction inserted;
        lock (_slots)
        {
            if (device < 0)
            {
                device = Array.FindIndex(_slots, s => s is null);
            }
            if (device is < 0 or >= MaxDevices || _slots[device] is not null)
            {
                throw new InvalidOperationException($"PCI bus {Number}: no free slot{(device >= 0 ? $" {device}" : "")}.");
            }
            var function = new PciFunction(Number, device, definition, _decoder, _memory);
            _slots[device] = function;
            inserted = function;
        }
        PresenceDetectChanged?.Invoke(device);
        return inserted;
    }

    /// <summary>
    /// The slot's Presence Detect Changed (PCI Express Slot Status): raised after a device was plugged
    /// into or pulled from a slot, as a hot-plug controller interrupts; the bus driver subscribes.
    /// </summary>
    public event Action<int>? PresenceDetectChanged;

    /// <summary>Pulls the device out of slot <paramref name="device"/>: configuration reads of the slot answer all-ones from now on.</summary>
    /// <param name="device">The slot.</param>
    /// <returns>The function that was there, or null for an empty slot.</returns>
    public PciFunction? Remove(int device)
    {
        PciFunction? removed;
        lock (_slots)
        {
            if (device is < 0 or >= MaxDevices || _slots[device] is null)
            {
                return null;
            }
            removed = _slots[device];
            _slots[device] = null;
        }
        PresenceDetectChanged?.Invoke(device);
        return removed;
    }

    /// <summary>The function in <paramref name="slotNumber"/> (PCI_SLOT_NUMBER), or null for an empty slot or a function other than 0.</summary>
    /// <param name="slotNumber">PCI_SLOT_NUMBER.u.AsULONG.</param>
    /// <returns>The function or null.</returns>
    public PciFunction? Find(uint slotNumber)
    {
        if (PciSlotNumber.Function(slotNumber) != 0 || slotNumber > 0xFF)
        {
            return null;
        }
        lock (_slots)
        {
            return _slots[PciSlotNumber.Device(slotNumber)];
        }
    }

    /// <summary>A configuration read; an empty slot reads all-ones.</summary>
    /// <param name="slotNumber">PCI_SLOT_NUMBER.</param>
    /// <param name="offset">Offset in the header.</param>
    /// <param name="buffer">Receives the bytes.</param>
    /// <returns>Whether a device answered.</returns>
    public bool ReadConfig(uint slotNumber, int offset, Span<byte> buffer)
    {
        if (Find(slotNumber) is not { } function)
        {
            buffer.Fill(0xFF);
            return false;
        }
        function.ReadConfig(offset, buffer);
        return true;
    }

    /// <summary>A configuration write; an empty slot ignores it.</summary>
    /// <param name="slotNumber">PCI_SLOT_NUMBER.</param>
    /// <param name="offset">Offset in the header.</param>
    /// <param name="data">The bytes.</param>
    /// <returns>Whether a device answered.</returns>
    public bool WriteConfig(uint slotNumber, int offset, ReadOnlySpan<byte> data)
    {
        if (Find(slotNumber) is not { } function)
        {
            return false;
        }
        function.WriteConfig(offset, data);
        return true;
    }
}
