using ActorKernel.Actors;
using ActorKernel.Runtime;

namespace ActorKernel.Host;

/// <summary>
/// One scenario workload on the io runner: a user process (<c>NAME.exe</c>) running a
/// <see cref="UserWorkload"/> against its device through Kernel32 (ReadFile / WriteFile /
/// DeviceIoControl, synchronous or overlapped by <c>mode</c>). On a RAM disk the workload owns a
/// region of the image (its share of the disk by queue depth) and checks every read byte for byte.
/// </summary>
internal sealed class IoWorkload
{
    private WorkloadStatistics? _final;

    public IoWorkload(WorkloadSpec spec, IoTarget target, WorkloadDefinition definition, DeterministicRandom random, TimeProvider wallClock)
    {
        Spec = spec;
        Target = target;
        Workload = new UserWorkload(definition, random, wallClock);
    }

    /// <summary>The scenario's workload.</summary>
    public WorkloadSpec Spec { get; }

    /// <summary>The device stack it drives.</summary>
    public IoTarget Target { get; }

    /// <summary>The user program.</summary>
    public UserWorkload Workload { get; }

    /// <summary>Its process (once started).</summary>
    public UserProcess? Process { get; private set; }

    /// <summary>Every thread returned (or the workload never started).</summary>
    public bool Done => Process is null || Workload.IsDone;

    /// <summary>
    /// The workload's definition for <paramref name="spec"/> on <paramref name="target"/>: its mix,
    /// sizes, pacing and mode; a RAM disk region [<paramref name="regionOffset"/>, +<paramref name="regionLength"/>).
    /// </summary>
    public static WorkloadDefinition Define(WorkloadSpec spec, IoTarget target, long regionOffset, long regionLength, long startNs, long endNs, int firstProcessor)
    {
        var queueDepth = (int)(spec.QueueDepth ?? 1);
        var maxSize = (int)Math.Max(1, spec.MaxSize ?? 4096);
        var think = spec.ThinkTimeNanoseconds is > 0 ? spec.ThinkTimeNanoseconds.Value
            : spec.Rate is { } rate && rate > 0 ? (long)(queueDepth * 1e9 / rate) : 0;
        var ioctl = spec.Ioctl ?? 0;
        return new WorkloadDefinition
        {
            Name = spec.Name!,
            FileName = target.OpenName ?? target.DeviceName,
            Mode = spec.Mode == "sync" ? WorkloadMode.Synchronous : WorkloadMode.Overlapped,
            Completion = spec.Completion == "events" ? OverlappedCompletion.Event : OverlappedCompletion.CompletionPort,
            QueueDepth = queueDepth,
            Mix = new OperationMix(spec.Read ?? 0, spec.Write ?? 0, ioctl),
            Sizes = target.IsBlockDisk
                ? SizeDistribution.Uniform((int)Math.Clamp(spec.MinSize ?? 1, HardwareCatalog.SectorSize, maxSize), maxSize, HardwareCatalog.SectorSize)
                : SizeDistribution.Uniform((int)Math.Clamp(spec.MinSize ?? 1, 1, maxSize), maxSize),
            RegionOffset = target.KeepsData ? regionOffset : 0,
            RegionLength = target.KeepsData ? regionLength : 0,
            ThinkTimeNanoseconds = think,
            StartNanoseconds = Math.Max(0, startNs),
            DurationNanoseconds = Math.Max(0, endNs - Math.Max(0, startNs)),
            RequestCount = spec.Requests,
            Ioctls = ioctl > 0 ? HostIoctls.For(target, maxSize) : null,
            Frames = target.Device.Type == HardwareCatalog.NicType, // each frame describes itself: the receiver checks it
            FirstProcessor = firstProcessor,
        };
    }

    /// <summary>Creates the process and starts the workload's threads.</summary>
    public void Start(Machine machine, IoManager io)
    {
        Process = UserProcess.Create(machine, io, Spec.Name + ".exe");
        Workload.Start(machine, Process);
    }

    /// <summary>The counters so far (final after <see cref="GiveUp"/>).</summary>
    public WorkloadStatistics Statistics => _final ?? Workload.Snapshot();

    /// <summary>The counters so far without latencies (cheap: what progress reads every slice).</summary>
    public WorkloadStatistics Counters => _final ?? Workload.Counters();

    /// <summary>Adds the simulated latencies so far to <paramref name="latency"/>.</summary>
    public void AddLatencies(LatencyHistogram latency)
    {
        if (_final is { } final)
        {
            latency.Add(final.Latency);
        }
        else
        {
            Workload.AddLatencies(latency);
        }
    }

    /// <summary>The run ended: what is still in flight is failed (abandoned, or lost in a crash); the counters are final.</summary>
    /// <returns>How many requests were given up.</returns>
    public int GiveUp(bool crashed)
    {
        var n = Workload.GiveUpInFlight(crashed);
        _final = Workload.Snapshot();
        return n;
    }

    /// <summary>The host's counters of this workload.</summary>
    public WorkloadResult ToResult()
    {
        var s = Statistics;
        var result = new WorkloadResult
        {
            Name = Spec.Name!,
            Device = Spec.Device!,
            Issued = s.Issued,
            Completed = s.Completed,
            Failed = s.Failed,
            Cancelled = s.Failures.GetValueOrDefault(NtStatus.Cancelled),
            LostInCrash = s.LostInCrash,
            InFlight = s.InFlight,
            Reads = s.Reads,
            Writes = s.Writes,
            Ioctls = s.Ioctls,
            Bytes = s.Bytes,
        };
        result.Latency.Add(s.Latency);
        result.WallLatency.Add(s.WallLatency);
        return result;
    }

    /// <summary>Failures by name: NTSTATUS macro names, <c>never completed</c> for abandoned requests, <c>open STATUS_...</c> for failed opens.</summary>
    public SortedDictionary<string, long> Failures()
    {
        var s = Statistics;
        var failures = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (status, n) in s.Failures)
        {
            var name = Name(status);
            failures[name] = failures.GetValueOrDefault(name) + n;
        }
        if (s.Abandoned > 0)
        {
            failures["never completed"] = s.Abandoned;
        }
        if (s.OpenFailures > 0)
        {
            failures["open " + Name(s.LastOpenStatus ?? NtStatus.Unsuccessful)] = s.OpenFailures;
        }
        return failures;
    }

    private static string Name(NtStatus status) => status.GetMacroName() ?? status.ToDisplayString();
}
