using ActorKernel.Actors;

namespace ActorKernel.Host;

/// <summary>
/// The processor rows every runner built on <see cref="Machine"/> reports (kernel runner, I/O-stack
/// runner): utilisation, IRQL residency, ISR and DPC counts, DPC queue depth.
/// </summary>
internal static class MachineReport
{
    /// <summary>IRQLs at which any processor spent time, in IRQL order (the same columns for every processor).</summary>
    public static List<int> UsedLevels(MachineStatistics stats) =>
        [.. Enumerable.Range(0, 16).Where(l => stats.Processors.Any(p => p.IrqlResidencyNs[l] > 0))];

    /// <summary>The live view's processor rows.</summary>
    public static List<ProcessorProgress> Progress(Machine machine, MachineStatistics stats)
    {
        var processors = new List<ProcessorProgress>(stats.Processors.Count);
        var levels = UsedLevels(stats);
        var elapsed = Math.Max(1, stats.TimeNs);
        foreach (var p in stats.Processors)
        {
            processors.Add(new ProcessorProgress(p.Number, machine.GetProcessorIrql(p.Number).ToDisplayString(),
                Math.Min(1.0, (double)p.BusyNs / elapsed),
                [.. levels.Select(l => new KeyValuePair<string, double>(((Irql)l).ToDisplayString(), (double)p.IrqlResidencyNs[l] / elapsed))],
                machine.Processors[p.Number].DpcQueueDepth));
        }
        return processors;
    }

    /// <summary>The summary's processor rows; <paramref name="maxDpcQueueDepth"/> is per processor (null: not measured).</summary>
    public static List<ProcessorResult> Results(MachineStatistics stats, int[]? maxDpcQueueDepth)
    {
        var levels = UsedLevels(stats);
        return [.. stats.Processors.Select(p => new ProcessorResult(
            p.Number,
            Math.Round(Math.Min(1.0, (double)p.BusyNs / Math.Max(1, stats.TimeNs)), 6),
            [.. levels.Select(l => new KeyValuePair<string, long>(((Irql)l).ToDisplayString(), p.IrqlResidencyNs[l]))],
            p.IsrCount,
            p.DpcCount,
            maxDpcQueueDepth is null ? 0 : Volatile.Read(ref maxDpcQueueDepth[p.Number])))];
    }
}
