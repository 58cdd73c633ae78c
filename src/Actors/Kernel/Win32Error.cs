namespace ActorKernel.Actors;

/// <summary>
/// Win32 system error codes (<c>winerror.h</c>), the values <c>GetLastError</c> reports after a
/// user-mode I/O call whose IRP completed with an <see cref="NtStatus"/>.
/// </summary>
public enum Win32Error : int
{
    /// <summary>ERROR_SUCCESS (0): the operation completed successfully. NO_ERROR is the same value.</summary>
    Success = 0,

    /// <summary>ERROR_INVALID_FUNCTION (1): incorrect function.</summary>
    InvalidFunction = 1,

    /// <summary>ERROR_FILE_NOT_FOUND (2): the system cannot find the file specified.</summary>
    FileNotFound = 2,

    /// <summary>ERROR_PATH_NOT_FOUND (3): the system cannot find the path specified.</summary>
    PathNotFound = 3,

    /// <summary>ERROR_TOO_MANY_OPEN_FILES (4): the system cannot open the file.</summary>
    TooManyOpenFiles = 4,

    /// <summary>ERROR_ACCESS_DENIED (5): access is denied.</summary>
    AccessDenied = 5,

    /// <summary>ERROR_INVALID_HANDLE (6): the handle is invalid.</summary>
    InvalidHandle = 6,

    /// <summary>ERROR_NOT_ENOUGH_MEMORY (8): not enough memory resources are available to process this command.</summary>
    NotEnoughMemory = 8,

    /// <summary>ERROR_INVALID_DATA (13): the data is invalid.</summary>
    InvalidData = 13,

    /// <summary>ERROR_OUTOFMEMORY (14): not enough memory resources are available to complete this operation.</summary>
    OutOfMemory = 14,

    /// <summary>ERROR_NO_MORE_FILES (18): there are no more files.</summary>
    NoMoreFiles = 18,

    /// <summary>ERROR_WRITE_PROTECT (19): the media is write protected.</summary>
    WriteProtect = 19,

    /// <summary>ERROR_NOT_READY (21): the device is not ready.</summary>
    NotReady = 21,

    /// <summary>ERROR_BAD_COMMAND (22): the device does not recognize the command.</summary>
    BadCommand = 22,

    /// <summary>ERROR_CRC (23): data error (cyclic redundancy check).</summary>
    Crc = 23,

    /// <summary>ERROR_BAD_LENGTH (24): the program issued a command but the command length is incorrect.</summary>
    BadLength = 24,

    /// <summary>ERROR_OUT_OF_PAPER (28): the printer is out of paper.</summary>
    OutOfPaper = 28,

    /// <summary>ERROR_WRITE_FAULT (29): the system cannot write to the specified device.</summary>
    WriteFault = 29,

    /// <summary>ERROR_READ_FAULT (30): the system cannot read from the specified device.</summary>
    ReadFault = 30,

    /// <summary>ERROR_GEN_FAILURE (31): a device attached to the system is not functioning.</summary>
    GenFailure = 31,

    /// <summary>ERROR_SHARING_VIOLATION (32): the process cannot access the file because it is being used by another process.</summary>
    SharingViolation = 32,

    /// <summary>ERROR_LOCK_VIOLATION (33): another process has locked a portion of the file.</summary>
    LockViolation = 33,

    /// <summary>ERROR_HANDLE_EOF (38): reached the end of the file.</summary>
    HandleEof = 38,

    /// <summary>ERROR_NOT_SUPPORTED (50): the request is not supported.</summary>
    NotSupported = 50,

    /// <summary>ERROR_DEV_NOT_EXIST (55): the specified network resource or device is no longer available.</summary>
    DevNotExist = 55,

    /// <summary>ERROR_FILE_EXISTS (80): the file exists.</summary>
    FileExists = 80,

    /// <summary>ERROR_INVALID_PARAMETER (87): the parameter is incorrect.</summary>
    InvalidParameter = 87,

    /// <summary>ERROR_BROKEN_PIPE (109): the pipe has been ended.</summary>
    BrokenPipe = 109,

    /// <summary>ERROR_SEM_TIMEOUT (121): the semaphore timeout period has expired. (What STATUS_IO_TIMEOUT becomes.)</summary>
    SemTimeout = 121,

    /// <summary>ERROR_INSUFFICIENT_BUFFER (122): the data area passed to a system call is too small.</summary>
    InsufficientBuffer = 122,

    /// <summary>ERROR_INVALID_NAME (123): the filename, directory name, or volume label syntax is incorrect.</summary>
    InvalidName = 123,

    /// <summary>ERROR_BAD_PATHNAME (161): the specified path is invalid.</summary>
    BadPathname = 161,

    /// <summary>ERROR_BUSY (170): the requested resource is in use.</summary>
    Busy = 170,

    /// <summary>ERROR_ALREADY_EXISTS (183): cannot create a file when that file already exists.</summary>
    AlreadyExists = 183,

    /// <summary>ERROR_MORE_DATA (234): more data is available.</summary>
    MoreData = 234,

    /// <summary>WAIT_TIMEOUT (258): the wait operation timed out. (Not what RtlNtStatusToDosError returns for STATUS_TIMEOUT; see <see cref="Timeout"/>.)</summary>
    WaitTimeout = 258,

    /// <summary>ERROR_NO_MORE_ITEMS (259): no more data is available.</summary>
    NoMoreItems = 259,

    /// <summary>ERROR_DIRECTORY (267): the directory name is invalid.</summary>
    Directory = 267,

    /// <summary>ERROR_NOT_OWNER (288): attempt to release mutex not owned by caller.</summary>
    NotOwner = 288,

    /// <summary>ERROR_MR_MID_NOT_FOUND (317): no message text for the number; what RtlNtStatusToDosError returns for an unmapped status.</summary>
    MrMidNotFound = 317,

    /// <summary>ERROR_INVALID_ADDRESS (487): attempt to access invalid address.</summary>
    InvalidAddress = 487,

    /// <summary>ERROR_ABANDONED_WAIT_0 (735): the wait ended because its object was abandoned (a completion port's last handle closed under GetQueuedCompletionStatus).</summary>
    AbandonedWait0 = 735,

    /// <summary>ERROR_OPERATION_ABORTED (995): the I/O operation has been aborted because of either a thread exit or an application request.</summary>
    OperationAborted = 995,

    /// <summary>ERROR_IO_INCOMPLETE (996): overlapped I/O event is not in a signaled state.</summary>
    IoIncomplete = 996,

    /// <summary>ERROR_IO_PENDING (997): overlapped I/O operation is in progress.</summary>
    IoPending = 997,

    /// <summary>ERROR_NOACCESS (998): invalid access to memory location.</summary>
    NoAccess = 998,

    /// <summary>ERROR_SWAPERROR (999): error performing inpage operation.</summary>
    SwapError = 999,

    /// <summary>ERROR_STACK_OVERFLOW (1001): recursion too deep; the stack overflowed.</summary>
    StackOverflow = 1001,

    /// <summary>ERROR_NOT_SAME_DEVICE (17): the system cannot move the file to a different disk drive.</summary>
    NotSameDevice = 17,

    /// <summary>ERROR_DISK_FULL (112): there is not enough space on the disk.</summary>
    DiskFull = 112,

    /// <summary>ERROR_NEGATIVE_SEEK (131): an attempt to move the file pointer before the beginning of the file.</summary>
    NegativeSeek = 131,

    /// <summary>ERROR_DIR_NOT_EMPTY (145): the directory is not empty.</summary>
    DirNotEmpty = 145,

    /// <summary>ERROR_UNRECOGNIZED_VOLUME (1005): the volume does not contain a recognized file system.</summary>
    UnrecognizedVolume = 1005,

    /// <summary>ERROR_DISK_CORRUPT (1393): the disk structure is corrupted and unreadable.</summary>
    DiskCorrupt = 1393,

    /// <summary>ERROR_FILE_CORRUPT (1392): the file or directory is corrupted and unreadable.</summary>
    FileCorrupt = 1392,

    /// <summary>ERROR_FILE_INVALID (1006): the volume for a file has been externally altered so that the opened file is no longer valid.</summary>
    FileInvalid = 1006,

    /// <summary>ERROR_SERVICE_DISABLED (1058): the service cannot be started (what STATUS_PLUGPLAY_NO_DEVICE becomes).</summary>
    ServiceDisabled = 1058,

    /// <summary>ERROR_MEDIA_CHANGED (1110): the media in the drive may have changed.</summary>
    MediaChanged = 1110,

    /// <summary>ERROR_IO_DEVICE (1117): the request could not be performed because of an I/O device error.</summary>
    IoDevice = 1117,

    /// <summary>ERROR_DEVICE_NOT_CONNECTED (1167): the device is not connected.</summary>
    DeviceNotConnected = 1167,

    /// <summary>ERROR_NOT_FOUND (1168): element not found.</summary>
    NotFound = 1168,

    /// <summary>ERROR_NO_SYSTEM_RESOURCES (1450): insufficient system resources exist to complete the requested service.</summary>
    NoSystemResources = 1450,

    /// <summary>ERROR_TIMEOUT (1460): this operation returned because the timeout period expired.</summary>
    Timeout = 1460,

    /// <summary>ERROR_DEVICE_REMOVED (1617): the device has been removed.</summary>
    DeviceRemoved = 1617,

    /// <summary>ERROR_INVALID_USER_BUFFER (1784): the supplied user buffer is not valid for the requested operation.</summary>
    InvalidUserBuffer = 1784,
}

/// <summary>
/// NTSTATUS to Win32 error translation, modelled on <c>RtlNtStatusToDosError</c>.
/// </summary>
/// <remarks>
/// The table reproduces the mapping in ReactOS <c>sdk/lib/rtl/error.c</c> (shared with Wine
/// <c>dlls/ntdll/error.c</c>); the entries that Wine's conformance test
/// (<c>dlls/ntdll/tests/error.c</c>, run against real Windows) checks agree with it.
/// Quirks reproduced on purpose:
/// <list type="bullet">
/// <item><description>Exception codes (STATUS_ILLEGAL_INSTRUCTION, STATUS_PRIVILEGED_INSTRUCTION,
/// STATUS_INTEGER_DIVIDE_BY_ZERO, STATUS_BREAKPOINT, STATUS_SINGLE_STEP, STATUS_GUARD_PAGE_VIOLATION)
/// map to themselves: the returned "Win32 error" is the NTSTATUS value.</description></item>
/// <item><description>A customer status (bit 29 set) is returned unchanged; 0xDxxxxxxx is treated as 0xCxxxxxxx;
/// 0x8007xxxx and 0xC001xxxx return their low word.</description></item>
/// <item><description>Anything unmapped returns ERROR_MR_MID_NOT_FOUND (317).</description></item>
/// </list>
/// </remarks>
public static class StatusMapping
{
    /// <summary>
    /// Returns the Win32 error that Windows' <c>RtlNtStatusToDosError</c> produces for <paramref name="status"/>.
    /// </summary>
    /// <param name="status">The NTSTATUS value to translate (any value, not only named members).</param>
    /// <returns>The translated Win32 error, <see cref="Win32Error.MrMidNotFound"/> when there is no mapping.</returns>
    public static Win32Error RtlNtStatusToDosError(NtStatus status)
    {
        uint value = (uint)status;
        if (value == 0 || (value & 0x20000000) != 0)
        {
            // STATUS_SUCCESS -> ERROR_SUCCESS; customer codes pass through unchanged.
            return (Win32Error)(int)value;
        }

        if ((value & 0xF0000000) == 0xD0000000)
        {
            value &= ~0x10000000u;
        }

        Win32Error? mapped = Lookup((NtStatus)(int)value);
        if (mapped is { } found)
        {
            return found;
        }

        uint high = value >> 16;
        if (high == 0xC001 || high == 0x8007)
        {
            return (Win32Error)(int)(value & 0xFFFF);
        }

        return Win32Error.MrMidNotFound;
    }

    private static Win32Error? Lookup(NtStatus status) => status switch
    {
        NtStatus.Timeout => Win32Error.Timeout,                           // 0x102 -> 1460 (not WAIT_TIMEOUT 258)
        NtStatus.Pending => Win32Error.IoPending,
        NtStatus.AbandonedWait0 => Win32Error.AbandonedWait0,
        NtStatus.MoreEntries => Win32Error.MoreData,
        NtStatus.ObjectNameExists => Win32Error.AlreadyExists,

        NtStatus.GuardPageViolation => (Win32Error)unchecked((int)0x80000001), // 1:1
        NtStatus.DatatypeMisalignment => Win32Error.NoAccess,
        NtStatus.Breakpoint => (Win32Error)unchecked((int)0x80000003),         // 1:1
        NtStatus.SingleStep => (Win32Error)unchecked((int)0x80000004),         // 1:1
        NtStatus.BufferOverflow => Win32Error.MoreData,
        NtStatus.NoMoreFiles => Win32Error.NoMoreFiles,
        NtStatus.DevicePaperEmpty => Win32Error.OutOfPaper,
        NtStatus.DevicePoweredOff => Win32Error.NotReady,
        NtStatus.DeviceOffLine => Win32Error.NotReady,
        NtStatus.DeviceBusy => Win32Error.Busy,
        NtStatus.VerifyRequired => Win32Error.MediaChanged,
        NtStatus.NoMoreEntries => Win32Error.NoMoreItems,

        NtStatus.Unsuccessful => Win32Error.GenFailure,
        NtStatus.NotImplemented => Win32Error.InvalidFunction,
        NtStatus.InvalidInfoClass => Win32Error.InvalidParameter,
        NtStatus.InfoLengthMismatch => Win32Error.BadLength,
        NtStatus.AccessViolation => Win32Error.NoAccess,
        NtStatus.InPageError => Win32Error.SwapError,
        NtStatus.InvalidHandle => Win32Error.InvalidHandle,
        NtStatus.InvalidParameter => Win32Error.InvalidParameter,
        NtStatus.NoSuchDevice => Win32Error.FileNotFound,
        NtStatus.NoSuchFile => Win32Error.FileNotFound,
        NtStatus.InvalidDeviceRequest => Win32Error.InvalidFunction,
        NtStatus.EndOfFile => Win32Error.HandleEof,
        NtStatus.NoMediaInDevice => Win32Error.NotReady,
        NtStatus.MoreProcessingRequired => Win32Error.MoreData,
        NtStatus.NoMemory => Win32Error.NotEnoughMemory,
        NtStatus.IllegalInstruction => (Win32Error)unchecked((int)0xC000001D), // 1:1
        NtStatus.AccessDenied => Win32Error.AccessDenied,
        NtStatus.BufferTooSmall => Win32Error.InsufficientBuffer,
        NtStatus.ObjectTypeMismatch => Win32Error.InvalidHandle,
        NtStatus.ObjectNameInvalid => Win32Error.InvalidName,
        NtStatus.ObjectNameNotFound => Win32Error.FileNotFound,
        NtStatus.ObjectNameCollision => Win32Error.AlreadyExists,
        NtStatus.PortDisconnected => Win32Error.InvalidHandle,
        NtStatus.ObjectPathInvalid => Win32Error.BadPathname,
        NtStatus.ObjectPathNotFound => Win32Error.PathNotFound,
        NtStatus.DataError => Win32Error.Crc,
        NtStatus.CrcError => Win32Error.Crc,
        NtStatus.SharingViolation => Win32Error.SharingViolation,
        NtStatus.DeletePending => Win32Error.AccessDenied,
        NtStatus.IntegerDivideByZero => (Win32Error)unchecked((int)0xC0000094), // 1:1
        NtStatus.PrivilegedInstruction => (Win32Error)unchecked((int)0xC0000096), // 1:1
        NtStatus.InsufficientResources => Win32Error.NoSystemResources,
        NtStatus.DeviceDataError => Win32Error.Crc,
        NtStatus.DeviceNotConnected => Win32Error.DeviceNotConnected,
        NtStatus.DevicePowerFailure => Win32Error.NotReady,
        NtStatus.MediaWriteProtected => Win32Error.WriteProtect,
        NtStatus.DeviceNotReady => Win32Error.NotReady,
        NtStatus.IllegalFunction => Win32Error.InvalidFunction,
        NtStatus.IoTimeout => Win32Error.SemTimeout,
        NtStatus.FileIsADirectory => Win32Error.AccessDenied,
        NtStatus.NotSupported => Win32Error.NotSupported,
        NtStatus.DeviceDoesNotExist => Win32Error.DevNotExist,
        NtStatus.InvalidUserBuffer => Win32Error.InvalidUserBuffer,
        NtStatus.InvalidParameter1 => Win32Error.InvalidParameter,
        NtStatus.InvalidParameter2 => Win32Error.InvalidParameter,
        NtStatus.InvalidParameter3 => Win32Error.InvalidParameter,
        NtStatus.StackOverflow => Win32Error.StackOverflow,
        NtStatus.Cancelled => Win32Error.OperationAborted,
        NtStatus.FileDeleted => Win32Error.AccessDenied,
        NtStatus.FileClosed => Win32Error.InvalidHandle,
        NtStatus.ProcessIsTerminating => Win32Error.AccessDenied,
        NtStatus.DeviceConfigurationError => Win32Error.InvalidParameter,
        NtStatus.DriverInternalError => Win32Error.IoDevice,
        NtStatus.InvalidDeviceState => Win32Error.BadCommand,
        NtStatus.IoDeviceError => Win32Error.IoDevice,
        NtStatus.DeviceProtocolError => Win32Error.IoDevice,
        NtStatus.InvalidBufferSize => Win32Error.InvalidUserBuffer,
        NtStatus.NotFound => Win32Error.NotFound,
        NtStatus.PlugPlayNoDevice => Win32Error.ServiceDisabled,
        NtStatus.DeviceRemoved => Win32Error.DeviceRemoved,
        NtStatus.UnrecognizedVolume => Win32Error.UnrecognizedVolume,
        NtStatus.DirectoryNotEmpty => Win32Error.DirNotEmpty,
        NtStatus.NotADirectory => Win32Error.Directory,
        NtStatus.CannotDelete => Win32Error.AccessDenied,
        NtStatus.DiskFull => Win32Error.DiskFull,
        NtStatus.FileLockConflict => Win32Error.LockViolation,
        NtStatus.FileCorruptError => Win32Error.FileCorrupt,
        NtStatus.NotSameDevice => Win32Error.NotSameDevice,
        NtStatus.DiskCorruptError => Win32Error.DiskCorrupt,

        // Deliberately unmapped (ReactOS/Wine table entry is 0 or absent -> ERROR_MR_MID_NOT_FOUND):
        // STATUS_WAIT_1..63, STATUS_ABANDONED*, STATUS_USER_APC, STATUS_KERNEL_APC, STATUS_ALERTED,
        // STATUS_REPARSE, STATUS_DRIVER_CANCEL_TIMEOUT, STATUS_POWER_STATE_INVALID,
        // STATUS_INSUFFICIENT_POWER, STATUS_DEVICE_ENUMERATION_ERROR,
        // STATUS_INVALID_DEVICE_OBJECT_PARAMETER, STATUS_VERIFIER_STOP.
        _ => null,
    };
}
