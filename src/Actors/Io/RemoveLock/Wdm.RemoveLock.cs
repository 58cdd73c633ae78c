namespace ActorKernel.Actors;

// Remove locks (ReactOS io/iomgr/remlock.c): IoInitializeRemoveLock, IoAcquireRemoveLock,
// IoReleaseRemoveLock, IoReleaseRemoveLockAndWait.
public static partial class Wdm
{
    /// <summary>
    /// IoInitializeRemoveLock: readies <paramref name="removeLock"/> (not removed, no acquisitions);
    /// a driver calls it in AddDevice for the device extension's lock.
    /// </summary>
    /// <param name="removeLock">The lock (usually in the device extension).</param>
    /// <param name="allocateTag">The pool tag of the debug block's tracking entries.</param>
    /// <param name="maxLockedMinutes">How long an acquisition may be held (0 = no limit); recorded, not enforced.</param>
    /// <param name="highWatermark">The most acquisitions outstanding at once (0 = no limit); recorded, not enforced.</param>
    /// <remarks>IRQL = PASSIVE_LEVEL; also outside a routine (AddDevice called directly by a test).</remarks>
    public static void IoInitializeRemoveLock(IoRemoveLock removeLock, uint allocateTag, uint maxLockedMinutes, uint highWatermark)
    {
        ArgumentNullException.ThrowIfNull(removeLock);
        InlineIoProcessor.Current.Charge(IoCostModel.Default.DefaultCallNs);
        removeLock.IopInitialize(allocateTag, maxLockedMinutes, highWatermark);
    }

    /// <summary>
    /// IoAcquireRemoveLock: one more acquisition of <paramref name="removeLock"/>, so the device is not
    /// detached or deleted under the caller; STATUS_DELETE_PENDING (and no acquisition) once the
    /// driver called IoReleaseRemoveLockAndWait for its IRP_MN_REMOVE_DEVICE.
    /// </summary>
    /// <param name="removeLock">The lock.</param>
    /// <param name="tag">What identifies this acquisition (usually the IRP); the release gives the same one.</param>
    /// <returns>STATUS_SUCCESS, or STATUS_DELETE_PENDING: then the caller must start nothing on the device (a dispatch routine completes its IRP with that status).</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static NtStatus IoAcquireRemoveLock(IoRemoveLock removeLock, object? tag)
    {
        KiSchedulingPoint.Write(removeLock);
        ArgumentNullException.ThrowIfNull(removeLock);
        InlineIoProcessor.Current.Charge(IoCostModel.Default.DefaultCallNs);
        if (!removeLock.IopVerificationDecided && removeLock.OutstandingAcquisitions == 0)
        {
            IopDecideRemoveLockVerification(removeLock);
        }
        var status = removeLock.IopAcquire(tag, out var last);
        if (last)
        {
            removeLock.IopSignalRemoved();
        }
        return status;
    }

    /// <summary>
    /// IoReleaseRemoveLock: gives back an acquisition of <paramref name="removeLock"/>; the last one
    /// after removal began wakes the driver waiting in IoReleaseRemoveLockAndWait.
    /// </summary>
    /// <param name="removeLock">The lock.</param>
    /// <param name="tag">The tag the acquisition was made with.</param>
    /// <remarks>
    /// IRQL &lt;= DISPATCH_LEVEL. With I/O verification of the driver, a release whose tag no
    /// outstanding acquisition carries (a release without an acquire, twice, or with another tag)
    /// is DRIVER_VERIFIER_DETECTED_VIOLATION (0xC4, P1 = 0xD5, P2 = the lock, P3 = the tag). Without
    /// it, as a free build of NT, nothing is checked: the count goes wrong silently (a checked build
    /// only asserts), and IoReleaseRemoveLockAndWait may then return while requests are still in the device.
    /// </remarks>
    public static void IoReleaseRemoveLock(IoRemoveLock removeLock, object? tag)
    {
        KiSchedulingPoint.Write(removeLock);
        ArgumentNullException.ThrowIfNull(removeLock);
        InlineIoProcessor.Current.Charge(IoCostModel.Default.DefaultCallNs);
        if (!removeLock.IopForgetTag(tag))
        {
            throw IoManager.IopBugCheck(BugCheckCode.DriverVerifierDetectedViolation, (ulong)VerifierViolation.RemoveLockTagMismatch,
                IopRemoveLockAddress(removeLock), IopTagAddress(tag), 0);
        }
        if (removeLock.IopRelease())
        {
            removeLock.IopSignalRemoved();
        }
    }

    /// <summary>
    /// IoReleaseRemoveLockAndWait: the IRP_MN_REMOVE_DEVICE handler's release. Marks the lock removed
    /// (every later IoAcquireRemoveLock fails with STATUS_DELETE_PENDING), gives back the caller's
    /// acquisition and waits until every other acquisition is released; then the driver may
    /// detach and delete its device. Await it.
    /// </summary>
    /// <param name="removeLock">The lock.</param>
    /// <param name="tag">The tag of the caller's own acquisition (made for the remove IRP).</param>
    /// <returns>An awaitable that completes when no acquisition is left.</returns>
    /// <remarks>
    /// IRQL = PASSIVE_LEVEL, in a thread (the wait blocks it; at DISPATCH_LEVEL KeWaitForSingleObject
    /// bugchecks IRQL_NOT_LESS_OR_EQUAL). With I/O verification of the driver, a tag no outstanding
    /// acquisition carries is DRIVER_VERIFIER_DETECTED_VIOLATION (0xC4, P1 = 0xD6, P2 = the lock,
    /// P3 = the tag, P4 = the last acquisition's tag).
    /// </remarks>
    public static KWaitAwaitable IoReleaseRemoveLockAndWait(IoRemoveLock removeLock, object? tag)
    {
        KiSchedulingPoint.Write(removeLock);
        ArgumentNullException.ThrowIfNull(removeLock);
        InlineIoProcessor.Current.Charge(IoCostModel.Default.DefaultCallNs);
        if (removeLock.IopVerified)
        {
            var last = removeLock.IopLastTag;
            if (!removeLock.IopForgetTag(tag))
            {
                throw IoManager.IopBugCheck(BugCheckCode.DriverVerifierDetectedViolation, (ulong)VerifierViolation.RemoveLockAndWaitTagMismatch,
                    IopRemoveLockAddress(removeLock), IopTagAddress(tag), IopTagAddress(last));
            }
        }
        if (!removeLock.IopBeginRemove())
        {
            return new KWaitAwaitable(null, NtStatus.Success);
        }
        return KeWaitForSingleObject(removeLock.RemoveEvent, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
    }

    /// <summary>
    /// Whether the lock keeps its debug block: decided at its first acquisition from a driver's
    /// routine on a machine, by whether I/O verification applies to that driver (Driver Verifier's
    /// shadow remove lock).
    /// </summary>
    private static void IopDecideRemoveLockVerification(IoRemoveLock removeLock)
    {
        if (Processor.CurrentOrNull is not { Top: { } frame } processor || KeIoProcessor.ManagerOf(processor.Machine) is not { } manager)
        {
            return;
        }
        if (manager.VerifyAllDrivers)
        {
            removeLock.IopDecideVerification(true);
        }
        else if (frame.Module != KernelModule.Kernel)
        {
            removeLock.IopDecideVerification(manager.IsVerified(manager.IopDriverOfModule(frame.Module)));
        }
    }

    private static ulong IopRemoveLockAddress(IoRemoveLock removeLock) =>
        Processor.CurrentOrNull is { } processor ? removeLock.EnsureAddress(processor.Machine) : removeLock.Address;

    private static ulong IopTagAddress(object? tag) => tag switch
    {
        Irp irp => irp.Address,
        KernelObject kernelObject => kernelObject.Address,
        KeObject keObject => keObject.Address,
        _ => 0,
    };
}
