using ActorKernel.Hardware;

namespace ActorKernel.Actors;

// MmMapIoSpace mappings: system virtual ranges that reach device memory (BARs), so READ_REGISTER_* on
// such an address decodes to the device's register window.
public sealed partial class Hal
{
    /// <summary>Base of the system range MmMapIoSpace maps device memory into (a region Mm does not use).</summary>
    public const ulong IoSpaceBase = 0xFFFF_FD00_0000_0000;

    private IoMapping[] _ioMappings = [];
    private ulong _nextIoVa = IoSpaceBase;

    /// <summary>One MmMapIoSpace mapping.</summary>
    /// <param name="VirtualAddress">The system address returned (with the physical address's byte offset).</param>
    /// <param name="Length">NumberOfBytes.</param>
    /// <param name="PhysicalAddress">The device memory it maps.</param>
    /// <param name="Module">The driver that mapped it.</param>
    internal sealed record IoMapping(ulong VirtualAddress, ulong Length, ulong PhysicalAddress, KernelModule Module);

    /// <summary>The mappings made by MmMapIoSpace and not yet unmapped.</summary>
    public int IoMappingCount => Volatile.Read(ref _ioMappings).Length;

    internal ulong HalpMapIoSpace(Processor processor, ulong physicalAddress, ulong numberOfBytes)
    {
        if (numberOfBytes == 0)
        {
            return 0;
        }
        if (Platform.Memory.IsRam(physicalAddress))
        {
            // Device memory only: RAM is the memory manager's to map (MmMapIoSpace on RAM fails here; see docs/hardware.md).
            HalpReport(processor, HalViolation.RegisterOutsideResources, physicalAddress,
                FormattableString.Invariant($"MmMapIoSpace of RAM at 0x{physicalAddress:X} (+0x{numberOfBytes:X}): refused, returns NULL"));
            return 0;
        }
        var module = processor.Top?.Module ?? KernelModule.Kernel;
        var range = Platform.Decoder.Decode(BusAddressSpace.Memory, physicalAddress);
        if (range is null || !range.Contains(physicalAddress, numberOfBytes))
        {
            HalpReport(processor, HalViolation.UnclaimedAddress, physicalAddress,
                FormattableString.Invariant($"MmMapIoSpace of 0x{physicalAddress:X} (+0x{numberOfBytes:X}): no device decodes all of it"));
        }
        else if (range.Device is { } device && !IsGranted(device, module))
        {
            HalpReport(processor, HalViolation.RegisterOutsideResources, physicalAddress,
                FormattableString.Invariant($"MmMapIoSpace of 0x{physicalAddress:X} (+0x{numberOfBytes:X}) of device {device.Name}, whose resources {module.Name} was not given"));
        }
        lock (_lock)
        {
            var offset = physicalAddress & (PhysicalMemory.PageSize - 1);
            var pages = (offset + numberOfBytes + PhysicalMemory.PageSize - 1) / PhysicalMemory.PageSize;
            var va = _nextIoVa + offset;
            _nextIoVa += (pages + 1) * PhysicalMemory.PageSize; // a guard page between mappings: an overrun does not reach the next device
            var next = new IoMapping[_ioMappings.Length + 1];
            _ioMappings.CopyTo(next, 0);
            next[^1] = new IoMapping(va, numberOfBytes, physicalAddress, module);
            Array.Sort(next, static (a, b) => a.VirtualAddress.CompareTo(b.VirtualAddress));
            Volatile.Write(ref _ioMappings, next);
            return va;
        }
    }

    internal bool HalpUnmapIoSpace(ulong baseAddress)
    {
        lock (_lock)
        {
            var index = Array.FindIndex(_ioMappings, m => m.VirtualAddress == baseAddress);
            if (index < 0)
            {
                return false;
            }
            var next = new IoMapping[_ioMappings.Length - 1];
            Array.Copy(_ioMappings, 0, next, 0, index);
            Array.Copy(_ioMappings, index + 1, next, index, _ioMappings.Length - index - 1);
            Volatile.Write(ref _ioMappings, next);
            return true;
        }
    }

    /// <summary>The physical address behind a mapped register address, or false when <paramref name="va"/> is not in an MmMapIoSpace mapping.</summary>
    internal bool HalpTranslateIoVa(ulong va, ulong length, out ulong physicalAddress)
    {
        var mappings = Volatile.Read(ref _ioMappings);
        int lo = 0, hi = mappings.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var m = mappings[mid];
            if (va < m.VirtualAddress)
            {
                hi = mid - 1;
            }
            else if (va - m.VirtualAddress >= m.Length)
            {
                lo = mid + 1;
            }
            else
            {
                physicalAddress = m.PhysicalAddress + (va - m.VirtualAddress);
                return va - m.VirtualAddress + length <= m.Length;
            }
        }
        physicalAddress = 0;
        return false;
    }
}
