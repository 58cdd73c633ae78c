namespace ActorKernel.Actors;

// MmProbeAndLockSelectedPages: the MDL of a scatter/gather request (NtReadFileScatter,
// NtWriteFileGather), whose pages are the caller's segment pages rather than one virtual range.
public sealed partial class MemoryManager
{
    /// <summary>
    /// MmProbeAndLockSelectedPages: locks the pages <paramref name="segmentArray"/> names (FILE_SEGMENT_ELEMENT
    /// addresses, one page each) and fills the MDL's PFN array with them in order; the MDL describes
    /// ByteCount bytes over those frames, so a system mapping (MmGetSystemAddressForMdlSafe) shows them as one
    /// contiguous buffer.
    /// </summary>
    /// <param name="context">The caller; user addresses resolve in its current process.</param>
    /// <param name="mdl">An MDL from <see cref="IoAllocateMdl"/> whose page count the segments cover.</param>
    /// <param name="segmentArray">The page-aligned addresses, at least one per page of the MDL.</param>
    /// <param name="accessMode">UserMode checks each page lies in user space.</param>
    /// <param name="operation">IoReadAccess, IoWriteAccess or IoModifyAccess.</param>
    /// <returns>The simulated page-fault delay in nanoseconds to charge.</returns>
    /// <exception cref="NtStatusException">STATUS_ACCESS_VIOLATION for a page that is not valid or not page-aligned; no page stays locked.</exception>
    /// <remarks>IRQL &lt;= APC_LEVEL.</remarks>
    public long MmProbeAndLockSelectedPages(in MemoryAccessContext context, Mdl mdl, IReadOnlyList<ulong> segmentArray, KProcessorMode accessMode, LockOperation operation)
    {
        ArgumentNullException.ThrowIfNull(mdl);
        ArgumentNullException.ThrowIfNull(segmentArray);
        if (mdl.IsManaged) throw new ArgumentException("A managed MDL has no pages to lock.", nameof(mdl));
        if (segmentArray.Count < mdl.PageCount) throw new NtStatusException(NtStatus.AccessViolation);
        var pages = new ulong[mdl.PageCount];
        for (int i = 0; i < pages.Length; i++)
        {
            pages[i] = segmentArray[i];
            bool userPage = MmLayout.IsUserAddress(pages[i]);
            if (MmLayout.ByteOffset(pages[i]) != 0 || (accessMode == KProcessorMode.UserMode && (!userPage || pages[i] + MmLayout.PageSize > MmLayout.UserProbeAddress)))
                throw new NtStatusException(NtStatus.AccessViolation, pages[i]);
        }
        MemoryAccessType access = operation == LockOperation.IoReadAccess ? MemoryAccessType.Read : MemoryAccessType.Write;
        bool user = MmLayout.IsUserAddress(pages[0]);
        long delay = 0;
        lock (_lock)
        {
            mdl.SelectedPages = pages;
            int locked = 0;
            try
            {
                for (; locked < pages.Length; locked++)
                {
                    ulong pfn = MiResolveKernel(context, pages[locked], access, ref delay, probe: true);
                    MiPteOf(user ? context.CurrentProcess : SystemSpace, pages[locked]).LockCount++;
                    mdl.PfnArray[locked] = pfn;
                }
            }
            catch (NtStatusException)
            {
                MiUnlock(user ? context.CurrentProcess : SystemSpace, mdl, locked);
                mdl.SelectedPages = null;
                throw;
            }
            mdl.Process = user ? context.CurrentProcess : null;
            mdl.Flags |= MdlFlags.PagesLocked | (access == MemoryAccessType.Write ? MdlFlags.WriteOperation : 0);
            mdl.LockedBy = context.CodeAddress;
            _lockedMdls.Add(mdl);
        }
        return delay;
    }
}
