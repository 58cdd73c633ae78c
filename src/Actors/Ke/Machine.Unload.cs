namespace ActorKernel.Actors;

// Driver image unload as the kernel sees it (MmUnloadSystemImage -> KeCheckForTimer): the image goes once
// DriverUnload ran and no queued IoQueueWorkItem item holds it; then no timer may still reference it.
public sealed partial class Machine
{
    /// <summary>
    /// The I/O manager unloaded the driver of <paramref name="module"/> (its DriverUnload returned).
    /// The image is unmapped now, or when the last queued work item of the module returned.
    /// </summary>
    /// <remarks>
    /// Throws the bugcheck TIMER_OR_DPC_INVALID (0xC7) when a timer still set has its DPC routine in
    /// the image; the machine is stopped either way.
    /// </remarks>
    internal void KiUnloadModule(KernelModule module)
    {
        bool unloadNow;
        lock (DispatcherLock)
        {
            module.UnloadPending = true;
            unloadNow = module.ImageReferences == 0 && !module.Unloaded;
        }
        if (unloadNow)
        {
            KiUnloadImage(module);
        }
    }

    /// <summary>A queued IoQueueWorkItem item holds its module's image (through its device object) until its routine returned.</summary>
    internal static void KiReferenceImage(KernelModule module) => module.ImageReferences++;

    /// <summary>The work item's routine returned: drop its hold on the image, unloading it if the driver was unloaded meanwhile.</summary>
    internal void KiDereferenceImage(KernelModule module)
    {
        bool unloadNow;
        lock (DispatcherLock)
        {
            unloadNow = --module.ImageReferences == 0 && module.UnloadPending && !module.Unloaded;
        }
        if (unloadNow)
        {
            KiUnloadImage(module);
        }
    }

    /// <summary>
    /// KeCheckForTimer over the image range, as MmUnloadSystemImage calls it: the first timer still set
    /// (in expiry order) whose DPC routine lies in the image bugchecks TIMER_OR_DPC_INVALID (0xC7) with
    /// P1 = 2, P2 = the DPC routine, P3/P4 = the start and end of the image.
    /// </summary>
    private void KiUnloadImage(KernelModule module)
    {
        KTimer? leaked = null;
        lock (DispatcherLock)
        {
            module.Unloaded = true;
            var best = (Due: long.MaxValue, Sequence: long.MaxValue);
            foreach (var (entry, priority) in _timers.UnorderedItems)
            {
                var timer = entry.Timer;
                if (timer.Inserted && timer.Generation == entry.Generation && ReferenceEquals(timer.Dpc?.Module, module) && priority.CompareTo(best) < 0)
                {
                    best = priority;
                    leaked = timer;
                }
            }
        }
        if (leaked is null)
        {
            // Driver Verifier's pool tracking (MmUnloadSystemImage): 0xC4/0x62 when a tracked driver leaves pool behind.
            Memory.VfDriverUnloading(module.Name);
            return;
        }
        var dpc = leaked.Dpc!;
        var (start, end) = KiImageRange(module);
        var processor = Processor.CurrentOrNull is { } current && ReferenceEquals(current.Machine, this) ? current : null;
        throw KeBugCheck(processor, processor?.Top, BugCheckCode.TimerOrDpcInvalid, 2, RoutineAddress(module, dpc.RoutineName), start, end,
            $"{module.Name} was unloaded with timer {CrashDump.Hex(leaked.EnsureAddress(this))} still set; its DPC routine {dpc.RoutineName} is in the image");
    }
}
