using System.Globalization;

namespace ActorKernel.Host;

/// <summary>
/// The last resort behind a stop signal: the run loop acts on a signal between two actor turns, so
/// a stop ends the run within the drain deadline; should the loop itself hang (a defect of the host
/// or the simulator, e.g. a turn that never returns), this thread still ends the process, with the
/// loop's step and the progress it had reached on stderr and exit code 3, the host's own error.
/// </summary>
/// <remarks>
/// A hang, not slowness: the loop names each step it starts (<see cref="Step"/>), and the watchdog
/// acts only when one step has lasted <see cref="StuckLimit"/>, after the drain deadline of a first
/// signal has passed, or after a second signal. A loop that keeps stepping, however slowly on a
/// loaded machine, is never cut short, nor is the summary once the loop has returned. Wall time only:
/// no part of the simulation.
/// </remarks>
internal sealed class RunWatchdog : IDisposable
{
    /// <summary>How long one step of the run loop may last after a stop signal before the watchdog calls it a hang.</summary>
    public static readonly TimeSpan StuckLimit = TimeSpan.FromSeconds(30);

    private readonly ManualResetEventSlim _returned = new();
    private readonly StopSignal _signal;
    private readonly TimeSpan _drainTimeout;
    private readonly TimeSpan _stuckLimit;
    private readonly HostWallClock _clock;
    private readonly Action<string> _report;
    private readonly Action<int> _exit;
    private readonly Thread _thread;
    private readonly Lock _gate = new();
    private string _step = "starting";
    private TimeSpan _stepStarted;
    private ProgressSnapshot? _progress;

    /// <summary>Starts watching the run loop on a background thread.</summary>
    /// <param name="signal">The run's stop signal.</param>
    /// <param name="drainTimeout">Run:DrainTimeout.</param>
    /// <param name="clock">The host's wall clock.</param>
    /// <param name="report">Writes the hang's line (to stderr, past the logger's queue and the console's lock a hung loop may hold).</param>
    /// <param name="exit">Ends the process (Environment.Exit; a test passes its own).</param>
    /// <param name="stuckLimit">How long one step may last after a stop (<see cref="StuckLimit"/> by default).</param>
    public RunWatchdog(StopSignal signal, TimeSpan drainTimeout, HostWallClock clock, Action<string> report, Action<int> exit, TimeSpan? stuckLimit = null)
    {
        _signal = signal;
        _drainTimeout = drainTimeout;
        _stuckLimit = stuckLimit ?? StuckLimit;
        _clock = clock;
        _report = report;
        _exit = exit;
        _thread = new Thread(Watch) { IsBackground = true, Name = "run watchdog" };
        _thread.Start();
    }

    /// <summary>The run loop starts <paramref name="step"/> (advance, kd, progress...): what a hang report names.</summary>
    /// <param name="step">The step.</param>
    public void Step(string step)
    {
        lock (_gate)
        {
            _step = step;
            _stepStarted = _clock.Elapsed;
        }
    }

    /// <summary>The progress the run loop last showed.</summary>
    /// <param name="progress">The snapshot.</param>
    public void Progress(ProgressSnapshot progress)
    {
        lock (_gate)
        {
            _progress = progress;
        }
    }

    /// <summary>The run loop returned: from here on the host writes the summary, which is never cut short.</summary>
    public void Returned() => _returned.Set();

    /// <inheritdoc />
    public void Dispose()
    {
        _returned.Set();
        _thread.Join();
        _returned.Dispose();
    }

    private void Watch()
    {
        // Armed by the first signal; the loop returning first disarms it.
        if (WaitHandle.WaitAny([_returned.WaitHandle, _signal.Token.WaitHandle]) == 0)
        {
            return;
        }
        var stopAt = _clock.Elapsed;
        var period = _stuckLimit < TimeSpan.FromSeconds(1) ? _stuckLimit : TimeSpan.FromSeconds(1);
        while (!_returned.Wait(period))
        {
            string step;
            TimeSpan since;
            ProgressSnapshot? progress;
            lock (_gate)
            {
                (step, since, progress) = (_step, _clock.Elapsed - _stepStarted, _progress);
            }
            var waited = _clock.Elapsed - stopAt;
            if (since < _stuckLimit || (!_signal.AbortRequested && waited < _drainTimeout + _stuckLimit))
            {
                continue;
            }
            var at = progress is null ? "before the first progress"
                : string.Create(CultureInfo.InvariantCulture, $"last progress at {Duration.Format(progress.SimulatedNanoseconds)}: issued {progress.Issued}, completed {progress.Completed}, failed {progress.Failed}, in flight {progress.InFlight}");
            _report(string.Create(CultureInfo.InvariantCulture,
                $"error: the run loop did not return {waited.TotalSeconds:0.0} s after the stop signal: it has been in '{step}' for {since.TotalSeconds:0.0} s ({at}); ")
                + "the host ends without a summary (exit 3): this is a defect of the host or the simulator, not of a driver");
            _exit(ExitCodes.HostError);
            return;
        }
    }
}
