using ActorKernel.Actors;
using ActorKernel.Actors.Verifier;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Zoo;

/// <summary>
/// The machine a zoo scenario runs on: a small multiprocessor with an I/O manager, one zoo driver
/// and its device, and helpers to start requester threads. Everything is built through the run, so
/// the explorer steers it and accounts its requests.
/// </summary>
public sealed class ZooBed
{
    /// <summary>The module requester threads run as.</summary>
    public static readonly KernelModule Requester = new("zooapp.sys");

    // stress --verify: images to verify in the bed the running scenario body builds (the body runs on this thread).
    [ThreadStatic]
    private static string[]? t_verify;

    /// <summary>Runs <paramref name="body"/> with Driver Verifier (special pool, pool tracking, I/O verification) on <paramref name="images"/> in the beds it creates.</summary>
    /// <param name="images">Image names.</param>
    /// <param name="body">The scenario body.</param>
    public static void WithVerification(string[] images, Action body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var previous = t_verify;
        t_verify = images;
        try
        {
            body();
        }
        finally
        {
            t_verify = previous;
        }
    }

    private ZooBed(ExplorationRun run, Machine machine, IoManager io)
    {
        Run = run;
        Machine = machine;
        Io = io;
    }

    /// <summary>The run.</summary>
    public ExplorationRun Run { get; }

    /// <summary>The machine.</summary>
    public Machine Machine { get; }

    /// <summary>The I/O manager.</summary>
    public IoManager Io { get; }

    /// <summary>Builds the machine: <paramref name="processors"/> CPUs, no clock unless <paramref name="clockIntervalNs"/> is set, a short DPC watchdog (spins past it are deadlocks).</summary>
    /// <param name="run">The explorer's run.</param>
    /// <param name="processors">Processor count.</param>
    /// <param name="clockIntervalNs">The clock interval (0: no clock).</param>
    /// <param name="forceIrqlChecking">Images under Driver Verifier's force IRQL checking (their pageable memory is trimmed at every raise).</param>
    /// <returns>The bed.</returns>
    public static ZooBed Create(ExplorationRun run, int processors = 2, long clockIntervalNs = 0, IReadOnlyList<string>? forceIrqlChecking = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var machine = run.CreateMachine(new MachineOptions
        {
            Name = "zoo", Processors = processors, ClockIntervalNs = clockIntervalNs, SystemWorkerThreads = 0, DpcWatchdogLimitNs = 2_000_000, DpcWatchdogPeriodNs = 2_000_000,
            ForceIrqlCheckingModules = forceIrqlChecking ?? [],
        });
        var io = run.AttachIo(new IoManager());
        foreach (var image in t_verify ?? [])
        {
            DriverVerifier.Enable(machine, image, VerifierOptions.SpecialPool | VerifierOptions.PoolTracking | VerifierOptions.IoVerification);
        }
        machine.Start();
        return new ZooBed(run, machine, io);
    }

    /// <summary>Loads a driver (DriverEntry runs inline, before the machine runs) and returns its object.</summary>
    /// <param name="name">The service name; the image is name.sys.</param>
    /// <param name="entry">DriverEntry.</param>
    /// <param name="verify">Whether Driver Verifier's I/O verification applies to it.</param>
    /// <returns>The driver object.</returns>
    public DriverObject Load(string name, DriverInitialize entry, bool verify = false)
    {
        var image = name.ToLowerInvariant() + ".sys";
        Machine.Memory.VfDriverLoaded(image); // counted when the image is verified
        verify |= (Machine.Memory.VfGetOptions(image) & VerifierOptions.IoVerification) != 0;
        var load = Io.LoadDriverAsync(name, image, entry, verify);
        if (!load.IsCompleted)
        {
            throw new InvalidOperationException($"DriverEntry of {name} did not run to completion inline.");
        }
        var (status, driver) = load.Result;
        return status == NtStatus.Success ? driver! : throw new InvalidOperationException($"DriverEntry of {name} failed with {status}.");
    }

    /// <summary>Creates a started, named device for <paramref name="driver"/> (IoCreateDevice, DO_DEVICE_INITIALIZING cleared).</summary>
    /// <param name="driver">The driver.</param>
    /// <param name="name">\Device\... name.</param>
    /// <param name="extension">The device extension.</param>
    /// <returns>The device.</returns>
    public static DeviceObject CreateDevice(DriverObject driver, string name, object? extension)
    {
        var status = IoCreateDevice(driver, extension, name, DeviceType.Unknown, 0, false, out var device);
        if (status != NtStatus.Success)
        {
            throw new InvalidOperationException($"IoCreateDevice {name}: {status}.");
        }
        device!.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return device;
    }

    /// <summary>Starts a requester thread on processor <paramref name="processor"/>.</summary>
    /// <param name="processor">The processor.</param>
    /// <param name="name">The thread's routine name.</param>
    /// <param name="body">The thread.</param>
    public void Thread(int processor, string name, Func<ValueTask> body) => Machine.RunRoutine(processor, Requester, name, body);

    /// <summary>Drives the machine until <paramref name="done"/> holds; past <paramref name="milliseconds"/> of virtual time it is a hang.</summary>
    /// <param name="done">The workload's end.</param>
    /// <param name="what">What the workload waits for.</param>
    /// <param name="milliseconds">The progress span.</param>
    /// <returns>Whether it finished.</returns>
    public bool RunUntil(Func<bool> done, string what, int milliseconds = 20) => Run.RunUntil(done, TimeSpan.FromMilliseconds(milliseconds), what);

    /// <summary>A dispatch routine that completes with STATUS_SUCCESS (IRP_MJ_CREATE, IRP_MJ_CLOSE).</summary>
    public static readonly DriverDispatch CompleteSuccess = async (device, irp) =>
    {
        irp.IoStatus.Status = NtStatus.Success;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return NtStatus.Success;
    };
}
