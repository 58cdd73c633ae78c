using System.Globalization;
using Spectre.Console;

namespace ActorKernel.Host;

/// <summary>
/// The timeline drawn in the text summary with Spectre.Console bar charts: per interval the slowest
/// request that finished in it, the requests finished, the DPC time and the interrupts over all
/// processors, so a storm's interval and its recovery show at a glance. Rendered without colour at a fixed width, so the same run
/// gives the same bytes; long runs are folded into at most <see cref="MaxBars"/> bars.
/// </summary>
internal static class TimelineChart
{
    /// <summary>The most bars a chart draws.</summary>
    public const int MaxBars = 40;

    public static string Render(Timeline timeline)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        var intervals = timeline.Intervals;
        if (intervals.Count == 0)
        {
            return "";
        }
        var per = (intervals.Count + MaxBars - 1) / MaxBars;
        var groups = intervals.Select((interval, index) => (interval, index)).GroupBy(x => x.index / per, x => x.interval).Select(g => g.ToList()).ToList();
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 100;
        var width = Duration.Format(timeline.IntervalNanoseconds * per);
        writer.WriteLine($"Timeline ({width} per bar; timeline.json and timeline.csv hold every interval)");
        Chart(console, "slowest request finished (us)", groups, g => g.Max(i => i.Devices.Count == 0 ? 0 : i.Devices.Max(d => d.MaxNanoseconds)) / 1000.0);
        Chart(console, "requests finished, all devices", groups, g => g.Sum(i => i.Devices.Sum(d => d.Requests)));
        Chart(console, "DPC time, all processors (us)", groups, g => g.Sum(i => i.Processors.Sum(p => p.DpcNanoseconds)) / 1000.0);
        Chart(console, "interrupts, all processors", groups, g => g.Sum(i => i.Processors.Sum(p => p.Interrupts)));
        return writer.ToString();
    }

    private static void Chart(IAnsiConsole console, string label, List<List<TimelineInterval>> groups, Func<List<TimelineInterval>, double> value)
    {
        var chart = new BarChart().Width(96).Label(label).LeftAlignLabel();
        foreach (var g in groups)
        {
            chart.AddItem(Duration.Format(g[0].StartNanoseconds), Math.Round(value(g), 1), Color.Default);
        }
        console.Write(chart);
    }
}
