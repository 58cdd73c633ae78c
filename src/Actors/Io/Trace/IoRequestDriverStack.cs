namespace ActorKernel.Actors;

/// <summary>One driver routine that touched a request: its driver image, the routine, its kind, the device it ran for and when it started.</summary>
/// <param name="Image">The driver image (<c>nt.driver.image</c>).</param>
/// <param name="Routine">The routine's name.</param>
/// <param name="Category">Dispatch, StartIo, completion routine ...</param>
/// <param name="Device">The device object it ran for (its name, or null when unnamed).</param>
/// <param name="Major">The IRP major function the stack location held (null when the span has none).</param>
/// <param name="StartNs">When it started (simulated time).</param>
/// <param name="TraceId">The trace (request) the routine belongs to: the request itself, or one it spawned.</param>
public readonly record struct IoRequestStep(string Image, string Routine, TraceSpanCategory Category, string? Device, string? Major, long StartNs, string TraceId);

/// <summary>
/// The "driver stack of a request": every driver routine that touched a request, in the order they
/// started, across the device stacks it crossed. A driver that builds a new IRP inside a routine of
/// the request (disk.sys's transfer packet, an associated IRP, a request across stacks) starts a
/// request of its own linked to that routine (<c>spawned-by</c>, docs/tracing.md); its routines are
/// the request's too, recursively. Read from the recorder's finished traces, so it is what
/// <c>trace</c> exports, not a second tracker.
/// </summary>
public static class IoRequestDriverStack
{
    /// <summary>The routines that touched <paramref name="request"/> and every request it spawned, by start time.</summary>
    /// <param name="traces">The finished traces (IoTraceRecorder.GetTraces()).</param>
    /// <param name="request">The request (a user call's or a driver's trace).</param>
    /// <returns>The steps, earliest first (ties in trace order).</returns>
    public static IReadOnlyList<IoRequestStep> Steps(IReadOnlyList<FinishedTrace> traces, FinishedTrace request)
    {
        ArgumentNullException.ThrowIfNull(traces);
        ArgumentNullException.ThrowIfNull(request);
        return Steps(SpawnedIndex(traces), request);
    }

    /// <summary>
    /// Each kind of user request (its root's name: ReadFile, WriteFile ...) with each distinct driver stack
    /// it took and how many requests took it, the most frequent first: what a run prints beside its traces.
    /// </summary>
    /// <param name="traces">The finished traces.</param>
    /// <returns>The lines' parts.</returns>
    public static IReadOnlyList<(string Request, string DriverStack, int Count)> Summarize(IReadOnlyList<FinishedTrace> traces)
    {
        ArgumentNullException.ThrowIfNull(traces);
        var spawned = SpawnedIndex(traces);
        var counts = new Dictionary<(string, string), int>();
        foreach (var trace in traces)
        {
            if (trace.Root.Category != TraceSpanCategory.UserCall)
            {
                continue;
            }
            var drivers = new List<string>();
            foreach (var step in Steps(spawned, trace))
            {
                if (!drivers.Contains(step.Image))
                {
                    drivers.Add(step.Image);
                }
            }
            var key = (trace.Root.Name, string.Join(" -> ", drivers));
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return [.. counts.Select(c => (c.Key.Item1, c.Key.Item2, c.Value)).OrderByDescending(c => c.Value).ThenBy(c => c.Item1, StringComparer.Ordinal).ThenBy(c => c.Item2, StringComparer.Ordinal)];
    }

    /// <summary>Children by the trace they were spawned from (the link on a request's root names the spawner's trace).</summary>
    private static Dictionary<string, List<FinishedTrace>> SpawnedIndex(IReadOnlyList<FinishedTrace> traces)
    {
        var spawned = new Dictionary<string, List<FinishedTrace>>(StringComparer.Ordinal);
        foreach (var trace in traces)
        {
            foreach (var link in trace.Root.Links)
            {
                if (link.Relation == "spawned-by" && link.TraceId != trace.TraceId)
                {
                    if (!spawned.TryGetValue(link.TraceId, out var list))
                    {
                        spawned[link.TraceId] = list = [];
                    }
                    list.Add(trace);
                }
            }
        }
        return spawned;
    }

    private static List<IoRequestStep> Steps(Dictionary<string, List<FinishedTrace>> spawned, FinishedTrace request)
    {
        var steps = new List<(IoRequestStep Step, int Order)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<FinishedTrace>();
        pending.Enqueue(request);
        seen.Add(request.TraceId);
        while (pending.Count > 0)
        {
            var trace = pending.Dequeue();
            foreach (var span in trace.Spans)
            {
                if (span.Category is TraceSpanCategory.Dispatch or TraceSpanCategory.StartIo or TraceSpanCategory.Completion or TraceSpanCategory.Isr or TraceSpanCategory.Dpc
                    && span.Attribute(TraceAttributes.DriverImage) is string image)
                {
                    steps.Add((new IoRequestStep(image, span.Attribute(TraceAttributes.Function) as string ?? span.Name, span.Category,
                        span.Attribute(TraceAttributes.Device) as string, span.Attribute(TraceAttributes.MajorFunction) as string, span.StartNs, trace.TraceId), steps.Count));
                }
            }
            if (spawned.TryGetValue(trace.TraceId, out var children))
            {
                foreach (var child in children)
                {
                    if (seen.Add(child.TraceId))
                    {
                        pending.Enqueue(child);
                    }
                }
            }
        }
        return [.. steps.OrderBy(s => s.Step.StartNs).ThenBy(s => s.Order).Select(s => s.Step)];
    }

    /// <summary>The drivers that touched the request, each once, in the order each first did.</summary>
    /// <param name="traces">The finished traces.</param>
    /// <param name="request">The request.</param>
    /// <returns>The images, e.g. disk.sys, usbstor.sys, usbhub.sys, the host controller's port driver.</returns>
    public static IReadOnlyList<string> Drivers(IReadOnlyList<FinishedTrace> traces, FinishedTrace request)
    {
        var drivers = new List<string>();
        foreach (var step in Steps(traces, request))
        {
            if (!drivers.Contains(step.Image))
            {
                drivers.Add(step.Image);
            }
        }
        return drivers;
    }

    /// <summary>The driver stack as one line: <c>disk.sys -&gt; usbstor.sys -&gt; usbhub.sys -&gt; usbport.sys</c>.</summary>
    /// <param name="traces">The finished traces.</param>
    /// <param name="request">The request.</param>
    /// <returns>The line.</returns>
    public static string Format(IReadOnlyList<FinishedTrace> traces, FinishedTrace request) => string.Join(" -> ", Drivers(traces, request));
}
