using System.Buffers.Binary;

namespace ActorKernel.Hardware;

/// <summary>
/// One PCI function's configuration space (a type 0 header, 256 bytes), as the bus answers
/// configuration cycles. The datasheet rules are code:
/// <list type="bullet">
/// <item>IDs, class code, header type and interrupt pin are read-only;</item>
/// <item>a BAR's low bits are hard-wired (bit 0 = 1 for I/O; type and prefetchable bits for memory)
/// and its address bits below its size read as zero, so writing all-ones and reading back gives
/// ~(size - 1) | type bits: the size probe;</item>
/// <item>a BAR decodes only while the command register enables its space (I/O space 0x1, memory
/// space 0x2); bus master 0x4 gates the device's DMA (<see cref="DmaMemory"/>);</item>
/// <item>the interrupt line register is plain storage firmware writes with the routed IRQ.</item>
/// </list>
/// Thread-safe: a processor's configuration access and the device's DMA may meet.
/// </summary>
public sealed class PciFunction
{
    private const int ConfigSize = 256;
    private readonly Lock _lock = new();
    private readonly byte[] _config = new byte[ConfigSize];
    private readonly uint[] _barSize = new uint[6];
    private readonly ulong[] _decodedAt = new ulong[6];
    private readonly AddressDecoder _decoder;
    private ushort _command;

    internal PciFunction(int bus, int device, PciDeviceDefinition definition, AddressDecoder decoder, IDmaMemory memory)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition.Bars.Count > 6) throw new ArgumentException("A type 0 header has six BARs.", nameof(definition));
        if (definition.InterruptPin > 4) throw new ArgumentException("InterruptPin is 0..4.", nameof(definition));
        Bus = bus;
        Device = device;
        Definition = definition;
        _decoder = decoder;
        DmaMemory = new BusMasterMemory(this, memory);
        Put16(PciConfigOffset.VendorId, definition.VendorId);
        Put16(PciConfigOffset.DeviceId, definition.DeviceId);
        _config[(int)PciConfigOffset.RevisionId] = definition.RevisionId;
        _config[(int)PciConfigOffset.ProgIf] = definition.ProgIf;
        _config[(int)PciConfigOffset.SubClass] = definition.SubClass;
        _config[(int)PciConfigOffset.BaseClass] = definition.BaseClass;
        Put16(PciConfigOffset.SubsystemVendorId, definition.SubsystemVendorId);
        Put16(PciConfigOffset.SubsystemId, definition.SubsystemId);
        _config[(int)PciConfigOffset.InterruptPin] = definition.InterruptPin;
        // The power management capability (PCI PM 1.2): Status.CapabilitiesList, CapabilitiesPtr -> 0x40;
        // PMC version 3, D1/D2 not supported; PMCSR in D0 with No_Soft_Reset (the header survives D3hot).
        Put16(PciConfigOffset.Status, 0x0010);
        _config[PciPowerManagementCapability.CapabilitiesPointer] = PciPowerManagementCapability.Offset;
        _config[PciPowerManagementCapability.Offset] = PciPowerManagementCapability.CapabilityId;
        _config[PciPowerManagementCapability.Offset + 2] = 0x03;
        _config[PciPowerManagementCapability.PmcsrOffset] = (byte)PciPowerManagementCapability.NoSoftReset;
        for (var i = 0; i < definition.Bars.Count; i++)
        {
            _barSize[i] = definition.Bars[i].Size;
            WriteBarLocked(i, 0);
        }
    }

    /// <summary>The bus number.</summary>
    public int Bus { get; }

    /// <summary>The device number (0..31) on the bus; the function number is 0.</summary>
    public int Device { get; }

    /// <summary>PCI_SLOT_NUMBER.u.AsULONG of this function.</summary>
    public uint SlotNumber => PciSlotNumber.Make(Device);

    /// <summary>The header the device was built from.</summary>
    public PciDeviceDefinition Definition { get; }

    /// <summary>The placed device this function belongs to (set when the platform places it).</summary>
    public PlacedDevice? Placed { get; internal set; }

    /// <summary>The command register now.</summary>
    public PciCommand Command
    {
        get
        {
            lock (_lock)
            {
                return (PciCommand)_command;
            }
        }
    }

    /// <summary>Whether PCI_ENABLE_BUS_MASTER is set: the device may start DMA.</summary>
    public bool BusMasterEnabled => (Command & PciCommand.BusMaster) != 0;

    /// <summary>Whether PCI_DISABLE_LEVEL_INTERRUPT is clear: the device may assert INTx#.</summary>
    public bool InterruptEnabled => (Command & PciCommand.InterruptDisable) == 0;

    /// <summary>
    /// What the device model's DMA engine uses: physical memory while bus mastering is enabled. With
    /// PCI_ENABLE_BUS_MASTER clear the device cannot own the bus: writes go nowhere and reads return
    /// all-ones (a master abort), counted in <see cref="MasterAborts"/>.
    /// </summary>
    public IDmaMemory DmaMemory { get; }

    /// <summary>BAR programmings that overlapped another decoded range and were left undecoded.</summary>
    public int DecodeConflicts { get; private set; }

    /// <summary>DMA attempts refused because bus mastering was disabled.</summary>
    public long MasterAborts => Interlocked.Read(ref _masterAborts);

    private long _masterAborts;

    /// <summary>The BAR's current value (what a configuration read of it returns).</summary>
    /// <param name="index">0..5.</param>
    /// <returns>The register.</returns>
    public uint Bar(int index)
    {
        lock (_lock)
        {
            return BinaryPrimitives.ReadUInt32LittleEndian(_config.AsSpan((int)PciConfigOffset.Bar0 + (4 * index)));
        }
    }

    /// <summary>A configuration read of <paramref name="buffer"/>.Length bytes at <paramref name="offset"/> (bytes past 255 read as zero).</summary>
    /// <param name="offset">Offset in the header.</param>
    /// <param name="buffer">Receives the bytes.</param>
    public void ReadConfig(int offset, Span<byte> buffer)
    {
        lock (_lock)
        {
            for (var i = 0; i < buffer.Length; i++)
            {
                var at = offset + i;
                buffer[i] = at is >= 0 and < ConfigSize ? _config[at] : (byte)0;
            }
        }
    }

    /// <summary>A configuration write: read-only bytes keep their value, hard-wired BAR bits stay, decoding follows the command register.</summary>
    /// <param name="offset">Offset in the header.</param>
    /// <param name="data">The bytes.</param>
    public void WriteConfig(int offset, ReadOnlySpan<byte> data)
    {
        PciPowerState? powerChange;
        lock (_lock)
        {
            var before = PowerStateLocked;
            var remap = false;
            for (var i = 0; i < data.Length; i++)
            {
                var at = offset + i;
                remap |= WriteByteLocked(at, data[i]);
            }
            if (remap)
            {
                RemapLocked();
            }
            powerChange = PowerStateLocked != before ? PowerStateLocked : null;
        }
        if (powerChange is { } state)
        {
            // Outside the header's lock: the model takes its own.
            foreach (var bar in Definition.Bars)
            {
                (bar.Window as IPciPowerManagedDevice)?.SetPciPowerState(state);
            }
        }
    }

    /// <summary>PMCSR.PowerState now.</summary>
    public PciPowerState PowerState
    {
        get
        {
            lock (_lock)
            {
                return PowerStateLocked;
            }
        }
    }

    private PciPowerState PowerStateLocked => (PciPowerState)(_config[PciPowerManagementCapability.PmcsrOffset] & 0x3);

    /// <summary>Firmware-style assignment: the BAR's base (the platform's resource assignment writes it before enabling decode).</summary>
    internal void AssignBar(int index, uint address)
    {
        lock (_lock)
        {
            WriteBarLocked(index, address);
            RemapLocked();
        }
    }

    // Returns whether decoding may have changed.
    private bool WriteByteLocked(int at, byte value)
    {
        switch (at)
        {
            case (int)PciConfigOffset.Command:
                _command = (ushort)((_command & 0xFF00) | (value & (int)(PciCommand.IoSpace | PciCommand.MemorySpace | PciCommand.BusMaster)));
                Put16(PciConfigOffset.Command, _command);
                return true;
            case (int)PciConfigOffset.Command + 1:
                _command = (ushort)((_command & 0x00FF) | ((value << 8) & (int)PciCommand.InterruptDisable));
                Put16(PciConfigOffset.Command, _command);
                return false;
            case PciPowerManagementCapability.PmcsrOffset:
                // PowerState is RW; a write of an unsupported state (D1, D2) completes and is discarded (PCI PM 1.2, 3.2.4).
                if ((value & 0x3) is 0 or 3)
                {
                    _config[at] = (byte)((_config[at] & ~0x3) | (value & 0x3));
                }
                return false;
            case (int)PciConfigOffset.CacheLineSize:
            case (int)PciConfigOffset.LatencyTimer:
            case (int)PciConfigOffset.InterruptLine:
                _config[at] = value;
                return false;
            case >= (int)PciConfigOffset.Bar0 and < (int)PciConfigOffset.Bar0 + 24:
                var index = (at - (int)PciConfigOffset.Bar0) / 4;
                var shift = 8 * ((at - (int)PciConfigOffset.Bar0) % 4);
                var current = BinaryPrimitives.ReadUInt32LittleEndian(_config.AsSpan((int)PciConfigOffset.Bar0 + (4 * index)));
                WriteBarLocked(index, (current & ~(0xFFu << shift)) | ((uint)value << shift));
                return true;
            default:
                return false; // read-only or unimplemented: the write is ignored, as the header's RO bits are
        }
    }

    private void WriteBarLocked(int index, uint value)
    {
        var size = _barSize[index];
        uint bar;
        if (size == 0)
        {
            bar = 0; // an unimplemented BAR is hard-wired to zero
        }
        else if (Definition.Bars[index].Kind == PciBarKind.Io)
        {
            bar = (value & ~(size - 1) & ~0x3u) | 0x1u;
        }
        else
        {
            bar = (value & ~(size - 1) & ~0xFu) | (Definition.Bars[index].Prefetchable ? 0x8u : 0u);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(_config.AsSpan((int)PciConfigOffset.Bar0 + (4 * index)), bar);
    }

    private void RemapLocked()
    {
        for (var i = 0; i < Definition.Bars.Count; i++)
        {
            var definition = Definition.Bars[i];
            var io = definition.Kind == PciBarKind.Io;
            var raw = BinaryPrimitives.ReadUInt32LittleEndian(_config.AsSpan((int)PciConfigOffset.Bar0 + (4 * i)));
            var address = (ulong)(raw & (io ? ~0x3u : ~0xFu));
            var enabled = (_command & (ushort)(io ? PciCommand.IoSpace : PciCommand.MemorySpace)) != 0;
            var space = io ? BusAddressSpace.Port : BusAddressSpace.Memory;
            // A BAR still holding the probe's all-ones (or any address no port exists at) decodes nothing.
            var decodable = address != 0 && (!io || address + _barSize[i] <= 0x1_0000);
            var target = enabled && decodable ? address : 0;
            if (_decodedAt[i] == target)
            {
                continue;
            }
            if (_decodedAt[i] != 0)
            {
                _decoder.Unmap(space, _decodedAt[i]);
            }
            _decodedAt[i] = 0;
            if (target != 0)
            {
                // A BAR programmed onto another device's range decodes nothing (a conflict software made), rather than throw into the caller.
                if (_decoder.TryMap(space, target, definition.Window, Placed, out _) is not null)
                {
                    _decodedAt[i] = target;
                }
                else
                {
                    DecodeConflicts++;
                }
            }
        }
    }

    private void Put16(PciConfigOffset offset, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(_config.AsSpan((int)offset), value);

    /// <summary>Physical memory as the function masters it: only with PCI_ENABLE_BUS_MASTER set.</summary>
    private sealed class BusMasterMemory(PciFunction function, IDmaMemory memory) : IDmaMemory
    {
        public void DmaRead(ulong physicalAddress, Span<byte> destination)
        {
            if (!function.BusMasterEnabled)
            {
                Interlocked.Increment(ref function._masterAborts);
                destination.Fill(0xFF);
                return;
            }
            memory.DmaRead(physicalAddress, destination);
        }

        public void DmaWrite(ulong physicalAddress, ReadOnlySpan<byte> source)
        {
            if (!function.BusMasterEnabled)
            {
                Interlocked.Increment(ref function._masterAborts);
                return;
            }
            memory.DmaWrite(physicalAddress, source);
        }
    }
}
