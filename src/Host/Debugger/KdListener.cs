using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using ActorKernel.Actors;

namespace ActorKernel.Host.Debugger;

/// <summary>
/// <c>run --debug</c>: the host listens for <c>kd --attach</c> on a loopback-only endpoint
/// (127.0.0.1, an ephemeral port) and requires the random token it prints at start-up. A request is
/// served on the host's thread between two slices of the run (<see cref="Serve"/>), so on the
/// deterministic dispatcher the machine is not running while kd reads it, and the run itself is
/// unchanged (the token comes from a cryptographic generator; it is no part of the simulation).
/// </summary>
/// <remarks>
/// Protocol, one connection per kd session, UTF-8 lines: the client sends <c>TOKEN t</c>; the host
/// answers <c>OK</c>, or <c>DENIED reason</c> and closes. Then each <c>CMD commands</c> line is
/// answered with <c>LEN n</c> and n bytes of kd's output, run on a capture of the machine taken at that moment.
/// </remarks>
internal sealed class KdListener : IDisposable
{
    private static readonly TimeSpan ServeTimeout = TimeSpan.FromSeconds(30);
    private readonly TcpListener _listener;
    private readonly byte[] _token;
    private readonly ConcurrentQueue<Request> _requests = new();
    private readonly Thread _thread;
    private volatile bool _closed;

    private KdListener(TcpListener listener, string token)
    {
        _listener = listener;
        Token = token;
        _token = Encoding.ASCII.GetBytes(token);
        Endpoint = (IPEndPoint)listener.LocalEndpoint;
        _thread = new Thread(AcceptLoop) { IsBackground = true, Name = "kd listener" };
    }

    /// <summary>Where kd attaches: 127.0.0.1 and the port the system chose.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>The token kd must send.</summary>
    public string Token { get; }

    /// <summary>Starts listening on 127.0.0.1 with a fresh token and writes both to <paramref name="log"/>.</summary>
    /// <param name="log">Where the endpoint and token are printed (stderr: stdout is the run's deterministic summary).</param>
    /// <returns>The listener.</returns>
    public static KdListener Start(TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var kd = new KdListener(listener, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        kd._thread.Start();
        log.WriteLine($"kd: debugger listening on {kd.Endpoint} (loopback only); attach with: actorkernel kd --attach {kd.Endpoint} --token {kd.Token}");
        log.Flush();
        return kd;
    }

    /// <summary>Answers the requests waiting, on the host's thread between two slices of the run.</summary>
    /// <param name="simulation">The running boot.</param>
    /// <remarks>
    /// Bounded and never fatal to the run: only the requests already queued are answered (a client
    /// sending again while this runs waits for the next slice), and a command that fails answers with
    /// its error instead of ending the run.
    /// </remarks>
    public void Serve(ISimulation simulation)
    {
        for (var waiting = _requests.Count; waiting > 0 && _requests.TryDequeue(out var request); waiting--)
        {
            string reply;
            if (simulation is KernelSimulation kernel)
            {
                try
                {
                    reply = new KdSession(KdCapture.Capture(kernel.Machine, [kernel.Io])).Execute(request.Commands);
                }
                catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
                {
                    // On the concurrent dispatcher a processor may be mid-turn: say so rather than print half a machine.
                    reply = $"The machine could not be read consistently now ({e.Message}); try again\n";
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // A defect of the debugger's capture: kd says so; the run goes on.
                    reply = $"kd could not capture the machine: {e.GetType().Name}: {e.Message}\n";
                }
            }
            else
            {
                reply = "This runner's machine cannot be debugged\n";
            }
            request.Reply = reply;
            request.Done.Set();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _closed = true;
        _listener.Stop();
        while (_requests.TryDequeue(out var request))
        {
            request.Reply = "The run has ended: the machine is gone\n";
            request.Done.Set();
        }
    }

    private void AcceptLoop()
    {
        while (!_closed)
        {
            TcpClient client;
            try
            {
                client = _listener.AcceptTcpClient();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            using (client)
            {
                try
                {
                    Converse(client);
                }
                catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
                {
                    // The client went away: wait for the next one.
                }
            }
        }
    }

    private void Converse(TcpClient client)
    {
        using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n", AutoFlush = true };
        var hello = reader.ReadLine() ?? "";
        var offered = hello.StartsWith("TOKEN ", StringComparison.Ordinal) ? Encoding.ASCII.GetBytes(hello[6..].Trim()) : [];
        if (!CryptographicOperations.FixedTimeEquals(offered, _token))
        {
            writer.WriteLine(offered.Length == 0 ? "DENIED no token given" : "DENIED wrong token");
            return;
        }
        writer.WriteLine("OK");
        while (reader.ReadLine() is { } line)
        {
            if (!line.StartsWith("CMD ", StringComparison.Ordinal))
            {
                continue;
            }
            var request = new Request(line[4..]);
            _requests.Enqueue(request);
            var reply = !_closed && request.Done.Wait(ServeTimeout) ? request.Reply! : "The host did not answer: the run may have ended\n";
            var bytes = Encoding.UTF8.GetBytes(reply);
            writer.WriteLine($"LEN {bytes.Length}");
            stream.Write(bytes);
            stream.Flush();
        }
    }

    private sealed class Request(string commands)
    {
        public string Commands { get; } = commands;

        public string? Reply { get; set; }

        public ManualResetEventSlim Done { get; } = new();
    }

    /// <summary>kd's side: connects to <paramref name="endpoint"/> and offers <paramref name="token"/>.</summary>
    /// <param name="endpoint">HOST:PORT as printed by <c>run --debug</c> (loopback only).</param>
    /// <param name="token">The token, or null.</param>
    /// <param name="refused">Why the host refused, when it did.</param>
    /// <returns>The open session, or null when refused.</returns>
    public static KdRemote? Connect(string endpoint, string? token, out string? refused)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!IPEndPoint.TryParse(endpoint, out var ip) || ip.Port == 0)
        {
            refused = $"'{endpoint}' is not an endpoint: give 127.0.0.1:PORT as run --debug printed it";
            return null;
        }
        if (!IPAddress.IsLoopback(ip.Address))
        {
            refused = $"{endpoint}: the debugger attaches to a loopback endpoint only";
            return null;
        }
        var client = new TcpClient();
        try
        {
            client.Connect(ip);
        }
        catch (SocketException e)
        {
            client.Dispose();
            refused = $"cannot connect to {endpoint}: {e.Message}";
            return null;
        }
        var remote = new KdRemote(client);
        var answer = remote.Hello(token ?? "");
        if (answer != "OK")
        {
            remote.Dispose();
            refused = $"attach refused by {endpoint}: {(answer.StartsWith("DENIED ", StringComparison.Ordinal) ? answer[7..] : "no answer")} (give the --token that run --debug printed)";
            return null;
        }
        refused = null;
        return remote;
    }
}

/// <summary>An attached kd session on a running host.</summary>
internal sealed class KdRemote : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly StreamWriter _writer;

    internal KdRemote(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
        _writer = new StreamWriter(_stream, new UTF8Encoding(false)) { NewLine = "\n", AutoFlush = true };
    }

    internal string Hello(string token)
    {
        _writer.WriteLine("TOKEN " + token);
        return ReadLine() ?? "";
    }

    /// <summary>Runs commands on the live machine and returns kd's output.</summary>
    /// <param name="commands">Commands separated by ';'.</param>
    /// <returns>The output.</returns>
    public string Execute(string commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        _writer.WriteLine("CMD " + commands.Replace('\n', ' '));
        var header = ReadLine() ?? throw new IOException("the host closed the connection");
        var length = int.Parse(header.AsSpan(4), System.Globalization.CultureInfo.InvariantCulture);
        var buffer = new byte[length];
        _stream.ReadExactly(buffer);
        return Encoding.UTF8.GetString(buffer);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _writer.Dispose();
        _client.Dispose();
    }

    // Reads one line byte by byte (no buffering past it: the reply's payload follows on the same stream).
    private string? ReadLine()
    {
        var bytes = new List<byte>();
        while (true)
        {
            var b = _stream.ReadByte();
            if (b < 0)
            {
                return bytes.Count == 0 ? null : Encoding.UTF8.GetString([.. bytes]);
            }
            if (b == '\n')
            {
                return Encoding.UTF8.GetString([.. bytes]);
            }
            bytes.Add((byte)b);
        }
    }
}
