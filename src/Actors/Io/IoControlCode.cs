using System.Collections.Frozen;
using System.Globalization;

namespace ActorKernel.Actors;

/// <summary>
/// Buffer transfer method of an I/O control code (bits 1..0 of CTL_CODE, <c>METHOD_*</c>).
/// </summary>
public enum TransferMethod : byte
{
    /// <summary>METHOD_BUFFERED (0): the I/O manager copies input and output through Irp-&gt;AssociatedIrp.SystemBuffer.</summary>
    MethodBuffered = 0,

    /// <summary>METHOD_IN_DIRECT (1): input buffered, output described by an MDL probed for read access.</summary>
    MethodInDirect = 1,

    /// <summary>METHOD_OUT_DIRECT (2): input buffered, output described by an MDL probed for write access.</summary>
    MethodOutDirect = 2,

    /// <summary>METHOD_NEITHER (3): raw user-mode pointers (Type3InputBuffer / Irp-&gt;UserBuffer).</summary>
    MethodNeither = 3,
}

/// <summary>
/// Required access of an I/O control code (bits 15..14 of CTL_CODE, <c>FILE_*_ACCESS</c>).
/// Named to avoid a clash with <see cref="System.IO.FileAccess"/>.
/// </summary>
[Flags]
public enum IoctlAccess : byte
{
    /// <summary>FILE_ANY_ACCESS (0): no access check beyond an open handle.</summary>
    FileAnyAccess = 0,

    /// <summary>FILE_SPECIAL_ACCESS (0): alias of <see cref="FileAnyAccess"/>; the driver checks access itself.</summary>
    FileSpecialAccess = 0,

    /// <summary>FILE_READ_ACCESS (1): the handle needs read access (FILE_READ_DATA).</summary>
    FileReadAccess = 1,

    /// <summary>FILE_WRITE_ACCESS (2): the handle needs write access (FILE_WRITE_DATA).</summary>
    FileWriteAccess = 2,
}

/// <summary>
/// Device types (<c>FILE_DEVICE_*</c>), the DEVICE_OBJECT.DeviceType value and bits 31..16 of an I/O control code.
/// Values below 0x8000 are reserved for Microsoft; 0x8000..0xFFFF are for vendors.
/// </summary>
public enum DeviceType : uint
{
    /// <summary>FILE_DEVICE_BEEP (0x01).</summary>
    Beep = 0x01,
    /// <summary>FILE_DEVICE_CD_ROM (0x02).</summary>
    CdRom = 0x02,
    /// <summary>FILE_DEVICE_CD_ROM_FILE_SYSTEM (0x03).</summary>
    CdRomFileSystem = 0x03,
    /// <summary>FILE_DEVICE_CONTROLLER (0x04).</summary>
    Controller = 0x04,
    /// <summary>FILE_DEVICE_DATALINK (0x05).</summary>
    Datalink = 0x05,
    /// <summary>FILE_DEVICE_DFS (0x06).</summary>
    Dfs = 0x06,
    /// <summary>FILE_DEVICE_DISK (0x07).</summary>
    Disk = 0x07,
    /// <summary>FILE_DEVICE_DISK_FILE_SYSTEM (0x08).</summary>
    DiskFileSystem = 0x08,
    /// <summary>FILE_DEVICE_FILE_SYSTEM (0x09).</summary>
    FileSystem = 0x09,
    /// <summary>FILE_DEVICE_INPORT_PORT (0x0A).</summary>
    InportPort = 0x0A,
    /// <summary>FILE_DEVICE_KEYBOARD (0x0B).</summary>
    Keyboard = 0x0B,
    /// <summary>FILE_DEVICE_MAILSLOT (0x0C).</summary>
    Mailslot = 0x0C,
    /// <summary>FILE_DEVICE_MIDI_IN (0x0D).</summary>
    MidiIn = 0x0D,
    /// <summary>FILE_DEVICE_MIDI_OUT (0x0E).</summary>
    MidiOut = 0x0E,
    /// <summary>FILE_DEVICE_MOUSE (0x0F).</summary>
    Mouse = 0x0F,
    /// <summary>FILE_DEVICE_MULTI_UNC_PROVIDER (0x10).</summary>
    MultiUncProvider = 0x10,
    /// <summary>FILE_DEVICE_NAMED_PIPE (0x11).</summary>
    NamedPipe = 0x11,
    /// <summary>FILE_DEVICE_NETWORK (0x12).</summary>
    Network = 0x12,
    /// <summary>FILE_DEVICE_NETWORK_BROWSER (0x13).</summary>
    NetworkBrowser = 0x13,
    /// <summary>FILE_DEVICE_NETWORK_FILE_SYSTEM (0x14).</summary>
    NetworkFileSystem = 0x14,
    /// <summary>FILE_DEVICE_NULL (0x15).</summary>
    Null = 0x15,
    /// <summary>FILE_DEVICE_PARALLEL_PORT (0x16).</summary>
    ParallelPort = 0x16,
    /// <summary>FILE_DEVICE_PHYSICAL_NETCARD (0x17).</summary>
    PhysicalNetcard = 0x17,
    /// <summary>FILE_DEVICE_PRINTER (0x18).</summary>
    Printer = 0x18,
    /// <summary>FILE_DEVICE_SCANNER (0x19).</summary>
    Scanner = 0x19,
    /// <summary>FILE_DEVICE_SERIAL_MOUSE_PORT (0x1A).</summary>
    SerialMousePort = 0x1A,
    /// <summary>FILE_DEVICE_SERIAL_PORT (0x1B).</summary>
    SerialPort = 0x1B,
    /// <summary>FILE_DEVICE_SCREEN (0x1C).</summary>
    Screen = 0x1C,
    /// <summary>FILE_DEVICE_SOUND (0x1D).</summary>
    Sound = 0x1D,
    /// <summary>FILE_DEVICE_STREAMS (0x1E).</summary>
    Streams = 0x1E,
    /// <summary>FILE_DEVICE_TAPE (0x1F).</summary>
    Tape = 0x1F,
    /// <summary>FILE_DEVICE_TAPE_FILE_SYSTEM (0x20).</summary>
    TapeFileSystem = 0x20,
    /// <summary>FILE_DEVICE_TRANSPORT (0x21).</summary>
    Transport = 0x21,
    /// <summary>FILE_DEVICE_UNKNOWN (0x22): the usual type for software-only devices.</summary>
    Unknown = 0x22,
    /// <summary>FILE_DEVICE_VIDEO (0x23).</summary>
    Video = 0x23,
    /// <summary>FILE_DEVICE_VIRTUAL_DISK (0x24).</summary>
    VirtualDisk = 0x24,
    /// <summary>FILE_DEVICE_WAVE_IN (0x25).</summary>
    WaveIn = 0x25,
    /// <summary>FILE_DEVICE_WAVE_OUT (0x26).</summary>
    WaveOut = 0x26,
    /// <summary>FILE_DEVICE_8042_PORT (0x27).</summary>
    Port8042 = 0x27,
    /// <summary>FILE_DEVICE_NETWORK_REDIRECTOR (0x28).</summary>
    NetworkRedirector = 0x28,
    /// <summary>FILE_DEVICE_BATTERY (0x29).</summary>
    Battery = 0x29,
    /// <summary>FILE_DEVICE_BUS_EXTENDER (0x2A): bus drivers' FDOs/PDOs.</summary>
    BusExtender = 0x2A,
    /// <summary>FILE_DEVICE_MODEM (0x2B).</summary>
    Modem = 0x2B,
    /// <summary>FILE_DEVICE_VDM (0x2C).</summary>
    Vdm = 0x2C,
    /// <summary>FILE_DEVICE_MASS_STORAGE (0x2D).</summary>
    MassStorage = 0x2D,
    /// <summary>FILE_DEVICE_SMB (0x2E).</summary>
    Smb = 0x2E,
    /// <summary>FILE_DEVICE_KS (0x2F).</summary>
    Ks = 0x2F,
    /// <summary>FILE_DEVICE_CHANGER (0x30).</summary>
    Changer = 0x30,
    /// <summary>FILE_DEVICE_SMARTCARD (0x31).</summary>
    Smartcard = 0x31,
    /// <summary>FILE_DEVICE_ACPI (0x32).</summary>
    Acpi = 0x32,
    /// <summary>FILE_DEVICE_DVD (0x33).</summary>
    Dvd = 0x33,
    /// <summary>FILE_DEVICE_FULLSCREEN_VIDEO (0x34).</summary>
    FullscreenVideo = 0x34,
    /// <summary>FILE_DEVICE_DFS_FILE_SYSTEM (0x35).</summary>
    DfsFileSystem = 0x35,
    /// <summary>FILE_DEVICE_DFS_VOLUME (0x36).</summary>
    DfsVolume = 0x36,
    /// <summary>FILE_DEVICE_SERENUM (0x37).</summary>
    Serenum = 0x37,
    /// <summary>FILE_DEVICE_TERMSRV (0x38).</summary>
    Termsrv = 0x38,
    /// <summary>FILE_DEVICE_KSEC (0x39).</summary>
    Ksec = 0x39,
    /// <summary>FILE_DEVICE_FIPS (0x3A).</summary>
    Fips = 0x3A,
    /// <summary>FILE_DEVICE_INFINIBAND (0x3B).</summary>
    Infiniband = 0x3B,
    /// <summary>FILE_DEVICE_VMBUS (0x3E).</summary>
    Vmbus = 0x3E,
    /// <summary>FILE_DEVICE_CRYPT_PROVIDER (0x3F).</summary>
    CryptProvider = 0x3F,
}

/// <summary>Helpers for <see cref="DeviceType"/>.</summary>
public static class DeviceTypeExtensions
{
    private static readonly FrozenDictionary<DeviceType, string> Names = new Dictionary<DeviceType, string>
    {
        [DeviceType.Beep] = "FILE_DEVICE_BEEP",
        [DeviceType.CdRom] = "FILE_DEVICE_CD_ROM",
        [DeviceType.CdRomFileSystem] = "FILE_DEVICE_CD_ROM_FILE_SYSTEM",
        [DeviceType.Controller] = "FILE_DEVICE_CONTROLLER",
        [DeviceType.Datalink] = "FILE_DEVICE_DATALINK",
        [DeviceType.Dfs] = "FILE_DEVICE_DFS",
        [DeviceType.Disk] = "FILE_DEVICE_DISK",
        [DeviceType.DiskFileSystem] = "FILE_DEVICE_DISK_FILE_SYSTEM",
        [DeviceType.FileSystem] = "FILE_DEVICE_FILE_SYSTEM",
        [DeviceType.InportPort] = "FILE_DEVICE_INPORT_PORT",
        [DeviceType.Keyboard] = "FILE_DEVICE_KEYBOARD",
        [DeviceType.Mailslot] = "FILE_DEVICE_MAILSLOT",
        [DeviceType.MidiIn] = "FILE_DEVICE_MIDI_IN",
        [DeviceType.MidiOut] = "FILE_DEVICE_MIDI_OUT",
        [DeviceType.Mouse] = "FILE_DEVICE_MOUSE",
        [DeviceType.MultiUncProvider] = "FILE_DEVICE_MULTI_UNC_PROVIDER",
        [DeviceType.NamedPipe] = "FILE_DEVICE_NAMED_PIPE",
        [DeviceType.Network] = "FILE_DEVICE_NETWORK",
        [DeviceType.NetworkBrowser] = "FILE_DEVICE_NETWORK_BROWSER",
        [DeviceType.NetworkFileSystem] = "FILE_DEVICE_NETWORK_FILE_SYSTEM",
        [DeviceType.Null] = "FILE_DEVICE_NULL",
        [DeviceType.ParallelPort] = "FILE_DEVICE_PARALLEL_PORT",
        [DeviceType.PhysicalNetcard] = "FILE_DEVICE_PHYSICAL_NETCARD",
        [DeviceType.Printer] = "FILE_DEVICE_PRINTER",
        [DeviceType.Scanner] = "FILE_DEVICE_SCANNER",
        [DeviceType.SerialMousePort] = "FILE_DEVICE_SERIAL_MOUSE_PORT",
        [DeviceType.SerialPort] = "FILE_DEVICE_SERIAL_PORT",
        [DeviceType.Screen] = "FILE_DEVICE_SCREEN",
        [DeviceType.Sound] = "FILE_DEVICE_SOUND",
        [DeviceType.Streams] = "FILE_DEVICE_STREAMS",
        [DeviceType.Tape] = "FILE_DEVICE_TAPE",
        [DeviceType.TapeFileSystem] = "FILE_DEVICE_TAPE_FILE_SYSTEM",
        [DeviceType.Transport] = "FILE_DEVICE_TRANSPORT",
        [DeviceType.Unknown] = "FILE_DEVICE_UNKNOWN",
        [DeviceType.Video] = "FILE_DEVICE_VIDEO",
        [DeviceType.VirtualDisk] = "FILE_DEVICE_VIRTUAL_DISK",
        [DeviceType.WaveIn] = "FILE_DEVICE_WAVE_IN",
        [DeviceType.WaveOut] = "FILE_DEVICE_WAVE_OUT",
        [DeviceType.Port8042] = "FILE_DEVICE_8042_PORT",
        [DeviceType.NetworkRedirector] = "FILE_DEVICE_NETWORK_REDIRECTOR",
        [DeviceType.Battery] = "FILE_DEVICE_BATTERY",
        [DeviceType.BusExtender] = "FILE_DEVICE_BUS_EXTENDER",
        [DeviceType.Modem] = "FILE_DEVICE_MODEM",
        [DeviceType.Vdm] = "FILE_DEVICE_VDM",
        [DeviceType.MassStorage] = "FILE_DEVICE_MASS_STORAGE",
        [DeviceType.Smb] = "FILE_DEVICE_SMB",
        [DeviceType.Ks] = "FILE_DEVICE_KS",
        [DeviceType.Changer] = "FILE_DEVICE_CHANGER",
        [DeviceType.Smartcard] = "FILE_DEVICE_SMARTCARD",
        [DeviceType.Acpi] = "FILE_DEVICE_ACPI",
        [DeviceType.Dvd] = "FILE_DEVICE_DVD",
        [DeviceType.FullscreenVideo] = "FILE_DEVICE_FULLSCREEN_VIDEO",
        [DeviceType.DfsFileSystem] = "FILE_DEVICE_DFS_FILE_SYSTEM",
        [DeviceType.DfsVolume] = "FILE_DEVICE_DFS_VOLUME",
        [DeviceType.Serenum] = "FILE_DEVICE_SERENUM",
        [DeviceType.Termsrv] = "FILE_DEVICE_TERMSRV",
        [DeviceType.Ksec] = "FILE_DEVICE_KSEC",
        [DeviceType.Fips] = "FILE_DEVICE_FIPS",
        [DeviceType.Infiniband] = "FILE_DEVICE_INFINIBAND",
        [DeviceType.Vmbus] = "FILE_DEVICE_VMBUS",
        [DeviceType.CryptProvider] = "FILE_DEVICE_CRYPT_PROVIDER",
    }.ToFrozenDictionary();

    /// <summary>The <c>FILE_DEVICE_*</c> macro name, or the hex value (e.g. <c>0x8000</c>) for vendor or unknown types.</summary>
    /// <param name="deviceType">The device type.</param>
    /// <returns>The display string.</returns>
    public static string ToDisplayString(this DeviceType deviceType) =>
        Names.TryGetValue(deviceType, out string? name)
            ? name
            : "0x" + ((uint)deviceType).ToString("X", CultureInfo.InvariantCulture);
}

/// <summary>
/// A 32-bit I/O control code laid out like the WDK <c>CTL_CODE</c> macro:
/// <c>(DeviceType &lt;&lt; 16) | (Access &lt;&lt; 14) | (Function &lt;&lt; 2) | Method</c>.
/// </summary>
/// <param name="Value">The raw control code.</param>
public readonly record struct IoControlCode(uint Value)
{
    /// <summary>The largest function number (12 bits). 0..0x7FF are reserved for Microsoft, 0x800..0xFFF for vendors.</summary>
    public const ushort MaxFunction = 0xFFF;

    /// <summary>Builds a control code exactly as <c>CTL_CODE(DeviceType, Function, Method, Access)</c>.</summary>
    /// <param name="deviceType">Bits 31..16 (must fit in 16 bits).</param>
    /// <param name="function">Bits 13..2 (0..0xFFF).</param>
    /// <param name="method">Bits 1..0.</param>
    /// <param name="access">Bits 15..14.</param>
    /// <returns>The control code.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A field does not fit its bit range.</exception>
    public static IoControlCode CtlCode(DeviceType deviceType, ushort function, TransferMethod method, IoctlAccess access)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)deviceType, 0xFFFFu, nameof(deviceType));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(function, MaxFunction, nameof(function));
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)method, 3u, nameof(method));
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)access, 3u, nameof(access));
        return new IoControlCode(((uint)deviceType << 16) | ((uint)access << 14) | ((uint)function << 2) | (uint)method);
    }

    /// <summary>The device type (bits 31..16), <c>DEVICE_TYPE_FROM_CTL_CODE</c>.</summary>
    public DeviceType DeviceType => (DeviceType)(Value >> 16);

    /// <summary>The required access (bits 15..14).</summary>
    public IoctlAccess Access => (IoctlAccess)((Value >> 14) & 0x3);

    /// <summary>The function number (bits 13..2).</summary>
    public ushort Function => (ushort)((Value >> 2) & 0xFFF);

    /// <summary>The transfer method (bits 1..0), <c>METHOD_FROM_CTL_CODE</c>.</summary>
    public TransferMethod Method => (TransferMethod)(Value & 0x3);

    /// <summary>True for vendor-defined functions (function number 0x800 or above).</summary>
    public bool IsCustomFunction => Function >= 0x800;

    /// <summary>
    /// Formats as <c>CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS) = 0x00222000</c>.
    /// </summary>
    /// <returns>The display string.</returns>
    public override string ToString()
    {
        string method = Method switch
        {
            TransferMethod.MethodBuffered => "METHOD_BUFFERED",
            TransferMethod.MethodInDirect => "METHOD_IN_DIRECT",
            TransferMethod.MethodOutDirect => "METHOD_OUT_DIRECT",
            _ => "METHOD_NEITHER",
        };
        string access = Access switch
        {
            IoctlAccess.FileAnyAccess => "FILE_ANY_ACCESS",
            IoctlAccess.FileReadAccess => "FILE_READ_ACCESS",
            IoctlAccess.FileWriteAccess => "FILE_WRITE_ACCESS",
            _ => "FILE_READ_ACCESS | FILE_WRITE_ACCESS",
        };
        return string.Create(
            CultureInfo.InvariantCulture,
            $"CTL_CODE({DeviceType.ToDisplayString()}, 0x{Function:X}, {method}, {access}) = 0x{Value:X8}");
    }
}

/// <summary>
/// Device characteristics (<c>DEVICE_OBJECT.Characteristics</c>, the <c>FILE_*</c> characteristic flags of <c>wdm.h</c>).
/// </summary>
[Flags]
public enum DeviceCharacteristics : uint
{
    /// <summary>No characteristics.</summary>
    None = 0,
    /// <summary>FILE_REMOVABLE_MEDIA (0x1).</summary>
    RemovableMedia = 0x00000001,
    /// <summary>FILE_READ_ONLY_DEVICE (0x2).</summary>
    ReadOnlyDevice = 0x00000002,
    /// <summary>FILE_FLOPPY_DISKETTE (0x4).</summary>
    FloppyDiskette = 0x00000004,
    /// <summary>FILE_WRITE_ONCE_MEDIA (0x8).</summary>
    WriteOnceMedia = 0x00000008,
    /// <summary>FILE_REMOTE_DEVICE (0x10).</summary>
    RemoteDevice = 0x00000010,
    /// <summary>FILE_DEVICE_IS_MOUNTED (0x20).</summary>
    DeviceIsMounted = 0x00000020,
    /// <summary>FILE_VIRTUAL_VOLUME (0x40).</summary>
    VirtualVolume = 0x00000040,
    /// <summary>FILE_AUTOGENERATED_DEVICE_NAME (0x80).</summary>
    AutogeneratedDeviceName = 0x00000080,
    /// <summary>FILE_DEVICE_SECURE_OPEN (0x100): apply the device object's security to opens of names in its namespace.</summary>
    DeviceSecureOpen = 0x00000100,
    /// <summary>FILE_CHARACTERISTIC_PNP_DEVICE (0x800).</summary>
    PnpDevice = 0x00000800,
    /// <summary>FILE_CHARACTERISTIC_TS_DEVICE (0x1000).</summary>
    TsDevice = 0x00001000,
    /// <summary>FILE_CHARACTERISTIC_WEBDAV_DEVICE (0x2000).</summary>
    WebDavDevice = 0x00002000,
}

/// <summary>
/// Device object flags (<c>DEVICE_OBJECT.Flags</c>, <c>DO_*</c> in <c>wdm.h</c>).
/// </summary>
[Flags]
public enum DeviceObjectFlags : uint
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>DO_VERIFY_VOLUME (0x2): the media may have changed; the file system must verify the volume.</summary>
    VerifyVolume = 0x00000002,
    /// <summary>DO_BUFFERED_IO (0x4): read/write IRPs use a system buffer.</summary>
    BufferedIo = 0x00000004,
    /// <summary>DO_EXCLUSIVE (0x8): only one handle may be open at a time.</summary>
    Exclusive = 0x00000008,
    /// <summary>DO_DIRECT_IO (0x10): read/write IRPs use an MDL.</summary>
    DirectIo = 0x00000010,
    /// <summary>DO_MAP_IO_BUFFER (0x20).</summary>
    MapIoBuffer = 0x00000020,
    /// <summary>DO_DEVICE_HAS_NAME (0x40): set by the I/O manager for named device objects.</summary>
    DeviceHasName = 0x00000040,
    /// <summary>DO_DEVICE_INITIALIZING (0x80): set by IoCreateDevice; AddDevice must clear it (verifier 0xC9/0x243 otherwise).</summary>
    DeviceInitializing = 0x00000080,
    /// <summary>DO_SYSTEM_BOOT_PARTITION (0x100).</summary>
    SystemBootPartition = 0x00000100,
    /// <summary>DO_LONG_TERM_REQUESTS (0x200).</summary>
    LongTermRequests = 0x00000200,
    /// <summary>DO_NEVER_LAST_DEVICE (0x400).</summary>
    NeverLastDevice = 0x00000400,
    /// <summary>DO_SHUTDOWN_REGISTERED (0x800): IoRegisterShutdownNotification was called.</summary>
    ShutdownRegistered = 0x00000800,
    /// <summary>DO_BUS_ENUMERATED_DEVICE (0x1000): the device object is a PDO.</summary>
    BusEnumeratedDevice = 0x00001000,
    /// <summary>DO_POWER_PAGABLE (0x2000): power IRPs are sent at PASSIVE_LEVEL.</summary>
    PowerPagable = 0x00002000,
    /// <summary>DO_POWER_INRUSH (0x4000): the device needs inrush current when powered up.</summary>
    PowerInrush = 0x00004000,
    /// <summary>DO_LOW_PRIORITY_FILESYSTEM (0x10000): IoRegisterFileSystem queues the file system last, not first.</summary>
    LowPriorityFileSystem = 0x00010000,
}

/// <summary>
/// IO_STACK_LOCATION.Control flags (<c>SL_*</c>): pending state and when the completion routine is invoked.
/// </summary>
[Flags]
public enum StackLocationControl : byte
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>SL_PENDING_RETURNED (0x01): set by IoMarkIrpPending; propagated into Irp-&gt;PendingReturned during completion.</summary>
    PendingReturned = 0x01,
    /// <summary>SL_ERROR_RETURNED (0x02).</summary>
    ErrorReturned = 0x02,
    /// <summary>SL_INVOKE_ON_CANCEL (0x20): call the completion routine when the IRP was cancelled.</summary>
    InvokeOnCancel = 0x20,
    /// <summary>SL_INVOKE_ON_SUCCESS (0x40): call the completion routine when NT_SUCCESS(status).</summary>
    InvokeOnSuccess = 0x40,
    /// <summary>SL_INVOKE_ON_ERROR (0x80): call the completion routine when !NT_SUCCESS(status).</summary>
    InvokeOnError = 0x80,
}

/// <summary>
/// Priority boosts passed to IoCompleteRequest / KeSetEvent (<c>*_INCREMENT</c> in <c>wdm.h</c>).
/// </summary>
public enum PriorityBoost : byte
{
    /// <summary>IO_NO_INCREMENT (0).</summary>
    IoNoIncrement = 0,
    /// <summary>IO_CD_ROM_INCREMENT (1).</summary>
    IoCdRomIncrement = 1,
    /// <summary>IO_DISK_INCREMENT (1).</summary>
    IoDiskIncrement = 1,
    /// <summary>IO_PARALLEL_INCREMENT (1).</summary>
    IoParallelIncrement = 1,
    /// <summary>IO_VIDEO_INCREMENT (1).</summary>
    IoVideoIncrement = 1,
    /// <summary>EVENT_INCREMENT (1): used with KeSetEvent.</summary>
    EventIncrement = 1,
    /// <summary>SEMAPHORE_INCREMENT (1): used with KeReleaseSemaphore.</summary>
    SemaphoreIncrement = 1,
    /// <summary>IO_MAILSLOT_INCREMENT (2).</summary>
    IoMailslotIncrement = 2,
    /// <summary>IO_NAMED_PIPE_INCREMENT (2).</summary>
    IoNamedPipeIncrement = 2,
    /// <summary>IO_NETWORK_INCREMENT (2).</summary>
    IoNetworkIncrement = 2,
    /// <summary>IO_SERIAL_INCREMENT (2).</summary>
    IoSerialIncrement = 2,
    /// <summary>IO_KEYBOARD_INCREMENT (6).</summary>
    IoKeyboardIncrement = 6,
    /// <summary>IO_MOUSE_INCREMENT (6).</summary>
    IoMouseIncrement = 6,
    /// <summary>IO_SOUND_INCREMENT (8).</summary>
    IoSoundIncrement = 8,
}
