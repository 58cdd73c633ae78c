using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorKernel.Tracing.Tests;

/// <summary>
/// A minimal OTLP receiver on 127.0.0.1 (Kestrel): HTTP/protobuf on one port (POST /v1/traces,
/// /v1/metrics) and gRPC on another (HTTP/2 without TLS, the collector services' Export methods). It
/// decodes only what the tests check: span names and metric names, reading the protobuf wire format
/// by hand (field 1 of the request, field 2 of resource and scope, field 5 of a span / 1 of a metric).
/// </summary>
internal sealed class OtlpTestReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OtlpTestReceiver(WebApplication app) => _app = app;

    public ConcurrentBag<(string Protocol, string Span)> Spans { get; } = [];

    public ConcurrentBag<(string Protocol, string Metric)> Metrics { get; } = [];

    public int HttpPort { get; private set; }

    public int GrpcPort { get; private set; }

    public static async Task<OtlpTestReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1);
            k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        var receiver = new OtlpTestReceiver(app);
        app.MapPost("/v1/traces", async ctx => await receiver.Receive(ctx, "http", traces: true, grpc: false));
        app.MapPost("/v1/metrics", async ctx => await receiver.Receive(ctx, "http", traces: false, grpc: false));
        app.MapPost("/opentelemetry.proto.collector.trace.v1.TraceService/Export", async ctx => await receiver.Receive(ctx, "grpc", traces: true, grpc: true));
        app.MapPost("/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", async ctx => await receiver.Receive(ctx, "grpc", traces: false, grpc: true));
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
        var ports = addresses.Select(a => new Uri(a).Port).ToList();
        receiver.HttpPort = ports[0];
        receiver.GrpcPort = ports[1];
        return receiver;
    }

    private async Task Receive(HttpContext ctx, string protocol, bool traces, bool grpc)
    {
        using var ms = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(ms);
        var body = ms.ToArray();
        if (grpc)
        {
            // gRPC message framing: 1 byte compressed flag, 4 bytes big-endian length, then the message.
            body = body.Length >= 5 ? body[5..] : [];
        }
        if (traces)
        {
            foreach (var name in Strings(body, [1, 2, 2, 5]))
            {
                Spans.Add((protocol, name));
            }
        }
        else
        {
            foreach (var name in Strings(body, [1, 2, 2, 1]))
            {
                Metrics.Add((protocol, name));
            }
        }
        if (grpc)
        {
            ctx.Response.ContentType = "application/grpc";
            ctx.Response.AppendTrailer("grpc-status", "0");
            await ctx.Response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 0 });
        }
        else
        {
            ctx.Response.ContentType = "application/x-protobuf";
        }
    }

    /// <summary>The length-delimited values at <paramref name="path"/> (field numbers, outermost first), as UTF-8.</summary>
    private static IEnumerable<string> Strings(ReadOnlyMemory<byte> message, int[] path)
    {
        foreach (var (field, value) in Fields(message))
        {
            if (field != path[0])
            {
                continue;
            }
            if (path.Length == 1)
            {
                yield return System.Text.Encoding.UTF8.GetString(value.Span);
            }
            else
            {
                foreach (var s in Strings(value, path[1..]))
                {
                    yield return s;
                }
            }
        }
    }

    private static List<(int Field, ReadOnlyMemory<byte> Value)> Fields(ReadOnlyMemory<byte> message)
    {
        var result = new List<(int, ReadOnlyMemory<byte>)>();
        var span = message.Span;
        var i = 0;
        ulong Varint(ReadOnlySpan<byte> s)
        {
            ulong v = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = s[i++];
                v |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return v;
                }
            }
        }
        while (i < span.Length)
        {
            var key = Varint(span);
            var field = (int)(key >> 3);
            switch ((int)(key & 7))
            {
                case 0:
                    Varint(span);
                    break;
                case 1:
                    i += 8;
                    break;
                case 2:
                    var length = (int)Varint(span);
                    result.Add((field, message.Slice(i, length)));
                    i += length;
                    break;
                case 5:
                    i += 4;
                    break;
                default:
                    throw new InvalidDataException($"wire type {key & 7} at {i}");
            }
        }
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
