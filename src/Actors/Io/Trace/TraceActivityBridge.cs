using System.Diagnostics;

namespace ActorKernel.Actors;

/// <summary>
/// Hands each trace a <see cref="IoTraceRecorder"/> keeps to System.Diagnostics as Activities on the
/// source <see cref="SourceName"/>, with the simulated start and end times, parents, attributes,
/// links and status, so the OpenTelemetry SDK (and any ActivityListener) exports them. A trace is
/// replayed when it finishes, parents before children, so sampling decided at the request's end
/// (tail sampling) holds for these exports too. Activity ids are the runtime's own (it offers no way
/// to set a span id); the file exports keep the recorder's deterministic ids.
/// </summary>
public sealed class TraceActivityBridge : IDisposable
{
    /// <summary>The ActivitySource the replayed spans come from.</summary>
    public const string SourceName = "ActorKernel.Requests";

    private static readonly ActivitySource Source = new(SourceName);

    private readonly IoTraceRecorder _recorder;

    /// <summary>Replays every trace <paramref name="recorder"/> keeps from now on.</summary>
    /// <param name="recorder">The recorder.</param>
    public TraceActivityBridge(IoTraceRecorder recorder)
    {
        _recorder = recorder ?? throw new ArgumentNullException(nameof(recorder));
        _recorder.TraceFinished += Replay;
    }

    /// <summary>Replays one trace as Activities (nothing when no listener samples the source).</summary>
    /// <param name="trace">The trace.</param>
    public void Replay(FinishedTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        if (!Source.HasListeners())
        {
            return;
        }
        var epoch = _recorder.Options.EpochUnixNs;
        var contexts = new Dictionary<string, ActivityContext>(trace.Spans.Count);
        var ambient = Activity.Current;
        try
        {
            foreach (var span in trace.Spans)
            {
                var parent = span.ParentSpanId.Length > 0 && contexts.TryGetValue(span.ParentSpanId, out var p) ? p : default;
                List<ActivityLink>? links = null;
                foreach (var link in span.Links)
                {
                    (links ??= []).Add(new ActivityLink(new ActivityContext(ActivityTraceId.CreateFromString(link.TraceId), ActivitySpanId.CreateFromString(link.SpanId), ActivityTraceFlags.Recorded),
                        new ActivityTagsCollection { ["nt.link.relation"] = link.Relation }));
                }
                Activity.Current = null;
                var kind = span.Category == TraceSpanCategory.UserCall ? ActivityKind.Client
                    : span.Category == TraceSpanCategory.SystemService && span.ParentSpanId.Length > 0 ? ActivityKind.Server : ActivityKind.Internal;
                using var activity = Source.StartActivity(span.Name, kind, parent, null, links, ToTime(epoch, span.StartNs));
                if (activity is null)
                {
                    continue;
                }
                foreach (var (key, value) in span.Attributes)
                {
                    activity.SetTag(key, value);
                }
                activity.SetTag("nt.trace.id", span.TraceId);
                activity.SetTag("nt.span.id", span.SpanId);
                activity.SetStatus(span.Status switch { TraceStatusCode.Ok => ActivityStatusCode.Ok, TraceStatusCode.Error => ActivityStatusCode.Error, _ => ActivityStatusCode.Unset }, span.StatusMessage);
                activity.SetEndTime(ToTime(epoch, span.EndNs).UtcDateTime);
                contexts[span.SpanId] = activity.Context;
            }
        }
        finally
        {
            Activity.Current = ambient;
        }
    }

    private static DateTimeOffset ToTime(long epochUnixNs, long ns) => DateTimeOffset.UnixEpoch.AddTicks((epochUnixNs + ns) / 100);

    /// <summary>Stops replaying.</summary>
    public void Dispose() => _recorder.TraceFinished -= Replay;
}
