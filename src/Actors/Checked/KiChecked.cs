using System.Runtime.CompilerServices;

namespace ActorKernel.Actors;

/// <summary>
/// The checked build of the simulated kernel (the seeds' "checked build", NT's checked ntoskrnl): the
/// ASSERTs NT's checked kernel evaluates at the entry of its services, on the caller's IRQL and on the
/// parameters. On when the machine's <see cref="MachineOptions.CheckedBuild"/> is set (a scenario's
/// <c>checkedBuild</c>, <c>run --checked</c>, <c>stress --checked</c>), off by default, as the free build.
/// </summary>
/// <remarks>
/// <para>
/// Every service's IRQL contract and parameter assertions are here, one method per service, so a
/// service calls one line at its entry (<c>KiChecked.KeSetEvent(eventObject);</c>). With no checked
/// machine in the process that line is one static read and a not-taken branch.
/// </para>
/// <para>
/// A failed assertion is reported as the checked kernel's RtlAssert prints it
/// (<c>*** Assertion failed: KeGetCurrentIrql() &lt;= DISPATCH_LEVEL</c>, with the routine and the
/// calling driver routine, <see cref="CheckedAssertion"/>) and stops the machine as an assertion
/// nobody handles stops NT: the STATUS_ASSERTION_FAILURE exception (0xC0000420, what NT_ASSERT raises)
/// unhandled in kernel mode is KMODE_EXCEPTION_NOT_HANDLED (0x1E), P1 = 0xC0000420, P2 = the address of
/// the asserting service, P3 = P4 = 0. The run's <see cref="Machine.CheckedAssertion"/> holds the report.
/// </para>
/// <para>
/// Where NT's free build already stops the machine for the same misuse (a double completion, BAD_POOL_CALLER
/// for pool at a bad IRQL, SPIN_LOCK_NOT_OWNED), that check runs first and the assertion does not repeat it.
/// </para>
/// </remarks>
internal static class KiChecked
{
    private const string IrqlAtMostDispatch = "KeGetCurrentIrql() <= DISPATCH_LEVEL";

    // Set once a machine with the checked build is created in this process: zero keeps every call site one read.
    private static int s_any;

    /// <summary>Notes that a checked machine exists (its services then look at their machine's setting).</summary>
    internal static void KiEnable() => Volatile.Write(ref s_any, 1);

    /// <summary>IofCallDriver: IRQL &lt;= DISPATCH_LEVEL.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void IoCallDriver()
    {
        if (s_any != 0 && On() is { } p)
        {
            IrqlAtMost(p, Irql.DispatchLevel, IrqlAtMostDispatch, nameof(Wdm.IoCallDriver));
        }
    }

    /// <summary>
    /// IofCompleteRequest (WRK iosubs.c IopfCompleteRequest, after the MULTIPLE_IRP_COMPLETE_REQUESTS check
    /// and Driver Verifier's own): IRQL &lt;= DISPATCH_LEVEL, <c>!Irp-&gt;CancelRoutine</c>,
    /// <c>Irp-&gt;IoStatus.Status != STATUS_PENDING</c>, <c>Irp-&gt;IoStatus.Status != 0xffffffff</c>.
    /// </summary>
    /// <param name="irp">The IRP being completed.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void IoCompleteRequest(Irp irp)
    {
        if (s_any != 0 && On() is { } p)
        {
            const string Routine = nameof(Wdm.IoCompleteRequest);
            IrqlAtMost(p, Irql.DispatchLevel, IrqlAtMostDispatch, Routine);
            Assert(p, irp.CancelRoutine is null, "!Irp->CancelRoutine", Routine);
            Assert(p, irp.IoStatus.Status != NtStatus.Pending, "Irp->IoStatus.Status != STATUS_PENDING", Routine);
            Assert(p, (uint)irp.IoStatus.Status != 0xFFFFFFFF, "Irp->IoStatus.Status != 0xffffffff", Routine);
        }
    }

    /// <summary>IoAllocateIrp: IRQL &lt;= DISPATCH_LEVEL.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void IoAllocateIrp()
    {
        if (s_any != 0 && On() is { } p)
        {
            IrqlAtMost(p, Irql.DispatchLevel, IrqlAtMostDispatch, nameof(Wdm.IoAllocateIrp));
        }
    }

    /// <summary>IoFreeIrp: IRQL &lt;= DISPATCH_LEVEL; <c>Irp-&gt;Type == IO_TYPE_IRP</c> (not already freed, WRK IoFreeIrp).</summary>
    /// <param name="irp">The IRP being freed.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void IoFreeIrp(Irp irp)
    {
        if (s_any != 0 && On() is { } p)
        {
            IrqlAtMost(p, Irql.DispatchLevel, IrqlAtMostDispatch, nameof(Wdm.IoFreeIrp));
            Assert(p, !irp.IsFreed, "Irp->Type == IO_TYPE_IRP", nameof(Wdm.IoFreeIrp));
        }
    }

    /// <summary>IoSetCancelRoutine: IRQL &lt;= DISPATCH_LEVEL (the WDK's contract); returns <paramref name="cancelRoutine"/> (it sits inside the service's expression).</summary>
    /// <param name="cancelRoutine">The routine being set.</param>
    /// <returns><paramref name="cancelRoutine"/>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static IoCancelRoutine? IoSetCancelRoutine(IoCancelRoutine? cancelRoutine)
    {
        if (s_any != 0 && On() is { } p)
        {
            IrqlAtMost(p, Irql.DispatchLevel, IrqlAtMostDispatch, nameof(Wdm.IoSetCancelRoutine));
        }
        return cancelRoutine;
    }

    /// <summary>KeAcquireSpinLock: IRQL &lt;= DISPATCH_LEVEL (above it the free build's raise is IRQL_NOT_GREATER_OR_EQUAL).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void KeAcquireSpinLock()
    {
        if (s_any != 0 && On() is { } p)
        {
            IrqlAtMost(p, Irql.DispatchLevel, IrqlAtMostDispatch, nameof(Wdm.KeAcquireSpinLock));
        }
    }

    /// <summary>
    /// KeReleaseSpinLock: IRQL == DISPATCH_LEVEL (the lock was taken by KeAcquireSpinLock, which raised to
    /// it; a release at DIRQL would lower IRQL under an interrupt's frame) and <c>NewIrql &lt;= DISPATCH_LEVEL</c>.
    /// </summary>
    /// <param name="newIrql">The IRQL the caller lowers to.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void KeReleaseSpinLock(Irql newIrql)
    {
        if (s_any != 0 && On() is { } p)
        {
            const string Routine = nameof(Wdm.KeReleaseSpinLock);
            Assert(p, p.Irql == Irql.DispatchLevel, "KeGetCurrentIrql() == DISPATCH_LEVEL", Routine);
            Assert(p, newIrql <= Irql.DispatchLevel, "NewIrql <= DISPATCH_LEVEL", Routine);
        }
    }

    /// <summary>KeInsertQueueDpc: <c>Dpc-&gt;DeferredRoutine != NULL</c> (ASSERT_DPC: KeInitializeDpc ran).</summary>
    /// <param name="dpc">The DPC.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void KeInsertQueueDpc(KDpc dpc)
    {
        if (s_any != 0 && On() is { } p)
        {
            Assert(p, dpc.DeferredRoutine is not null, "Dpc->DeferredRoutine != NULL", nameof(Wdm.KeInsertQueueDpc));
        }
    }

    /// <summary>KeSetEvent: IRQL &lt;= DISPATCH_LEVEL (WRK eventobj.c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void KeSetEvent()
    {
        if (s_any != 0 && On() is { } p)
        {
            IrqlAtMost(p, Irql.DispatchLevel, IrqlAtMostDispatch, nameof(Wdm.KeSetEvent));
        }
    }

    /// <summary>
    /// KeWaitForSingleObject / KeWaitForMultipleObjects / KeDelayExecutionThread: below DISPATCH_LEVEL, or at
    /// it only with a zero timeout (WRK wait.c). The free build stops only a wait that would switch threads.
    /// </summary>
    /// <param name="timeout">The wait's timeout (null: none).</param>
    /// <param name="routine">The wait service.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void KeWait(long? timeout, string routine)
    {
        if (s_any != 0 && On() is { } p)
        {
            Assert(p, p.Irql < Irql.DispatchLevel || (p.Irql == Irql.DispatchLevel && timeout == 0),
                "(KeGetCurrentIrql() < DISPATCH_LEVEL) || ((KeGetCurrentIrql() == DISPATCH_LEVEL) && (Timeout != NULL) && (Timeout->QuadPart == 0))", routine);
        }
    }

    /// <summary>ExAllocatePool(WithTag): <c>NumberOfBytes != 0</c> (WRK pool.c; the IRQL rule is BAD_POOL_CALLER in the free build too).</summary>
    /// <param name="numberOfBytes">The size asked for.</param>
    /// <param name="routine">The allocation service.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ExAllocatePool(ulong numberOfBytes, string routine)
    {
        if (s_any != 0 && On() is { } p)
        {
            Assert(p, numberOfBytes != 0, "NumberOfBytes != 0", routine);
        }
    }

    /// <summary>
    /// MmProbeAndLockPages (WRK iosup.c): IRQL &lt;= DISPATCH_LEVEL and an MDL neither locked nor mapped nor
    /// built for nonpaged pool: <c>(Mdl-&gt;MdlFlags &amp; (MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL)) == 0</c>.
    /// </summary>
    /// <param name="mdl">The MDL.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void MmProbeAndLockPages(Mdl mdl)
    {
        if (s_any != 0 && On() is { } p)
        {
            const string Routine = nameof(Wdm.MmProbeAndLockPages);
            IrqlAtMost(p, Irql.DispatchLevel, IrqlAtMostDispatch, Routine);
            Assert(p, (mdl.Flags & (MdlFlags.PagesLocked | MdlFlags.MappedToSystemVa | MdlFlags.SourceIsNonPagedPool)) == 0,
                "(Mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL)) == 0", Routine);
        }
    }

    // The processor of the calling routine when its machine runs the checked build (and is not stopped).
    private static Processor? On() =>
        Processor.CurrentOrNull is { } p && p.Machine.Options.CheckedBuild && !p.Machine.IsBugChecked && p.Top is not null ? p : null;

    private static void IrqlAtMost(Processor p, Irql most, string condition, string routine) => Assert(p, p.Irql <= most, condition, routine);

    private static void Assert(Processor p, bool holds, string condition, string routine)
    {
        if (!holds)
        {
            throw Fail(p, condition, routine);
        }
    }

    // RtlAssert: the report, then the stop (an assertion nobody handles: 0x1E with STATUS_ASSERTION_FAILURE).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static BugCheckException Fail(Processor p, string condition, string routine)
    {
        var frame = p.Top!;
        var assertion = new CheckedAssertion(condition, routine, frame.Module.Name, frame.RoutineName, p.Irql, p.Number);
        p.Machine.KiRecordCheckedAssertion(assertion);
        return p.KiBugCheck(frame, BugCheckCode.KmodeExceptionNotHandled, Processor.StatusAssertionFailure,
            p.Machine.RoutineAddress(KernelModule.Kernel, routine), 0, 0, assertion.Report);
    }
}
