using ActorKernel.Hardware;

namespace ActorKernel.Actors;

/// <summary>One change of a processor's IRQL, for crash dumps.</summary>
/// <param name="TimeNs">Virtual time of the change.</param>
/// <param name="From">IRQL before.</param>
/// <param name="To">IRQL after.</param>
/// <param name="Routine">The routine running when it changed (or that the change started/ended).</param>
public readonly record struct IrqlTransition(long TimeNs, Irql From, Irql To, string Routine);

internal sealed partial class Processor
{
    private readonly long[] _residencyNs = new long[16];
    private readonly IrqlTransition[] _history;
    private int _historyNext;
    private long _historyCount;

    /// <summary>
    /// IRQL changes (a transition to a different IRQL) on this processor since it started: written only by it, read by the
    /// trace recorder's metrics, so the recorder needs no hook per change unless it draws the timeline.
    /// </summary>
    internal long IrqlChangeCount;
    private long _busyNs;

    // Time charged (and spun) at DISPATCH_LEVEL or above since the processor last ran below it: the DPC watchdog's cumulative count.
    private long _elevatedNs;
    private volatile byte _irql;

    /// <summary>The current IRQL (written only by this processor; read by others without locking).</summary>
    public Irql Irql => (Irql)_irql;

    byte IInterruptTarget.CurrentIrql => _irql;

    /// <summary>Time charged at each IRQL (index = IRQL).</summary>
    public long[] ResidencyNs => _residencyNs;

    /// <summary>Time charged at any IRQL: the processor was not idle.</summary>
    public long BusyNs => _busyNs;

    /// <summary>The last IRQL transitions, oldest first.</summary>
    public IReadOnlyList<IrqlTransition> IrqlHistory
    {
        get
        {
            var count = (int)Math.Min(_historyCount, _history.Length);
            var list = new List<IrqlTransition>(count);
            var start = (_historyNext - count + _history.Length) % _history.Length;
            for (var i = 0; i < count; i++)
            {
                list.Add(_history[(start + i) % _history.Length]);
            }
            return list;
        }
    }

    public void SetIrql(Irql irql)
    {
        var from = Irql;
        _irql = (byte)irql;
        if (irql < Irql.DispatchLevel)
        {
            _elevatedNs = 0; // the DPC watchdog's cumulative count restarts below DISPATCH_LEVEL
        }
        if (irql != from)
        {
            Volatile.Write(ref IrqlChangeCount, IrqlChangeCount + 1);
        }
        KiTraceIrql(from);
        _history[_historyNext] = new IrqlTransition(Now, from, irql, Top?.RoutineName ?? "idle");
        _historyNext = (_historyNext + 1) % _history.Length;
        _historyCount++;
        if (irql > from && irql >= Irql.DispatchLevel && Top is not null && Machine.Memory.AnyForceIrqlChecking)
        {
            // Every raise (KeRaiseIrql, spin-lock acquires, DPC/ISR/routine frames) goes through here: Driver Verifier's
            // force IRQL checking pages out pageable memory now, so the next paged touch at this IRQL bugchecks.
            Machine.Memory.OnIrqlRaised(KiMemoryContext(), irql);
        }
    }

    /// <summary>KeRaiseIrql: raising to a lower level bugchecks IRQL_NOT_GREATER_OR_EQUAL (0x9).</summary>
    public Irql KiRaiseIrql(Irql newIrql)
    {
        var old = KiRoutineIrql;
        if (newIrql < old || newIrql > Irql.HighLevel)
        {
            // As ReactOS's checked HAL (KfRaiseIrql): P1 = current IRQL, P2 = requested IRQL.
            throw KiBugCheck(Top, BugCheckCode.IrqlNotGreaterOrEqual, (ulong)old, (ulong)newIrql, 0, 0,
                $"KeRaiseIrql to {newIrql.ToDisplayString()} from {old.ToDisplayString()}");
        }
        KiCharge(Costs.IrqlChangeNs);
        if (KiBehindUnawaitedCall)
        {
            // An IoCallDriver not awaited: its dispatch routine runs at the caller's IRQL first (as inside the call in NT).
            if (newIrql != old)
            {
                KiDeferIrqlChange(newIrql);
            }
            return old;
        }
        if (newIrql != old)
        {
            SetIrql(newIrql);
        }
        return old;
    }

    /// <summary>KeLowerIrql: lowering to a higher level bugchecks IRQL_NOT_LESS_OR_EQUAL (0xA). Yields when the drop lets work run.</summary>
    public KernelYield KiLowerIrql(Irql newIrql)
    {
        var current = KiRoutineIrql;
        if (newIrql > current)
        {
            // As ReactOS's checked HAL (KfLowerIrql): P1 = requested IRQL, P2 = current IRQL.
            throw KiBugCheck(Top, BugCheckCode.IrqlNotLessOrEqual, (ulong)newIrql, (ulong)current, 0, 0,
                $"KeLowerIrql to {newIrql.ToDisplayString()} from {current.ToDisplayString()}");
        }
        KiCharge(Costs.IrqlChangeNs);
        if (KiBehindUnawaitedCall)
        {
            // Made once the call not awaited finished; the await then waits behind it (and lets the unmasked work run).
            if (newIrql != current)
            {
                KiDeferIrqlChange(newIrql);
            }
            return new KernelYield(this, 0);
        }
        if (newIrql != current)
        {
            SetIrql(newIrql);
        }
        return KiYieldIfPreemptible();
    }

    /// <summary>A zero-cost yield when lowering IRQL unmasked pending interrupts or DPCs; otherwise no yield at all.</summary>
    public KernelYield KiYieldIfPreemptible() =>
        KiHasWorkAbove(Irql) ? new KernelYield(this, 0) : default;

    private bool KiHasWorkAbove(Irql irql) =>
        KiHighestPendingInterrupt() > (int)irql || KiHighestSoftwareRoutine() > (int)irql || (irql < Irql.DispatchLevel && HasDpcs);
}
