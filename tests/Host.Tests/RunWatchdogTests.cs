namespace ActorKernel.Host.Tests;

/// <summary>The last resort behind a stop signal (src/Host/Running/RunWatchdog.cs), with a short stuck limit and its own exit.</summary>
[Trait("Area", "Debugger")]
public sealed class RunWatchdogTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void A_run_loop_stuck_in_one_step_after_a_second_signal_ends_the_host_with_exit_3_naming_the_step()
    {
        using var signal = new StopSignal();
        using var exited = new ManualResetEventSlim();
        var (code, line) = (-1, "");
        using var watchdog = new RunWatchdog(signal, TimeSpan.FromHours(1), new HostWallClock(), l => line = l, c =>
        {
            code = c;
            exited.Set();
        }, Limit);
        watchdog.Progress(new ProgressSnapshot(42_000_000, 7, 5, 0, 2, [], []));
        watchdog.Step("kd");
        signal.Request();
        signal.Request(); // a second Ctrl+C: the hour-long drain deadline no longer matters
        Assert.True(exited.Wait(HostProcess.Patience), "the watchdog never ended the hung loop");
        Assert.Equal(ExitCodes.HostError, code);
        Assert.Contains("it has been in 'kd' for", line, StringComparison.Ordinal);
        Assert.Contains("last progress at 42ms: issued 7, completed 5, failed 0, in flight 2", line, StringComparison.Ordinal);
        Assert.Contains("not of a driver", line, StringComparison.Ordinal);
    }
}
