using ActorKernel.Hardware;

namespace ActorKernel.Actors;

// READ_PORT_* / WRITE_PORT_* (hal.dll, x86/x64 IN and OUT). Each access charges HalCostModel.PortAccessNs
// on the calling processor (not a yield point: an IN/OUT is one instruction), decodes the port through
// the platform's address decoder and calls the device's register handler on this processor. A port
// outside the driver's assigned resources is reported (HalViolation.PortOutsideResources) and still
// performed, as the hardware would; a port nothing decodes reads all-ones and drops writes.
public static partial class Wdm
{
    /// <summary>READ_PORT_UCHAR: reads a byte from I/O port <paramref name="port"/>.</summary>
    /// <param name="port">The port (a translated CmResourceTypePort address plus the register's offset).</param>
    /// <returns>The value.</returns>
    /// <remarks>Any IRQL.</remarks>
    public static byte READ_PORT_UCHAR(ulong port) => (byte)HalpReadPort(port, AccessWidth.Byte);

    /// <summary>READ_PORT_USHORT: reads 16 bits from <paramref name="port"/>.</summary>
    /// <param name="port">The port.</param>
    /// <returns>The value.</returns>
    /// <remarks>Any IRQL.</remarks>
    public static ushort READ_PORT_USHORT(ulong port) => (ushort)HalpReadPort(port, AccessWidth.Word);

    /// <summary>READ_PORT_ULONG: reads 32 bits from <paramref name="port"/>.</summary>
    /// <param name="port">The port.</param>
    /// <returns>The value.</returns>
    /// <remarks>Any IRQL.</remarks>
    public static uint READ_PORT_ULONG(ulong port) => HalpReadPort(port, AccessWidth.Dword);

    /// <summary>WRITE_PORT_UCHAR: writes a byte to <paramref name="port"/>.</summary>
    /// <param name="port">The port.</param>
    /// <param name="value">The value.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void WRITE_PORT_UCHAR(ulong port, byte value) => HalpWritePort(port, AccessWidth.Byte, value);

    /// <summary>WRITE_PORT_USHORT: writes 16 bits to <paramref name="port"/>.</summary>
    /// <param name="port">The port.</param>
    /// <param name="value">The value.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void WRITE_PORT_USHORT(ulong port, ushort value) => HalpWritePort(port, AccessWidth.Word, value);

    /// <summary>WRITE_PORT_ULONG: writes 32 bits to <paramref name="port"/>.</summary>
    /// <param name="port">The port.</param>
    /// <param name="value">The value.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void WRITE_PORT_ULONG(ulong port, uint value) => HalpWritePort(port, AccessWidth.Dword, value);

    /// <summary>READ_PORT_BUFFER_UCHAR: reads <paramref name="buffer"/>.Length bytes from the one port <paramref name="port"/> (REP INSB: a FIFO drained into a buffer).</summary>
    /// <param name="port">The port.</param>
    /// <param name="buffer">Receives the values (Count = its length).</param>
    /// <remarks>Any IRQL.</remarks>
    public static void READ_PORT_BUFFER_UCHAR(ulong port, Span<byte> buffer)
    {
        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (byte)HalpReadPort(port, AccessWidth.Byte);
        }
    }

    /// <summary>READ_PORT_BUFFER_USHORT: reads <paramref name="buffer"/>.Length USHORTs from <paramref name="port"/> (REP INSW).</summary>
    /// <param name="port">The port.</param>
    /// <param name="buffer">Receives the values.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void READ_PORT_BUFFER_USHORT(ulong port, Span<ushort> buffer)
    {
        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (ushort)HalpReadPort(port, AccessWidth.Word);
        }
    }

    /// <summary>READ_PORT_BUFFER_ULONG: reads <paramref name="buffer"/>.Length ULONGs from <paramref name="port"/> (REP INSD).</summary>
    /// <param name="port">The port.</param>
    /// <param name="buffer">Receives the values.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void READ_PORT_BUFFER_ULONG(ulong port, Span<uint> buffer)
    {
        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = HalpReadPort(port, AccessWidth.Dword);
        }
    }

    /// <summary>WRITE_PORT_BUFFER_UCHAR: writes each byte of <paramref name="buffer"/> to the one port <paramref name="port"/> (REP OUTSB).</summary>
    /// <param name="port">The port.</param>
    /// <param name="buffer">The values.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void WRITE_PORT_BUFFER_UCHAR(ulong port, ReadOnlySpan<byte> buffer)
    {
        foreach (var b in buffer)
        {
            HalpWritePort(port, AccessWidth.Byte, b);
        }
    }

    /// <summary>WRITE_PORT_BUFFER_USHORT: writes each USHORT of <paramref name="buffer"/> to <paramref name="port"/> (REP OUTSW).</summary>
    /// <param name="port">The port.</param>
    /// <param name="buffer">The values.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void WRITE_PORT_BUFFER_USHORT(ulong port, ReadOnlySpan<ushort> buffer)
    {
        foreach (var v in buffer)
        {
            HalpWritePort(port, AccessWidth.Word, v);
        }
    }

    /// <summary>WRITE_PORT_BUFFER_ULONG: writes each ULONG of <paramref name="buffer"/> to <paramref name="port"/> (REP OUTSD).</summary>
    /// <param name="port">The port.</param>
    /// <param name="buffer">The values.</param>
    /// <remarks>Any IRQL.</remarks>
    public static void WRITE_PORT_BUFFER_ULONG(ulong port, ReadOnlySpan<uint> buffer)
    {
        foreach (var v in buffer)
        {
            HalpWritePort(port, AccessWidth.Dword, v);
        }
    }

    private static uint HalpReadPort(ulong port, AccessWidth width)
    {
        var p = Processor.Current;
        var hal = p.Machine.Hal;
        p.KiCharge(hal.Costs.PortAccessNs);
        hal.HalpCountPort(1);
        var range = hal.HalpDecode(p, BusAddressSpace.Port, port, width, "READ_PORT");
        return range is null ? HalpAllOnes(width) : range.Window.Read((int)(port - range.Start), width);
    }

    private static void HalpWritePort(ulong port, AccessWidth width, uint value)
    {
        var p = Processor.Current;
        var hal = p.Machine.Hal;
        p.KiCharge(hal.Costs.PortAccessNs);
        hal.HalpCountPort(1);
        var range = hal.HalpDecode(p, BusAddressSpace.Port, port, width, "WRITE_PORT");
        if (IoTraceRecorder.Active && range?.Device is { } device)
        {
            IoTraceRecorder.For(p.Machine)?.DeviceProgrammed(device, p.Number); // tracing: the device's own work starts
        }
        range?.Window.Write((int)(port - range.Start), width, HalpMask(value, width));
    }

    private static uint HalpAllOnes(AccessWidth width) => width switch
    {
        AccessWidth.Byte => 0xFF,
        AccessWidth.Word => 0xFFFF,
        _ => 0xFFFF_FFFF,
    };

    private static uint HalpMask(uint value, AccessWidth width) => value & HalpAllOnes(width);
}
