using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ActorKernel.Host;

/// <summary>
/// The live terminal view (Spectre.Console): simulated vs wall time, request rates, latency per
/// device, per-processor IRQL residency, utilisation and DPC queues, and the timeline's last interval.
/// </summary>
internal sealed class LiveProgressPresenter(TimeSpan refresh) : IProgressPresenter
{
    public T Run<T>(Func<IProgressView, T> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var result = default(T)!;
        AnsiConsole.Live(new Text("starting..."))
            .AutoClear(false)
            .Overflow(VerticalOverflow.Ellipsis)
            .Start(context => result = body(new View(context, refresh)));
        return result;
    }

    private sealed class View(LiveDisplayContext context, TimeSpan refresh) : IProgressView
    {
        private TimeSpan? _last;

        public void Show(ProgressFrame frame)
        {
            if (_last is { } last && frame.Wall - last < refresh && frame.Phase == "running")
            {
                return;
            }
            _last = frame.Wall;
            context.UpdateTarget(Render(frame));
            context.Refresh();
        }

        private static IRenderable Render(ProgressFrame f)
        {
            var s = f.Snapshot;
            var share = f.EndNanoseconds > 0 ? Math.Clamp((double)s.SimulatedNanoseconds / f.EndNanoseconds, 0, 1) : 1;
            var header = new Markup(Inv($"[bold]{Markup.Escape(f.Scenario)}[/]  {f.Phase}  simulated [green]{Duration.Format(s.SimulatedNanoseconds)}[/] of {Duration.Format(f.EndNanoseconds)} ({share:P0})  wall {f.Wall.TotalSeconds:0.0}s  boot {f.Boot}  bugchecks [{(f.Crashes > 0 ? "red" : "green")}]{f.Crashes}[/]"));
            var totals = new Markup(Inv($"requests: issued {s.Issued}, completed {s.Completed}, failed {s.Failed}, in flight {s.InFlight}; {f.SimulatedRate:0} req/s simulated, {f.WallRate:0} req/s wall"));

            var devices = new Table().Border(TableBorder.Rounded).Title("devices (simulated latency)");
            devices.AddColumns("device", "completed", "p50", "p99", "max");
            foreach (var d in s.Devices)
            {
                devices.AddRow(Markup.Escape(d.Name), Inv($"{d.Completed}"), Duration.Format(d.P50Nanoseconds), Duration.Format(d.P99Nanoseconds), Duration.Format(d.MaxNanoseconds));
            }

            var cpus = new Table().Border(TableBorder.Rounded).Title("processors");
            cpus.AddColumns("cpu", "IRQL", "utilisation", "IRQL residency", "DPC queue");
            if (s.Processors.Count > 0)
            {
                foreach (var p in s.Processors)
                {
                    var residency = string.Join(" ", p.IrqlResidency.Where(r => r.Value > 0).Select(r => Inv($"{r.Key} {r.Value:P0}")));
                    cpus.AddRow(Inv($"{p.Number}"), Markup.Escape(p.Irql), Inv($"{p.Utilisation:P0}"), Markup.Escape(residency), Inv($"{p.DpcQueueDepth}"));
                }
            }
            else
            {
                for (var i = 0; i < f.Processors; i++)
                {
                    cpus.AddRow(Inv($"{i}"), "-", "-", "[grey]not modelled by this runner[/]", "-");
                }
            }
            if (f.LastInterval is not { } last)
            {
                return new Rows(header, totals, devices, cpus);
            }
            var interval = new Table().Border(TableBorder.Rounded)
                .Title(Inv($"last interval {Duration.Format(last.StartNanoseconds)}..{Duration.Format(last.EndNanoseconds)}"));
            interval.AddColumns("device / cpu", "requests", "p99", "max", "interrupts", "DPCs", "DPC time");
            foreach (var d in last.Devices)
            {
                interval.AddRow(Markup.Escape(d.Name), Inv($"{d.Requests}"), Duration.Format(d.P99Nanoseconds), Duration.Format(d.MaxNanoseconds), Inv($"{d.Interrupts}"), Inv($"{d.Dpcs}"), "");
            }
            foreach (var p in last.Processors)
            {
                interval.AddRow(Inv($"cpu{p.Number}"), "", "", "", Inv($"{p.Interrupts}"), Inv($"{p.Dpcs}"), Duration.Format(p.DpcNanoseconds));
            }
            return new Rows(header, totals, devices, cpus, interval);
        }

        private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
    }
}
