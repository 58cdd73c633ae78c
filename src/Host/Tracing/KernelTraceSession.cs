using ActorKernel.Actors;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ActorKernel.Host;

/// <summary>
/// The run's tracing: attaches an <see cref="IoTraceRecorder"/> to each booted machine (the
/// simulation calls <see cref="Attach"/>), replays the traces it keeps to the OpenTelemetry SDK
/// (<see cref="TraceActivityBridge"/>), and when the boot ends writes the trace files into the
/// output folder. The host has one run at a time, so the session of the running host is
/// <see cref="Current"/> for the simulations to find.
/// </summary>
internal sealed partial class KernelTraceSession(IOptions<KernelTracingOptions> options, KernelTracingExport export, ILogger<KernelTraceSession> logger) : IHostedService, IDisposable
{
    private static KernelTraceSession? s_current;
    private readonly List<(Machine Machine, IoTraceRecorder Recorder, TraceActivityBridge Bridge, SimulationContext Context)> _boots = [];
    private readonly object _gate = new();
    private readonly List<Machine[]> _groups = [];

    /// <summary>The session of the running host, or null when none started.</summary>
    public static KernelTraceSession? Current => Volatile.Read(ref s_current);

    /// <summary>Whether runs are traced at all.</summary>
    public bool Enabled => options.Value.Enabled || options.Value.OutputDirectory is not null || export.Otlp;

    /// <summary>The files written so far.</summary>
    public List<string> Written { get; } = [];

    /// <summary>Starts tracing a booted machine; null when tracing is off.</summary>
    public IoTraceRecorder? Attach(SimulationContext context, Machine machine, IoManager? io)
    {
        if (!Enabled)
        {
            return null;
        }
        var o = options.Value;
        var traceOptions = new KernelTraceOptions
        {
            Seed = context.Seed,
            Sampling = o.SamplingMode ?? TraceSampling.Always,
            Ratio = o.Ratio,
            SlowRequestNs = (long)(o.SlowRequest.Ticks * 100),
            // Without an output folder the traces only go live (OTLP, listeners): nothing is kept in memory.
            Timeline = o.OutputDirectory is not null,
            KeepTraces = o.OutputDirectory is not null,
        };
        // A machine without an I/O manager (the kernel runner) is traced for its ISRs, DPCs, IRQLs and spin waits.
        var recorder = io is null ? IoTraceRecorder.Attach(machine, traceOptions) : IoTraceRecorder.Attach(io, traceOptions);
        lock (_gate)
        {
            _boots.Add((machine, recorder, new TraceActivityBridge(recorder), context));
        }
        return recorder;
    }

    /// <summary>The machines of one <c>machines</c> boot (already attached): their files are written together when they end.</summary>
    public void MachinesBooted(IReadOnlyList<Machine> machines)
    {
        lock (_gate)
        {
            _groups.Add([.. machines]);
        }
    }

    /// <summary>The machines of one <c>machines</c> boot ended: one traces and one metrics file, a resource per machine.</summary>
    public void MachinesEnded(IReadOnlyList<Machine> machines)
    {
        List<(Machine Machine, IoTraceRecorder Recorder, TraceActivityBridge Bridge, SimulationContext Context)> boots;
        lock (_gate)
        {
            _groups.RemoveAll(g => g.Length > 0 && ReferenceEquals(g[0], machines[0]));
            boots = [.. machines.Select(m => _boots.Find(b => ReferenceEquals(b.Machine, m))).Where(b => b.Recorder is not null)];
        }
        if (boots.Count == 0 || options.Value.OutputDirectory is not { } directory)
        {
            return;
        }
        try
        {
            var bootIndex = boots[0].Context.BootIndex;
            var target = bootIndex == 0 ? directory : Path.Combine(directory, "boot" + bootIndex.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Written.AddRange(TraceFiles.WriteAll([.. boots.Select(b => (b.Recorder, (IReadOnlyList<KeyValuePair<string, object>>)
            [
                new("service.name", "actorkernel"),
                new("host.name", b.Machine.Options.Name),
                new("nt.machine", b.Machine.Options.Name),
                new("nt.seed", (long)b.Context.Seed),
                new("nt.boot", (long)b.Context.BootIndex),
            ], b.Machine.Options.Name))], target));
            LogWritten(logger, boots.Sum(b => b.Recorder.GetTraces().Count), boots.Sum(b => b.Recorder.Dropped), target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogWriteFailed(logger, directory, e.Message);
        }
    }

    /// <summary>The boot of <paramref name="machine"/> ends: its open requests end as they stand and its files are written.</summary>
    public void BootEnded(Machine machine)
    {
        (Machine Machine, IoTraceRecorder Recorder, TraceActivityBridge Bridge, SimulationContext Context) boot;
        bool grouped;
        lock (_gate)
        {
            var i = _boots.FindIndex(b => ReferenceEquals(b.Machine, machine));
            if (i < 0)
            {
                return;
            }
            boot = _boots[i];
            grouped = _groups.Exists(g => Array.IndexOf(g, machine) >= 0);
        }
        boot.Recorder.Flush();
        if (grouped)
        {
            return; // written with the other machines of its boot (MachinesEnded)
        }
        if (options.Value.OutputDirectory is { } directory)
        {
            try
            {
                var suffix = boot.Context.BootIndex == 0 ? "" : "-boot" + boot.Context.BootIndex.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var target = suffix.Length == 0 ? directory : Path.Combine(directory, "boot" + boot.Context.BootIndex.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Written.AddRange(TraceFiles.WriteAll(boot.Recorder, target,
                [
                    new("service.name", "actorkernel"),
                    new("nt.scenario", boot.Context.Scenario.Name ?? "(unnamed)"),
                    new("nt.seed", (long)boot.Context.Seed),
                    new("nt.boot", (long)boot.Context.BootIndex),
                ]));
                LogWritten(logger, boot.Recorder.GetTraces().Count, boot.Recorder.Dropped, target);
                Written.Add(WriteDriverStacks(boot.Recorder, target)); // KernelTraceSession.DriverStacks.cs
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogWriteFailed(logger, directory, e.Message);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref s_current, this);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Interlocked.CompareExchange(ref s_current, null, this);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var (_, recorder, bridge, _) in _boots)
            {
                bridge.Dispose();
                recorder.Dispose();
            }
            _boots.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Trace: {Traces} trace(s) kept, {Dropped} sampled out; files in {Directory}")]
    private static partial void LogWritten(ILogger logger, int traces, long dropped, string directory);

    [LoggerMessage(Level = LogLevel.Error, Message = "Trace: cannot write the trace files into {Directory}: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, string directory, string reason);
}
