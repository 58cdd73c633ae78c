using System.Globalization;
using System.Text.Json;
using ActorKernel.Actors;

namespace ActorKernel.Host;

/// <summary>Writes a crash dump for a <see cref="CrashReport"/>; the kernel may register a richer one.</summary>
public interface ICrashDumpWriter
{
    /// <summary>Writes the dump of crash number <paramref name="crashNumber"/> (1-based) into <paramref name="directory"/>.</summary>
    /// <returns>The dump's file name, relative to <paramref name="directory"/>.</returns>
    string Write(CrashReport report, string directory, int crashNumber);
}

/// <summary>
/// The one crash dump layout: the bugcheck with its parameters explained, seed and boot, the analysis,
/// each processor's state, every pending IRP, the device tree, and the machine's own dump (frames,
/// DPC queues, IRQL history) under <c>machine</c>. Written to a temporary name, then renamed.
/// </summary>
internal sealed class JsonCrashDumpWriter : ICrashDumpWriter
{
    public string Write(CrashReport report, string directory, int crashNumber)
    {
        ArgumentNullException.ThrowIfNull(report);
        var name = string.Create(CultureInfo.InvariantCulture, $"crash-{crashNumber:D3}.dmp.json");
        var descriptions = BugCheckCatalog.GetParameterDescriptions(report.Code);
        var dump = new
        {
            bugCheck = new
            {
                code = Hex32((uint)report.Code),
                name = report.Code.GetName(),
                parameters = report.Parameters.Select((p, i) => new { value = Hex64(p), meaning = i < descriptions.Count ? descriptions[i] : "" }).ToList(),
                display = BugCheckException.Describe(report.Code, P(report, 0), P(report, 1), P(report, 2), P(report, 3)),
            },
            seed = report.Seed,
            boot = report.Boot,
            atNanoseconds = report.AtNanoseconds,
            at = Duration.Format(report.AtNanoseconds),
            analysis = report.InjectedBy is { } injected
                ? $"Injected by {injected}: the crash was asked for, no driver caused it."
                : report.FaultingDriver is null
                ? "The faulting driver could not be determined."
                : $"Probably caused by: {report.FaultingDriver}{(report.FaultingRoutine is { } r ? "!" + r : "")} (device {report.FaultingDevice ?? "?"})",
            injectedBy = report.InjectedBy,
            faultingDriver = report.FaultingDriver,
            faultingRoutine = report.FaultingRoutine,
            faultingDevice = report.FaultingDevice,
            processors = report.Processors,
            inFlightRequests = report.InFlightRequests,
            inFlightNote = "requests the workloads had issued and not yet reaped (the summary's lost in crash); pendingRequests lists the IRPs among them still held in a device stack",
            pendingRequests = report.PendingRequests,
            deviceTree = report.DeviceTree,
            machine = report.DumpJson is { } machineDump ? JsonDocument.Parse(machineDump).RootElement : (JsonElement?)null,
            kd = report.DebuggerJson is { } kdModel ? JsonDocument.Parse(kdModel).RootElement : (JsonElement?)null,
        };
        AtomicFile.WriteAllText(Path.Combine(directory, name), JsonSerializer.Serialize(dump, SummaryJson.Options) + "\n");
        return name;
    }

    internal static string Hex32(uint v) => string.Create(CultureInfo.InvariantCulture, $"0x{v:X8}");

    internal static string Hex64(ulong v) => string.Create(CultureInfo.InvariantCulture, $"0x{v:x16}");

    private static ulong P(CrashReport r, int i) => i < r.Parameters.Count ? r.Parameters[i] : 0;
}
