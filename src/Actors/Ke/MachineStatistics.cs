using System.Globalization;
using System.Text;

namespace ActorKernel.Actors;

/// <summary>What a machine did: per-processor IRQL residency, ISR/DPC counts and time, spin-lock contention.</summary>
/// <param name="TimeNs">Elapsed time on the machine's clock.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="TickCount">Clock interrupts taken.</param>
/// <param name="Processors">Per processor.</param>
/// <param name="SpinLocks">Per spin lock that was ever acquired, in first-use order.</param>
public sealed record MachineStatistics(long TimeNs, ulong Seed, long TickCount, IReadOnlyList<ProcessorStatistics> Processors, IReadOnlyList<SpinLockStatistics> SpinLocks)
{
    /// <summary>A fixed-format text table (invariant culture, no wall-clock values).</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        var used = Enumerable.Range(0, 16).Where(l => Processors.Any(p => p.IrqlResidencyNs[l] > 0)).ToList();
        text.Append(CultureInfo.InvariantCulture, $"virtual time: {TimeNs} ns, seed: {Seed}, clock ticks: {TickCount}\n");
        text.Append("IRQL residency (ns charged at each IRQL; idle = not charged):\n");
        text.Append("cpu");
        foreach (var level in used)
        {
            text.Append(CultureInfo.InvariantCulture, $" {((Irql)level).ToDisplayString(),15}");
        }
        text.Append(CultureInfo.InvariantCulture, $" {"idle",15}\n");
        foreach (var p in Processors)
        {
            text.Append(CultureInfo.InvariantCulture, $"{p.Number,3}");
            foreach (var level in used)
            {
                text.Append(CultureInfo.InvariantCulture, $" {p.IrqlResidencyNs[level],15}");
            }
            text.Append(CultureInfo.InvariantCulture, $" {p.IdleNs,15}\n");
        }
        text.Append("cpu        ISRs       ISR ns        DPCs       DPC ns      spin ns  unclaimed\n");
        foreach (var p in Processors)
        {
            text.Append(CultureInfo.InvariantCulture, $"{p.Number,3} {p.IsrCount,11} {p.IsrNs,12} {p.DpcCount,11} {p.DpcNs,12} {p.SpinNs,12} {p.UnclaimedInterrupts,10}\n");
        }
        if (SpinLocks.Count > 0)
        {
            text.Append("spin lock                        acquisitions  contentions      spin ns\n");
            foreach (var l in SpinLocks)
            {
                text.Append(CultureInfo.InvariantCulture, $"{l.Name,-32} {l.Acquisitions,12} {l.Contentions,12} {l.SpinNs,12}\n");
            }
        }
        return text.ToString();
    }
}

/// <summary>One processor's account.</summary>
/// <param name="Number">Processor number.</param>
/// <param name="IrqlResidencyNs">Time charged at each IRQL, index = IRQL (16 entries).</param>
/// <param name="BusyNs">Total charged time.</param>
/// <param name="IdleNs">Elapsed time minus charged time (never negative).</param>
/// <param name="IsrCount">Interrupt frames completed.</param>
/// <param name="IsrNs">Time charged to them.</param>
/// <param name="DpcCount">DPCs completed.</param>
/// <param name="DpcNs">Time charged to them.</param>
/// <param name="SpinNs">Time spent spinning on spin locks.</param>
/// <param name="UnclaimedInterrupts">Interrupts no ISR claimed (or with no ISR connected).</param>
public sealed record ProcessorStatistics(int Number, IReadOnlyList<long> IrqlResidencyNs, long BusyNs, long IdleNs, long IsrCount, long IsrNs,
    long DpcCount, long DpcNs, long SpinNs, long UnclaimedInterrupts);

/// <summary>One spin lock's contention.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Address">Its simulated address.</param>
/// <param name="Acquisitions">Times acquired.</param>
/// <param name="Contentions">Acquires that had to spin.</param>
/// <param name="SpinNs">Total spin time.</param>
public sealed record SpinLockStatistics(string Name, ulong Address, long Acquisitions, long Contentions, long SpinNs);

public sealed partial class Machine
{
    /// <summary>A snapshot of the statistics (exact on the deterministic dispatcher; racy reads on the concurrent one).</summary>
    public MachineStatistics GetStatistics()
    {
        var now = NowNanoseconds;
        var processors = _processors.Select(p => new ProcessorStatistics(p.Number, [.. p.ResidencyNs], p.BusyNs, Math.Max(0, now - p.BusyNs),
            p.IsrCount, p.IsrNs, p.DpcCount, p.DpcNs, p.SpinNs, p.UnclaimedInterrupts)).ToList();
        var locks = ObjectsOf<KSpinLock>().Where(l => l.Acquisitions > 0)
            .Select(l => new SpinLockStatistics(l.Name, l.Address, l.Acquisitions, l.Contentions, l.SpinNs)).ToList();
        return new MachineStatistics(now, Options.Seed, TickCount, processors, locks);
    }
}
