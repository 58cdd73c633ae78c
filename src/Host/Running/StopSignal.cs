using System.Runtime.InteropServices;

namespace ActorKernel.Host;

/// <summary>
/// Ctrl+C and SIGTERM during a run: the first asks for a graceful stop (drain, then summary), the
/// second for an immediate one. The process is never killed by the runtime's default handler.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _graceful = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _count;

    /// <summary>Listens for SIGINT (Ctrl+C) and SIGTERM until disposed.</summary>
    public static StopSignal Listen()
    {
        var signal = new StopSignal();
        signal._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, signal.OnSignal));
        signal._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal.OnSignal));
        return signal;
    }

    /// <summary>Cancelled by the first signal, so waits wake up.</summary>
    public CancellationToken Token => _graceful.Token;

    /// <summary>Cancelled by the second signal, so the waits of a draining run wake up too.</summary>
    public CancellationToken AbortToken => _abort.Token;

    /// <summary>Whether a graceful stop was asked for.</summary>
    public bool StopRequested => Volatile.Read(ref _count) >= 1;

    /// <summary>Whether a second signal asked to stop at once.</summary>
    public bool AbortRequested => Volatile.Read(ref _count) >= 2;

    /// <summary>Asks for a stop as a signal would (for tests and embedding).</summary>
    public void Request()
    {
        switch (Interlocked.Increment(ref _count))
        {
            case 1:
                _graceful.Cancel();
                break;
            case 2:
                _abort.Cancel();
                break;
        }
    }

    public void Dispose()
    {
        foreach (var r in _registrations)
        {
            r.Dispose();
        }
        _graceful.Dispose();
        _abort.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // we stop ourselves, after the summary
        Request();
    }
}
