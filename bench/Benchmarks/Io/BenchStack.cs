using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Benchmarks.Io;

/// <summary>
/// The benchmarks' 3-deep stack, filter → function → PDO: the filter and the function driver each
/// copy their location down and set a completion routine (propagating pending); the PDO completes
/// reads at once, or marks them pending and completes them from a DPC.
/// </summary>
internal sealed class BenchStack
{
    private readonly Dictionary<Irp, KDpc> _dpcs = [];
    private readonly KernelModule _pdoModule;

    public BenchStack(IoManager io, bool completeFromDpc, int processors)
    {
        CompleteFromDpc = completeFromDpc;
        var pdoDriver = Load(io, "BenchPdo", d => d.MajorFunction[(int)IrpMajorFunction.Read] = PdoRead);
        var fdoDriver = Load(io, "BenchFdo", d => d.MajorFunction[(int)IrpMajorFunction.Read] = PassDown);
        var filterDriver = Load(io, "BenchFlt", d => d.MajorFunction[(int)IrpMajorFunction.Read] = PassDown);
        Pdo = Create(pdoDriver, null);
        var fdo = Create(fdoDriver, Pdo);
        Top = Create(filterDriver, Pdo);
        _ = fdo;
        _ = processors;
        _pdoModule = pdoDriver.Module;
    }

    /// <summary>Gives a caller's IRP its own DPC (a device would keep one per outstanding request).</summary>
    public void Register(Irp irp)
    {
        var dpc = new KDpc();
        KeInitializeDpc(dpc, PdoDpc, null, _pdoModule, "PdoDpc");
        _dpcs.Add(irp, dpc);
    }

    public bool CompleteFromDpc { get; }

    /// <summary>
    /// Makes <paramref name="irp"/> (the caller's own, reused) a 512-byte read for the top of the stack, with
    /// <paramref name="completion"/> and <paramref name="context"/> as the caller's completion routine.
    /// </summary>
    public static void PrepareRead(Irp irp, IoCompletionRoutine completion, object? context)
    {
        IoReuseIrp(irp, NtStatus.Success);
        var next = IoGetNextIrpStackLocation(irp);
        next.MajorFunction = IrpMajorFunction.Read;
        next.Parameters.Read.Length = 512;
        IoSetCompletionRoutine(irp, completion, context, true, true, true);
    }

    public DeviceObject Pdo { get; }

    public DeviceObject Top { get; }

    private static DriverObject Load(IoManager io, string name, Action<DriverObject> entry)
    {
        var load = io.LoadDriverAsync(name, name.ToLowerInvariant() + ".sys", (d, _) =>
        {
            entry(d);
            return ValueTask.FromResult(NtStatus.Success);
        });
        return load.GetAwaiter().GetResult().Driver!;
    }

    private static DeviceObject Create(DriverObject driver, DeviceObject? below)
    {
        IoCreateDevice(driver, new Extension(), null, DeviceType.Unknown, 0, false, out var device);
        if (below is not null)
        {
            device!.GetExtension<Extension>().Lower = IoAttachDeviceToDeviceStack(device, below);
        }
        device!.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return device;
    }

    private static ValueTask<NtStatus> PassDown(DeviceObject device, Irp irp)
    {
        IoCopyCurrentIrpStackLocationToNext(irp);
        IoSetCompletionRoutine(irp, PropagatePending, null, true, true, true);
        return IoCallDriver(device.GetExtension<Extension>().Lower!, irp);
    }

    private static ValueTask<NtStatus> PropagatePending(DeviceObject? device, Irp irp, object? context)
    {
        if (irp.PendingReturned)
        {
            IoMarkIrpPending(irp);
        }
        return new ValueTask<NtStatus>(NtStatus.Success);
    }

    private ValueTask<NtStatus> PdoRead(DeviceObject device, Irp irp)
    {
        if (!CompleteFromDpc)
        {
            irp.IoStatus.Status = NtStatus.Success;
            irp.IoStatus.Information = 512;
            return CompleteAndReturn(irp);
        }
        IoMarkIrpPending(irp);
        var old = KeRaiseIrql(Irql.DispatchLevel);
        KeInsertQueueDpc(_dpcs[irp], irp, null);
        KeLowerIrql(old);
        return new ValueTask<NtStatus>(NtStatus.Pending);
    }

    private static async ValueTask<NtStatus> CompleteAndReturn(Irp irp)
    {
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return NtStatus.Success;
    }

    private sealed class Extension
    {
        public DeviceObject? Lower;
    }

    private static ValueTask PdoDpc(KDpc dpc, object? context, object? argument1, object? argument2)
    {
        var irp = (Irp)argument1!;
        irp.IoStatus.Status = NtStatus.Success;
        irp.IoStatus.Information = 512;
        return IoCompleteRequest(irp, PriorityBoost.IoDiskIncrement);
    }
}
