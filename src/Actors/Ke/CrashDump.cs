using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorKernel.Actors;

/// <summary>
/// What a bugcheck leaves behind: the stop code and parameters with their meanings, the state of
/// every processor (IRQL, frame stack with routines and modules, held spin locks, DPC queue,
/// pending interrupts, last IRQL transitions), virtual time and seed, and a short analysis naming
/// the faulting routine and driver. Serialises to deterministic JSON (no wall-clock time).
/// </summary>
public sealed record CrashDump
{
    /// <summary>The stop code.</summary>
    [JsonIgnore]
    public BugCheckCode Code { get; init; }

    /// <summary>The stop code's name, e.g. IRQL_NOT_LESS_OR_EQUAL.</summary>
    public required string BugCheckName { get; init; }

    /// <summary>The stop code in hex, e.g. 0x0000000A.</summary>
    public required string BugCheckCode { get; init; }

    /// <summary>The four parameters with their meanings.</summary>
    public required IReadOnlyList<CrashDumpParameter> Parameters { get; init; }

    /// <summary>What the bugcheck means.</summary>
    public required string Summary { get; init; }

    /// <summary>The processor that raised it.</summary>
    public int BugCheckProcessor { get; init; }

    /// <summary>The module of the routine that was running there.</summary>
    public required string FaultingModule { get; init; }

    /// <summary>The routine that was running there.</summary>
    public required string FaultingRoutine { get; init; }

    /// <summary>What the kernel saw (a sentence from the service that found the broken rule).</summary>
    public string? Note { get; init; }

    /// <summary>Virtual time of the bugcheck, in nanoseconds.</summary>
    public long TimeNs { get; init; }

    /// <summary>The run's root seed.</summary>
    public ulong Seed { get; init; }

    /// <summary>The dispatcher (Deterministic or Concurrent).</summary>
    public required string Dispatcher { get; init; }

    /// <summary>Every processor's state.</summary>
    public required IReadOnlyList<ProcessorDump> Processors { get; init; }

    /// <summary>The analysis text (as <c>!analyze -v</c> would summarise it).</summary>
    public required string Analysis { get; init; }

    /// <summary>Parameter 1..4 as numbers.</summary>
    [JsonIgnore]
    public IReadOnlyList<ulong> ParameterValues => [.. Parameters.Select(p => p.Value)];

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The dump as indented JSON, properties in declaration order.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    internal static string Hex(ulong value) => "0x" + value.ToString("X16", CultureInfo.InvariantCulture);

    internal static string BuildAnalysis(BugCheckCode code, IReadOnlyList<CrashDumpParameter> parameters, string summary, ProcessorDump processor,
        string module, string routine, string? note)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"*** STOP: 0x{(uint)code:X8} ({string.Join(", ", parameters.Select(p => Hex(p.Value)))})\n");
        text.Append(CultureInfo.InvariantCulture, $"{code.GetName()}\n{summary}\nArguments:\n");
        for (var i = 0; i < parameters.Count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"Arg{i + 1}: {Hex(parameters[i].Value)}, {parameters[i].Meaning}\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"PROCESSOR: {processor.Number}  IRQL: {processor.Irql}\n");
        if (note is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"NOTE: {note}\n");
        }
        text.Append("STACK (top first):\n");
        foreach (var frame in processor.Frames)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {frame.Module}!{frame.Routine} [{frame.Kind} at {frame.Irql}]\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"Probably caused by: {module} ({routine})\n");
        return text.ToString();
    }
}

/// <summary>A bugcheck parameter and what it means for this stop code.</summary>
/// <param name="Value">The value.</param>
/// <param name="Hex">The value in hex.</param>
/// <param name="Meaning">Its documented meaning.</param>
public sealed record CrashDumpParameter(ulong Value, string Hex, string Meaning);

/// <summary>One processor at the time of the bugcheck.</summary>
public sealed record ProcessorDump
{
    /// <summary>Processor number.</summary>
    public int Number { get; init; }

    /// <summary>IRQL (display form).</summary>
    public required string Irql { get; init; }

    /// <summary>IRQL value.</summary>
    public int IrqlValue { get; init; }

    /// <summary>Frame stack, running routine first.</summary>
    public required IReadOnlyList<FrameDump> Frames { get; init; }

    /// <summary>Spin locks the processor held.</summary>
    public required IReadOnlyList<SpinLockDump> HeldSpinLocks { get; init; }

    /// <summary>Its DPC queue in order.</summary>
    public required IReadOnlyList<DpcDump> DpcQueue { get; init; }

    /// <summary>Interrupts waiting for its IRQL to drop, highest first.</summary>
    public required IReadOnlyList<PendingInterruptDump> PendingInterrupts { get; init; }

    /// <summary>The last IRQL transitions, oldest first.</summary>
    public required IReadOnlyList<IrqlTransitionDump> IrqlHistory { get; init; }
}

/// <summary>A frame of a processor's stack.</summary>
/// <param name="Kind">Isr, Dpc, Thread or Routine.</param>
/// <param name="Routine">Routine name.</param>
/// <param name="Module">Owning module.</param>
/// <param name="Irql">IRQL it was started at.</param>
/// <param name="State">Running, Yielded, Spinning...</param>
/// <param name="ChargedNs">Time charged to it.</param>
/// <param name="SpinningOn">The spin lock it spins on, if any.</param>
public sealed record FrameDump(string Kind, string Routine, string Module, string Irql, string State, long ChargedNs, string? SpinningOn);

/// <summary>A held spin lock.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Address">Its simulated address.</param>
public sealed record SpinLockDump(string Name, string Address);

/// <summary>A queued DPC.</summary>
/// <param name="Routine">Routine name.</param>
/// <param name="Module">Owning module.</param>
/// <param name="Address">The KDPC's address.</param>
/// <param name="Importance">Its importance.</param>
public sealed record DpcDump(string Routine, string Module, string Address, string Importance);

/// <summary>A pending interrupt.</summary>
/// <param name="Line">IRQ line.</param>
/// <param name="Vector">Vector.</param>
/// <param name="Irql">IRQL.</param>
public sealed record PendingInterruptDump(int Line, int Vector, string Irql);

/// <summary>An IRQL transition.</summary>
/// <param name="TimeNs">When.</param>
/// <param name="From">From.</param>
/// <param name="To">To.</param>
/// <param name="Routine">Running routine.</param>
public sealed record IrqlTransitionDump(long TimeNs, string From, string To, string Routine);
