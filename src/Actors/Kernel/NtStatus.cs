using System.Collections.Frozen;
using System.Globalization;

namespace ActorKernel.Actors;

/// <summary>
/// NTSTATUS values, with the real numeric values from the WDK header <c>ntstatus.h</c>
/// (also listed in [MS-ERREF] section 2.3.1).
/// </summary>
/// <remarks>
/// Layout: bits 31..30 are the severity (00 success, 01 informational, 10 warning, 11 error),
/// bit 29 is the customer bit, bit 28 is reserved (N), bits 27..16 are the facility and bits
/// 15..0 the code. Several values are aliases of each other (for example
/// <see cref="Wait0"/> and <see cref="Success"/>), exactly as in the header.
/// </remarks>
public enum NtStatus : int
{
    // ---------------------------------------------------------------- success (severity 00)

    /// <summary>STATUS_SUCCESS (0x00000000): the operation completed successfully.</summary>
    Success = 0x00000000,

    /// <summary>STATUS_WAIT_0 (0x00000000): a wait-any was satisfied by object 0. Alias of <see cref="Success"/>.</summary>
    Wait0 = 0x00000000,

    /// <summary>STATUS_WAIT_1 (0x00000001): a wait-any was satisfied by object 1.</summary>
    Wait1 = 0x00000001,

    /// <summary>STATUS_WAIT_2 (0x00000002): a wait-any was satisfied by object 2.</summary>
    Wait2 = 0x00000002,

    /// <summary>STATUS_WAIT_3 (0x00000003): a wait-any was satisfied by object 3.</summary>
    Wait3 = 0x00000003,

    /// <summary>STATUS_WAIT_63 (0x0000003F): a wait-any was satisfied by object 63 (the last index).</summary>
    Wait63 = 0x0000003F,

    /// <summary>STATUS_ABANDONED (0x00000080): the wait was satisfied by an abandoned mutex.</summary>
    Abandoned = 0x00000080,

    /// <summary>STATUS_ABANDONED_WAIT_0 (0x00000080): alias of <see cref="Abandoned"/>; abandoned mutex at index 0.</summary>
    AbandonedWait0 = 0x00000080,

    /// <summary>STATUS_ABANDONED_WAIT_63 (0x000000BF): abandoned mutex at index 63.</summary>
    AbandonedWait63 = 0x000000BF,

    /// <summary>STATUS_USER_APC (0x000000C0): an alertable wait was ended by the delivery of a user-mode APC.</summary>
    UserApc = 0x000000C0,

    /// <summary>STATUS_KERNEL_APC (0x00000100): a kernel-mode APC was delivered before the wait ended.</summary>
    KernelApc = 0x00000100,

    /// <summary>STATUS_ALERTED (0x00000101): the delay or wait completed because the thread was alerted.</summary>
    Alerted = 0x00000101,

    /// <summary>STATUS_TIMEOUT (0x00000102): the given timeout interval expired. A success code (NT_SUCCESS is true).</summary>
    Timeout = 0x00000102,

    /// <summary>STATUS_PENDING (0x00000103): the operation is pending; completion will be reported later.</summary>
    Pending = 0x00000103,

    /// <summary>STATUS_REPARSE (0x00000104): the object manager must reparse the name.</summary>
    Reparse = 0x00000104,

    /// <summary>STATUS_MORE_ENTRIES (0x00000105): more entries are available than fitted in the buffer.</summary>
    MoreEntries = 0x00000105,

    // ---------------------------------------------------------------- informational (severity 01)

    /// <summary>STATUS_OBJECT_NAME_EXISTS (0x40000000): the object already existed (e.g. enabling an enabled device interface).</summary>
    ObjectNameExists = 0x40000000,

    // ---------------------------------------------------------------- warnings (severity 10)

    /// <summary>STATUS_GUARD_PAGE_VIOLATION (0x80000001): a guard page was touched.</summary>
    GuardPageViolation = unchecked((int)0x80000001),

    /// <summary>STATUS_DATATYPE_MISALIGNMENT (0x80000002): misaligned data reference.</summary>
    DatatypeMisalignment = unchecked((int)0x80000002),

    /// <summary>STATUS_BREAKPOINT (0x80000003): a breakpoint was reached.</summary>
    Breakpoint = unchecked((int)0x80000003),

    /// <summary>STATUS_SINGLE_STEP (0x80000004): a single step or trace operation completed.</summary>
    SingleStep = unchecked((int)0x80000004),

    /// <summary>STATUS_BUFFER_OVERFLOW (0x80000005): the data did not fit; the buffer was filled with as much as fitted (partial data is returned).</summary>
    BufferOverflow = unchecked((int)0x80000005),

    /// <summary>STATUS_NO_MORE_FILES (0x80000006): no more files match the request.</summary>
    NoMoreFiles = unchecked((int)0x80000006),

    /// <summary>STATUS_DEVICE_PAPER_EMPTY (0x8000000E): the printer is out of paper.</summary>
    DevicePaperEmpty = unchecked((int)0x8000000E),

    /// <summary>STATUS_DEVICE_POWERED_OFF (0x8000000F): the device is powered off.</summary>
    DevicePoweredOff = unchecked((int)0x8000000F),

    /// <summary>STATUS_DEVICE_OFF_LINE (0x80000010): the device is off line.</summary>
    DeviceOffLine = unchecked((int)0x80000010),

    /// <summary>STATUS_DEVICE_BUSY (0x80000011): the device is currently busy. Note: a WARNING, not an error, so NT_SUCCESS is false but it is not an error severity.</summary>
    DeviceBusy = unchecked((int)0x80000011),

    /// <summary>STATUS_VERIFY_REQUIRED (0x80000016): the media may have changed; the volume must be verified.</summary>
    VerifyRequired = unchecked((int)0x80000016),

    /// <summary>STATUS_NO_MORE_ENTRIES (0x8000001A): no more entries are available from an enumeration.</summary>
    NoMoreEntries = unchecked((int)0x8000001A),

    // ---------------------------------------------------------------- errors (severity 11)

    /// <summary>STATUS_UNSUCCESSFUL (0xC0000001): the requested operation was unsuccessful.</summary>
    Unsuccessful = unchecked((int)0xC0000001),

    /// <summary>STATUS_NOT_IMPLEMENTED (0xC0000002): the requested operation is not implemented.</summary>
    NotImplemented = unchecked((int)0xC0000002),

    /// <summary>STATUS_INVALID_INFO_CLASS (0xC0000003): the information class is not valid.</summary>
    InvalidInfoClass = unchecked((int)0xC0000003),

    /// <summary>STATUS_INFO_LENGTH_MISMATCH (0xC0000004): the length does not match what the information class requires.</summary>
    InfoLengthMismatch = unchecked((int)0xC0000004),

    /// <summary>STATUS_ACCESS_VIOLATION (0xC0000005): invalid memory access.</summary>
    AccessViolation = unchecked((int)0xC0000005),

    /// <summary>STATUS_IN_PAGE_ERROR (0xC0000006): a page could not be read in.</summary>
    InPageError = unchecked((int)0xC0000006),

    /// <summary>STATUS_INVALID_HANDLE (0xC0000008): an invalid handle was specified.</summary>
    InvalidHandle = unchecked((int)0xC0000008),

    /// <summary>STATUS_INVALID_PARAMETER (0xC000000D): an invalid parameter was passed to a service or function.</summary>
    InvalidParameter = unchecked((int)0xC000000D),

    /// <summary>STATUS_NO_SUCH_DEVICE (0xC000000E): a device that does not exist was specified.</summary>
    NoSuchDevice = unchecked((int)0xC000000E),

    /// <summary>STATUS_NO_SUCH_FILE (0xC000000F): the file does not exist.</summary>
    NoSuchFile = unchecked((int)0xC000000F),

    /// <summary>STATUS_INVALID_DEVICE_REQUEST (0xC0000010): the request is not valid for this device (the usual answer for an unhandled IRP major/IOCTL).</summary>
    InvalidDeviceRequest = unchecked((int)0xC0000010),

    /// <summary>STATUS_END_OF_FILE (0xC0000011): the end-of-file marker has been reached.</summary>
    EndOfFile = unchecked((int)0xC0000011),

    /// <summary>STATUS_NO_MEDIA_IN_DEVICE (0xC0000013): there is no media in the drive.</summary>
    NoMediaInDevice = unchecked((int)0xC0000013),

    /// <summary>STATUS_MORE_PROCESSING_REQUIRED (0xC0000016): returned by a completion routine to stop completion processing and keep ownership of the IRP.</summary>
    MoreProcessingRequired = unchecked((int)0xC0000016),

    /// <summary>STATUS_NO_MEMORY (0xC0000017): not enough virtual memory or paging file quota.</summary>
    NoMemory = unchecked((int)0xC0000017),

    /// <summary>STATUS_CONFLICTING_ADDRESSES (0xC0000018): the resources asked for are held by another device (the PnP manager's resource conflict).</summary>
    ConflictingAddresses = unchecked((int)0xC0000018),

    /// <summary>STATUS_ILLEGAL_INSTRUCTION (0xC000001D): an attempt was made to execute an illegal instruction.</summary>
    IllegalInstruction = unchecked((int)0xC000001D),

    /// <summary>STATUS_ACCESS_DENIED (0xC0000022): the caller does not have the required access.</summary>
    AccessDenied = unchecked((int)0xC0000022),

    /// <summary>STATUS_BUFFER_TOO_SMALL (0xC0000023): the buffer is too small to contain the entry; no data was written.</summary>
    BufferTooSmall = unchecked((int)0xC0000023),

    /// <summary>STATUS_OBJECT_TYPE_MISMATCH (0xC0000024): the object is of the wrong type.</summary>
    ObjectTypeMismatch = unchecked((int)0xC0000024),

    /// <summary>STATUS_OBJECT_NAME_INVALID (0xC0000033): the object name is invalid.</summary>
    ObjectNameInvalid = unchecked((int)0xC0000033),

    /// <summary>STATUS_OBJECT_NAME_NOT_FOUND (0xC0000034): the object name was not found.</summary>
    ObjectNameNotFound = unchecked((int)0xC0000034),

    /// <summary>STATUS_OBJECT_NAME_COLLISION (0xC0000035): the object name already exists.</summary>
    ObjectNameCollision = unchecked((int)0xC0000035),

    /// <summary>STATUS_PORT_DISCONNECTED (0xC0000037): a message was sent on a disconnected communication port.</summary>
    PortDisconnected = unchecked((int)0xC0000037),

    /// <summary>STATUS_OBJECT_PATH_INVALID (0xC0000039): the object path component was not a directory object.</summary>
    ObjectPathInvalid = unchecked((int)0xC0000039),

    /// <summary>STATUS_OBJECT_PATH_NOT_FOUND (0xC000003A): the path does not exist.</summary>
    ObjectPathNotFound = unchecked((int)0xC000003A),

    /// <summary>STATUS_DATA_ERROR (0xC000003E): an error in reading or writing data occurred.</summary>
    DataError = unchecked((int)0xC000003E),

    /// <summary>STATUS_CRC_ERROR (0xC000003F): a cyclic redundancy check error occurred.</summary>
    CrcError = unchecked((int)0xC000003F),

    /// <summary>STATUS_SHARING_VIOLATION (0xC0000043): the file cannot be opened because of a sharing conflict.</summary>
    SharingViolation = unchecked((int)0xC0000043),

    /// <summary>STATUS_DELETE_PENDING (0xC0000056): a non-close operation was requested of a file object that has a delete pending.</summary>
    DeletePending = unchecked((int)0xC0000056),

    /// <summary>STATUS_INTEGER_DIVIDE_BY_ZERO (0xC0000094): integer division by zero.</summary>
    IntegerDivideByZero = unchecked((int)0xC0000094),

    /// <summary>STATUS_PRIVILEGED_INSTRUCTION (0xC0000096): an attempt was made to execute a privileged instruction.</summary>
    PrivilegedInstruction = unchecked((int)0xC0000096),

    /// <summary>STATUS_SEMAPHORE_LIMIT_EXCEEDED (0xC0000047): KeReleaseSemaphore would take the count past the semaphore's limit.</summary>
    SemaphoreLimitExceeded = unchecked((int)0xC0000047),

    /// <summary>STATUS_INSUFFICIENT_RESOURCES (0xC000009A): insufficient system resources (typically pool) to complete the request.</summary>
    InsufficientResources = unchecked((int)0xC000009A),

    /// <summary>STATUS_DEVICE_DATA_ERROR (0xC000009C): a device data error occurred.</summary>
    DeviceDataError = unchecked((int)0xC000009C),

    /// <summary>STATUS_DEVICE_NOT_CONNECTED (0xC000009D): the device is not connected.</summary>
    DeviceNotConnected = unchecked((int)0xC000009D),

    /// <summary>STATUS_DEVICE_POWER_FAILURE (0xC000009E): the device has a power failure.</summary>
    DevicePowerFailure = unchecked((int)0xC000009E),

    /// <summary>STATUS_MEDIA_WRITE_PROTECTED (0xC00000A2): the media is write protected.</summary>
    MediaWriteProtected = unchecked((int)0xC00000A2),

    /// <summary>STATUS_DEVICE_NOT_READY (0xC00000A3): the device is not ready.</summary>
    DeviceNotReady = unchecked((int)0xC00000A3),

    /// <summary>STATUS_ILLEGAL_FUNCTION (0xC00000AF): the specified function is illegal for this device.</summary>
    IllegalFunction = unchecked((int)0xC00000AF),

    /// <summary>STATUS_IO_TIMEOUT (0xC00000B5): the specified I/O operation was not completed before the timeout expired.</summary>
    IoTimeout = unchecked((int)0xC00000B5),

    /// <summary>STATUS_FILE_IS_A_DIRECTORY (0xC00000BA): the file is a directory and a non-directory operation was requested.</summary>
    FileIsADirectory = unchecked((int)0xC00000BA),

    /// <summary>STATUS_NOT_SUPPORTED (0xC00000BB): the request is not supported. (PnP/Power/WMI IRPs are initialised to this value.)</summary>
    NotSupported = unchecked((int)0xC00000BB),

    /// <summary>STATUS_DEVICE_DOES_NOT_EXIST (0xC00000C0): the device does not exist.</summary>
    DeviceDoesNotExist = unchecked((int)0xC00000C0),

    /// <summary>STATUS_INVALID_USER_BUFFER (0xC00000E8): an invalid user buffer was passed, or the buffer is misaligned.</summary>
    InvalidUserBuffer = unchecked((int)0xC00000E8),

    /// <summary>STATUS_INVALID_PARAMETER_1 (0xC00000EF): the first argument is invalid.</summary>
    InvalidParameter1 = unchecked((int)0xC00000EF),

    /// <summary>STATUS_INVALID_PARAMETER_2 (0xC00000F0): the second argument is invalid.</summary>
    InvalidParameter2 = unchecked((int)0xC00000F0),

    /// <summary>STATUS_INVALID_PARAMETER_3 (0xC00000F1): the third argument is invalid.</summary>
    InvalidParameter3 = unchecked((int)0xC00000F1),

    /// <summary>STATUS_STACK_OVERFLOW (0xC00000FD): the thread's stack overflowed.</summary>
    StackOverflow = unchecked((int)0xC00000FD),

    /// <summary>STATUS_CANCELLED (0xC0000120): the I/O request was cancelled.</summary>
    Cancelled = unchecked((int)0xC0000120),

    /// <summary>STATUS_FILE_DELETED (0xC0000123): an operation was requested of a file that has been deleted.</summary>
    FileDeleted = unchecked((int)0xC0000123),

    /// <summary>STATUS_FILE_CLOSED (0xC0000128): an I/O request other than close/cleanup was performed on a closed file object.</summary>
    FileClosed = unchecked((int)0xC0000128),

    /// <summary>STATUS_DEVICE_CONFIGURATION_ERROR (0xC0000182): the I/O device is configured incorrectly.</summary>
    DeviceConfigurationError = unchecked((int)0xC0000182),

    /// <summary>STATUS_DRIVER_INTERNAL_ERROR (0xC0000183): the driver detected an internal inconsistency.</summary>
    DriverInternalError = unchecked((int)0xC0000183),

    /// <summary>STATUS_INVALID_DEVICE_STATE (0xC0000184): the device is not in a valid state to perform the request.</summary>
    InvalidDeviceState = unchecked((int)0xC0000184),

    /// <summary>STATUS_IO_DEVICE_ERROR (0xC0000185): the I/O device reported an I/O error.</summary>
    IoDeviceError = unchecked((int)0xC0000185),

    /// <summary>STATUS_DEVICE_PROTOCOL_ERROR (0xC0000186): a protocol error was detected between the driver and the device.</summary>
    DeviceProtocolError = unchecked((int)0xC0000186),

    /// <summary>STATUS_INVALID_BUFFER_SIZE (0xC0000206): the size of the buffer is invalid for the operation.</summary>
    InvalidBufferSize = unchecked((int)0xC0000206),

    /// <summary>STATUS_DRIVER_CANCEL_TIMEOUT (0xC000021E): a driver failed to complete a cancelled I/O request in the allotted time.</summary>
    DriverCancelTimeout = unchecked((int)0xC000021E),

    /// <summary>STATUS_NOT_FOUND (0xC0000225): the object was not found.</summary>
    NotFound = unchecked((int)0xC0000225),

    /// <summary>STATUS_PLUGPLAY_NO_DEVICE (0xC000025E): the device is disabled or not present.</summary>
    PlugPlayNoDevice = unchecked((int)0xC000025E),

    /// <summary>STATUS_DEVICE_REMOVED (0xC00002B6): the device has been removed.</summary>
    DeviceRemoved = unchecked((int)0xC00002B6),

    /// <summary>STATUS_POWER_STATE_INVALID (0xC00002D3): the current device power state cannot support this request.</summary>
    PowerStateInvalid = unchecked((int)0xC00002D3),

    /// <summary>STATUS_INSUFFICIENT_POWER (0xC00002DE): there is not enough power to complete the requested operation.</summary>
    InsufficientPower = unchecked((int)0xC00002DE),

    /// <summary>STATUS_DEVICE_ENUMERATION_ERROR (0xC0000366): the device could not be enumerated.</summary>
    DeviceEnumerationError = unchecked((int)0xC0000366),

    /// <summary>STATUS_INVALID_DEVICE_OBJECT_PARAMETER (0xC0000369): the device object parameter is not a valid device object or is not attached to the volume.</summary>
    InvalidDeviceObjectParameter = unchecked((int)0xC0000369),

    /// <summary>STATUS_VERIFIER_STOP (0xC0000421): Application Verifier / Driver Verifier detected an error in the current process.</summary>
    VerifierStop = unchecked((int)0xC0000421),

    /// <summary>STATUS_PROCESS_IS_TERMINATING (0xC000010A): an attempt was made to access an exiting process (its handle table is gone).</summary>
    ProcessIsTerminating = unchecked((int)0xC000010A),

    /// <summary>STATUS_WMI_GUID_NOT_FOUND (0xC0000295): no provider registered the WMI data block's GUID.</summary>
    WmiGuidNotFound = unchecked((int)0xC0000295),

    /// <summary>STATUS_WMI_INSTANCE_NOT_FOUND (0xC0000296): the data block has no instance by that name or index.</summary>
    WmiInstanceNotFound = unchecked((int)0xC0000296),

    /// <summary>STATUS_WMI_ITEMID_NOT_FOUND (0xC0000297): the data block has no item with that id.</summary>
    WmiItemIdNotFound = unchecked((int)0xC0000297),

    /// <summary>STATUS_WMI_READ_ONLY (0xC00002C6): the data block (or item) cannot be set.</summary>
    WmiReadOnly = unchecked((int)0xC00002C6),

    /// <summary>STATUS_WMI_SET_FAILURE (0xC00002C7): the provider could not set the data block.</summary>
    WmiSetFailure = unchecked((int)0xC00002C7),

    /// <summary>STATUS_NONEXISTENT_SECTOR (0xC0000015): the sector does not exist (a transfer past the end of the medium).</summary>
    NonexistentSector = unchecked((int)0xC0000015),
    /// <summary>STATUS_NDIS_PAUSED (0xC023002A): NDIS_STATUS_PAUSED, the miniport is paused and takes no sends.</summary>
    NdisPaused = unchecked((int)0xC023002A),
    /// <summary>STATUS_IMAGE_ALREADY_LOADED (0xC000010E): the driver is loaded already (here: its unload is pending).</summary>
    ImageAlreadyLoaded = unchecked((int)0xC000010E),
    /// <summary>STATUS_UNRECOGNIZED_VOLUME (0xC000014F): the volume does not hold a file system any registered file system recognizes.</summary>
    UnrecognizedVolume = unchecked((int)0xC000014F),
    /// <summary>STATUS_DIRECTORY_NOT_EMPTY (0xC0000101): the directory to delete is not empty.</summary>
    DirectoryNotEmpty = unchecked((int)0xC0000101),
    /// <summary>STATUS_NOT_A_DIRECTORY (0xC0000103): a directory was asked for (FILE_DIRECTORY_FILE) and the file is not one.</summary>
    NotADirectory = unchecked((int)0xC0000103),
    /// <summary>STATUS_CANNOT_DELETE (0xC0000121): the file cannot be deleted (read-only, or in use as mapped).</summary>
    CannotDelete = unchecked((int)0xC0000121),
    /// <summary>STATUS_WRONG_VOLUME (0xC0000012): the medium in the drive is not the mounted volume.</summary>
    WrongVolume = unchecked((int)0xC0000012),
    /// <summary>STATUS_DISK_FULL (0xC000007F): no space is left on the volume.</summary>
    DiskFull = unchecked((int)0xC000007F),
    /// <summary>STATUS_FILE_LOCK_CONFLICT (0xC0000054): a byte-range lock is in the way.</summary>
    FileLockConflict = unchecked((int)0xC0000054),
    /// <summary>STATUS_FILE_CORRUPT_ERROR (0xC0000102): the file or directory structure on the volume is corrupt.</summary>
    FileCorruptError = unchecked((int)0xC0000102),
    /// <summary>STATUS_NOT_SAME_DEVICE (0xC00000D4): a rename or link names a target on another volume.</summary>
    NotSameDevice = unchecked((int)0xC00000D4),
    /// <summary>STATUS_DISK_CORRUPT_ERROR (0xC0000032): the file system structure on the disk is corrupt and unusable.</summary>
    DiskCorruptError = unchecked((int)0xC0000032),
}

/// <summary>
/// <c>NT_SUCCESS</c>-style helpers and display formatting for <see cref="NtStatus"/>.
/// </summary>
public static class NtStatusExtensions
{
    private const uint SeverityMask = 0xC0000000;
    private const uint SeveritySuccess = 0x00000000;
    private const uint SeverityInformational = 0x40000000;
    private const uint SeverityWarning = 0x80000000;
    private const uint SeverityError = 0xC0000000;

    /// <summary>The WDK macro name of every status defined by <see cref="NtStatus"/> (aliases use the first, canonical name).</summary>
    private static readonly FrozenDictionary<NtStatus, string> Names = new Dictionary<NtStatus, string>
    {
        [NtStatus.Success] = "STATUS_SUCCESS",
        [NtStatus.WmiGuidNotFound] = "STATUS_WMI_GUID_NOT_FOUND",
        [NtStatus.WmiInstanceNotFound] = "STATUS_WMI_INSTANCE_NOT_FOUND",
        [NtStatus.WmiItemIdNotFound] = "STATUS_WMI_ITEMID_NOT_FOUND",
        [NtStatus.WmiReadOnly] = "STATUS_WMI_READ_ONLY",
        [NtStatus.WmiSetFailure] = "STATUS_WMI_SET_FAILURE",
        [NtStatus.Wait1] = "STATUS_WAIT_1",
        [NtStatus.Wait2] = "STATUS_WAIT_2",
        [NtStatus.Wait3] = "STATUS_WAIT_3",
        [NtStatus.Wait63] = "STATUS_WAIT_63",
        [NtStatus.Abandoned] = "STATUS_ABANDONED",
        [NtStatus.AbandonedWait63] = "STATUS_ABANDONED_WAIT_63",
        [NtStatus.UserApc] = "STATUS_USER_APC",
        [NtStatus.KernelApc] = "STATUS_KERNEL_APC",
        [NtStatus.Alerted] = "STATUS_ALERTED",
        [NtStatus.Timeout] = "STATUS_TIMEOUT",
        [NtStatus.Pending] = "STATUS_PENDING",
        [NtStatus.Reparse] = "STATUS_REPARSE",
        [NtStatus.ObjectNameExists] = "STATUS_OBJECT_NAME_EXISTS",
        [NtStatus.MoreEntries] = "STATUS_MORE_ENTRIES",
        [NtStatus.GuardPageViolation] = "STATUS_GUARD_PAGE_VIOLATION",
        [NtStatus.DatatypeMisalignment] = "STATUS_DATATYPE_MISALIGNMENT",
        [NtStatus.Breakpoint] = "STATUS_BREAKPOINT",
        [NtStatus.SingleStep] = "STATUS_SINGLE_STEP",
        [NtStatus.BufferOverflow] = "STATUS_BUFFER_OVERFLOW",
        [NtStatus.NoMoreFiles] = "STATUS_NO_MORE_FILES",
        [NtStatus.DevicePaperEmpty] = "STATUS_DEVICE_PAPER_EMPTY",
        [NtStatus.DevicePoweredOff] = "STATUS_DEVICE_POWERED_OFF",
        [NtStatus.DeviceOffLine] = "STATUS_DEVICE_OFF_LINE",
        [NtStatus.DeviceBusy] = "STATUS_DEVICE_BUSY",
        [NtStatus.VerifyRequired] = "STATUS_VERIFY_REQUIRED",
        [NtStatus.NoMoreEntries] = "STATUS_NO_MORE_ENTRIES",
        [NtStatus.Unsuccessful] = "STATUS_UNSUCCESSFUL",
        [NtStatus.NotImplemented] = "STATUS_NOT_IMPLEMENTED",
        [NtStatus.InvalidInfoClass] = "STATUS_INVALID_INFO_CLASS",
        [NtStatus.InfoLengthMismatch] = "STATUS_INFO_LENGTH_MISMATCH",
        [NtStatus.AccessViolation] = "STATUS_ACCESS_VIOLATION",
        [NtStatus.InPageError] = "STATUS_IN_PAGE_ERROR",
        [NtStatus.InvalidHandle] = "STATUS_INVALID_HANDLE",
        [NtStatus.ProcessIsTerminating] = "STATUS_PROCESS_IS_TERMINATING",
        [NtStatus.InvalidParameter] = "STATUS_INVALID_PARAMETER",
        [NtStatus.NoSuchDevice] = "STATUS_NO_SUCH_DEVICE",
        [NtStatus.NoSuchFile] = "STATUS_NO_SUCH_FILE",
        [NtStatus.InvalidDeviceRequest] = "STATUS_INVALID_DEVICE_REQUEST",
        [NtStatus.EndOfFile] = "STATUS_END_OF_FILE",
        [NtStatus.NoMediaInDevice] = "STATUS_NO_MEDIA_IN_DEVICE",
        [NtStatus.MoreProcessingRequired] = "STATUS_MORE_PROCESSING_REQUIRED",
        [NtStatus.NoMemory] = "STATUS_NO_MEMORY",
        [NtStatus.ConflictingAddresses] = "STATUS_CONFLICTING_ADDRESSES",
        [NtStatus.IllegalInstruction] = "STATUS_ILLEGAL_INSTRUCTION",
        [NtStatus.AccessDenied] = "STATUS_ACCESS_DENIED",
        [NtStatus.BufferTooSmall] = "STATUS_BUFFER_TOO_SMALL",
        [NtStatus.ObjectTypeMismatch] = "STATUS_OBJECT_TYPE_MISMATCH",
        [NtStatus.ObjectNameInvalid] = "STATUS_OBJECT_NAME_INVALID",
        [NtStatus.ObjectNameNotFound] = "STATUS_OBJECT_NAME_NOT_FOUND",
        [NtStatus.ObjectNameCollision] = "STATUS_OBJECT_NAME_COLLISION",
        [NtStatus.PortDisconnected] = "STATUS_PORT_DISCONNECTED",
        [NtStatus.ObjectPathInvalid] = "STATUS_OBJECT_PATH_INVALID",
        [NtStatus.ObjectPathNotFound] = "STATUS_OBJECT_PATH_NOT_FOUND",
        [NtStatus.DataError] = "STATUS_DATA_ERROR",
        [NtStatus.CrcError] = "STATUS_CRC_ERROR",
        [NtStatus.SharingViolation] = "STATUS_SHARING_VIOLATION",
        [NtStatus.DeletePending] = "STATUS_DELETE_PENDING",
        [NtStatus.IntegerDivideByZero] = "STATUS_INTEGER_DIVIDE_BY_ZERO",
        [NtStatus.PrivilegedInstruction] = "STATUS_PRIVILEGED_INSTRUCTION",
        [NtStatus.InsufficientResources] = "STATUS_INSUFFICIENT_RESOURCES",
        [NtStatus.DeviceDataError] = "STATUS_DEVICE_DATA_ERROR",
        [NtStatus.DeviceNotConnected] = "STATUS_DEVICE_NOT_CONNECTED",
        [NtStatus.DevicePowerFailure] = "STATUS_DEVICE_POWER_FAILURE",
        [NtStatus.MediaWriteProtected] = "STATUS_MEDIA_WRITE_PROTECTED",
        [NtStatus.DeviceNotReady] = "STATUS_DEVICE_NOT_READY",
        [NtStatus.IllegalFunction] = "STATUS_ILLEGAL_FUNCTION",
        [NtStatus.IoTimeout] = "STATUS_IO_TIMEOUT",
        [NtStatus.FileIsADirectory] = "STATUS_FILE_IS_A_DIRECTORY",
        [NtStatus.NotSupported] = "STATUS_NOT_SUPPORTED",
        [NtStatus.DeviceDoesNotExist] = "STATUS_DEVICE_DOES_NOT_EXIST",
        [NtStatus.InvalidUserBuffer] = "STATUS_INVALID_USER_BUFFER",
        [NtStatus.InvalidParameter1] = "STATUS_INVALID_PARAMETER_1",
        [NtStatus.InvalidParameter2] = "STATUS_INVALID_PARAMETER_2",
        [NtStatus.InvalidParameter3] = "STATUS_INVALID_PARAMETER_3",
        [NtStatus.StackOverflow] = "STATUS_STACK_OVERFLOW",
        [NtStatus.Cancelled] = "STATUS_CANCELLED",
        [NtStatus.FileDeleted] = "STATUS_FILE_DELETED",
        [NtStatus.FileClosed] = "STATUS_FILE_CLOSED",
        [NtStatus.DeviceConfigurationError] = "STATUS_DEVICE_CONFIGURATION_ERROR",
        [NtStatus.DriverInternalError] = "STATUS_DRIVER_INTERNAL_ERROR",
        [NtStatus.InvalidDeviceState] = "STATUS_INVALID_DEVICE_STATE",
        [NtStatus.IoDeviceError] = "STATUS_IO_DEVICE_ERROR",
        [NtStatus.DeviceProtocolError] = "STATUS_DEVICE_PROTOCOL_ERROR",
        [NtStatus.InvalidBufferSize] = "STATUS_INVALID_BUFFER_SIZE",
        [NtStatus.DriverCancelTimeout] = "STATUS_DRIVER_CANCEL_TIMEOUT",
        [NtStatus.NotFound] = "STATUS_NOT_FOUND",
        [NtStatus.PlugPlayNoDevice] = "STATUS_PLUGPLAY_NO_DEVICE",
        [NtStatus.DeviceRemoved] = "STATUS_DEVICE_REMOVED",
        [NtStatus.ImageAlreadyLoaded] = "STATUS_IMAGE_ALREADY_LOADED",
        [NtStatus.PowerStateInvalid] = "STATUS_POWER_STATE_INVALID",
        [NtStatus.InsufficientPower] = "STATUS_INSUFFICIENT_POWER",
        [NtStatus.DeviceEnumerationError] = "STATUS_DEVICE_ENUMERATION_ERROR",
        [NtStatus.InvalidDeviceObjectParameter] = "STATUS_INVALID_DEVICE_OBJECT_PARAMETER",
        [NtStatus.VerifierStop] = "STATUS_VERIFIER_STOP",
        [NtStatus.NonexistentSector] = "STATUS_NONEXISTENT_SECTOR",
        [NtStatus.NdisPaused] = "STATUS_NDIS_PAUSED",
        [NtStatus.UnrecognizedVolume] = "STATUS_UNRECOGNIZED_VOLUME",
        [NtStatus.DirectoryNotEmpty] = "STATUS_DIRECTORY_NOT_EMPTY",
        [NtStatus.NotADirectory] = "STATUS_NOT_A_DIRECTORY",
        [NtStatus.CannotDelete] = "STATUS_CANNOT_DELETE",
        [NtStatus.WrongVolume] = "STATUS_WRONG_VOLUME",
        [NtStatus.DiskFull] = "STATUS_DISK_FULL",
        [NtStatus.FileLockConflict] = "STATUS_FILE_LOCK_CONFLICT",
        [NtStatus.FileCorruptError] = "STATUS_FILE_CORRUPT_ERROR",
        [NtStatus.NotSameDevice] = "STATUS_NOT_SAME_DEVICE",
        [NtStatus.DiskCorruptError] = "STATUS_DISK_CORRUPT_ERROR",
    }.ToFrozenDictionary();

    /// <summary>Equivalent of the WDK <c>NT_SUCCESS</c> macro: true for success and informational codes (value &gt;= 0).</summary>
    /// <param name="status">The status to test.</param>
    /// <returns><see langword="true"/> when <paramref name="status"/> is non-negative.</returns>
    public static bool IsSuccess(this NtStatus status) => (int)status >= 0;

    /// <summary>Equivalent of <c>NT_INFORMATION</c>: severity bits are 01 (0x4xxxxxxx).</summary>
    /// <param name="status">The status to test.</param>
    /// <returns><see langword="true"/> for informational severity.</returns>
    public static bool IsInformation(this NtStatus status) => ((uint)status & SeverityMask) == SeverityInformational;

    /// <summary>Equivalent of <c>NT_WARNING</c>: severity bits are 10 (0x8xxxxxxx).</summary>
    /// <param name="status">The status to test.</param>
    /// <returns><see langword="true"/> for warning severity.</returns>
    public static bool IsWarning(this NtStatus status) => ((uint)status & SeverityMask) == SeverityWarning;

    /// <summary>Equivalent of <c>NT_ERROR</c>: severity bits are 11 (0xCxxxxxxx).</summary>
    /// <param name="status">The status to test.</param>
    /// <returns><see langword="true"/> for error severity.</returns>
    public static bool IsError(this NtStatus status) => ((uint)status & SeverityMask) == SeverityError;

    /// <summary>True when the severity bits are 00 (strict success, excluding informational codes).</summary>
    /// <param name="status">The status to test.</param>
    /// <returns><see langword="true"/> for success severity.</returns>
    public static bool IsSuccessSeverity(this NtStatus status) => ((uint)status & SeverityMask) == SeveritySuccess;

    /// <summary>The WDK macro name (for example <c>STATUS_PENDING</c>), or <see langword="null"/> when the value is not a known member.</summary>
    /// <param name="status">The status to name.</param>
    /// <returns>The upper-snake-case macro name, or <see langword="null"/>.</returns>
    public static string? GetMacroName(this NtStatus status) => Names.GetValueOrDefault(status);

    /// <summary>
    /// Formats the status as <c>STATUS_PENDING (0x00000103)</c>; unknown values print only the hex value, e.g. <c>0xC0001234</c>.
    /// </summary>
    /// <param name="status">The status to format.</param>
    /// <returns>The display string.</returns>
    public static string ToDisplayString(this NtStatus status)
    {
        string hex = "0x" + ((uint)status).ToString("X8", CultureInfo.InvariantCulture);
        return Names.TryGetValue(status, out string? name) ? $"{name} ({hex})" : hex;
    }
}
