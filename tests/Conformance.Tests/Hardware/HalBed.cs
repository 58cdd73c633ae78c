using ActorKernel.Actors;
using ActorKernel.Drivers.Bus;
using ActorKernel.Hardware;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Wdm;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.Hardware;

/// <summary>
/// A small machine with the HAL's platform: a root-bus PDO, a probe driver (halprobe.sys) attached
/// above it, and helpers to place a PCI device, start the stack (IRP_MN_START_DEVICE with its
/// resources) and run a routine of the probe driver at an IRQL.
/// </summary>
internal sealed class HalBed : IDisposable
{
    public const int Line = 5;
    public const int Vector = 0x55;
    public const byte Dirql = 5;

    public HalBed(bool verify = false, int processors = 1, uint mapRegistersPerAdapter = 256, DispatcherKind dispatcher = DispatcherKind.Deterministic)
    {
        Machine = Machine.Create(new MachineOptions
        {
            Processors = processors,
            Seed = 11,
            Dispatcher = dispatcher,
            ClockIntervalNs = 0,
            SystemWorkerThreads = 0,
            InterruptLines = [new InterruptLineConfig(Line, Vector, Dirql)],
            Memory = new MemoryManagerOptions { PhysicalMemoryBytes = 16UL << 20, NonPagedPoolBytes = 4UL << 20, PagedPoolBytes = 4UL << 20, PageFileBytes = 16UL << 20 },
        });
        Machine.Hal.MapRegistersPerAdapter = mapRegistersPerAdapter;
        Io = new IoMgr();
        Io.AttachTo(Machine);
        var bus = Loaded(Io.LoadDriverAsync(RootBus.ServiceName, RootBus.ImageName, RootBus.DriverEntry));
        Driver = Loaded(Io.LoadDriverAsync("HalProbe", "halprobe.sys", ProbeEntry, verify));
        Pdo = RootBus.CreatePdo(bus, "ProbePdo0");
        var added = Driver.DriverExtension.AddDevice!(Driver, Pdo);
        Assert.True(added.IsCompleted);
        Assert.Equal(NtStatus.Success, added.Result);
        Fdo = Driver.DeviceObjects[0];
        Machine.Start();
    }

    public Machine Machine { get; }

    public IoMgr Io { get; }

    public DriverObject Driver { get; }

    public DeviceObject Pdo { get; }

    public DeviceObject Fdo { get; }

    public ProbeExtension Probe => Fdo.GetExtension<ProbeExtension>();

    public TestRegisters IoRegisters { get; } = new(16);

    public TestRegisters MemoryRegisters { get; } = new(0x100);

    /// <summary>A PCI device with an I/O BAR (16 ports), a memory BAR (256 bytes) and INTA# routed to <see cref="Line"/>.</summary>
    public static PciDeviceDefinition ProbeDefinition(IRegisterWindow io, IRegisterWindow memory) =>
        new(0x1AF4, 0x1042, 0x01, 0x80, 0x00, [new PciBarDefinition(PciBarKind.Io, io), new PciBarDefinition(PciBarKind.Memory32, memory)]);

    public PlacedDevice PlaceProbe() => Machine.Hal.Platform.PlacePciDevice("probe0", ProbeDefinition(IoRegisters, MemoryRegisters), Line);

    /// <summary>Sends IRP_MN_START_DEVICE with <paramref name="hardware"/>'s resources down the stack (from a system thread) and returns the status.</summary>
    public NtStatus Start(PlacedDevice? hardware)
    {
        NtStatus? status = null;
        Machine.CreateSystemThread(0, KernelModule.Kernel, "PnpStart", async _ => status = await Io.IopStartDevice(Pdo, hardware));
        Assert.True(Machine.RunUntil(() => status is not null || Machine.IsBugChecked, TimeSpan.FromSeconds(10)));
        Assert.False(Machine.IsBugChecked, Machine.CrashDump?.Analysis);
        return status!.Value;
    }

    /// <summary>Runs <paramref name="body"/> as a routine of halprobe.sys on processor <paramref name="processor"/> at <paramref name="irql"/> until it returns (or the machine bugchecks).</summary>
    public void Run(Func<ValueTask> body, Irql irql = Irql.PassiveLevel, AddressSpace? process = null, int processor = 0)
    {
        var done = false;
        Machine.RunRoutine(processor, Driver.Module, "ProbeRoutine", async () =>
        {
            await body();
            done = true;
        }, irql, process);
        WaitUntil(() => Volatile.Read(ref done) || Machine.IsBugChecked);
        Assert.True(done || Machine.IsBugChecked, "the routine ran to its end");
    }

    /// <summary>Runs the machine until <paramref name="condition"/> holds: virtual time on the deterministic dispatcher, a bounded wall-clock wait on the concurrent one.</summary>
    public void WaitUntil(Func<bool> condition)
    {
        if (Machine.System.Deterministic is not null)
        {
            Machine.RunUntil(condition, TimeSpan.FromSeconds(100));
            return;
        }
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!condition() && DateTime.UtcNow < until)
        {
            Thread.Sleep(2);
        }
    }

    /// <summary>Runs <paramref name="body"/> and expects it to end in a bugcheck; returns the dump's code and parameters.</summary>
    public (BugCheckCode Code, ulong P1, ulong P2, ulong P3, ulong P4, string Module) RunExpectingBugCheck(Func<ValueTask> body, Irql irql = Irql.PassiveLevel)
    {
        Run(body, irql);
        Assert.True(Machine.IsBugChecked, "the routine should have bugchecked");
        var dump = Machine.CrashDump!;
        return (dump.Code, dump.Parameters[0].Value, dump.Parameters[1].Value, dump.Parameters[2].Value, dump.Parameters[3].Value, dump.FaultingModule);
    }

    public void Dispose() => Machine.Dispose();

    private static DriverObject Loaded(ValueTask<(NtStatus Status, DriverObject? Driver)> load)
    {
        Assert.True(load.IsCompleted);
        Assert.Equal(NtStatus.Success, load.Result.Status);
        return load.Result.Driver!;
    }

    private static ValueTask<NtStatus> ProbeEntry(DriverObject driverObject, string registryPath)
    {
        driverObject.MajorFunction[(int)IrpMajorFunction.Pnp] = ProbePnp;
        driverObject.DriverExtension.AddDevice = ProbeAddDevice;
        return ValueTask.FromResult(NtStatus.Success);
    }

    private static ValueTask<NtStatus> ProbeAddDevice(DriverObject driverObject, DeviceObject pdo)
    {
        var extension = new ProbeExtension();
        var status = IoCreateDevice(driverObject, extension, null, DeviceType.Unknown, 0, false, out var fdo);
        if (!status.IsSuccess())
        {
            return ValueTask.FromResult(status);
        }
        extension.Lower = IoAttachDeviceToDeviceStack(fdo!, pdo);
        fdo!.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return ValueTask.FromResult(NtStatus.Success);
    }

    private static async ValueTask<NtStatus> ProbePnp(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<ProbeExtension>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        if (stack.MinorFunction == (byte)PnpMinorFunction.StartDevice)
        {
            extension.Raw = stack.Parameters.StartDevice.AllocatedResources;
            extension.Translated = stack.Parameters.StartDevice.AllocatedResourcesTranslated;
        }
        IoSkipCurrentIrpStackLocation(irp);
        return await IoCallDriver(extension.Lower!, irp);
    }
}

/// <summary>halprobe.sys's device extension: what IRP_MN_START_DEVICE brought.</summary>
internal sealed class ProbeExtension
{
    public DeviceObject? Lower { get; set; }

    public CmResourceList? Raw { get; set; }

    public CmResourceList? Translated { get; set; }
}
