using ActorKernel.Actors;
using ActorKernel.Runtime;

namespace ActorKernel.Host;

/// <summary>
/// A user program: keeps up to queueDepth requests in flight to one device stack, paced by a rate
/// or a think time, from its start until its end; then waits for what is in flight and reports done.
/// </summary>
internal sealed class WorkloadActor : ActorBase
{
    private readonly WorkloadSpec _spec;
    private readonly DeviceStack _stack;
    private readonly DemoMachine _machine;
    private readonly DeterministicRandom _random;
    private readonly long _startNanoseconds;
    private readonly long _endNanoseconds;
    private readonly long _tickInterval;
    private readonly DemoRequest?[] _slots;
    private long _nextId;
    private long _nextTick;
    private bool _issuing;
    private bool _stopped;
    private bool _reportedDone;

    public WorkloadActor(WorkloadSpec spec, DeviceStack stack, DemoMachine machine, DeterministicRandom random, long startNanoseconds, long endNanoseconds, WorkloadResult stats, DemoRequest?[] slots)
    {
        _spec = spec;
        _stack = stack;
        _machine = machine;
        _random = random;
        _startNanoseconds = startNanoseconds;
        _endNanoseconds = endNanoseconds;
        Stats = stats;
        _slots = slots;
        _tickInterval = spec.Rate is { } rate ? Math.Max(1, (long)Math.Round(1e9 / rate)) : 0;
    }

    public WorkloadResult Stats { get; }

    protected override void PreStart()
    {
        var now = _machine.Now;
        if (_endNanoseconds <= now || _startNanoseconds >= _endNanoseconds)
        {
            Self.Tell(DemoMessages.StopIssuing, Self);
            return;
        }
        _machine.Scheduler.ScheduleTellOnce(Math.Max(0, _startNanoseconds - now), Self, DemoMessages.Start, Self);
        _machine.Scheduler.ScheduleTellOnce(_endNanoseconds - now, Self, DemoMessages.StopIssuing, Self);
    }

    protected override bool Receive(object message)
    {
        if (_machine.IsCrashed)
        {
            return true; // the machine is dead: nothing moves any more
        }
        switch (message)
        {
            case DemoRequest request:
                OnCompleted(request);
                return true;
            case var m when ReferenceEquals(m, DemoMessages.Start):
                OnStart();
                return true;
            case var m when ReferenceEquals(m, DemoMessages.Tick):
                OnTick();
                return true;
            case var m when ReferenceEquals(m, DemoMessages.IssueOne):
                TryIssue();
                return true;
            case var m when ReferenceEquals(m, DemoMessages.StopIssuing):
                _issuing = false;
                _stopped = true;
                CheckDone();
                return true;
            case var m when ReferenceEquals(m, DemoMessages.CancelAll):
                CancelAll();
                return true;
            default:
                return false;
        }
    }

    private void OnStart()
    {
        if (_stopped)
        {
            return;
        }
        _issuing = true;
        if (_tickInterval > 0)
        {
            _nextTick = _machine.Now;
            OnTick();
            return;
        }
        for (var i = 0; i < _slots.Length; i++)
        {
            TryIssue();
        }
    }

    private void OnTick()
    {
        if (!_issuing)
        {
            return;
        }
        TryIssue(); // a tick with every slot busy is skipped: the rate is an upper bound at this queue depth
        _nextTick += _tickInterval;
        _machine.Scheduler.ScheduleTellOnce(Math.Max(0, _nextTick - _machine.Now), Self, DemoMessages.Tick, Self);
    }

    private void TryIssue()
    {
        if (!_issuing)
        {
            return;
        }
        var slot = Array.IndexOf(_slots, null);
        if (slot < 0)
        {
            return;
        }
        var request = new DemoRequest
        {
            Id = ++_nextId,
            Slot = slot,
            Workload = Self,
            MajorFunction = PickOperation(),
            Length = _spec.MinSize == _spec.MaxSize ? _spec.MinSize!.Value : _random.NextInt64(_spec.MinSize!.Value, _spec.MaxSize!.Value + 1),
            IssuedAtNanoseconds = _machine.Now,
        };
        _slots[slot] = request;
        Stats.Issued++;
        Stats.InFlight++;
        switch (request.MajorFunction)
        {
            case IrpMajorFunction.Read: Stats.Reads++; break;
            case IrpMajorFunction.Write: Stats.Writes++; break;
            default: Stats.Ioctls++; break;
        }
        _stack.Layers[0].Tell(request, Self);
    }

    private IrpMajorFunction PickOperation()
    {
        var x = _random.NextDouble();
        if (x < _spec.Read)
        {
            return IrpMajorFunction.Read;
        }
        return x < _spec.Read + _spec.Write ? IrpMajorFunction.Write : IrpMajorFunction.DeviceControl;
    }

    private void OnCompleted(DemoRequest request)
    {
        if (request.Cancelled || !ReferenceEquals(_slots[request.Slot], request))
        {
            return; // cancelled at the drain deadline and already counted
        }
        _slots[request.Slot] = null;
        Stats.InFlight--;
        Stats.Latency.Record(_machine.Now - request.IssuedAtNanoseconds);
        if (request.Status == NtStatus.Success)
        {
            Stats.Completed++;
            Stats.Bytes += request.Length;
        }
        else
        {
            Stats.Failed++;
        }
        if (_issuing)
        {
            if (_spec.ThinkTimeNanoseconds is > 0 and var think)
            {
                _machine.Scheduler.ScheduleTellOnce(think, Self, DemoMessages.IssueOne, Self);
            }
            else if (_tickInterval == 0)
            {
                TryIssue();
            }
        }
        CheckDone();
    }

    private void CancelAll()
    {
        _issuing = false;
        _stopped = true;
        for (var i = 0; i < _slots.Length; i++)
        {
            if (_slots[i] is { } request)
            {
                request.Cancelled = true;
                request.Status = NtStatus.Cancelled;
                _slots[i] = null;
                Stats.InFlight--;
                Stats.Failed++;
                Stats.Cancelled++;
            }
        }
        CheckDone();
    }

    private void CheckDone()
    {
        if (_stopped && !_reportedDone && Stats.InFlight == 0)
        {
            _reportedDone = true;
            _machine.WorkloadDone();
        }
    }
}
