namespace ActorKernel.Hardware;

/// <summary>
/// The USB host controller's memory BAR (0x80 bytes of 32-bit registers), EHCI-like: capability
/// registers first, then the operational registers, then one PORTSC per root port.
/// </summary>
public enum UsbHostControllerRegister
{
    /// <summary>CAPLENGTH (7..0) and HCIVERSION (31..16), read-only: 0x0100_0020 (version 1.00, operational registers at 0x20).</summary>
    CapLengthVersion = 0x00,

    /// <summary>HCSPARAMS, read-only: N_PORTS in bits 3..0.</summary>
    StructuralParameters = 0x04,

    /// <summary>HCCPARAMS, read-only: bit 0 set (64-bit addresses in transfer descriptors).</summary>
    CapabilityParameters = 0x08,

    /// <summary>USBCMD: RS (bit 0), HCRESET (bit 1, self-clearing), ASE (bit 5).</summary>
    Command = 0x20,

    /// <summary>USBSTS: USBINT (bit 0), USBERRINT (bit 1), PCD (bit 2), all RW1C; HCHALTED (bit 12) and ASS (bit 15) read-only.</summary>
    Status = 0x24,

    /// <summary>USBINTR: the USBSTS causes (bits 2..0) that raise the interrupt line.</summary>
    InterruptEnable = 0x28,

    /// <summary>ASYNCLISTADDR, low half: the physical address of the transfer-descriptor ring (64-byte aligned), latched while ASE is clear.</summary>
    AsyncListAddressLow = 0x30,

    /// <summary>ASYNCLISTADDR, high half.</summary>
    AsyncListAddressHigh = 0x34,

    /// <summary>ASYNCLISTSIZE: the ring's entries (2..256), latched while ASE is clear.</summary>
    AsyncListSize = 0x38,

    /// <summary>ASYNCTAIL: the doorbell; the driver writes the index after its last ready descriptor.</summary>
    AsyncTail = 0x3C,

    /// <summary>ASYNCHEAD, read-only: the index of the next descriptor the controller fetches.</summary>
    AsyncHead = 0x40,

    /// <summary>PORTSC(1); PORTSC(n) is at 0x50 + 4 * (n - 1), n = 1..N_PORTS.</summary>
    PortStatusControl1 = 0x50,
}

/// <summary>USBCMD bits.</summary>
[Flags]
public enum UsbCommand : uint
{
    /// <summary>No bit.</summary>
    None = 0,

    /// <summary>RS: the controller runs its schedule while set.</summary>
    RunStop = 0x01,

    /// <summary>HCRESET: resets the controller (operational registers, ring, root ports' enable); reads back 0 when done.</summary>
    HostControllerReset = 0x02,

    /// <summary>ASE: the asynchronous schedule is processed while set.</summary>
    AsyncScheduleEnable = 0x20,
}

/// <summary>USBSTS bits.</summary>
[Flags]
public enum UsbStatus : uint
{
    /// <summary>No bit.</summary>
    None = 0,

    /// <summary>USBINT: a descriptor with IOC completed successfully.</summary>
    UsbInterrupt = 0x01,

    /// <summary>USBERRINT: a descriptor completed with an error.</summary>
    ErrorInterrupt = 0x02,

    /// <summary>PCD: a root port's change bit (CSC, PEDC, PRC) went to 1.</summary>
    PortChangeDetect = 0x04,

    /// <summary>HCHALTED: RS is clear (read-only).</summary>
    Halted = 0x1000,

    /// <summary>ASS: the asynchronous schedule is running (read-only).</summary>
    AsyncScheduleStatus = 0x8000,
}

/// <summary>PORTSC bits (EHCI's, with xHCI's reset change and speed field).</summary>
[Flags]
public enum UsbPortStatusControl : uint
{
    /// <summary>No bit.</summary>
    None = 0,

    /// <summary>CCS (read-only): a device is connected.</summary>
    CurrentConnectStatus = 0x0001,

    /// <summary>CSC (RW1C): CCS changed.</summary>
    ConnectStatusChange = 0x0002,

    /// <summary>PED: the port is enabled. Only a completed reset sets it; software may clear it (write 0).</summary>
    PortEnabled = 0x0004,

    /// <summary>PEDC (RW1C): PED was cleared by the hardware (a disconnect).</summary>
    PortEnableChange = 0x0008,

    /// <summary>PR: write 1 to start bus reset; the controller clears it when the reset completes (ResetNs later), then sets PED and PRC.</summary>
    PortReset = 0x0100,

    /// <summary>Speed bits 11..10 (read-only): 0 full, 1 low, 2 high.</summary>
    SpeedMask = 0x0C00,

    /// <summary>PP: port power (set at controller reset; this model does not switch power).</summary>
    PortPower = 0x1000,

    /// <summary>PRC (RW1C): a port reset completed.</summary>
    PortResetChange = 0x200000,
}

/// <summary>The completion codes a transfer descriptor's STATUS byte takes.</summary>
public enum UsbCompletionCode : byte
{
    /// <summary>Success (a short IN transfer too: ACTUAL says how much arrived).</summary>
    Success = 0,

    /// <summary>The endpoint answered STALL (it is halted until CLEAR_FEATURE(ENDPOINT_HALT)).</summary>
    Stall = 1,

    /// <summary>No handshake: no device at that address on an enabled port, or it went away mid-transfer.</summary>
    NoResponse = 2,

    /// <summary>A descriptor the controller could not run (bad type, endpoint or segment list).</summary>
    InvalidDescriptor = 3,
}

/// <summary>The transfer descriptor's type (CONTROL bits 1..0).</summary>
public enum UsbTransferType : byte
{
    /// <summary>Bulk or interrupt OUT: data from memory to the endpoint.</summary>
    Out = 0,

    /// <summary>Bulk or interrupt IN: data from the endpoint to memory.</summary>
    In = 1,

    /// <summary>Control on endpoint 0: SETUP (inline), DATA (direction from bmRequestType), STATUS.</summary>
    Control = 2,
}

/// <summary>
/// The 64-byte transfer descriptor (TD) of the asynchronous ring, and the 16-byte data segment.
/// <code>
/// 0x00 CONTROL  u32  type (1..0), IOC (2), device address (14..8), endpoint (19..16)
/// 0x04 STATUS   u32  ACTIVE (31): the driver sets it, the controller clears it at completion; completion code (7..0)
/// 0x08 LENGTH   u32  bytes of the data stage
/// 0x0C ACTUAL   u32  bytes moved (controller)
/// 0x10 SETUP    8 B  the setup packet of a control TD
/// 0x18 SEGLIST  u64  physical address of the segment list (16-byte entries: u64 address, u32 length, u32 0)
/// 0x20 SEGCOUNT u32  entries (0..64)
/// 0x28 COOKIE   u64  the driver's, untouched
/// </code>
/// </summary>
public static class UsbTransferDescriptorLayout
{
    /// <summary>A descriptor's size.</summary>
    public const int Size = 64;

    /// <summary>A segment entry's size.</summary>
    public const int SegmentSize = 16;

    /// <summary>Segments one descriptor may name.</summary>
    public const int MaxSegments = 64;

    /// <summary>CONTROL.IOC.</summary>
    public const uint InterruptOnComplete = 0x4;

    /// <summary>STATUS.ACTIVE.</summary>
    public const uint Active = 0x8000_0000;

    /// <summary>Offset of CONTROL.</summary>
    public const int ControlOffset = 0x00;

    /// <summary>Offset of STATUS.</summary>
    public const int StatusOffset = 0x04;

    /// <summary>Offset of LENGTH.</summary>
    public const int LengthOffset = 0x08;

    /// <summary>Offset of ACTUAL.</summary>
    public const int ActualOffset = 0x0C;

    /// <summary>Offset of SETUP.</summary>
    public const int SetupOffset = 0x10;

    /// <summary>Offset of SEGLIST.</summary>
    public const int SegmentListOffset = 0x18;

    /// <summary>Offset of SEGCOUNT.</summary>
    public const int SegmentCountOffset = 0x20;

    /// <summary>Offset of COOKIE.</summary>
    public const int CookieOffset = 0x28;

    /// <summary>CONTROL's value.</summary>
    /// <param name="type">The type.</param>
    /// <param name="address">The device address (0..127).</param>
    /// <param name="endpoint">The endpoint number (0..15).</param>
    /// <param name="interruptOnComplete">IOC.</param>
    /// <returns>The word.</returns>
    public static uint Control(UsbTransferType type, int address, int endpoint, bool interruptOnComplete) =>
        (uint)type | (interruptOnComplete ? InterruptOnComplete : 0) | ((uint)(address & 0x7F) << 8) | ((uint)(endpoint & 0xF) << 16);
}
