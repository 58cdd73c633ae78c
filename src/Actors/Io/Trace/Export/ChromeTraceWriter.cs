using System.Globalization;
using System.Text.Json;

namespace ActorKernel.Actors;

/// <summary>
/// Writes a recorder's timeline as Chrome trace-event JSON (the format chrome://tracing and Perfetto
/// open): process 1 "Processors" has a track per simulated processor with its ISRs, DPCs and spin
/// waits (they nest, as preemption does) and an IRQL counter, plus "CPU n routines" tracks with the
/// dispatch, StartIo and completion routines that ran there; process 2 "Devices" has a track per
/// device with the requests at it and its routines. Overlapping intervals (threads interleaving, a
/// device with several requests in flight) get extra lanes of the same name. Timestamps are
/// simulated microseconds; the order is the recording's, so the same run gives the same bytes.
/// </summary>
public static class ChromeTraceWriter
{
    private const int ProcessorsPid = 1;
    private const int DevicesPid = 2;

    /// <summary>Writes the Chrome trace.</summary>
    /// <param name="output">Where.</param>
    /// <param name="timeline">The recorder's timeline.</param>
    /// <param name="traces">The kept traces (their requests go on the device tracks).</param>
    /// <param name="processors">How many processors the machine has (each gets a track even when idle).</param>
    public static void Write(Stream output, IReadOnlyList<TimelineEvent> timeline, IReadOnlyList<FinishedTrace> traces, int processors)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(timeline);
        ArgumentNullException.ThrowIfNull(traces);
        var maxCpu = processors - 1;
        foreach (var e in timeline)
        {
            maxCpu = Math.Max(maxCpu, e.Processor);
        }
        // Requests at each device: from the request's first routine to its end.
        var deviceEvents = new List<TimelineEvent>();
        foreach (var trace in traces)
        {
            if (trace.Root.Attribute(TraceAttributes.Device) is string device && trace.Root.Category != TraceSpanCategory.KernelWork)
            {
                deviceEvents.Add(new TimelineEvent(TimelineKind.Interval, trace.Root.StartNs, trace.Root.DurationNs, -1, device,
                    (trace.Root.Attribute(TraceAttributes.MajorFunction) as string ?? trace.Root.Name) + " " + (trace.Root.Attribute(TraceAttributes.IrpAddress) ?? ""),
                    "request", 0, trace.TraceId));
            }
        }
        foreach (var e in timeline)
        {
            if (e.Processor < 0)
            {
                deviceEvents.Add(e);
            }
        }
        deviceEvents.Sort(static (a, b) => a.TimeNs != b.TimeNs ? a.TimeNs.CompareTo(b.TimeNs) : b.DurationNs != a.DurationNs ? b.DurationNs.CompareTo(a.DurationNs) : string.CompareOrdinal(a.Name, b.Name));
        var deviceNames = deviceEvents.Select(e => e.Device!).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();

        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false });
        w.WriteStartObject();
        w.WriteString("displayTimeUnit", "ns");
        w.WriteStartArray("traceEvents");
        Meta(w, "process_name", ProcessorsPid, 0, "Processors");
        Meta(w, "process_sort_index", ProcessorsPid, 0, null, 0);
        Meta(w, "process_name", DevicesPid, 0, "Devices");
        Meta(w, "process_sort_index", DevicesPid, 0, null, 1);
        for (var cpu = 0; cpu <= maxCpu; cpu++)
        {
            Meta(w, "thread_name", ProcessorsPid, CpuTid(cpu), "CPU " + cpu.ToString(CultureInfo.InvariantCulture));
            Meta(w, "thread_sort_index", ProcessorsPid, CpuTid(cpu), null, CpuTid(cpu));
        }

        // Processor tracks: slices nest (preemption), so one track each; routines of interleaved threads get lanes.
        var intervals = new List<TimelineEvent>();
        foreach (var e in timeline)
        {
            if (e.Processor < 0)
            {
                continue;
            }
            switch (e.Kind)
            {
                case TimelineKind.Slice:
                    Complete(w, e, ProcessorsPid, CpuTid(e.Processor));
                    break;
                case TimelineKind.Counter:
                    w.WriteStartObject();
                    w.WriteString("name", "CPU " + e.Processor.ToString(CultureInfo.InvariantCulture) + " IRQL");
                    w.WriteString("ph", "C");
                    w.WriteNumber("pid", ProcessorsPid);
                    w.WriteNumber("tid", CpuTid(e.Processor));
                    WriteTs(w, "ts", e.TimeNs);
                    w.WriteStartObject("args");
                    w.WriteNumber("irql", e.Value);
                    w.WriteEndObject();
                    w.WriteEndObject();
                    break;
                default:
                    intervals.Add(e);
                    break;
            }
        }
        // Recorded as they end; placed on lanes in start order (outer before inner).
        intervals.Sort(static (a, b) => a.TimeNs != b.TimeNs ? a.TimeNs.CompareTo(b.TimeNs) : b.DurationNs != a.DurationNs ? b.DurationNs.CompareTo(a.DurationNs) : a.Value.CompareTo(b.Value));
        var routineLanes = new Dictionary<int, Lanes>();
        foreach (var e in intervals)
        {
            if (!routineLanes.TryGetValue(e.Processor, out var lanes))
            {
                routineLanes[e.Processor] = lanes = new Lanes(1000 + (e.Processor * 100));
            }
            var tid = lanes.Place(e.TimeNs, e.TimeNs + e.DurationNs, out var added);
            if (added)
            {
                Meta(w, "thread_name", ProcessorsPid, tid, "CPU " + e.Processor.ToString(CultureInfo.InvariantCulture) + " routines");
                Meta(w, "thread_sort_index", ProcessorsPid, tid, null, tid);
            }
            Complete(w, e, ProcessorsPid, tid);
        }

        var deviceLanes = new Dictionary<string, Lanes>(StringComparer.Ordinal);
        for (var i = 0; i < deviceNames.Count; i++)
        {
            deviceLanes[deviceNames[i]] = new Lanes(1 + (i * 100));
        }
        foreach (var e in deviceEvents)
        {
            var lanes = deviceLanes[e.Device!];
            var tid = lanes.Place(e.TimeNs, e.TimeNs + e.DurationNs, out var added);
            if (added)
            {
                Meta(w, "thread_name", DevicesPid, tid, e.Device!);
                Meta(w, "thread_sort_index", DevicesPid, tid, null, tid);
            }
            Complete(w, e, DevicesPid, tid);
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
    }

    private static int CpuTid(int cpu) => cpu + 1;

    private static void WriteTs(Utf8JsonWriter w, string name, long ns)
    {
        // Microseconds with nanosecond precision, written exactly (no binary floating point).
        w.WritePropertyName(name);
        w.WriteRawValue((ns / 1000).ToString(CultureInfo.InvariantCulture) + "." + (ns % 1000).ToString("000", CultureInfo.InvariantCulture), skipInputValidation: true);
    }

    private static void Complete(Utf8JsonWriter w, in TimelineEvent e, int pid, int tid)
    {
        w.WriteStartObject();
        w.WriteString("name", e.Name);
        w.WriteString("cat", e.Category);
        w.WriteString("ph", "X");
        w.WriteNumber("pid", pid);
        w.WriteNumber("tid", tid);
        WriteTs(w, "ts", e.TimeNs);
        WriteTs(w, "dur", Math.Max(0, e.DurationNs));
        if (e.Detail is not null)
        {
            w.WriteStartObject("args");
            w.WriteString(e.Category == "request" ? "trace_id" : e.Category == "spin" ? "routine" : "driver", e.Detail);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void Meta(Utf8JsonWriter w, string name, int pid, int tid, string? value, int sortIndex = 0)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("ph", "M");
        w.WriteNumber("pid", pid);
        w.WriteNumber("tid", tid);
        w.WriteStartObject("args");
        if (value is not null)
        {
            w.WriteString("name", value);
        }
        else
        {
            w.WriteNumber("sort_index", sortIndex);
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>Tracks of one name: an interval goes on the first lane where it nests in, or follows, what is there.</summary>
    private sealed class Lanes(int firstTid)
    {
        private readonly List<Stack<long>> _open = [];

        public int Place(long start, long end, out bool added)
        {
            for (var i = 0; i < _open.Count; i++)
            {
                var stack = _open[i];
                while (stack.Count > 0 && stack.Peek() <= start)
                {
                    stack.Pop();
                }
                if (stack.Count == 0 || stack.Peek() >= end)
                {
                    stack.Push(end);
                    added = false;
                    return firstTid + i;
                }
            }
            var lane = new Stack<long>();
            lane.Push(end);
            _open.Add(lane);
            added = true;
            return firstTid + _open.Count - 1;
        }
    }
}
