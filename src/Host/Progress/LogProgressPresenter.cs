using System.Globalization;
using Microsoft.Extensions.Logging;

namespace ActorKernel.Host;

/// <summary>Progress as periodic log lines, for redirected output (CI, files, pipes).</summary>
internal sealed class LogProgressPresenter(ILogger logger, TimeSpan interval) : IProgressPresenter, IProgressView
{
    private TimeSpan? _last;

    public T Run<T>(Func<IProgressView, T> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return body(this);
    }

    public void Show(ProgressFrame frame)
    {
        if (_last is { } last && frame.Wall - last < interval)
        {
            return;
        }
        _last = frame.Wall;
        var s = frame.Snapshot;
        HostLog.Progress(logger, Duration.Format(s.SimulatedNanoseconds), Duration.Format(frame.EndNanoseconds),
            frame.Wall.TotalSeconds.ToString("0.0s", CultureInfo.InvariantCulture),
            s.Issued, s.Completed, s.Failed, s.InFlight, frame.SimulatedRate.ToString("0", CultureInfo.InvariantCulture), frame.Crashes);
    }
}

/// <summary>No progress at all.</summary>
internal sealed class NoProgressPresenter : IProgressPresenter, IProgressView
{
    public T Run<T>(Func<IProgressView, T> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return body(this);
    }

    public void Show(ProgressFrame frame)
    {
    }
}
