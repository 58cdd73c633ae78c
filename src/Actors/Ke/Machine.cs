using ActorKernel.Hardware;
using ActorKernel.Runtime;

namespace ActorKernel.Actors;

/// <summary>
/// A simulated machine on an actor system: N processor actors, the interrupt controller, the
/// clock and the configured devices. Start it, drive it (deterministic: <see cref="RunFor"/>,
/// <see cref="RunUntil"/>), read its statistics, and after a bugcheck its <see cref="CrashDump"/>.
/// </summary>
public sealed partial class Machine : IDisposable
{
    /// <summary>The vector of the clock interrupt (as on x64 Windows).</summary>
    public const int ClockVector = 0xD1;

    private const ulong AddressBase = 0xFFFF_8000_0000_0000;
    private readonly bool _ownsSystem;
    private readonly Processor[] _processors;
    private readonly IActorRef[] _devices;
    private readonly Dictionary<int, InterruptLineConfig> _lines = [];
    private KInterrupt[][] _interruptTable = new KInterrupt[256][];
    private readonly Lock _interruptTableLock = new();
    private readonly List<KeObject> _objects = [];
    private readonly Dictionary<(KernelModule, string), ulong> _routineAddresses = [];
    private ulong _nextAddress = AddressBase + 0x1000;
    private bool _started;

    private Machine(MachineOptions options, ActorSystem system, bool ownsSystem)
    {
        options.Validate();
        Options = options;
        if (options.CheckedBuild) { KiChecked.KiEnable(); }
        System = system;
        _ownsSystem = ownsSystem;
        for (var v = 0; v < _interruptTable.Length; v++)
        {
            _interruptTable[v] = [];
        }
        Memory = new MemoryManager(options.Memory)
        {
            // A stop Mm finds inside a routine of this machine freezes it at once, naming that routine.
            OnBugCheck = found => Processor.CurrentOrNull is { Top: not null } processor && ReferenceEquals(processor.Machine, this) && !IsBugChecked
                ? processor.KiMmBugCheck(found)
                : found,
        };
        foreach (var module in options.ForceIrqlCheckingModules)
        {
            Memory.SetForceIrqlChecking(module, true);
        }
        _processors = new Processor[options.Processors];
        var refs = new IActorRef[options.Processors];
        for (var i = 0; i < _processors.Length; i++)
        {
            var processor = new Processor(this, i);
            _processors[i] = processor;
            refs[i] = system.ActorOf(Props.Create(() => new ProcessorActor(processor)), $"{options.Name}-cpu{i}");
            processor.Self = refs[i];
        }
        var lines = new List<InterruptLineConfig>(options.InterruptLines);
        if (options.ClockIntervalNs > 0)
        {
            lines.Add(new InterruptLineConfig(options.ClockLine, ClockVector, (byte)Irql.ClockLevel, 1));
        }
        foreach (var line in lines)
        {
            _lines[line.Line] = line;
        }
        // Made before the actor: pins and EOIs change the lines at once, and a pin may be made before the actor starts.
        var interruptLines = new InterruptLines(lines, refs, _processors);
        InterruptLines = interruptLines;
        InterruptController = system.ActorOf(Props.Create(() => new InterruptController(interruptLines)), $"{options.Name}-pic");
        var random = new DeterministicRandom(options.Seed).Derive("devices");
        var devices = new List<IActorRef>();
        if (options.ClockIntervalNs > 0)
        {
            devices.Add(system.ActorOf(Props.Create(() => new TimerDevice(InterruptController, options.ClockLine, options.ClockIntervalNs)), $"{options.Name}-clock"));
            KiConnectClock();
        }
        foreach (var device in options.Devices)
        {
            var controller = InterruptController;
            devices.Add(device switch
            {
                TimerDeviceConfig t => system.ActorOf(Props.Create(() => new TimerDevice(controller, t.Line, t.PeriodNs)), $"{options.Name}-{t.Name}"),
                InterruptSourceConfig s => system.ActorOf(Props.Create(() => new InterruptSourceDevice(controller, s.Line, s.MinIntervalNs, s.MaxIntervalNs, random.Derive(s.Name))), $"{options.Name}-{s.Name}"),
                _ => throw new ArgumentException($"Unknown device configuration {device.GetType().Name}."),
            });
        }
        _devices = [.. devices];
        KiCreateSystemWorkers();
    }

    /// <summary>The configuration.</summary>
    public MachineOptions Options { get; }

    /// <summary>The actor system the machine runs on.</summary>
    public ActorSystem System { get; }

    /// <summary>The machine's memory: physical pages, address spaces, pools, paging, MDLs (docs/memory.md).</summary>
    public MemoryManager Memory { get; }

    /// <summary>Processor count.</summary>
    public int ProcessorCount => _processors.Length;

    /// <summary>The interrupt controller actor: devices tell it <see cref="RaiseInterruptLine"/>.</summary>
    public IActorRef InterruptController { get; }

    /// <summary>The interrupt controller's lines: what pins and end-of-interrupts change, at once.</summary>
    internal InterruptLines InterruptLines { get; }

    /// <summary>
    /// The I/O manager attached to this machine (an <c>IoManager</c>, set by its AttachTo), for the
    /// services that find it through the running processor; Ke only keeps it.
    /// </summary>
    internal object? AttachedIoManager;

    /// <summary>The processor actors, by number.</summary>
    public IReadOnlyList<IActorRef> ProcessorRefs => [.. _processors.Select(p => p.Self)];

    /// <summary>Virtual (deterministic) or scaled wall-clock (concurrent) time, in nanoseconds.</summary>
    public long NowNanoseconds => System.Scheduler.NowNanoseconds;

    internal Lock DpcLock { get; } = new();

    internal Lock DispatcherLock { get; } = new();

    internal IReadOnlyList<Processor> Processors => _processors;

    /// <summary>The address of nt!DPC_WATCHDOG_GLOBAL_TRIAGE_BLOCK, which DPC_WATCHDOG_VIOLATION names.</summary>
    internal ulong KiDpcWatchdogTriageBlock => RoutineAddress(KernelModule.Kernel, "KiDpcWatchdogGlobalTriageBlock");

    internal long NominalTickNs => Options.ClockIntervalNs > 0 ? Options.ClockIntervalNs : 15_625_000;

    /// <summary>Builds a machine on a new actor system made from the options' seed and dispatcher.</summary>
    public static Machine Create(MachineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var system = ActorSystem.Create(options.Name, options.Dispatcher == DispatcherKind.Deterministic
            ? ActorSystemOptions.DeterministicWith(options.Seed)
            : ActorSystemOptions.ConcurrentWith());
        try
        {
            return new Machine(options, system, ownsSystem: true);
        }
        catch
        {
            system.Dispose();
            throw;
        }
    }

    /// <summary>Builds a machine on an existing actor system (which the caller disposes).</summary>
    public static Machine Create(MachineOptions options, ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(system);
        return new Machine(options, system, ownsSystem: false);
    }

    /// <summary>Starts the clock and the devices (they begin raising interrupts).</summary>
    public void Start()
    {
        if (_started)
        {
            return;
        }
        _started = true;
        foreach (var device in _devices)
        {
            device.Tell(DeviceStart.Instance);
        }
    }

    /// <summary>Stops the clock and the devices; routines already queued still run.</summary>
    public void Stop()
    {
        foreach (var device in _devices)
        {
            device.Tell(DeviceStop.Instance);
        }
        _started = false;
    }

    /// <summary>Runs the deterministic dispatcher for <paramref name="span"/> of virtual time.</summary>
    public void RunFor(TimeSpan span) => Deterministic.RunFor(span);

    /// <summary>Runs the deterministic dispatcher until <paramref name="condition"/> holds, or <paramref name="timeout"/> of virtual time passes.</summary>
    public bool RunUntil(Func<bool> condition, TimeSpan timeout) => Deterministic.RunUntil(condition, timeout);

    private DeterministicDispatcher Deterministic => System.Deterministic
        ?? throw new InvalidOperationException("RunFor/RunUntil drive the deterministic dispatcher; this machine runs on the concurrent one.");

    /// <summary>
    /// Runs <paramref name="routine"/> on processor <paramref name="processor"/> on behalf of
    /// <paramref name="module"/>. At PASSIVE_LEVEL or APC_LEVEL it runs as a new system thread; at
    /// DISPATCH_LEVEL or above it runs as a frame at that IRQL as soon as the processor's IRQL is below it.
    /// <paramref name="process"/> is the process whose user space is current while it runs (a thread
    /// of that process calling into the driver); null runs a system thread (a frame at DISPATCH_LEVEL
    /// or above then runs in the context of whatever it interrupted).
    /// </summary>
    public void RunRoutine(int processor, KernelModule module, string name, Func<ValueTask> routine, Irql irql = Irql.PassiveLevel, AddressSpace? process = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(processor);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(processor, _processors.Length);
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(routine);
        _processors[processor].Self.Tell(new KiRunRoutine(irql, module, name, routine, process));
    }

    /// <summary>Raises interrupt line <paramref name="line"/> as a device would.</summary>
    public void RaiseInterrupt(int line) => InterruptController.Tell(new RaiseInterruptLine(line));

    /// <summary>The routing of line <paramref name="line"/> (vector and DIRQL to connect an ISR to).</summary>
    public InterruptLineConfig GetInterruptLine(int line) =>
        _lines.TryGetValue(line, out var config) ? config : throw new ArgumentException($"Interrupt line {line} is not configured.", nameof(line));

    /// <summary>A processor's current IRQL (a racy read on the concurrent dispatcher).</summary>
    public Irql GetProcessorIrql(int processor) => _processors[processor].Irql;

    internal KInterrupt[] GetInterruptChain(int vector) =>
        (uint)vector < (uint)_interruptTable.Length ? Volatile.Read(ref _interruptTable)[vector] : [];

    internal NtStatus KiConnectInterrupt(KInterrupt interrupt)
    {
        lock (_interruptTableLock)
        {
            var table = (KInterrupt[][])_interruptTable.Clone();
            var chain = table[interrupt.Vector];
            if (chain.Length > 0 && (!interrupt.ShareVector || chain.Any(i => !i.ShareVector || i.Mode != interrupt.Mode)))
            {
                return NtStatus.InvalidParameter;
            }
            table[interrupt.Vector] = [.. chain, interrupt];
            Volatile.Write(ref _interruptTable, table);
        }
        interrupt.EnsureAddress(this);
        interrupt.SpinLock.EnsureAddress(this);
        return NtStatus.Success;
    }

    internal void KiDisconnectInterrupt(KInterrupt interrupt)
    {
        lock (_interruptTableLock)
        {
            var table = (KInterrupt[][])_interruptTable.Clone();
            table[interrupt.Vector] = [.. table[interrupt.Vector].Where(i => i != interrupt)];
            Volatile.Write(ref _interruptTable, table);
        }
    }

    internal bool KiInsertQueueDpc(KDpc dpc, object? argument1, object? argument2, Processor current)
    {
        var target = current;
        if (dpc.TargetProcessor >= 0)
        {
            if (dpc.TargetProcessor >= _processors.Length)
            {
                throw current.KiBugCheck(current.Top, BugCheckCode.TimerOrDpcInvalid, 3, dpc.EnsureAddress(this), (ulong)dpc.TargetProcessor, (ulong)_processors.Length,
                    $"DPC {dpc.RoutineName} targets processor {dpc.TargetProcessor} of {_processors.Length}");
            }
            target = _processors[dpc.TargetProcessor];
        }
        dpc.EnsureAddress(this);
        lock (DpcLock)
        {
            if (dpc.QueuedOn is not null)
            {
                return false;
            }
            dpc.SystemArgument1 = argument1;
            dpc.SystemArgument2 = argument2;
            target.KiLinkDpc(dpc);
        }
        if (target != current)
        {
            target.Self.Tell(KiWake.Instance, current.Self);
        }
        return true;
    }

    internal bool KiRemoveQueueDpc(KDpc dpc)
    {
        lock (DpcLock)
        {
            if (dpc.QueuedOn is not { } queue)
            {
                return false;
            }
            queue.KiUnlinkDpc(dpc);
            return true;
        }
    }

    internal ulong AllocateAddress(KeObject kernelObject)
    {
        lock (_objects)
        {
            if (kernelObject.TryAssignAddress(_nextAddress))
            {
                _objects.Add(kernelObject);
                _nextAddress += 0x40;
            }
            return kernelObject.Address;
        }
    }

    internal List<T> ObjectsOf<T>() where T : KeObject
    {
        lock (_objects)
        {
            return [.. _objects.OfType<T>()];
        }
    }

    /// <summary>
    /// A fake code address for a routine, stable within the run (for bugcheck parameters): inside its
    /// module's image range (<see cref="KiImageRange"/>), so checks over an image see its routines.
    /// </summary>
    internal ulong RoutineAddress(KernelModule module, string routine)
    {
        lock (_routineAddresses)
        {
            if (!_routineAddresses.TryGetValue((module, routine), out var address))
            {
                var image = KiImageLocked(module);
                image.Routines++;
                address = image.Base + (ulong)image.Routines * RoutineStride;
                _routineAddresses[(module, routine)] = address;
            }
            return address;
        }
    }

    private const ulong ImageBase = 0xFFFF_F800_0000_0000;
    private const ulong ImageSize = 0x10_0000;
    private const ulong RoutineStride = 0x100;
    private readonly Dictionary<KernelModule, KiImage> _images = [];

    /// <summary>The fake image range [start, end) of <paramref name="module"/>: 1 MiB per module, in load order, below MmLayout.DriverImageBase.</summary>
    internal (ulong Start, ulong End) KiImageRange(KernelModule module)
    {
        lock (_routineAddresses)
        {
            var image = KiImageLocked(module);
            return (image.Base, image.Base + ImageSize);
        }
    }

    private KiImage KiImageLocked(KernelModule module)
    {
        if (!_images.TryGetValue(module, out var image))
        {
            image = new KiImage(ImageBase + (ulong)_images.Count * ImageSize);
            _images[module] = image;
        }
        return image;
    }

    private sealed class KiImage(ulong start)
    {
        public ulong Base { get; } = start;

        public int Routines { get; set; }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsSystem)
        {
            System.Dispose();
        }
    }
}
