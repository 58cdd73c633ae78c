using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace ActorKernel.Actors;

/// <summary>
/// Bug check (stop) codes from <c>bugcodes.h</c>, with the parameter meanings documented in
/// Microsoft's Bug Check Code Reference. Parameter descriptions as strings are available from
/// <see cref="BugCheckCatalog"/>.
/// </summary>
public enum BugCheckCode : uint
{
    /// <summary>
    /// APC_INDEX_MISMATCH (0x1): mismatched KeEnterCriticalRegion/KeLeaveCriticalRegion (APC disable) calls, found on return from a system call or worker routine.
    /// P1 = address of the system call function or worker routine; P2 = thread's ApcStateIndex;
    /// P3 = (Thread-&gt;SpecialApcDisable &lt;&lt; 16) | Thread-&gt;KernelApcDisable; P4 = call type (0 system call, 1 worker routine).
    /// </summary>
    ApcIndexMismatch = 0x1,

    /// <summary>
    /// INVALID_PROCESS_ATTACH_ATTEMPT (0x5): a thread attached to a process where that is not allowed (e.g. KeAttachProcess while already attached).
    /// P1 = target process dispatcher object (or the original process if already attached); P2 = process the thread is currently attached to;
    /// P3 = thread's APC state index; P4 = non-zero if a DPC is running on the current processor.
    /// </summary>
    InvalidProcessAttachAttempt = 0x5,

    /// <summary>IRQL_NOT_DISPATCH_LEVEL (0x8): a routine that must run at DISPATCH_LEVEL was called at another IRQL. No documented parameters.</summary>
    IrqlNotDispatchLevel = 0x8,

    /// <summary>IRQL_NOT_GREATER_OR_EQUAL (0x9): the IRQL was lower than required. "Appears very infrequently"; Microsoft documents no parameters.</summary>
    IrqlNotGreaterOrEqual = 0x9,

    /// <summary>
    /// IRQL_NOT_LESS_OR_EQUAL (0xA): paged or invalid memory was accessed at a raised IRQL.
    /// P1 = virtual address that could not be accessed; P2 = IRQL at the time of the fault;
    /// P3 = operation bit field (bit 0: 0 read / 1 write; bit 3: execute; i.e. 0x0 read, 0x1 write, 0x8 execute);
    /// P4 = instruction pointer at the time of the fault.
    /// </summary>
    IrqlNotLessOrEqual = 0xA,

    /// <summary>MUTEX_LEVEL_NUMBER_VIOLATION (0xD): mutex level ordering was violated. Microsoft documents no parameters.</summary>
    MutexLevelNumberViolation = 0xD,

    /// <summary>
    /// SPIN_LOCK_ALREADY_OWNED (0xF): a spin lock was requested by the processor/thread that already owns it (recursive acquire).
    /// Microsoft documents the parameters as "None"; checked kernels (and ReactOS) pass P1 = address of the spin lock, P2..P4 = 0.
    /// </summary>
    SpinLockAlreadyOwned = 0xF,

    /// <summary>
    /// SPIN_LOCK_NOT_OWNED (0x10): a spin lock was released by a processor that does not own it.
    /// Microsoft documents no parameters; by the same convention as 0xF, P1 = address of the spin lock.
    /// </summary>
    SpinLockNotOwned = 0x10,

    /// <summary>THREAD_NOT_MUTEX_OWNER (0x11): a thread released a mutex it does not own. Microsoft documents no parameters.</summary>
    ThreadNotMutexOwner = 0x11,

    /// <summary>
    /// REFERENCE_BY_POINTER (0x18): an object's reference count went below zero (ObDereferenceObject once too often).
    /// P1 = object type of the object; P2 = the object; P3, P4 = reserved.
    /// </summary>
    ReferenceByPointer = 0x18,

    /// <summary>
    /// BAD_POOL_HEADER (0x19): a pool header is corrupt. P1 = type of violation (e.g. 0x20 block header size corrupt,
    /// 0x21 data following the block overrun, 0x22 address being freed has no tracking entry); P2..P4 depend on P1.
    /// </summary>
    BadPoolHeader = 0x19,

    /// <summary>
    /// KMODE_EXCEPTION_NOT_HANDLED (0x1E): a kernel-mode exception was not caught.
    /// P1 = exception code; P2 = address where the exception occurred; P3 = exception parameter 0; P4 = exception parameter 1.
    /// </summary>
    KmodeExceptionNotHandled = 0x1E,

    /// <summary>
    /// NO_MORE_IRP_STACK_LOCATIONS (0x35): IoCallDriver was called with no stack location left for the next driver.
    /// P1 = address of the IRP; P2..P4 reserved.
    /// </summary>
    NoMoreIrpStackLocations = 0x35,

    /// <summary>
    /// MULTIPLE_IRP_COMPLETE_REQUESTS (0x44): IoCompleteRequest was called for an IRP that is already complete.
    /// P1 = address of the IRP; P2..P4 reserved.
    /// </summary>
    MultipleIrpCompleteRequests = 0x44,

    /// <summary>
    /// CANCEL_STATE_IN_COMPLETED_IRP (0x48): an IRP was completed and then cancelled (its Cancel routine called after completion).
    /// P1 = pointer to the IRP; P2 = the cancel routine set by the driver; P3, P4 reserved.
    /// </summary>
    CancelStateInCompletedIrp = 0x48,

    /// <summary>
    /// IRQL_GT_ZERO_AT_SYSTEM_SERVICE (0x4A): a thread returned to user mode from a system call with IRQL above PASSIVE_LEVEL.
    /// P1 = address of the system call routine; P2 = current IRQL; P3 = 0; P4 = 0.
    /// </summary>
    IrqlGtZeroAtSystemService = 0x4A,

    /// <summary>
    /// PFN_LIST_CORRUPT (0x4E): the page frame number list is corrupt. P1 = type (0x1 list head, 0x2 list entry,
    /// 0x7 page unlocked more times than locked [P2 = PFN, P3 = share count], 0x8D, 0x8F, 0x99, 0x9A); P2..P4 depend on P1.
    /// </summary>
    PfnListCorrupt = 0x4E,

    /// <summary>
    /// PAGE_FAULT_IN_NONPAGED_AREA (0x50): invalid system memory was referenced.
    /// P1 = memory address referenced; P2 = access type (0 read, 1 write, 2/10 execute);
    /// P3 = address of the instruction that referenced the memory (if known); P4 = type of page fault (reserved on older systems).
    /// </summary>
    PageFaultInNonpagedArea = 0x50,

    /// <summary>
    /// SYSTEM_THREAD_EXCEPTION_NOT_HANDLED (0x7E): a system thread raised an exception that was not caught.
    /// P1 = exception code; P2 = address where the exception occurred; P3 = exception record address; P4 = context record address.
    /// </summary>
    SystemThreadExceptionNotHandled = 0x7E,

    /// <summary>
    /// DPC_WATCHDOG_TIMEOUT (0x102): the DPC watchdog routine did not run within the allotted interval.
    /// P1 = DPC watchdog time-out interval in nominal clock ticks; P2 = PRCB address of the hung processor; P3, P4 reserved.
    /// </summary>
    DpcWatchdogTimeout = 0x102,

    /// <summary>
    /// DPC_WATCHDOG_VIOLATION (0x133): a DPC/ISR ran too long, or too long was spent cumulatively at DISPATCH_LEVEL or above.
    /// P1 = 0: single DPC or ISR exceeded its allotment, P2 = DPC time count (ticks), P3 = DPC time allotment (ticks), P4 reserved.
    /// P1 = 1: cumulative time at IRQL &gt;= DISPATCH_LEVEL, P2 = the watchdog period, P3, P4 reserved.
    /// </summary>
    DpcWatchdogViolation = 0x133,

    /// <summary>
    /// BAD_POOL_CALLER (0xC2): the current thread made a bad pool request. P1 = type of violation
    /// (see <see cref="BugCheckCatalog.DescribeBadPoolCaller"/>): 0x00 zero-byte allocation, 0x06/0x07 double free,
    /// 0x08 allocate at invalid IRQL, 0x09 free at invalid IRQL, 0x0A free with wrong tag, ...; P2..P4 depend on P1.
    /// </summary>
    BadPoolCaller = 0xC2,

    /// <summary>
    /// DRIVER_VERIFIER_DETECTED_VIOLATION (0xC4): general Driver Verifier violation. P1 = violation type (see <see cref="VerifierViolation"/>);
    /// P2..P4 depend on P1.
    /// </summary>
    DriverVerifierDetectedViolation = 0xC4,

    /// <summary>
    /// DRIVER_CORRUPTED_EXPOOL (0xC5): invalid memory was accessed at too high an IRQL; almost certainly pool corruption by a driver.
    /// P1 = memory referenced; P2 = IRQL at time of reference; P3 = 0 read / 1 write; P4 = address that referenced memory.
    /// </summary>
    DriverCorruptedExpool = 0xC5,

    /// <summary>
    /// DRIVER_CAUGHT_MODIFYING_FREED_POOL (0xC6): a driver accessed pool after freeing it.
    /// P1 = memory referenced; P2 = 0 read / 1 write; P3 = 0 kernel mode / 1 user mode; P4 reserved.
    /// </summary>
    DriverCaughtModifyingFreedPool = 0xC6,

    /// <summary>
    /// MAXIMUM_WAIT_OBJECTS_EXCEEDED (0x0C): KeWaitForMultipleObjects was given more objects than MAXIMUM_WAIT_OBJECTS (64). No parameters.
    /// </summary>
    MaximumWaitObjectsExceeded = 0x0C,

    /// <summary>
    /// WORKER_THREAD_RETURNED_AT_BAD_IRQL (0xE1): a work item's routine returned at an IRQL other than PASSIVE_LEVEL.
    /// P1 = the worker routine; P2 = the IRQL it returned at; P3 = the work item's parameter; P4 = the work item.
    /// </summary>
    WorkerThreadReturnedAtBadIrql = 0xE1,

    /// <summary>
    /// ATTEMPTED_SWITCH_FROM_DPC (0xB8): a wait, attach process or yield would switch threads while a DPC routine is active.
    /// P1 = the original thread; P2 = the new thread; P3 = the original thread's stack address; P4 reserved.
    /// </summary>
    AttemptedSwitchFromDpc = 0xB8,

    /// <summary>
    /// TIMER_OR_DPC_INVALID (0xC7): a kernel timer or DPC was found in memory where it is not permitted (typically freed/unloaded memory).
    /// P1 = 0 timer object / 1 DPC object / 2 DPC routine (P2 = address, P3 = start and P4 = end of range checked);
    /// P1 = 3 bad processor number (P2 = DPC, P3 = processor number, P4 = processor count);
    /// P1 = 4 / 5 DPC / timer DPC routine changed the APC disable count (P2 = routine, P3 = count before, P4 = count after).
    /// </summary>
    TimerOrDpcInvalid = 0xC7,

    /// <summary>
    /// DRIVER_VERIFIER_IOMANAGER_VIOLATION (0xC9): I/O Verification violation. P1 = violation type (see <see cref="IoVerifierViolation"/>);
    /// for the 0x2xx/0x3xx "WDM DRIVER ERROR" codes P2 = address in the driver where the error was detected, P3 = IRP, P4 = device object.
    /// </summary>
    DriverVerifierIomanagerViolation = 0xC9,

    /// <summary>
    /// PNP_DETECTED_FATAL_ERROR (0xCA): the PnP manager met a fatal error, likely a faulty PnP driver. P1 = type; for 0x1
    /// (duplicate PDO: a bus reported two PDOs with the same device and instance IDs) P2 = the newly reported PDO, P3 = the older one.
    /// </summary>
    PnpDetectedFatalError = 0xCA,

    /// <summary>
    /// DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS (0xCB): locked pages were not released after an I/O operation.
    /// Driver-locked: P1 = calling address in the driver, P2 = caller of that address, P3 = MDL, P4 = number of locked pages.
    /// I/O-manager-locked: P1 = dispatch routine of the top driver, P2 = its device object, P3 = MDL, P4 = number of locked pages.
    /// </summary>
    DriverLeftLockedPagesInProcess = 0xCB,

    /// <summary>
    /// DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS (0xCE): a driver unloaded without cancelling lookaside lists, DPCs, worker threads, timers...
    /// P1 = memory address referenced; P2 = 0 read / 1 write; P3 = address that referenced memory (if known); P4 reserved.
    /// </summary>
    DriverUnloadedWithoutCancellingPendingOperations = 0xCE,

    /// <summary>
    /// DRIVER_IRQL_NOT_LESS_OR_EQUAL (0xD1): a driver accessed pageable (or invalid) memory at too high an IRQL.
    /// P1 = memory referenced; P2 = IRQL at time of reference; P3 = 0 read, 1 write, 2 or 8 execute; P4 = address that referenced memory.
    /// </summary>
    DriverIrqlNotLessOrEqual = 0xD1,

    /// <summary>MANUALLY_INITIATED_CRASH (0xE2): the user deliberately initiated a crash dump (keyboard or debugger). Parameters are not used.</summary>
    ManuallyInitiatedCrash = 0xE2,

    /// <summary>
    /// RESOURCE_NOT_OWNED (0xE3): a thread tried to release an executive resource (ERESOURCE) it does not own.
    /// P1 = address of the resource; P2 = address of the thread; P3 = address of the owner table (if any); P4 reserved.
    /// </summary>
    ResourceNotOwned = 0xE3,

    /// <summary>
    /// DRIVER_VERIFIER_DMA_VIOLATION (0xE6): Driver Verifier's DMA checking caught a misuse of a DMA adapter.
    /// P1 = the violation (<see cref="DmaVerifierViolation"/>); P2..P4 depend on P1.
    /// </summary>
    DriverVerifierDmaViolation = 0xE6,

    /// <summary>
    /// HARDWARE_INTERRUPT_STORM (0xF2): a level-triggered interrupt stayed asserted (an interrupt storm).
    /// P1 = address of the ISR (or first ISR in the chain) connected to the storming vector; P2 = ISR context value;
    /// P3 = address of the interrupt object for the storming vector; P4 = 0x1 if the ISR is not chained, 0x2 if it is.
    /// </summary>
    HardwareInterruptStorm = 0xF2,

    /// <summary>
    /// SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION (0xC1): a driver wrote to an invalid part of a special-pool page.
    /// P4 = the violation (0x20 not allocated, 0x21/0x22 bad address, 0x23 bytes before the allocation
    /// changed, 0x24 bytes after it changed, 0x30/0x31 allocate/free at a bad IRQL); P1..P3 depend on P4.
    /// </summary>
    SpecialPoolDetectedMemoryCorruption = 0xC1,

    /// <summary>
    /// PAGE_FAULT_IN_FREED_SPECIAL_POOL (0xCC): the system referenced special pool after it was freed.
    /// P1 = memory referenced; P2 = 0 read / 1 write; P3 = address that referenced memory; P4 reserved.
    /// </summary>
    PageFaultInFreedSpecialPool = 0xCC,

    /// <summary>
    /// PAGE_FAULT_BEYOND_END_OF_ALLOCATION (0xCD): the system referenced memory past the end of a special-pool allocation.
    /// P1 = memory referenced; P2 = 0 read / 1 write; P3 = address that referenced memory; P4 reserved.
    /// </summary>
    PageFaultBeyondEndOfAllocation = 0xCD,

    /// <summary>
    /// DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL (0xD5): a driver referenced special pool after it was freed.
    /// P1 = memory referenced; P2 = 0 read / 1 write; P3 = address that referenced memory; P4 reserved.
    /// </summary>
    DriverPageFaultInFreedSpecialPool = 0xD5,

    /// <summary>
    /// DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION (0xD6): a driver referenced memory past the end of its special-pool allocation.
    /// P1 = memory referenced; P2 = 0 read / 1 write; P3 = address that referenced memory; P4 reserved.
    /// </summary>
    DriverPageFaultBeyondEndOfAllocation = 0xD6,

    /// <summary>TARGET_MDL_TOO_SMALL (0x40): IoBuildPartialMdl was given a target MDL too small for the range, or a range outside the source MDL. No parameters.</summary>
    TargetMdlTooSmall = 0x40,
    /// <summary>
    /// DRIVER_POWER_STATE_FAILURE (0x9F): a driver is in an inconsistent or invalid power state. P1 = 0x1 a device object being
    /// freed has a power request outstanding (P2 = the device object); 0x2 / 0x500 a device object completed a power IRP without
    /// calling PoStartNextPowerIrp (0x500: P3 = the target device object, P4 = the device object); 0x3 a device object blocked a
    /// power IRP too long (P2 = the stack's PDO, P3 = nt!TRIAGE_9F_POWER on Windows 7 and later, else the stack's FDO, P4 = the IRP).
    /// </summary>
    DriverPowerStateFailure = 0x9F,
}

/// <summary>
/// Parameter-1 subcodes of bug check 0xC9 DRIVER_VERIFIER_IOMANAGER_VIOLATION (I/O Verification), from the Bug Check Code Reference.
/// </summary>
/// <remarks>
/// Codes 0x01..0x12 are true bug check parameters. Codes 0x200 and above are the "WDM DRIVER ERROR" I/O error codes; when they are
/// fatal the crash dump shows bug check 0xC9 with the error code, the address in the driver where it was detected, the IRP and the device object.
/// Note that completing an IRP twice is not a 0xC9 subcode: it is bug check 0x44 MULTIPLE_IRP_COMPLETE_REQUESTS.
/// </remarks>
public enum IoVerifierViolation : uint
{
    /// <summary>0x01: the driver attempted to free an object whose type is not IO_TYPE_IRP. P2 = IRP being freed.</summary>
    FreeIrpWrongType = 0x01,

    /// <summary>0x02: the driver attempted to free an IRP that is still associated with a thread. P2 = IRP being freed.</summary>
    FreeIrpStillAssociatedWithThread = 0x02,

    /// <summary>0x03: IoCallDriver was passed an IRP whose Type is not IO_TYPE_IRP. P2 = IRP being sent.</summary>
    CallDriverBadIrpType = 0x03,

    /// <summary>0x04: IoCallDriver was passed an invalid device object. P2 = device object.</summary>
    CallDriverInvalidDeviceObject = 0x04,

    /// <summary>0x05: the IRQL changed during a call to the driver dispatch routine. P2 = device object of the offending driver, P3 = IRQL before IoCallDriver, P4 = IRQL after.</summary>
    IrqlChangedDuringDispatch = 0x05,

    /// <summary>0x06: IoCompleteRequest was called with a status marked as pending (STATUS_PENDING) or equal to -1. P2 = IRP status, P3 = IRP.</summary>
    CompleteRequestWithPendingStatus = 0x06,

    /// <summary>0x07: IoCompleteRequest was called while the cancel routine was still set. P2 = cancel routine, P3 = IRP.</summary>
    CompleteRequestWithCancelRoutineSet = 0x07,

    /// <summary>0x08: IoBuildAsynchronousFsdRequest was passed an invalid buffer. P2 = device object, P3 = major function, P4 = exception status.</summary>
    BuildAsynchronousFsdRequestInvalidBuffer = 0x08,

    /// <summary>0x09: IoBuildDeviceIoControlRequest was passed an invalid buffer. P2 = device object, P3 = I/O control code, P4 = exception status.</summary>
    BuildDeviceIoControlRequestInvalidBuffer = 0x09,

    /// <summary>0x0A: IoInitializeTimer was passed a device object whose timer is already initialised. P2 = device object.</summary>
    InitializeTimerAlreadyInitialized = 0x0A,

    /// <summary>0x0C: an I/O status block passed in an IRP lives on a stack that has already unwound. P2 = I/O status block.</summary>
    IoStatusBlockOnUnwoundStack = 0x0C,

    /// <summary>0x0D: a user event passed in an IRP lives on a stack that has already unwound. P2 = event object.</summary>
    UserEventOnUnwoundStack = 0x0D,

    /// <summary>0x0E: IoCompleteRequest was called with IRQL &gt; DISPATCH_LEVEL. P2 = current IRQL, P3 = IRP.</summary>
    CompleteRequestAboveDispatch = 0x0E,

    /// <summary>0x0F: a create request was sent with a file object that was closed or whose open was cancelled. P2 = device object, P3 = IRP, P4 = file object.</summary>
    CreateWithClosedFileObject = 0x0F,

    /// <summary>0x10: IoCallDriver was called above DISPATCH_LEVEL. P2 = current IRQL, P3, P4 reserved.</summary>
    CallDriverAboveDispatch = 0x10,

    /// <summary>0x11: documented as "IoCallDriver was called above DISPATCH_LEVEL" for a fast I/O dispatch routine. P2 = fast I/O dispatch routine, P3 = IRQL before the call, P4 = current IRQL.</summary>
    FastIoDispatchIrql = 0x11,

    /// <summary>0x12: documented as "IoCallDriver was called above DISPATCH_LEVEL" for a dispatch routine. P2 = dispatch routine, P3 = IRQL before the call, P4 = current IRQL.</summary>
    DispatchRoutineIrql = 0x12,

    /// <summary>0x200: unknown I/O Verification error.</summary>
    Unknown = 0x200,

    /// <summary>0x201 (fatal): a device is deleting itself while another device is still attached beneath it (missing IoDetachDevice).</summary>
    DeleteDeviceWhileAttached = 0x201,

    /// <summary>0x202 (fatal): detach from a device object that is not attached to anything (e.g. detached twice).</summary>
    DetachNotAttached = 0x202,

    /// <summary>0x203 (fatal): IoCallDriver was called without setting the IRP's cancel routine to NULL.</summary>
    CallDriverWithCancelRoutineSet = 0x203,

    /// <summary>0x204 (fatal): NULL was passed as the device object.</summary>
    CallDriverNullDeviceObject = 0x204,

    /// <summary>0x205 (fatal): forwarding an IRP that is currently queued beneath the caller (broken STATUS_PENDING handling).</summary>
    ForwardingQueuedIrp = 0x205,

    /// <summary>0x206 (fatal): an IRP was forwarded incorrectly (next stack location's Control not zeroed); use IoCopyCurrentIrpStackLocationToNext or IoSkipCurrentIrpStackLocation.</summary>
    ForwardedWithoutZeroingControl = 0x206,

    /// <summary>0x207 (fatal): the stack was copied manually, inadvertently copying the upper layer's completion routine.</summary>
    CopiedUpperCompletionRoutine = 0x207,

    /// <summary>0x208 (fatal): the IRP is about to run out of stack locations.</summary>
    IrpOutOfStackLocations = 0x208,

    /// <summary>0x209 (fatal): completing an IRP that is currently queued beneath the caller.</summary>
    CompletingQueuedIrp = 0x209,

    /// <summary>0x20A (fatal): IoFreeIrp on an IRP that is still in use (original IRP and IRP in use specified).</summary>
    FreeIrpInUseWithOriginal = 0x20A,

    /// <summary>0x20B (fatal): IoFreeIrp on an IRP that is still in use.</summary>
    FreeIrpInUse = 0x20B,

    /// <summary>0x20C (fatal): IoFreeIrp on an IRP still queued against a thread.</summary>
    FreeIrpQueuedToThread = 0x20C,

    /// <summary>0x20D (fatal): IoInitializeIrp on an IRP allocated with IoAllocateIrp (quota leak; use IoReuseIrp).</summary>
    InitializeIrpOnAllocatedIrp = 0x20D,

    /// <summary>0x20E (non-fatal): a PnP IRP was not initialised to STATUS_NOT_SUPPORTED.</summary>
    PnpIrpInvalidInitialStatus = 0x20E,

    /// <summary>0x20F (non-fatal): a Power IRP was not initialised to STATUS_NOT_SUPPORTED.</summary>
    PowerIrpInvalidInitialStatus = 0x20F,

    /// <summary>0x210 (non-fatal): a WMI IRP was not initialised to STATUS_NOT_SUPPORTED.</summary>
    WmiIrpInvalidInitialStatus = 0x210,

    /// <summary>0x211 (non-fatal): an IRP was forwarded skipping a device object (sent to the PDO instead of the attached-to device).</summary>
    ForwardSkippedDeviceObject = 0x211,

    /// <summary>0x212 (non-fatal): the IRP's stack was trashed or not properly copied.</summary>
    TrashedIrpStack = 0x212,

    /// <summary>0x213 (non-fatal): the status field of an IRP the caller does not understand was changed.</summary>
    ChangedStatusOfUnknownIrp = 0x213,

    /// <summary>0x214 (non-fatal): the information field of an IRP the caller does not understand was changed.</summary>
    ChangedInformationOfUnknownIrp = 0x214,

    /// <summary>0x215 (non-fatal): a failed (non-STATUS_NOT_SUPPORTED) IRP_MJ_PNP is being passed down; failed PnP IRPs must be completed.</summary>
    FailedPnpIrpPassedDown = 0x215,

    /// <summary>0x216 (non-fatal): a previously-set IRP_MJ_PNP status was converted to STATUS_NOT_SUPPORTED.</summary>
    PnpStatusConvertedToNotSupported = 0x216,

    /// <summary>0x217 (non-fatal): the driver has not handled a required IRP (status not updated).</summary>
    RequiredIrpNotHandled = 0x217,

    /// <summary>0x218 (non-fatal): the driver responded to an IRP reserved for other device objects in the stack.</summary>
    RespondedToReservedIrp = 0x218,

    /// <summary>0x219 (non-fatal): a failed (non-STATUS_NOT_SUPPORTED) IRP_MJ_POWER is being passed down; failed power IRPs must be completed.</summary>
    FailedPowerIrpPassedDown = 0x219,

    /// <summary>0x21A (non-fatal): a previously-set IRP_MJ_POWER status was converted to STATUS_NOT_SUPPORTED.</summary>
    PowerStatusConvertedToNotSupported = 0x21A,

    /// <summary>0x21B (non-fatal): the driver returned a suspicious status (probably an uninitialised variable).</summary>
    SuspiciousStatus = 0x21B,

    /// <summary>0x21C (warning): the stack was copied but no completion routine set; use IoSkipCurrentIrpStackLocation.</summary>
    CopiedStackWithoutCompletionRoutine = 0x21C,

    /// <summary>0x21D (fatal): the dispatch handler did not detach from the lower stack on a remove IRP.</summary>
    NotDetachedOnRemove = 0x21D,

    /// <summary>0x21E (fatal): the dispatch handler did not delete its device object on a remove IRP.</summary>
    NotDeletedOnRemove = 0x21E,

    /// <summary>0x21F (non-fatal): no dispatch routine was filled in for a required IRP major function.</summary>
    MissingRequiredDispatchRoutine = 0x21F,

    /// <summary>0x220 (non-fatal): IRP_MJ_SYSTEM_CONTROL was completed by someone other than the ProviderId.</summary>
    SystemControlCompletedByNonProvider = 0x220,

    /// <summary>0x221 (fatal): a PDO deleted its device object although the hardware was not reported missing.</summary>
    PdoDeletedWhileNotReportedMissing = 0x221,

    /// <summary>0x222 (fatal): a bus filter detached on a remove IRP while the PDO is still alive.</summary>
    BusFilterDetachedOnRemove = 0x222,

    /// <summary>0x223 (fatal): a bus filter deleted its device object while the PDO is still present.</summary>
    BusFilterDeletedWhilePdoPresent = 0x223,

    /// <summary>0x224 (fatal): the dispatch handler returned a status inconsistent with Irp-&gt;IoStatus.Status.</summary>
    ReturnedStatusInconsistentWithIoStatus = 0x224,

    /// <summary>0x225 (non-fatal): the dispatch handler returned the illegal status 0xFFFFFFFF.</summary>
    ReturnedIllegalStatus = 0x225,

    /// <summary>0x226 (fatal): the dispatch handler returned without passing down or completing the IRP, or forgot to return STATUS_PENDING.</summary>
    DispatchReturnedWithoutCompletingOrPending = 0x226,

    /// <summary>0x227 (fatal): an IRP completion routine is in pageable code.</summary>
    CompletionRoutinePageable = 0x227,

    /// <summary>0x228 (non-fatal): a completion routine did not mark the IRP pending although PendingReturned was set.</summary>
    CompletionRoutineDidNotPropagatePending = 0x228,

    /// <summary>0x229 (fatal): a cancel routine was set for an IRP currently being processed by lower drivers.</summary>
    CancelRoutineSetWhileLowerOwnsIrp = 0x229,

    /// <summary>0x22A (non-fatal): the PDO did not respond to a required IRP.</summary>
    PdoDidNotRespondToRequiredIrp = 0x22A,

    /// <summary>0x22B (non-fatal): the PDO did not fill in the device relations list for a TargetDeviceRelation query.</summary>
    TargetDeviceRelationNotFilled = 0x22B,

    /// <summary>0x22C (fatal): the TargetDeviceRelation query did not call ObReferenceObject on the PDO.</summary>
    TargetDeviceRelationNotReferenced = 0x22C,

    /// <summary>0x22D (non-fatal): an IRP_MJ_PNP the caller did not understand was completed instead of passed down.</summary>
    CompletedUnknownPnpIrp = 0x22D,

    /// <summary>0x22E (non-fatal): a successful IRP_MJ_PNP was completed instead of passed down.</summary>
    CompletedSuccessfulPnpIrp = 0x22E,

    /// <summary>0x22F (non-fatal): an untouched IRP_MJ_PNP was completed, or a non-PDO failed it with STATUS_NOT_SUPPORTED.</summary>
    CompletedUntouchedPnpIrp = 0x22F,

    /// <summary>0x230 (non-fatal): an IRP_MJ_POWER the caller did not understand was completed instead of passed down.</summary>
    CompletedUnknownPowerIrp = 0x230,

    /// <summary>0x231 (fatal): a successful IRP_MJ_POWER was completed instead of passed down.</summary>
    CompletedSuccessfulPowerIrp = 0x231,

    /// <summary>0x232 (non-fatal): an untouched IRP_MJ_POWER was completed, or a non-PDO failed it with STATUS_NOT_SUPPORTED.</summary>
    CompletedUntouchedPowerIrp = 0x232,

    /// <summary>0x233 (non-fatal): DEVICE_CAPABILITIES.Version not initialised in a query-capabilities IRP.</summary>
    QueryCapabilitiesBadVersion = 0x233,

    /// <summary>0x234 (non-fatal): DEVICE_CAPABILITIES.Size not initialised in a query-capabilities IRP.</summary>
    QueryCapabilitiesBadSize = 0x234,

    /// <summary>0x235 (non-fatal): DEVICE_CAPABILITIES.Address not initialised to -1.</summary>
    QueryCapabilitiesBadAddress = 0x235,

    /// <summary>0x236 (non-fatal): DEVICE_CAPABILITIES.UINumber not initialised to -1.</summary>
    QueryCapabilitiesBadUINumber = 0x236,

    /// <summary>0x237 (fatal): a driver sent an IRP restricted to system use.</summary>
    SentSystemRestrictedIrp = 0x237,

    /// <summary>0x238 (warning): IoInitializeIrp on an IRP allocated with IoAllocateIrp.</summary>
    InitializeIrpOnAllocatedIrpWarning = 0x238,

    /// <summary>0x239 (warning): IoCompleteRequest on an IRP never forwarded via IoCallDriver or PoCallDriver.</summary>
    CompletedIrpNeverForwarded = 0x239,

    /// <summary>0x23A (fatal): an IRP was forwarded at an IRQL illegal for its major code.</summary>
    ForwardedAtIllegalIrql = 0x23A,

    /// <summary>0x23B (non-fatal): the status field of an IRP the caller does not understand was changed.</summary>
    ChangedStatusOfUnknownIrpAgain = 0x23B,

    /// <summary>0x23C (fatal): an IRP was completed without setting its cancel routine to NULL.</summary>
    CompletedWithCancelRoutineSet = 0x23C,

    /// <summary>0x23D (non-fatal): the driver returned STATUS_PENDING but did not call IoMarkIrpPending.</summary>
    ReturnedPendingWithoutMarkPending = 0x23D,

    /// <summary>0x23E (non-fatal): the driver marked the IRP pending but did not return STATUS_PENDING.</summary>
    MarkedPendingWithoutReturningPending = 0x23E,

    /// <summary>0x23F (fatal): the driver did not inherit DO_POWER_PAGABLE from the stack it attached to.</summary>
    PowerPagableNotInherited = 0x23F,

    /// <summary>0x240 (fatal): IoDeleteDevice on a device object that was already deleted.</summary>
    DeleteDeviceTwice = 0x240,

    /// <summary>0x241 (fatal): the driver detached its device object during a surprise-remove IRP.</summary>
    DetachedDuringSurpriseRemoval = 0x241,

    /// <summary>0x242 (fatal): the driver deleted its device object during a surprise-remove IRP.</summary>
    DeletedDuringSurpriseRemoval = 0x242,

    /// <summary>0x243 (fatal): DO_DEVICE_INITIALIZING was not cleared at the end of AddDevice.</summary>
    DeviceInitializingNotCleared = 0x243,

    /// <summary>0x244 (fatal): DO_BUFFERED_IO / DO_DIRECT_IO not copied from the device attached to.</summary>
    IoFlagsNotCopied = 0x244,

    /// <summary>0x245 (fatal): both DO_BUFFERED_IO and DO_DIRECT_IO are set (mutually exclusive).</summary>
    BufferedAndDirectIoBothSet = 0x245,

    /// <summary>0x246 (fatal): DeviceType not copied from the device attached to.</summary>
    DeviceTypeNotCopied = 0x246,

    /// <summary>0x247 (fatal): the driver failed an IRP that cannot legally be failed.</summary>
    FailedUnfailableIrp = 0x247,

    /// <summary>0x248 (fatal): a non-PDO was added to a device relations query.</summary>
    NonPdoInDeviceRelations = 0x248,

    /// <summary>0x249 (non-fatal): two child PDOs returned identical device IDs.</summary>
    DuplicateChildDeviceIds = 0x249,

    /// <summary>0x24A (fatal): a file I/O function was called with IRQL not equal to PASSIVE_LEVEL.</summary>
    FileIoNotAtPassiveLevel = 0x24A,

    /// <summary>0x24B (fatal): a TargetDeviceRelation query was completed successfully but not filled in nor forwarded.</summary>
    TargetDeviceRelationNotFilledOrForwarded = 0x24B,

    /// <summary>0x24C (non-fatal): the driver returned STATUS_PENDING but did not call IoMarkIrpPending.</summary>
    ReturnedPendingWithoutMarkPendingAgain = 0x24C,

    /// <summary>0x24D (fatal): an invalid device object was passed to a function that requires a PDO.</summary>
    InvalidPdo = 0x24D,

    /// <summary>0x300 (non-fatal): the driver returned a suspicious status (probably an uninitialised variable).</summary>
    SuspiciousStatusReturned = 0x300,

    /// <summary>0x301 (non-fatal): an IRP was forwarded at IRQL &gt; DISPATCH_LEVEL (IRQL specified).</summary>
    ForwardedAboveDispatch = 0x301,

    /// <summary>0x302 (non-fatal): an IRP was forwarded at IRQL &gt;= APC_LEVEL; the completion APC cannot run, likely deadlock.</summary>
    ForwardedAtOrAboveApcLevel = 0x302,

    /// <summary>0x306 (non-fatal): IRP_MN_REMOVE_DEVICE was completed with a failure status.</summary>
    RemoveDeviceFailed = 0x306,

    /// <summary>0x307 (non-fatal): a request was issued with an already-signalled event and STATUS_PENDING was returned.</summary>
    PendingWithSignaledEvent = 0x307,

    /// <summary>0x310 (non-fatal): an IRP that is still in use is being reinitialised.</summary>
    ReinitializingIrpInUse = 0x310,

    /// <summary>0x311 (non-fatal): reinitialising an IRP created by IoMakeAssociatedIrp/IoBuild*Request.</summary>
    ReinitializingBuiltIrp = 0x311,

    /// <summary>0x312 (non-fatal): IoStatus.Information is larger than the output part of the system buffer.</summary>
    InformationExceedsOutputBuffer = 0x312,
}

/// <summary>
/// Parameter-1 subcodes of bug check 0xC4 DRIVER_VERIFIER_DETECTED_VIOLATION that matter for IRQL, lock and IRP handling.
/// </summary>
public enum VerifierViolation : uint
{
    /// <summary>0x00: zero-byte pool allocation. P2 = current IRQL, P3 = pool type, P4 = 0.</summary>
    ZeroByteAllocation = 0x00,

    /// <summary>0x01: paged pool allocation at IRQL &gt; APC_LEVEL. P2 = current IRQL, P3 = pool type, P4 = size.</summary>
    PagedAllocationAboveApcLevel = 0x01,

    /// <summary>0x02: nonpaged pool allocation at IRQL &gt; DISPATCH_LEVEL. P2 = current IRQL, P3 = pool type, P4 = size.</summary>
    NonPagedAllocationAboveDispatchLevel = 0x02,

    /// <summary>0x10: free of an address not returned by an allocation. P2 = bad address.</summary>
    FreeOfUnallocatedAddress = 0x10,

    /// <summary>0x11: free of paged pool at IRQL &gt; APC_LEVEL. P2 = current IRQL, P3 = pool type, P4 = address.</summary>
    PagedFreeAboveApcLevel = 0x11,

    /// <summary>0x12: free of nonpaged pool at IRQL &gt; DISPATCH_LEVEL. P2 = current IRQL, P3 = pool type, P4 = address.</summary>
    NonPagedFreeAboveDispatchLevel = 0x12,

    /// <summary>0x13 (also 0x14): free of pool that was already freed. P2 reserved, P3 = pool header, P4 = pool header contents.</summary>
    DoubleFree = 0x13,

    /// <summary>0x14: free of pool that was already freed (same parameters as 0x13).</summary>
    DoubleFreeAlternate = 0x14,

    /// <summary>0x16: free at a bad address or invalid parameters to a memory routine. P3 = pool address.</summary>
    FreeBadAddress = 0x16,

    /// <summary>0x30: KeRaiseIrql to a level lower than the current IRQL (or above HIGH_LEVEL). P2 = current IRQL, P3 = requested IRQL.</summary>
    RaiseIrqlInvalid = 0x30,

    /// <summary>0x31: KeLowerIrql to a level higher than the current IRQL (or above HIGH_LEVEL). P2 = current IRQL, P3 = requested IRQL, P4 = 0 new IRQL bad / 1 invalid inside a DPC routine.</summary>
    LowerIrqlInvalid = 0x31,

    /// <summary>0x32: KeReleaseSpinLock at an IRQL other than DISPATCH_LEVEL (possibly a double release). P2 = current IRQL, P3 = spin lock.</summary>
    ReleaseSpinLockNotAtDispatchLevel = 0x32,

    /// <summary>0x33: fast mutex acquired at IRQL &gt; APC_LEVEL. P2 = current IRQL, P3 = fast mutex.</summary>
    AcquireFastMutexAboveApcLevel = 0x33,

    /// <summary>0x34: fast mutex released at an IRQL other than APC_LEVEL. P2 = current IRQL, P3 = fast mutex.</summary>
    ReleaseFastMutexNotAtApcLevel = 0x34,

    /// <summary>0x35: the kernel released a spin lock with IRQL not equal to DISPATCH_LEVEL. P2 = current IRQL, P3 = spin lock, P4 = old IRQL.</summary>
    KernelReleasedSpinLockNotAtDispatchLevel = 0x35,

    /// <summary>0x36: the kernel released a queued spin lock with IRQL not equal to DISPATCH_LEVEL. P2 = current IRQL, P3 = spin lock number, P4 = old IRQL.</summary>
    KernelReleasedQueuedSpinLockNotAtDispatchLevel = 0x36,

    /// <summary>0x37: resource acquired with APCs not disabled. P2 = current IRQL, P3 = thread APC disable count, P4 = resource.</summary>
    AcquireResourceWithApcsEnabled = 0x37,

    /// <summary>0x38: resource released with APCs not disabled. P2 = current IRQL, P3 = thread APC disable count, P4 = resource.</summary>
    ReleaseResourceWithApcsEnabled = 0x38,

    /// <summary>0x39: mutex acquired "unsafe" with IRQL not APC_LEVEL on entry. P2 = current IRQL, P3 = APC disable count, P4 = mutex.</summary>
    AcquireMutexUnsafeNotAtApcLevel = 0x39,

    /// <summary>0x3A: mutex released "unsafe" with IRQL not APC_LEVEL on entry. P2 = current IRQL, P3 = APC disable count, P4 = mutex.</summary>
    ReleaseMutexUnsafeNotAtApcLevel = 0x3A,

    /// <summary>0x3C: ObReferenceObjectByHandle with a bad handle. P2 = handle, P3 = object type.</summary>
    ReferenceObjectByBadHandle = 0x3C,

    /// <summary>0x3D: a bad (unaligned) resource passed to ExAcquireResourceExclusive. P4 = resource.</summary>
    UnalignedResource = 0x3D,

    /// <summary>0x3E: KeLeaveCriticalRegion for a thread not in a critical region.</summary>
    LeaveCriticalRegionNotInRegion = 0x3E,

    /// <summary>0x3F: ObReferenceObject / ObDereferenceObject on an object with reference count zero. P2 = object, P3 = new count (-1 dereference, 1 reference).</summary>
    ReferenceCountZero = 0x3F,

    /// <summary>0x40: KeAcquireSpinLockAtDpcLevel with IRQL &lt; DISPATCH_LEVEL. P2 = current IRQL, P3 = spin lock.</summary>
    AcquireSpinLockAtDpcLevelBelowDispatch = 0x40,

    /// <summary>0x41: KeReleaseSpinLockFromDpcLevel with IRQL &lt; DISPATCH_LEVEL. P2 = current IRQL, P3 = spin lock.</summary>
    ReleaseSpinLockFromDpcLevelBelowDispatch = 0x41,

    /// <summary>0x42: KeAcquireSpinLock with IRQL &gt; DISPATCH_LEVEL. P2 = current IRQL, P3 = spin lock.</summary>
    AcquireSpinLockAboveDispatchLevel = 0x42,

    /// <summary>0x60: driver unloading without freeing its pool (Pool Tracking). P2 = paged bytes, P3 = nonpaged bytes, P4 = allocations not freed.</summary>
    UnloadWithOutstandingPool = 0x60,

    /// <summary>0x62: a verified driver unloading without freeing its pool (Pool Tracking). P2 = the driver's name, P3 = the verifier's entry for the driver, P4 = allocations not freed (paged and nonpaged).</summary>
    UnloadWithOutstandingPoolAllocations = 0x62,

    /// <summary>0x80: KeSetEvent with IRQL &gt; DISPATCH_LEVEL. P2 = current IRQL, P3 = event.</summary>
    SetEventAboveDispatchLevel = 0x80,

    /// <summary>0xC0: IoCallDriver with interrupts disabled. P2 = IRP.</summary>
    CallDriverWithInterruptsDisabled = 0xC0,

    /// <summary>0xC1: a dispatch routine returned with interrupts disabled. P2 = dispatch routine.</summary>
    DispatchReturnedWithInterruptsDisabled = 0xC1,

    /// <summary>0xC5: a dispatch routine changed the thread's APC disable count. P2 = dispatch routine, P3 = current count, P4 = count before the call.</summary>
    DispatchChangedApcDisableCount = 0xC5,

    /// <summary>0xD5: IoReleaseRemoveLock tag does not match the IoAcquireRemoveLock tag. P2 = remove lock, P3 = current release tag.</summary>
    RemoveLockTagMismatch = 0xD5,

    /// <summary>0xD6: IoReleaseRemoveLockAndWait tag does not match. P2 = remove lock, P3 = tag, P4 = previous acquire tag.</summary>
    RemoveLockAndWaitTagMismatch = 0xD6,

    /// <summary>0xE5: a kernel API was called at an incorrect IRQL. P2 = current IRQL.</summary>
    KernelApiAtWrongIrql = 0xE5,

    /// <summary>0xFA: an IRP completion routine returned at a different IRQL. P2 = completion routine, P3 = IRQL before, P4 = IRQL after.</summary>
    CompletionRoutineChangedIrql = 0xFA,

    /// <summary>0xFB: an IRP completion routine changed the APC disable count. P2 = routine, P3 = current count, P4 = count before.</summary>
    CompletionRoutineChangedApcDisableCount = 0xFB,

    /// <summary>0x105: the driver freed an IRP with ExFreePool instead of IoFreeIrp. P2 = IRP.</summary>
    IrpFreedWithExFreePool = 0x105,

    /// <summary>0x111: an interrupt service routine returned at a changed IRQL. P2 = ISR, P3 = IRQL before, P4 = IRQL after.</summary>
    IsrChangedIrql = 0x111,

    /// <summary>0x120: KeWaitFor*Object at IRQL &gt; DISPATCH_LEVEL. P2 = address of IRQL value, P3 = object, P4 = timeout address.</summary>
    WaitAboveDispatchLevel = 0x120,

    /// <summary>0x121: wait at DISPATCH_LEVEL with a NULL (infinite) timeout. Parameters as 0x120.</summary>
    WaitAtDispatchLevelInfinite = 0x121,

    /// <summary>0x122: wait at DISPATCH_LEVEL with a non-zero timeout. Parameters as 0x120.</summary>
    WaitAtDispatchLevelNonZeroTimeout = 0x122,

    /// <summary>0x135: a cancelled IRP was not completed in the expected time. P2 = IRP, P3 = milliseconds allowed.</summary>
    CancelledIrpNotCompletedInTime = 0x135,

    /// <summary>0x1000 (Deadlock Detection): the current thread recursively acquired a resource (self-deadlock). P2 = resource.</summary>
    SelfDeadlock = 0x1000,

    /// <summary>0x1001 (Deadlock Detection): lock hierarchy violation. P2 = resource that was the final cause of the deadlock.</summary>
    LockHierarchyViolation = 0x1001,

    /// <summary>0x1002 (Deadlock Detection): a resource acquired without having been initialised. P2 = resource.</summary>
    UninitializedResource = 0x1002,

    /// <summary>0x1003 (Deadlock Detection): resources released in the wrong order. P2 = resource being released, P3 = resource that should have been released first.</summary>
    UnexpectedReleaseOrder = 0x1003,

    /// <summary>0x1004 (Deadlock Detection): the wrong thread releases a resource. P2 = resource, P3 = acquiring thread, P4 = current thread.</summary>
    UnexpectedReleasingThread = 0x1004,

    /// <summary>0x1005 (Deadlock Detection): a resource initialised more than once. P2 = resource.</summary>
    MultipleInitialization = 0x1005,

    /// <summary>0x1007 (Deadlock Detection): a resource released before it was acquired. P2 = resource.</summary>
    ReleaseOfUnacquiredResource = 0x1007,

    /// <summary>0x1008: lock acquired with an API mismatched for the lock type. P2 = lock.</summary>
    MismatchedAcquireApi = 0x1008,

    /// <summary>0x1009: lock released with an API mismatched for the lock type. P2 = lock.</summary>
    MismatchedReleaseApi = 0x1009,

    /// <summary>0x100A: a terminated thread still owns a lock. P2 = owner thread.</summary>
    TerminatedThreadOwnsLock = 0x100A,

    /// <summary>0x100B: a deleted lock is still owned. P2 = lock, P3 = owner thread.</summary>
    DeletedLockStillOwned = 0x100B,
}

/// <summary>Name, summary and the four parameter descriptions of a bug check (or of one parameter-1 subcode).</summary>
/// <param name="Name">Upper-snake-case name, e.g. <c>DRIVER_IRQL_NOT_LESS_OR_EQUAL</c>, or the subcode's cause.</param>
/// <param name="Summary">One-line meaning.</param>
/// <param name="Parameter1">Meaning of parameter 1.</param>
/// <param name="Parameter2">Meaning of parameter 2.</param>
/// <param name="Parameter3">Meaning of parameter 3.</param>
/// <param name="Parameter4">Meaning of parameter 4.</param>
public sealed record BugCheckDescription(
    string Name,
    string Summary,
    string Parameter1,
    string Parameter2,
    string Parameter3,
    string Parameter4)
{
    /// <summary>The four parameter descriptions in order.</summary>
    public IReadOnlyList<string> Parameters => [Parameter1, Parameter2, Parameter3, Parameter4];
}

/// <summary>
/// Names and parameter meanings of bug checks, for crash-dump analysis text. Texts follow Microsoft's Bug Check Code Reference.
/// </summary>
public static class BugCheckCatalog
{
    private const string Reserved = "Reserved";
    private const string NotDocumented = "Not documented";

    private static readonly FrozenDictionary<BugCheckCode, BugCheckDescription> Codes = new Dictionary<BugCheckCode, BugCheckDescription>
    {
        [BugCheckCode.ApcIndexMismatch] = new("APC_INDEX_MISMATCH",
            "Mismatched APC disable/enable (KeEnterCriticalRegion/KeLeaveCriticalRegion) detected on return from a system call or worker routine.",
            "Address of the system call function or worker routine", "Thread's ApcStateIndex",
            "(Thread->SpecialApcDisable << 16) | Thread->KernelApcDisable", "Call type: 0 = system call, 1 = worker routine"),
        [BugCheckCode.InvalidProcessAttachAttempt] = new("INVALID_PROCESS_ATTACH_ATTEMPT",
            "The thread was attached to a process in a situation where that is not allowed.",
            "Dispatcher object of the target process (or of the original process if already attached)",
            "Dispatcher object of the process the thread is currently attached to", "Thread's APC state index",
            "Non-zero if a DPC is running on the current processor"),
        [BugCheckCode.IrqlNotDispatchLevel] = new("IRQL_NOT_DISPATCH_LEVEL",
            "A routine that must run at DISPATCH_LEVEL was called at another IRQL.", NotDocumented, NotDocumented, NotDocumented, NotDocumented),
        [BugCheckCode.IrqlNotGreaterOrEqual] = new("IRQL_NOT_GREATER_OR_EQUAL",
            "The IRQL was lower than required.", NotDocumented, NotDocumented, NotDocumented, NotDocumented),
        [BugCheckCode.IrqlNotLessOrEqual] = new("IRQL_NOT_LESS_OR_EQUAL",
            "Paged memory or an invalid address was accessed at a raised IRQL.",
            "Virtual memory address that could not be accessed", "IRQL at the time of the fault",
            "Operation: bit 0 = 0 read / 1 write; bit 3 = execute (0x0 read, 0x1 write, 0x8 execute)",
            "Instruction pointer at the time of the fault"),
        [BugCheckCode.MutexLevelNumberViolation] = new("MUTEX_LEVEL_NUMBER_VIOLATION",
            "A mutex was acquired out of level order.", NotDocumented, NotDocumented, NotDocumented, NotDocumented),
        [BugCheckCode.SpinLockAlreadyOwned] = new("SPIN_LOCK_ALREADY_OWNED",
            "A spin lock was requested while it was already owned by the requester (recursive acquisition).",
            "Address of the spin lock (undocumented; checked-build convention)", "0", "0", "0"),
        [BugCheckCode.SpinLockNotOwned] = new("SPIN_LOCK_NOT_OWNED",
            "A spin lock was released by a processor that does not own it.",
            "Address of the spin lock (undocumented; checked-build convention)", "0", "0", "0"),
        [BugCheckCode.ThreadNotMutexOwner] = new("THREAD_NOT_MUTEX_OWNER",
            "A thread released a mutex it does not own.", NotDocumented, NotDocumented, NotDocumented, NotDocumented),
        [BugCheckCode.ReferenceByPointer] = new("REFERENCE_BY_POINTER",
            "The reference count of an object is illegal for its current state (dereferenced once too often).",
            "Object type of the object whose reference count is being lowered", "Object whose reference count is being lowered", Reserved, Reserved),
        [BugCheckCode.BadPoolHeader] = new("BAD_POOL_HEADER",
            "A pool header is corrupt.",
            "Type of violation", "Depends on parameter 1 (usually the pool entry)", "Depends on parameter 1", "Depends on parameter 1"),
        [BugCheckCode.KmodeExceptionNotHandled] = new("KMODE_EXCEPTION_NOT_HANDLED",
            "A kernel-mode program generated an exception that the error handler did not catch.",
            "Exception code that was not handled", "Address where the exception occurred",
            "Parameter 0 of the exception", "Parameter 1 of the exception"),
        [BugCheckCode.NoMoreIrpStackLocations] = new("NO_MORE_IRP_STACK_LOCATIONS",
            "IoCallDriver was called but the IRP has no more stack locations.",
            "Address of the IRP", Reserved, Reserved, Reserved),
        [BugCheckCode.MultipleIrpCompleteRequests] = new("MULTIPLE_IRP_COMPLETE_REQUESTS",
            "A driver requested completion of an IRP that is already complete.",
            "Address of the IRP", Reserved, Reserved, Reserved),
        [BugCheckCode.CancelStateInCompletedIrp] = new("CANCEL_STATE_IN_COMPLETED_IRP",
            "An IRP was completed and then its Cancel routine was called.",
            "Pointer to the IRP", "Cancel routine set by the driver", Reserved, Reserved),
        [BugCheckCode.IrqlGtZeroAtSystemService] = new("IRQL_GT_ZERO_AT_SYSTEM_SERVICE",
            "A thread is returning to user mode from a system call with IRQL above PASSIVE_LEVEL.",
            "Address of the system call routine", "Current IRQL", "0", "0"),
        [BugCheckCode.PfnListCorrupt] = new("PFN_LIST_CORRUPT",
            "The page frame number (PFN) list is corrupted.",
            "Type of violation (0x1 list head, 0x2 list entry, 0x7 page unlocked more times than locked, 0x8D, 0x8F, 0x99, 0x9A)",
            "Depends on parameter 1", "Depends on parameter 1", "Depends on parameter 1"),
        [BugCheckCode.PageFaultInNonpagedArea] = new("PAGE_FAULT_IN_NONPAGED_AREA",
            "Invalid system memory was referenced.",
            "Memory address referenced", "Access type: 0 read, 1 write, 2 or 10 execute",
            "Address that referenced the memory (if known)", "Type of page fault"),
        [BugCheckCode.SystemThreadExceptionNotHandled] = new("SYSTEM_THREAD_EXCEPTION_NOT_HANDLED",
            "A system thread generated an exception that the error handler did not catch.",
            "Exception code that was not handled", "Address where the exception occurred",
            "Exception record address", "Context record address"),
        [BugCheckCode.DpcWatchdogTimeout] = new("DPC_WATCHDOG_TIMEOUT",
            "The DPC watchdog routine was not executed within the allocated time interval.",
            "DPC watchdog time-out interval in nominal clock ticks", "PRCB address of the hung processor", Reserved, Reserved),
        [BugCheckCode.DpcWatchdogViolation] = new("DPC_WATCHDOG_VIOLATION",
            "A single DPC/ISR ran too long, or the system spent too long cumulatively at IRQL DISPATCH_LEVEL or above.",
            "0 = a single DPC or ISR exceeded its time allotment; 1 = cumulative time at DISPATCH_LEVEL or above",
            "If P1 = 0: DPC time count (ticks); if P1 = 1: the watchdog period",
            "If P1 = 0: DPC time allotment (ticks); if P1 = 1: reserved", Reserved),
        [BugCheckCode.BadPoolCaller] = new("BAD_POOL_CALLER",
            "The current thread is making a bad pool request.",
            "Type of violation", "Depends on parameter 1", "Depends on parameter 1", "Depends on parameter 1"),
        [BugCheckCode.DriverVerifierDetectedViolation] = new("DRIVER_VERIFIER_DETECTED_VIOLATION",
            "Driver Verifier detected a fatal error.",
            "Type of violation", "Depends on parameter 1", "Depends on parameter 1", "Depends on parameter 1"),
        [BugCheckCode.DriverCorruptedExpool] = new("DRIVER_CORRUPTED_EXPOOL",
            "Invalid memory was accessed at too high an IRQL; a driver has probably corrupted the system pool.",
            "Memory referenced", "IRQL at time of reference", "0 = read, 1 = write", "Address that referenced memory"),
        [BugCheckCode.DriverCaughtModifyingFreedPool] = new("DRIVER_CAUGHT_MODIFYING_FREED_POOL",
            "The driver attempted to access freed pool.",
            "Memory referenced", "0 = read, 1 = write", "0 = kernel mode, 1 = user mode", Reserved),
        [BugCheckCode.TimerOrDpcInvalid] = new("TIMER_OR_DPC_INVALID",
            "A kernel timer or DPC was found in memory where it is not permitted.",
            "0 timer object, 1 DPC object, 2 DPC routine in forbidden range; 3 bad DPC processor number; 4/5 DPC/timer DPC routine changed APC disable count",
            "Address of the timer, DPC object or DPC routine", "Start of range checked / processor number / APC disable count before",
            "End of range checked / number of processors / APC disable count after"),
        [BugCheckCode.DriverVerifierIomanagerViolation] = new("DRIVER_VERIFIER_IOMANAGER_VIOLATION",
            "Driver Verifier I/O Verification detected a violation.",
            "Type of violation", "Depends on parameter 1 (for 0x2xx/0x3xx codes: address in the driver where the error was detected)",
            "Depends on parameter 1 (for 0x2xx/0x3xx codes: the IRP)", "Depends on parameter 1 (for 0x2xx/0x3xx codes: the device object)"),
        [BugCheckCode.PnpDetectedFatalError] = new("PNP_DETECTED_FATAL_ERROR",
            "The Plug and Play manager encountered a severe error, probably as a result of a problematic Plug and Play driver.",
            "Type of violation (0x1: duplicate PDO)", "For 0x1: address of the newly reported PDO", "For 0x1: address of the older PDO which has been duplicated", "Reserved"),
        [BugCheckCode.DriverLeftLockedPagesInProcess] = new("DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS",
            "A driver or the I/O manager failed to release locked pages after an I/O operation.",
            "Calling address in the driver that locked the pages (or dispatch routine of the top driver if the I/O manager locked them)",
            "Caller of that address (or device object of the top driver)", "Address of the MDL containing the locked pages",
            "Number of locked pages"),
        [BugCheckCode.DriverUnloadedWithoutCancellingPendingOperations] = new("DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS",
            "A driver unloaded without cancelling lookaside lists, DPCs, worker threads or other pending items.",
            "Memory address referenced", "0 = read, 1 = write", "Address that referenced memory (if known)", Reserved),
        [BugCheckCode.DriverIrqlNotLessOrEqual] = new("DRIVER_IRQL_NOT_LESS_OR_EQUAL",
            "A kernel-mode driver accessed pageable (or invalid) memory at too high an IRQL.",
            "Memory referenced", "IRQL at time of reference", "0 = read, 1 = write, 2 or 8 = execute", "Address that referenced memory"),
        [BugCheckCode.AttemptedSwitchFromDpc] = new("ATTEMPTED_SWITCH_FROM_DPC",
            "A wait operation, attach process, or yield was attempted from a DPC routine.",
            "The original thread causing the failure", "The new thread", "The stack address of the original thread", Reserved),
        [BugCheckCode.MaximumWaitObjectsExceeded] = new("MAXIMUM_WAIT_OBJECTS_EXCEEDED",
            "The current thread exceeded the permitted number of wait objects.", NotDocumented, NotDocumented, NotDocumented, NotDocumented),
        [BugCheckCode.WorkerThreadReturnedAtBadIrql] = new("WORKER_THREAD_RETURNED_AT_BAD_IRQL",
            "A worker thread completed and returned with IRQL >= DISPATCH_LEVEL.",
            "Address of the worker routine", "IRQL that the worker thread returned at", "Work item parameter", "Work item address"),
        [BugCheckCode.ManuallyInitiatedCrash] = new("MANUALLY_INITIATED_CRASH",
            "The user deliberately initiated a crash dump.", "Not used", "Not used", "Not used", "Not used"),
        [BugCheckCode.ResourceNotOwned] = new("RESOURCE_NOT_OWNED",
            "A thread tried to release an executive resource it does not own.",
            "Address of the resource", "Address of the thread", "Address of the owner table (if any)", Reserved),
        [BugCheckCode.HardwareInterruptStorm] = new("HARDWARE_INTERRUPT_STORM",
            "The kernel detected an interrupt storm: a level-triggered interrupt signal staying in the asserted state.",
            "Address of the ISR (or first ISR in the chain) connected to the storming interrupt vector", "ISR context value",
            "Address of the interrupt object for the storming interrupt vector", "0x1 if the ISR is not chained, 0x2 if the ISR is chained"),
        [BugCheckCode.SpecialPoolDetectedMemoryCorruption] = new("SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION",
            "The driver wrote to an invalid section of the special pool (parameter 4 is the type of violation).",
            "Address freed (0x20-0x24, 0x32) or current IRQL (0x30, 0x31)", "Reserved / bytes requested / address where bits are corrupted / pool type",
            "0 / bytes calculated / reserved / number of bytes / address freed", "Type of violation: 0x20, 0x21, 0x22, 0x23, 0x24, 0x30, 0x31, 0x32"),
        [BugCheckCode.PageFaultInFreedSpecialPool] = new("PAGE_FAULT_IN_FREED_SPECIAL_POOL",
            "The system has referenced memory which was earlier freed (special pool).",
            "Memory address referenced", "0 = read, 1 = write", "Address that referenced memory (if known)", Reserved),
        [BugCheckCode.PageFaultBeyondEndOfAllocation] = new("PAGE_FAULT_BEYOND_END_OF_ALLOCATION",
            "The system accessed memory beyond the end of some driver's pool allocation (special pool).",
            "Memory address referenced", "0 = read, 1 = write", "Address that referenced memory (if known)", Reserved),
        [BugCheckCode.DriverPageFaultInFreedSpecialPool] = new("DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL",
            "A driver has referenced memory which was earlier freed (special pool).",
            "Memory address referenced", "0 = read, 1 = write", "Address that referenced memory (if known)", Reserved),
        [BugCheckCode.DriverPageFaultBeyondEndOfAllocation] = new("DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION",
            "The driver accessed memory beyond the end of its pool allocation (special pool).",
            "Memory address referenced", "0 = read, 1 = write", "Address that referenced memory (if known)", Reserved),
        [BugCheckCode.TargetMdlTooSmall] = new("TARGET_MDL_TOO_SMALL",
            "A driver called IoBuildPartialMdl with a target MDL too small for the range it maps (or a range outside the source MDL).",
            Reserved, Reserved, Reserved, Reserved),
        [BugCheckCode.DriverPowerStateFailure] = new("DRIVER_POWER_STATE_FAILURE",
            "A driver is in an inconsistent or invalid power state.",
            "Type of violation (0x1 freed with a power request outstanding, 0x3 a power IRP blocked too long, 0x500 completed without PoStartNextPowerIrp)",
            "0x3: the stack's PDO; 0x1: the device object; 0x500: reserved",
            "0x3: nt!TRIAGE_9F_POWER (Windows 7 and later) or the stack's FDO; 0x500: the target device object",
            "0x3: the blocked IRP; 0x500: the device object"),
    }.ToFrozenDictionary();

    /// <summary>All bug checks known to the catalogue.</summary>
    public static IEnumerable<BugCheckCode> KnownCodes => Codes.Keys;

    /// <summary>Looks up the description of <paramref name="code"/>.</summary>
    /// <param name="code">The bug check code.</param>
    /// <param name="description">The description when known.</param>
    /// <returns><see langword="true"/> when the code is catalogued.</returns>
    public static bool TryGetDescription(BugCheckCode code, [NotNullWhen(true)] out BugCheckDescription? description) =>
        Codes.TryGetValue(code, out description);

    /// <summary>The upper-snake-case name (e.g. <c>DRIVER_IRQL_NOT_LESS_OR_EQUAL</c>); unknown codes print as <c>0x000000XX</c>.</summary>
    /// <param name="code">The bug check code.</param>
    /// <returns>The name.</returns>
    public static string GetName(this BugCheckCode code) =>
        Codes.TryGetValue(code, out BugCheckDescription? d) ? d.Name : Hex(code);

    /// <summary>Formats as <c>DRIVER_IRQL_NOT_LESS_OR_EQUAL (0x000000D1)</c>.</summary>
    /// <param name="code">The bug check code.</param>
    /// <returns>The display string.</returns>
    public static string ToDisplayString(this BugCheckCode code) =>
        Codes.TryGetValue(code, out BugCheckDescription? d) ? $"{d.Name} ({Hex(code)})" : Hex(code);

    /// <summary>The four parameter descriptions of <paramref name="code"/> (generic texts when the code is not catalogued).</summary>
    /// <param name="code">The bug check code.</param>
    /// <returns>Exactly four strings.</returns>
    public static IReadOnlyList<string> GetParameterDescriptions(BugCheckCode code) =>
        Codes.TryGetValue(code, out BugCheckDescription? d)
            ? d.Parameters
            : ["Parameter 1", "Parameter 2", "Parameter 3", "Parameter 4"];

    /// <summary>
    /// The parameter descriptions for an actual bug check, resolving parameter-1 subcodes of 0xC4, 0xC9, 0xC2 and 0x133.
    /// </summary>
    /// <param name="code">The bug check code.</param>
    /// <param name="parameter1">The value of parameter 1.</param>
    /// <returns>The description of this particular bug check instance.</returns>
    public static BugCheckDescription Describe(BugCheckCode code, ulong parameter1)
    {
        BugCheckDescription? sub = code switch
        {
            BugCheckCode.DriverVerifierDetectedViolation when parameter1 <= uint.MaxValue => DescribeVerifierViolation((VerifierViolation)(uint)parameter1),
            BugCheckCode.DriverVerifierIomanagerViolation when parameter1 <= uint.MaxValue => DescribeIoVerifierViolation((IoVerifierViolation)(uint)parameter1),
            BugCheckCode.BadPoolCaller when parameter1 <= uint.MaxValue => DescribeBadPoolCaller((uint)parameter1),
            BugCheckCode.DpcWatchdogViolation when parameter1 == 0 => new("DPC_WATCHDOG_VIOLATION",
                "A single DPC or ISR exceeded its time allotment.", "0", "The DPC time count (in ticks)", "The DPC time allotment (in ticks)", Reserved),
            BugCheckCode.DpcWatchdogViolation when parameter1 == 1 => new("DPC_WATCHDOG_VIOLATION",
                "The system cumulatively spent an extended period of time at IRQL DISPATCH_LEVEL or above.", "1", "The watchdog period", Reserved, Reserved),
            _ => null,
        };
        if (sub is not null)
        {
            return sub;
        }

        return Codes.TryGetValue(code, out BugCheckDescription? d)
            ? d
            : new BugCheckDescription(Hex(code), "Unknown bug check", "Parameter 1", "Parameter 2", "Parameter 3", "Parameter 4");
    }

    /// <summary>Describes a 0xC9 DRIVER_VERIFIER_IOMANAGER_VIOLATION subcode.</summary>
    /// <param name="violation">Parameter 1 of the bug check.</param>
    /// <returns>The cause and parameter meanings.</returns>
    public static BugCheckDescription DescribeIoVerifierViolation(IoVerifierViolation violation)
    {
        string p1 = "0x" + ((uint)violation).ToString("X", CultureInfo.InvariantCulture);
        const string Name = "DRIVER_VERIFIER_IOMANAGER_VIOLATION";
        return violation switch
        {
            IoVerifierViolation.FreeIrpWrongType => new(Name, "The driver attempted to free an object whose type is not IO_TYPE_IRP.", p1, "Address of IRP being freed", "0", "0"),
            IoVerifierViolation.FreeIrpStillAssociatedWithThread => new(Name, "The driver attempted to free an IRP that is still associated with a thread.", p1, "Address of IRP being freed", "0", "0"),
            IoVerifierViolation.CallDriverBadIrpType => new(Name, "The driver passed IoCallDriver an IRP Type not equal to IRP_TYPE.", p1, "Address of IRP being sent", "0", "0"),
            IoVerifierViolation.CallDriverInvalidDeviceObject => new(Name, "The driver passed IoCallDriver an invalid device object.", p1, "Address of device object", "0", "0"),
            IoVerifierViolation.IrqlChangedDuringDispatch => new(Name, "The IRQL changed during a call to the driver dispatch routine.", p1, "Address of device object associated with offending driver", "IRQL before IoCallDriver", "IRQL after IoCallDriver"),
            IoVerifierViolation.CompleteRequestWithPendingStatus => new(Name, "The driver called IoCompleteRequest with a status marked as pending (or equal to -1).", p1, "IRP status", "Address of IRP being completed", "0"),
            IoVerifierViolation.CompleteRequestWithCancelRoutineSet => new(Name, "The driver called IoCompleteRequest while its cancel routine was still set.", p1, "Address of cancel routine", "Address of IRP being completed", "0"),
            IoVerifierViolation.BuildAsynchronousFsdRequestInvalidBuffer => new(Name, "The driver passed IoBuildAsynchronousFsdRequest an invalid buffer.", p1, "Address of device object", "IRP major function code", "Exception status code"),
            IoVerifierViolation.BuildDeviceIoControlRequestInvalidBuffer => new(Name, "The driver passed IoBuildDeviceIoControlRequest an invalid buffer.", p1, "Address of device object", "I/O control code", "Exception status code"),
            IoVerifierViolation.InitializeTimerAlreadyInitialized => new(Name, "The driver passed IoInitializeTimer a device object with an already-initialized timer.", p1, "Address of device object", "0", "0"),
            IoVerifierViolation.IoStatusBlockOnUnwoundStack => new(Name, "The driver passed an I/O status block to an IRP, but it is allocated on a stack which has already unwound past that point.", p1, "Address of I/O status block", "0", "0"),
            IoVerifierViolation.UserEventOnUnwoundStack => new(Name, "The driver passed a user event to an IRP, but it is allocated on a stack which has already unwound past that point.", p1, "Address of user event object", "0", "0"),
            IoVerifierViolation.CompleteRequestAboveDispatch => new(Name, "The driver called IoCompleteRequest with IRQL > DISPATCH_LEVEL.", p1, "Current IRQL", "Address of IRP", "0"),
            IoVerifierViolation.CreateWithClosedFileObject => new(Name, "The driver sent a create request with a file object that has been closed, or that had its open canceled.", p1, "Address of the device object to which the IRP is being sent", "Pointer to the IRP", "Pointer to file object"),
            IoVerifierViolation.CallDriverAboveDispatch => new(Name, "IoCallDriver was called above DISPATCH_LEVEL.", p1, "Current IRQL", Reserved, Reserved),
            IoVerifierViolation.FastIoDispatchIrql => new(Name, "IoCallDriver was called above DISPATCH_LEVEL (fast I/O dispatch routine).", p1, "Driver fast I/O dispatch routine address", "IRQL before calling driver dispatch routine", "Current IRQL"),
            IoVerifierViolation.DispatchRoutineIrql => new(Name, "IoCallDriver was called above DISPATCH_LEVEL (dispatch routine).", p1, "Driver dispatch routine address", "IRQL before calling driver dispatch routine", "Current IRQL"),
            _ when (uint)violation >= 0x200 => new(Name, "WDM DRIVER ERROR " + p1 + " (I/O Verification error; see IoVerifierViolation)", p1,
                "Address in the driver's code where the error was detected", "Pointer to the IRP", "Pointer to the device object"),
            _ => new(Name, "Unknown I/O Verification violation " + p1, p1, "Parameter 2", "Parameter 3", "Parameter 4"),
        };
    }

    /// <summary>Describes a 0xC4 DRIVER_VERIFIER_DETECTED_VIOLATION subcode.</summary>
    /// <param name="violation">Parameter 1 of the bug check.</param>
    /// <returns>The cause and parameter meanings.</returns>
    public static BugCheckDescription DescribeVerifierViolation(VerifierViolation violation)
    {
        string p1 = "0x" + ((uint)violation).ToString("X", CultureInfo.InvariantCulture);
        const string Name = "DRIVER_VERIFIER_DETECTED_VIOLATION";
        return violation switch
        {
            VerifierViolation.ZeroByteAllocation => new(Name, "The driver requested a zero-byte pool allocation.", p1, "Current IRQL", "Pool type", "0"),
            VerifierViolation.PagedAllocationAboveApcLevel => new(Name, "The driver attempted to allocate paged memory with IRQL > APC_LEVEL.", p1, "Current IRQL", "Pool type", "Size of allocation, in bytes"),
            VerifierViolation.NonPagedAllocationAboveDispatchLevel => new(Name, "The driver attempted to allocate nonpaged memory with IRQL > DISPATCH_LEVEL.", p1, "Current IRQL", "Pool type", "Size of allocation, in bytes"),
            VerifierViolation.FreeOfUnallocatedAddress => new(Name, "The driver attempted to free an address that was not returned from an allocate call.", p1, "Bad address", "0", "0"),
            VerifierViolation.PagedFreeAboveApcLevel => new(Name, "The driver attempted to free paged pool with IRQL > APC_LEVEL.", p1, "Current IRQL", "Pool type", "Address of pool"),
            VerifierViolation.NonPagedFreeAboveDispatchLevel => new(Name, "The driver attempted to free nonpaged pool with IRQL > DISPATCH_LEVEL.", p1, "Current IRQL", "Pool type", "Address of pool"),
            VerifierViolation.DoubleFree or VerifierViolation.DoubleFreeAlternate => new(Name, "The driver attempted to free memory pool which was already freed.", p1, Reserved, "Pointer to pool header", "Pool header contents"),
            VerifierViolation.FreeBadAddress => new(Name, "The driver attempted to free pool at a bad address, or passed invalid parameters to a memory routine.", p1, Reserved, "Pool address", "0"),
            VerifierViolation.RaiseIrqlInvalid => new(Name, "The driver passed an invalid parameter to KeRaiseIrql (lower than the current IRQL, or higher than HIGH_LEVEL).", p1, "Current IRQL", "Requested IRQL", "0"),
            VerifierViolation.LowerIrqlInvalid => new(Name, "The driver passed an invalid parameter to KeLowerIrql (higher than the current IRQL, or higher than HIGH_LEVEL).", p1, "Current IRQL", "Requested IRQL", "0: new IRQL is bad; 1: new IRQL is invalid inside a DPC routine"),
            VerifierViolation.ReleaseSpinLockNotAtDispatchLevel => new(Name, "The driver called KeReleaseSpinLock at an IRQL other than DISPATCH_LEVEL (possibly a double release).", p1, "Current IRQL", "Spin lock address", "0"),
            VerifierViolation.AcquireFastMutexAboveApcLevel => new(Name, "The driver attempted to acquire a fast mutex with IRQL > APC_LEVEL.", p1, "Current IRQL", "Fast mutex address", "0"),
            VerifierViolation.ReleaseFastMutexNotAtApcLevel => new(Name, "The driver attempted to release a fast mutex at an IRQL other than APC_LEVEL.", p1, "Current IRQL", "Fast mutex address", "0"),
            VerifierViolation.KernelReleasedSpinLockNotAtDispatchLevel => new(Name, "The kernel released a spin lock with IRQL not equal to DISPATCH_LEVEL.", p1, "Current IRQL", "Spin lock address", "Old IRQL"),
            VerifierViolation.KernelReleasedQueuedSpinLockNotAtDispatchLevel => new(Name, "The kernel released a queued spin lock with IRQL not equal to DISPATCH_LEVEL.", p1, "Current IRQL", "Spin lock number", "Old IRQL"),
            VerifierViolation.AcquireResourceWithApcsEnabled => new(Name, "The driver tried to acquire a resource, but APCs are not disabled.", p1, "Current IRQL", "Thread APC disable count", "Resource"),
            VerifierViolation.ReleaseResourceWithApcsEnabled => new(Name, "The driver tried to release a resource, but APCs are not disabled.", p1, "Current IRQL", "Thread APC disable count", "Resource"),
            VerifierViolation.AcquireMutexUnsafeNotAtApcLevel => new(Name, "The driver tried to acquire a mutex \"unsafe\" with IRQL not equal to APC_LEVEL on entry.", p1, "Current IRQL", "Thread APC disable count", "Mutex"),
            VerifierViolation.ReleaseMutexUnsafeNotAtApcLevel => new(Name, "The driver tried to release a mutex \"unsafe\" with IRQL not equal to APC_LEVEL on entry.", p1, "Current IRQL", "Thread APC disable count", "Mutex"),
            VerifierViolation.ReferenceObjectByBadHandle => new(Name, "The driver called ObReferenceObjectByHandle with a bad handle.", p1, "Handle passed to routine", "Object type", "0"),
            VerifierViolation.UnalignedResource => new(Name, "The driver passed a bad (unaligned) resource to ExAcquireResourceExclusive.", p1, "0", "0", "Address of the bad resource"),
            VerifierViolation.LeaveCriticalRegionNotInRegion => new(Name, "The driver called KeLeaveCriticalRegion for a thread that is not currently in a critical region.", p1, "0", "0", "0"),
            VerifierViolation.ReferenceCountZero => new(Name, "ObReferenceObject or ObDereferenceObject was applied to an object whose reference count is zero.", p1, "Object address", "New object reference count (-1: dereference case, 1: reference case)", "0"),
            VerifierViolation.AcquireSpinLockAtDpcLevelBelowDispatch => new(Name, "The driver called KeAcquireSpinLockAtDpcLevel with IRQL < DISPATCH_LEVEL.", p1, "Current IRQL", "Spin lock address", "0"),
            VerifierViolation.ReleaseSpinLockFromDpcLevelBelowDispatch => new(Name, "The driver called KeReleaseSpinLockFromDpcLevel with IRQL < DISPATCH_LEVEL.", p1, "Current IRQL", "Spin lock address", "0"),
            VerifierViolation.AcquireSpinLockAboveDispatchLevel => new(Name, "The driver called KeAcquireSpinLock with IRQL > DISPATCH_LEVEL.", p1, "Current IRQL", "Spin lock address", "0"),
            VerifierViolation.UnloadWithOutstandingPoolAllocations => new(Name, "A driver has forgotten to free its pool allocations prior to unloading (!verifier 3 DRIVER lists them).", p1, "Name of the driver", "Verifier internal structure with driver information", "Total number of (paged + nonpaged) allocations that were not freed"),
            VerifierViolation.UnloadWithOutstandingPool => new(Name, "The driver is unloading without first freeing its pool allocations.", p1, "Bytes allocated from paged pool", "Bytes allocated from nonpaged pool", "Total number of allocations that were not freed"),
            VerifierViolation.SetEventAboveDispatchLevel => new(Name, "The driver called KeSetEvent with IRQL > DISPATCH_LEVEL.", p1, "Current IRQL", "Event address", "0"),
            VerifierViolation.CallDriverWithInterruptsDisabled => new(Name, "The driver called IoCallDriver with interrupts disabled.", p1, "Address of the IRP", Reserved, Reserved),
            VerifierViolation.DispatchReturnedWithInterruptsDisabled => new(Name, "A driver dispatch routine returned with interrupts disabled.", p1, "Address of the driver dispatch routine", Reserved, Reserved),
            VerifierViolation.DispatchChangedApcDisableCount => new(Name, "A driver dispatch routine changed the thread's APC disable count.", p1, "Address of the driver dispatch routine", "Current thread's APC disable count", "APC disable count before calling the dispatch routine"),
            VerifierViolation.RemoveLockTagMismatch => new(Name, "The IoReleaseRemoveLock tag does not match the previous IoAcquireRemoveLock tag.", p1, "Address of the IO_REMOVE_LOCK structure", "Current IoReleaseRemoveLock tag", Reserved),
            VerifierViolation.RemoveLockAndWaitTagMismatch => new(Name, "The IoReleaseRemoveLockAndWait tag does not match the previous IoAcquireRemoveLock tag.", p1, "Address of the IO_REMOVE_LOCK structure", "Tag that does not match", "Previous IoAcquireRemoveLock tag"),
            VerifierViolation.KernelApiAtWrongIrql => new(Name, "A call was made to a kernel API at the incorrect IRQL.", p1, "Current IRQL", Reserved, Reserved),
            VerifierViolation.CompletionRoutineChangedIrql => new(Name, "The IRP completion routine returned at an IRQL different from the one it was called at.", p1, "Completion routine address", "IRQL before calling the completion routine", "Current IRQL after the completion routine"),
            VerifierViolation.CompletionRoutineChangedApcDisableCount => new(Name, "The IRP completion routine changed the thread's APC disable count.", p1, "Completion routine address", "Current thread's APC disable count", "APC disable count before calling the completion routine"),
            VerifierViolation.IrpFreedWithExFreePool => new(Name, "The driver uses ExFreePool instead of IoFreeIrp to release the IRP.", p1, "Address of the IRP", Reserved, Reserved),
            VerifierViolation.IsrChangedIrql => new(Name, "The interrupt service routine returned a changed IRQL.", p1, "Address of the ISR", "IRQL before executing the ISR", "IRQL after executing the ISR"),
            VerifierViolation.WaitAboveDispatchLevel => new(Name, "The thread waits at IRQL > DISPATCH_LEVEL.", p1, "Address of the IRQL value", "Address of the object to wait on", "Address of the timeout value"),
            VerifierViolation.WaitAtDispatchLevelInfinite => new(Name, "The thread waits at DISPATCH_LEVEL with a NULL timeout.", p1, "Address of the IRQL value", "Address of the object to wait on", "Address of the timeout value"),
            VerifierViolation.WaitAtDispatchLevelNonZeroTimeout => new(Name, "The thread waits at DISPATCH_LEVEL with a non-zero timeout.", p1, "Address of the IRQL value", "Address of the object to wait on", "Address of the timeout value"),
            VerifierViolation.CancelledIrpNotCompletedInTime => new(Name, "The canceled IRP did not complete in the expected time.", p1, "Address of the IRP", "Milliseconds allowed between IoCancelIrp and completion", Reserved),
            VerifierViolation.SelfDeadlock => new(Name, "Self-deadlock: the current thread tried to recursively acquire a resource.", p1, "Address of the resource", Reserved, Reserved),
            VerifierViolation.LockHierarchyViolation => new(Name, "Deadlock: a lock hierarchy violation has been found.", p1, "Address of the resource that was the final cause of the deadlock", Reserved, Reserved),
            VerifierViolation.UninitializedResource => new(Name, "A resource was acquired without having been initialized.", p1, "Address of the resource", Reserved, Reserved),
            VerifierViolation.UnexpectedReleaseOrder => new(Name, "A resource was released in an incorrect order.", p1, "Address of the resource being released", "Address of the resource that should have been released first", Reserved),
            VerifierViolation.UnexpectedReleasingThread => new(Name, "The wrong thread releases a resource.", p1, "Address of the resource", "Address of the thread that acquired the resource", "Address of the current thread"),
            VerifierViolation.MultipleInitialization => new(Name, "A resource was initialized more than one time.", p1, "Address of the resource", Reserved, Reserved),
            VerifierViolation.ReleaseOfUnacquiredResource => new(Name, "A resource was released before it was acquired.", p1, "Address of the resource", Reserved, Reserved),
            VerifierViolation.MismatchedAcquireApi => new(Name, "The driver tried to acquire a lock using an API mismatched for this lock type.", p1, "Lock address", "Driver Verifier internal data", "Driver Verifier internal data"),
            VerifierViolation.MismatchedReleaseApi => new(Name, "The driver tried to release a lock using an API mismatched for this lock type.", p1, "Lock address", "Driver Verifier internal data", "Driver Verifier internal data"),
            VerifierViolation.TerminatedThreadOwnsLock => new(Name, "A terminated thread owns a lock.", p1, "Owner thread address", "Driver Verifier internal data", Reserved),
            VerifierViolation.DeletedLockStillOwned => new(Name, "A deleted lock is still owned by a thread.", p1, "Lock address", "Owner thread address", "Driver Verifier internal data"),
            _ => new(Name, "Driver Verifier violation " + p1, p1, "Parameter 2", "Parameter 3", "Parameter 4"),
        };
    }

    /// <summary>Describes a 0xC2 BAD_POOL_CALLER subcode (parameter 1).</summary>
    /// <param name="parameter1">Parameter 1 of the bug check.</param>
    /// <returns>The cause and parameter meanings.</returns>
    public static BugCheckDescription DescribeBadPoolCaller(uint parameter1)
    {
        string p1 = "0x" + parameter1.ToString("X2", CultureInfo.InvariantCulture);
        const string Name = "BAD_POOL_CALLER";
        return parameter1 switch
        {
            0x00 => new(Name, "The current thread requested a zero-byte pool allocation.", p1, "0", "Pool type", "Pool tag"),
            0x01 or 0x02 or 0x04 => new(Name, "The pool header has been corrupted.", p1, "Pointer to pool header", "First part of pool header contents", "0"),
            0x06 => new(Name, "The current thread attempted to free the pool, which was already freed.", p1, Reserved, "Pointer to pool header", "Pool header contents"),
            0x07 => new(Name, "The current thread attempted to free the pool, which was already freed.", p1, Reserved, "Pool header contents", "Address of the block of pool being freed"),
            0x08 => new(Name, "The current thread attempted to allocate the pool at an invalid IRQL.", p1, "Current IRQL", "Pool type", "Size of allocation, in bytes"),
            0x09 => new(Name, "The current thread attempted to free the pool at an invalid IRQL.", p1, "Current IRQL", "Pool type", "Address of pool"),
            0x0A => new(Name, "The current thread attempted to free pool memory by using the wrong tag.", p1, "Address of pool", "Allocator's tag", "Tag being used in the attempted free"),
            0x0B or 0x0C or 0x0D => new(Name, "The current thread attempted to release a quota on a corrupted pool allocation.", p1, "Address of pool", "Pool allocation's tag", "Bad quota process pointer"),
            0x40 => new(Name, "The current thread attempted to free the kernel pool at a user-mode address.", p1, "Starting address", "Start of system address space", "0"),
            0x41 or 0x47 => new(Name, "The current thread attempted to free a non-allocated nonpaged pool address.", p1, "Starting address", "Physical page frame", "Highest physical page frame"),
            0x42 or 0x43 => new(Name, "The current thread attempted to free a virtual address that was never in any pool.", p1, "Address being freed", "0", "0"),
            0x44 => new(Name, "The current thread attempted to free a non-allocated nonpaged pool address.", p1, "Starting address", Reserved, "0"),
            0x46 => new(Name, "The current thread attempted to free an invalid pool address.", p1, "Starting address", "0", "0"),
            0x48 => new(Name, "The current thread attempted to free a non-allocated paged pool address.", p1, "Starting address", Reserved, Reserved),
            0x50 => new(Name, "The current thread attempted to free a non-allocated paged pool address.", p1, "Starting address", "Start offset, in pages, from beginning of paged pool", "Size of paged pool, in bytes"),
            0x60 => new(Name, "The current thread attempted to free an invalid contiguous memory address.", p1, "Starting address", "0", "0"),
            0x99 => new(Name, "The current thread attempted to free pool with an invalid address.", p1, "Address that is being freed", "0", "0"),
            0x9A => new(Name, "The current thread marked an allocation request MUST_SUCCEED.", p1, "Pool type", "Number of bytes requested", "Pool tag"),
            0x9B => new(Name, "The current thread attempted to allocate a pool with a tag of 0.", p1, "Pool type", "Number of bytes requested", "Caller's address"),
            0x9C => new(Name, "The current thread attempted to allocate a pool with a tag of \"BIG\".", p1, "Pool type", "Number of bytes requested", "Caller's address"),
            0x9D => new(Name, "The current thread attempted to allocate a pool with a tag that contains no letters or digits.", p1, "Incorrect pool tag used", "Pool type", "Caller's address"),
            0x41286 => new(Name, "The current thread attempted to free a paged pool address in the middle of an allocation.", p1, Reserved, Reserved, "Start offset from the beginning of the paged pool, in pages"),
            _ => new(Name, "Bad pool request " + p1, p1, "Parameter 2", "Parameter 3", "Parameter 4"),
        };
    }

    private static string Hex(BugCheckCode code) => "0x" + ((uint)code).ToString("X8", CultureInfo.InvariantCulture);
}
