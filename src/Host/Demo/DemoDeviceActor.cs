using ActorKernel.Actors;
using ActorKernel.Runtime;

namespace ActorKernel.Host;

/// <summary>How a demo device model behaves, read from its scenario parameters and the cost model.</summary>
internal sealed record DemoDeviceModel(
    string Type,
    long LatencyNanoseconds,
    long JitterNanoseconds,
    long PeriodNanoseconds,
    double ErrorRate,
    long StackOverheadNanoseconds,
    long IsrNanoseconds);

/// <summary>Per-device counters, written by the device actor.</summary>
internal sealed class DemoDeviceCounters
{
    public long Interrupts;
    public long SpuriousInterrupts;
}

/// <summary>
/// The hardware at the bottom of a demo stack: works on each request for its latency (a timer: until
/// its next tick), then "interrupts" and sends the completion up. An interrupt storm makes it take
/// spurious interrupts, each of which delays the requests behind it by one ISR.
/// </summary>
internal sealed class DemoDeviceActor(DeviceStack stack, int index, DemoDeviceModel model, DemoMachine machine, DeterministicRandom random, DemoDeviceCounters counters) : ActorBase
{
    private long _busyUntil;
    private long _stormEnd;
    private long _stormInterval;

    protected override bool Receive(object message)
    {
        if (machine.IsCrashed)
        {
            return true;
        }
        switch (message)
        {
            case DemoRequest { AtDevice: true } request:
                Complete(request);
                return true;
            case DemoRequest request:
                Start(request);
                return true;
            case DemoMessages.StormStart storm:
                _stormInterval = storm.IntervalNanoseconds;
                _stormEnd = machine.Now + storm.DurationNanoseconds;
                Self.Tell(DemoMessages.SpuriousInterrupt, Self);
                return true;
            case var m when ReferenceEquals(m, DemoMessages.SpuriousInterrupt):
                Spurious();
                return true;
            default:
                return false;
        }
    }

    private void Start(DemoRequest request)
    {
        var now = machine.Now;
        long service;
        if (model.PeriodNanoseconds > 0)
        {
            var intoPeriod = now % model.PeriodNanoseconds;
            service = model.PeriodNanoseconds - intoPeriod;
        }
        else
        {
            service = model.LatencyNanoseconds + (model.JitterNanoseconds > 0 ? random.NextInt64(0, model.JitterNanoseconds + 1) : 0);
        }
        var begin = Math.Max(now, _busyUntil);
        var due = begin + service + model.StackOverheadNanoseconds;
        request.AtDevice = true;
        machine.Scheduler.ScheduleTellOnce(due - now, Self, request, Self);
    }

    private void Complete(DemoRequest request)
    {
        counters.Interrupts++;
        request.AtDevice = false;
        request.Completing = true;
        request.Status = model.ErrorRate > 0 && random.Chance(model.ErrorRate) ? NtStatus.DeviceDataError : NtStatus.Success;
        request.Location = index - 1;
        stack.Layers[index - 1].Tell(request, Self);
    }

    private void Spurious()
    {
        var now = machine.Now;
        if (now >= _stormEnd)
        {
            return;
        }
        counters.Interrupts++;
        counters.SpuriousInterrupts++;
        _busyUntil = Math.Max(now, _busyUntil) + model.IsrNanoseconds;
        machine.Scheduler.ScheduleTellOnce(_stormInterval, Self, DemoMessages.SpuriousInterrupt, Self);
    }
}
