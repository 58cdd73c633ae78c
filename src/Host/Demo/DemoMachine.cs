using ActorKernel.Actors;
using ActorKernel.Runtime;

namespace ActorKernel.Host;

/// <summary>The state one boot of the demo machine shares between its actors and the host: clock, crash flag, done count.</summary>
internal sealed class DemoMachine(IScheduler scheduler, long bootNanoseconds, long endNanoseconds) : IDisposable
{
    private readonly Lock _gate = new();
    private int _crashed;
    private int _workloadsDone;

    /// <summary>Run time now (simulated nanoseconds since the first boot).</summary>
    public long Now => bootNanoseconds + scheduler.NowNanoseconds;

    public long BootNanoseconds => bootNanoseconds;

    public long EndNanoseconds => endNanoseconds;

    public IScheduler Scheduler => scheduler;

    /// <summary>Set when a workload finishes or the machine crashes, for the concurrent dispatcher's waiting host.</summary>
    public ManualResetEventSlim Changed { get; } = new(false);

    public bool IsCrashed => Volatile.Read(ref _crashed) != 0;

    public int WorkloadsDone => Volatile.Read(ref _workloadsDone);

    public BugCheckException? BugCheck { get; private set; }

    public string? FaultingDriver { get; private set; }

    public string? FaultingDevice { get; private set; }

    public long CrashedAtNanoseconds { get; private set; }

    /// <summary>KeBugCheckEx: the first bugcheck stops the machine; later ones (other processors) are ignored.</summary>
    public void Crash(BugCheckException bugCheck, string driver, string device)
    {
        lock (_gate)
        {
            if (IsCrashed)
            {
                return;
            }
            BugCheck = bugCheck;
            FaultingDriver = driver;
            FaultingDevice = device;
            CrashedAtNanoseconds = Now;
            Volatile.Write(ref _crashed, 1); // published last, so a reader that sees the flag sees the report
        }
        Changed.Set();
    }

    public void WorkloadDone()
    {
        Interlocked.Increment(ref _workloadsDone);
        Changed.Set();
    }

    public void Dispose() => Changed.Dispose();
}
