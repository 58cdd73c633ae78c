using System.Globalization;

namespace ActorKernel.Actors;

/// <summary>
/// W3C trace context across machines: a driver that puts a request on the wire asks for its
/// <c>traceparent</c> (<see cref="IoTrace.GetTraceParent"/>) and carries it in the packet; the driver
/// that receives it hands it to the request it completes (<see cref="IoTrace.ContinueRemoteTrace"/>),
/// whose trace then takes the caller's trace id, its root the caller's span as remote parent, so one
/// trace covers the client's request, the wire and the server's ISR, DPC and stack.
/// </summary>
public sealed partial class IoTraceRecorder
{
    /// <summary>The W3C traceparent (version 00, sampled) of the request <paramref name="irp"/> belongs to, parent = its root span; null when it is not traced.</summary>
    internal string? TraceParentOf(Irp irp)
    {
        if (irp.TraceRequest is not { Sampled: true })
        {
            return null; // an unsampled request has no span to be the remote parent: the receiver decides for itself
        }
        lock (_gate)
        {
            return irp.TraceRequest is { Sampled: true } request
                ? string.Create(CultureInfo.InvariantCulture, $"00-{request.TraceId}-{request.Root.SpanId}-01")
                : null;
        }
    }

    /// <summary>The request <paramref name="irp"/> belongs to continues the remote trace of <paramref name="traceParent"/>.</summary>
    internal void ContinueRemote(Irp irp, string traceParent)
    {
        // 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>
        if (traceParent.Length != 55 || traceParent[2] != '-' || traceParent[35] != '-' || traceParent[52] != '-'
            || !ulong.TryParse(traceParent.AsSpan(3, 16), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hi)
            || !ulong.TryParse(traceParent.AsSpan(19, 16), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var lo))
        {
            return; // not a traceparent: the request keeps its own trace
        }
        lock (_gate)
        {
            if (irp.TraceRequest is { Finished: false } request)
            {
                request.TraceHi = hi;
                request.TraceLo = lo;
                if (!request.Sampled)
                {
                    return;
                }
                request.Root.RemoteParentSpanId = traceParent.Substring(36, 16);
                request.Root.Set("nt.remote_parent", traceParent);
            }
        }
    }
}
