using System.Runtime.CompilerServices;

namespace ActorKernel.Actors.Verifier;

/// <summary>
/// Which driver images have been unloaded, so that a DPC (or a timer's DPC) a driver left queued
/// when it unloaded is caught when the processor is about to run it: the routine's code is gone,
/// and NT stops with DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS (0xCE), P1 = the routine's
/// address (the memory referenced), P2 = 0 (a read: an instruction fetch), P3 = the same address.
/// </summary>
public static class VfUnloadedModules
{
    private static readonly ConditionalWeakTable<KernelModule, object> Unloaded = [];

    // Modules unloaded anywhere in the process: zero means one read per DPC retired.
    private static int s_count;

    /// <summary>Whether <paramref name="module"/> was unloaded.</summary>
    /// <param name="module">The module.</param>
    /// <returns>True after its driver unloaded.</returns>
    public static bool IsUnloaded(KernelModule module) => s_count != 0 && Unloaded.TryGetValue(module, out _);

    /// <summary>The I/O manager's unload calls this once the driver's Unload routine returned.</summary>
    /// <param name="module">The unloaded driver's module.</param>
    internal static void KiModuleUnloaded(KernelModule module)
    {
        if (Unloaded.TryAdd(module, module))
        {
            Interlocked.Increment(ref s_count);
        }
    }

    /// <summary>KiRetireDpcList's check before it runs a DPC: the routine's module must still be loaded.</summary>
    /// <param name="processor">The processor retiring it.</param>
    /// <param name="frame">The DPC's frame.</param>
    /// <param name="dpc">The DPC.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void KiCheckDpc(Processor processor, Frame frame, KDpc dpc)
    {
        if (s_count != 0 && Unloaded.TryGetValue(dpc.Module, out _))
        {
            var address = processor.Machine.RoutineAddress(dpc.Module, dpc.RoutineName);
            throw processor.KiBugCheck(frame, BugCheckCode.DriverUnloadedWithoutCancellingPendingOperations, address, 0, address, 0,
                $"the DPC {dpc.RoutineName} of {dpc.Module.Name} was still queued when the driver unloaded");
        }
    }
}
