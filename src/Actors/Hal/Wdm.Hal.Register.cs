using System.Buffers.Binary;
using ActorKernel.Hardware;

namespace ActorKernel.Actors;

// READ_REGISTER_* / WRITE_REGISTER_* and MmMapIoSpace / MmUnmapIoSpace. A register address is a system
// virtual address MmMapIoSpace returned for a memory BAR; the HAL translates it back to the physical
// address and decodes it to the device's register window, calling its handler on this processor. An
// address outside every MmMapIoSpace mapping is ordinary memory (the access goes to the memory
// manager, which bugchecks PAGE_FAULT_IN_NONPAGED_AREA on an unmapped one, as NT does after
// MmUnmapIoSpace). Each access charges HalCostModel.RegisterReadNs / RegisterWriteNs.
public static partial class Wdm
{
    /// <summary>MmMapIoSpace: maps <paramref name="numberOfBytes"/> of device memory at <paramref name="physicalAddress"/> (a translated CmResourceTypeMemory range) into system space.</summary>
    /// <param name="physicalAddress">The physical address.</param>
    /// <param name="numberOfBytes">The length.</param>
    /// <param name="cacheType">MmNonCached for registers.</param>
    /// <returns>The base virtual address, or 0 (NULL) for a zero length or RAM.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL. Mapping memory outside the driver's resources is reported (HalViolation.RegisterOutsideResources).</remarks>
    public static ulong MmMapIoSpace(ulong physicalAddress, ulong numberOfBytes, MemoryCachingType cacheType)
    {
        _ = cacheType;
        var p = Processor.Current;
        p.KiCharge(p.Costs.DefaultCallNs);
        return p.Machine.Hal.HalpMapIoSpace(p, physicalAddress, numberOfBytes);
    }

    /// <summary>MmUnmapIoSpace: removes a mapping made by MmMapIoSpace; later accesses through it fault.</summary>
    /// <param name="baseAddress">The address MmMapIoSpace returned.</param>
    /// <param name="numberOfBytes">The length mapped.</param>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL. An address that is not a mapping is reported, not unmapped.</remarks>
    public static void MmUnmapIoSpace(ulong baseAddress, ulong numberOfBytes)
    {
        var p = Processor.Current;
        p.KiCharge(p.Costs.DefaultCallNs);
        if (!p.Machine.Hal.HalpUnmapIoSpace(baseAddress))
        {
            p.Machine.Hal.HalpReport(p, HalViolation.UnclaimedAddress, baseAddress,
                FormattableString.Invariant($"MmUnmapIoSpace of 0x{baseAddress:X} (+0x{numberOfBytes:X}), which MmMapIoSpace did not return (or was unmapped already)"));
        }
    }

    /// <summary>READ_REGISTER_UCHAR: reads a byte register at mapped address <paramref name="register"/>.</summary>
    /// <param name="register">An address within an MmMapIoSpace mapping.</param>
    /// <returns>The value.</returns>
    /// <remarks>Any IRQL.</remarks>
    public static byte READ_REGISTER_UCHAR(ulong register) => (byte)HalpReadRegister(register, AccessWidth.Byte);

    /// <summary>READ_REGISTER_USHORT: reads a 16-bit register.</summary>
    /// <param name="register">The mapped address.</param>
    /// <returns>The value.</returns>
    /// <remarks>Any IRQL.</remarks>
    public static ushort READ_REGISTER_USHORT(ulong register) => (ushort)HalpReadRegister(register, AccessWidth.Word);

    /// <summary>READ_REGISTER_ULONG: reads a 32-bit register.</summary>
    /// <param name="register">The mapped address.</param>
    /// <returns>The value.</returns>
    /// <remarks>Any IRQL.</remarks>
    public static uint READ_REGISTER_ULONG(ulong register) => HalpReadRegister(register, AccessWidth.Dword);

    /// <summary>WRITE_REGISTER_UCHAR: writes a byte register.</summary>
    /// <param name="register">The mapped address.</param>
    /// <param name="value">The value.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void WRITE_REGISTER_UCHAR(ulong register, byte value) => HalpWriteRegister(register, AccessWidth.Byte, value);

    /// <summary>WRITE_REGISTER_USHORT: writes a 16-bit register.</summary>
    /// <param name="register">The mapped address.</param>
    /// <param name="value">The value.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void WRITE_REGISTER_USHORT(ulong register, ushort value) => HalpWriteRegister(register, AccessWidth.Word, value);

    /// <summary>WRITE_REGISTER_ULONG: writes a 32-bit register.</summary>
    /// <param name="register">The mapped address.</param>
    /// <param name="value">The value.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void WRITE_REGISTER_ULONG(ulong register, uint value) => HalpWriteRegister(register, AccessWidth.Dword, value);

    /// <summary>READ_REGISTER_BUFFER_UCHAR: reads <paramref name="buffer"/>.Length consecutive byte registers starting at <paramref name="register"/>.</summary>
    /// <param name="register">The first mapped address.</param>
    /// <param name="buffer">Receives the values.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void READ_REGISTER_BUFFER_UCHAR(ulong register, Span<byte> buffer)
    {
        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (byte)HalpReadRegister(register + (ulong)i, AccessWidth.Byte);
        }
    }

    /// <summary>READ_REGISTER_BUFFER_USHORT: reads consecutive 16-bit registers.</summary>
    /// <param name="register">The first mapped address.</param>
    /// <param name="buffer">Receives the values.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void READ_REGISTER_BUFFER_USHORT(ulong register, Span<ushort> buffer)
    {
        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (ushort)HalpReadRegister(register + (2 * (ulong)i), AccessWidth.Word);
        }
    }

    /// <summary>READ_REGISTER_BUFFER_ULONG: reads consecutive 32-bit registers.</summary>
    /// <param name="register">The first mapped address.</param>
    /// <param name="buffer">Receives the values.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void READ_REGISTER_BUFFER_ULONG(ulong register, Span<uint> buffer)
    {
        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = HalpReadRegister(register + (4 * (ulong)i), AccessWidth.Dword);
        }
    }

    /// <summary>WRITE_REGISTER_BUFFER_UCHAR: writes consecutive byte registers.</summary>
    /// <param name="register">The first mapped address.</param>
    /// <param name="buffer">The values.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void WRITE_REGISTER_BUFFER_UCHAR(ulong register, ReadOnlySpan<byte> buffer)
    {
        for (var i = 0; i < buffer.Length; i++)
        {
            HalpWriteRegister(register + (ulong)i, AccessWidth.Byte, buffer[i]);
        }
    }

    /// <summary>WRITE_REGISTER_BUFFER_USHORT: writes consecutive 16-bit registers.</summary>
    /// <param name="register">The first mapped address.</param>
    /// <param name="buffer">The values.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void WRITE_REGISTER_BUFFER_USHORT(ulong register, ReadOnlySpan<ushort> buffer)
    {
        for (var i = 0; i < buffer.Length; i++)
        {
            HalpWriteRegister(register + (2 * (ulong)i), AccessWidth.Word, buffer[i]);
        }
    }

    /// <summary>WRITE_REGISTER_BUFFER_ULONG: writes consecutive 32-bit registers.</summary>
    /// <param name="register">The first mapped address.</param>
    /// <param name="buffer">The values.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void WRITE_REGISTER_BUFFER_ULONG(ulong register, ReadOnlySpan<uint> buffer)
    {
        for (var i = 0; i < buffer.Length; i++)
        {
            HalpWriteRegister(register + (4 * (ulong)i), AccessWidth.Dword, buffer[i]);
        }
    }

    private static uint HalpReadRegister(ulong register, AccessWidth width)
    {
        var p = Processor.Current;
        var hal = p.Machine.Hal;
        p.KiCharge(hal.Costs.RegisterReadNs);
        hal.HalpCountRegister(1);
        if (!hal.HalpTranslateIoVa(register, (ulong)width, out var physical))
        {
            // Not device memory: an ordinary (volatile) memory read, through the memory manager.
            Span<byte> bytes = stackalloc byte[4];
            bytes.Clear();
            var delay = p.Machine.Memory.Read(p.KiMemoryContext(), register, bytes[..(int)width]);
            p.KiCharge(delay);
            return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        }
        var range = hal.HalpDecode(p, BusAddressSpace.Memory, physical, width, "READ_REGISTER");
        return range is null ? HalpAllOnes(width) : range.Window.Read((int)(physical - range.Start), width);
    }

    private static void HalpWriteRegister(ulong register, AccessWidth width, uint value)
    {
        var p = Processor.Current;
        var hal = p.Machine.Hal;
        p.KiCharge(hal.Costs.RegisterWriteNs);
        hal.HalpCountRegister(1);
        if (!hal.HalpTranslateIoVa(register, (ulong)width, out var physical))
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
            p.KiCharge(p.Machine.Memory.Write(p.KiMemoryContext(), register, bytes[..(int)width]));
            return;
        }
        var range = hal.HalpDecode(p, BusAddressSpace.Memory, physical, width, "WRITE_REGISTER");
        KiSchedulingPoint.DeviceAccess(range?.Window); // the explorer's device-fault point (timeout, surprise removal)
        if (IoTraceRecorder.Active && range?.Device is { } device)
        {
            IoTraceRecorder.For(p.Machine)?.DeviceProgrammed(device, p.Number); // tracing: the device's own work starts
        }
        range?.Window.Write((int)(physical - range.Start), width, HalpMask(value, width));
    }
}
