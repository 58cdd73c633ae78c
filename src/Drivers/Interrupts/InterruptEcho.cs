/*++

Module Name:

    InterruptEcho.cs

Abstract:

    An interrupt-driven function driver in the classic WDM shape (DriverStartIo, an ISR, a DPC for
    the ISR): reads and writes are marked pending and queued with IoStartPacket; StartIo makes the
    packet the device's current one; the device's interrupt runs the ISR at DIRQL, which claims it
    and queues the DPC; the DPC runs at DISPATCH_LEVEL, updates the statistics every device of the
    driver shares under one spin lock, completes the current packet and starts the next
    (IoStartNextPacket). A read returns the bytes the last write left (an echo); IOCTL_INTECHO_GET_STATISTICS
    answers at once with the interrupt and DPC counts. With SpreadDpcs the DPCs are targeted
    round-robin over the processors (receive-side scaling).

    It serves the interval timer and interrupt-source device models of src/Hardware, which have an
    interrupt line and no registers: every interrupt on the line is the device's, so the ISR claims
    each one (a real ISR would read the device's status register first).

    Packets are cancelable in the WDK's StartIo shape: a queued packet's cancel routine takes it out
    of the device queue; the current packet's cancel routine abandons the device's operation and
    starts the next. The device interrupts by itself, so two DPCs (on two processors) or a DPC and
    the cancel routine can reach the same current packet: each claims it under the cancel spin lock
    (which also guards CurrentIrp, IoStartNextPacket being cancelable), and only the claimer
    completes it.

    Left out: the CM_RESOURCE_LIST of IRP_MN_START_DEVICE (the interrupt resources come from the
    driver's options, keyed by the PDO's name, as a resource arbiter would assign them), and power.

Environment:

    Kernel mode. Dispatch routines at PASSIVE_LEVEL; StartIo and the DPC at DISPATCH_LEVEL; the ISR at
    the line's DIRQL.

--*/

using System.Runtime.CompilerServices;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Interrupts;

/// <summary>The interrupt a device was assigned (what IRP_MN_START_DEVICE's translated resources carry).</summary>
/// <param name="PdoName">The PDO the resources belong to.</param>
/// <param name="Vector">The system interrupt vector.</param>
/// <param name="Irql">The DIRQL.</param>
/// <param name="Affinity">The processors that may take it (0: all).</param>
public sealed record InterruptEchoResources(string PdoName, int Vector, Irql Irql, ulong Affinity);

/// <summary>The driver's configuration (its service key's parameters).</summary>
public sealed record InterruptEchoOptions
{
    /// <summary>Each device's interrupt.</summary>
    public IReadOnlyList<InterruptEchoResources> Resources { get; init; } = [];

    /// <summary>Simulated cost of the ISR's body (reading and acknowledging the device).</summary>
    public long IsrNanoseconds { get; init; } = 1_000;

    /// <summary>Simulated cost of the DPC's body.</summary>
    public long DpcNanoseconds { get; init; } = 2_000;

    /// <summary>Time the DPC holds the driver's statistics spin lock (0: the DPC takes no lock).</summary>
    public long StatisticsHoldNanoseconds { get; init; } = 1_000;

    /// <summary>Target the DPCs round-robin over the processors, per device PDO name.</summary>
    public IReadOnlyList<string> SpreadDpcs { get; init; } = [];
}

/// <summary>The codes shared with applications (the sample's public header).</summary>
public static class InterruptEchoCodes
{
    /// <summary>IOCTL_INTECHO_GET_STATISTICS: METHOD_BUFFERED; returns two ULONG64s, interrupts then DPCs.</summary>
    public static readonly IoControlCode GetStatistics = IoControlCode.CtlCode(DeviceType.Unknown, 0x800, TransferMethod.MethodBuffered, IoctlAccess.FileAnyAccess);

    /// <summary>The reply's length.</summary>
    public const int StatisticsLength = 16;
}

/// <summary>The device extension.</summary>
public sealed class InterruptEchoExtension
{
    private long _interrupts;
    private long _dpcs;

    /// <summary>The device below (the PDO).</summary>
    public DeviceObject? LowerDevice { get; internal set; }

    /// <summary>The connected interrupt object.</summary>
    public KInterrupt? Interrupt { get; internal set; }

    /// <summary>The PDO's name, the key of the device's resources.</summary>
    public string PdoName { get; internal set; } = "";

    /// <summary>ISR calls.</summary>
    public long Interrupts => Interlocked.Read(ref _interrupts);

    /// <summary>DPC runs.</summary>
    public long Dpcs => Interlocked.Read(ref _dpcs);

    /// <summary>Deepest DPC queue seen per processor right after this device's ISR queued its DPC.</summary>
    public int[] MaxDpcQueueDepth { get; internal set; } = [];

    internal DeviceObject? Device { get; set; }

    internal KDpc[] DpcObjects { get; set; } = [];

    internal int NextDpc;

    internal byte[] Echo { get; set; } = new byte[64];

    /// <summary>
    /// The current packet a DPC or the cancel routine claimed to complete, with its generation (the I/O
    /// manager reuses IRPs, so the object alone does not name one request); under the cancel spin lock.
    /// </summary>
    internal (Irp? Irp, uint Generation) Claimed { get; set; }

    internal bool IsClaimed(Irp irp) => Claimed.Irp == irp && Claimed.Generation == irp.Generation;

    internal void Claim(Irp irp) => Claimed = (irp, irp.Generation);

    internal void CountInterrupt() => Interlocked.Increment(ref _interrupts);

    internal void CountDpc() => Interlocked.Increment(ref _dpcs);
}

/// <summary>The interrupt-driven echo driver (<c>intecho.sys</c>).</summary>
public static class InterruptEcho
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "IntEcho";

    /// <summary>The image name.</summary>
    public const string ImageName = "intecho.sys";

    private static readonly object OptionsKey = new();
    private static readonly object LockKey = new();

    /// <summary>DriverEntry with <paramref name="options"/> as the service key's parameters.</summary>
    /// <param name="options">Resources and costs.</param>
    /// <returns>The DriverEntry routine.</returns>
    public static DriverInitialize DriverEntryWith(InterruptEchoOptions options) => (driverObject, registryPath) =>
    {
        _ = registryPath;
        driverObject.IoAllocateDriverObjectExtension(OptionsKey, options);
        var statisticsLock = new KSpinLock();
        KeInitializeSpinLock(statisticsLock, "IntEchoStatisticsLock");
        driverObject.IoAllocateDriverObjectExtension(LockKey, statisticsLock);
        driverObject.MajorFunction[(int)IrpMajorFunction.Create] = IntEchoCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Close] = IntEchoCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Cleanup] = IntEchoCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Read] = IntEchoReadWrite;
        driverObject.MajorFunction[(int)IrpMajorFunction.Write] = IntEchoReadWrite;
        driverObject.MajorFunction[(int)IrpMajorFunction.DeviceControl] = IntEchoDeviceControl;
        driverObject.DriverStartIo = IntEchoStartIo;
        driverObject.MajorFunction[(int)IrpMajorFunction.Pnp] = IntEchoPnp;
        driverObject.DriverExtension.AddDevice = IntEchoAddDevice;
        return ValueTask.FromResult(NtStatus.Success);
    };

    /// <summary>
    /// AddDevice: creates \Device\IntEchoN (buffered I/O), attaches it above the PDO and connects the
    /// ISR to the device's assigned interrupt.
    /// </summary>
    /// <param name="driverObject">This driver.</param>
    /// <param name="physicalDeviceObject">The PDO the bus driver made.</param>
    /// <returns>STATUS_SUCCESS, STATUS_INSUFFICIENT_RESOURCES when the PDO has no interrupt assigned, or IoConnectInterrupt's failure.</returns>
    public static ValueTask<NtStatus> IntEchoAddDevice(DriverObject driverObject, DeviceObject physicalDeviceObject)
    {
        ArgumentNullException.ThrowIfNull(driverObject);
        ArgumentNullException.ThrowIfNull(physicalDeviceObject);
        var options = (InterruptEchoOptions)driverObject.IoGetDriverObjectExtension(OptionsKey)!;
        var resources = options.Resources.FirstOrDefault(r => r.PdoName == physicalDeviceObject.Name);
        if (resources is null)
        {
            return ValueTask.FromResult(NtStatus.InsufficientResources);
        }
        var extension = new InterruptEchoExtension { PdoName = resources.PdoName };
        var status = IoCreateDevice(driverObject, extension, $"\\Device\\IntEcho{driverObject.DeviceObjects.Count}", DeviceType.Unknown, 0, false, out var fdo);
        if (!status.IsSuccess())
        {
            return ValueTask.FromResult(status);
        }
        extension.Device = fdo;
        var machine = driverObject.Manager.Machine!;
        var spread = options.SpreadDpcs.Contains(resources.PdoName);
        extension.DpcObjects = new KDpc[spread ? machine.ProcessorCount : 1];
        extension.MaxDpcQueueDepth = new int[machine.ProcessorCount];
        for (var i = 0; i < extension.DpcObjects.Length; i++)
        {
            extension.DpcObjects[i] = new KDpc();
            KeInitializeDpc(extension.DpcObjects[i], IntEchoDpcForIsr, fdo, driverObject.Module);
            if (spread)
            {
                KeSetTargetProcessorDpc(extension.DpcObjects[i], i);
            }
        }
        // AddDevice runs while the stack is built, outside a processor routine: connect for the
        // driver's module through the machine (IoConnectInterrupt's work), latched as the models' lines are.
        status = machine.IoConnectInterrupt(out var interrupt, driverObject.Module, IntEchoIsr, fdo, null, resources.Vector, resources.Irql, resources.Irql,
            KInterruptMode.Latched, false, resources.Affinity, "IntEchoIsr");
        if (!status.IsSuccess())
        {
            IoDeleteDevice(fdo!);
            return ValueTask.FromResult(status);
        }
        extension.Interrupt = interrupt;
        extension.LowerDevice = IoAttachDeviceToDeviceStack(fdo!, physicalDeviceObject);
        fdo!.Flags |= DeviceObjectFlags.BufferedIo;
        fdo.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return ValueTask.FromResult(NtStatus.Success);
    }

    private static async ValueTask<NtStatus> IntEchoCreateClose(DeviceObject deviceObject, Irp irp)
    {
        _ = deviceObject;
        irp.IoStatus.Status = NtStatus.Success;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return NtStatus.Success;
    }

    /// <summary>IRP_MJ_READ / IRP_MJ_WRITE: pend the packet; StartIo and the interrupt take it from here.</summary>
    private static async ValueTask<NtStatus> IntEchoReadWrite(DeviceObject deviceObject, Irp irp)
    {
        IoMarkIrpPending(irp);
        await IoStartPacket(deviceObject, irp, null, IntEchoCancel);
        return NtStatus.Pending;
    }

    /// <summary>
    /// DriverStartIo, at DISPATCH_LEVEL: the packet is the device's current one. The device model needs
    /// no programming; the packet keeps the cancel routine IoStartPacket gave it until a DPC claims it.
    /// </summary>
    private static ValueTask IntEchoStartIo(DeviceObject deviceObject, Irp irp)
    {
        _ = deviceObject;
        _ = irp;
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The cancel routine, called with the cancel spin lock held: a queued packet leaves the device
    /// queue; the current one is abandoned and the next started. Either completes STATUS_CANCELLED.
    /// </summary>
    private static async ValueTask IntEchoCancel(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<InterruptEchoExtension>();
        if (irp == deviceObject.CurrentIrp)
        {
            if (extension.IsClaimed(irp))
            {
                IoReleaseCancelSpinLock(irp.CancelIrql); // a DPC claimed it first and completes it
                return;
            }
            extension.Claim(irp);
            IoReleaseCancelSpinLock(irp.CancelIrql);
            await IoStartNextPacket(deviceObject, true);
        }
        else
        {
            deviceObject.DeviceQueue.KeRemoveEntryDeviceQueue(irp);
            IoReleaseCancelSpinLock(irp.CancelIrql);
        }
        irp.IoStatus.Status = NtStatus.Cancelled;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
    }

    /// <summary>The ISR, at DIRQL: claim the interrupt and queue the DPC that finishes the work.</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder<>))]
    private static async ValueTask<bool> IntEchoIsr(KInterrupt interrupt, object? context)
    {
        var fdo = (DeviceObject)context!;
        var extension = fdo.GetExtension<InterruptEchoExtension>();
        var options = (InterruptEchoOptions)fdo.DriverObject.IoGetDriverObjectExtension(OptionsKey)!;
        extension.CountInterrupt();
        await KeCompute(options.IsrNanoseconds);
        var dpcs = extension.DpcObjects;
        var dpc = dpcs.Length == 1 ? dpcs[0] : dpcs[(Interlocked.Increment(ref extension.NextDpc) & int.MaxValue) % dpcs.Length];
        if (KeInsertQueueDpc(dpc, null, null))
        {
            var cpu = dpc.TargetProcessor >= 0 ? dpc.TargetProcessor : KeGetCurrentProcessorNumber();
            var depth = fdo.DriverObject.Manager.Machine!.Processors[cpu].DpcQueueDepth;
            if (depth > Volatile.Read(ref extension.MaxDpcQueueDepth[cpu]))
            {
                Volatile.Write(ref extension.MaxDpcQueueDepth[cpu], depth);
            }
        }
        return true;
    }

    /// <summary>The DPC for the ISR, at DISPATCH_LEVEL: statistics under the shared lock, then complete the current packet.</summary>
    [AsyncMethodBuilder(typeof(KernelRoutineBuilder))]
    private static async ValueTask IntEchoDpcForIsr(KDpc dpc, object? context, object? argument1, object? argument2)
    {
        var fdo = (DeviceObject)context!;
        var extension = fdo.GetExtension<InterruptEchoExtension>();
        var options = (InterruptEchoOptions)fdo.DriverObject.IoGetDriverObjectExtension(OptionsKey)!;
        extension.CountDpc();
        await KeCompute(options.DpcNanoseconds);
        if (options.StatisticsHoldNanoseconds > 0)
        {
            var statisticsLock = (KSpinLock)fdo.DriverObject.IoGetDriverObjectExtension(LockKey)!;
            var old = await KeAcquireSpinLock(statisticsLock);
            await KeCompute(options.StatisticsHoldNanoseconds);
            await KeReleaseSpinLock(statisticsLock, old);
        }
        var manager = fdo.DriverObject.Manager;
        var cancelIrql = await IoAcquireCancelSpinLock(manager);
        var irp = fdo.CurrentIrp;
        if (irp is null || extension.IsClaimed(irp))
        {
            // The device was idle, or another DPC (or the cancel routine) finishes this packet.
            IoReleaseCancelSpinLock(manager, cancelIrql);
            return;
        }
        extension.Claim(irp);
        IoSetCancelRoutine(irp, null);
        IoReleaseCancelSpinLock(manager, cancelIrql);
        var stack = IoGetCurrentIrpStackLocation(irp);
        var length = (int)stack.Parameters.Read.Length;
        if (stack.MajorFunction == IrpMajorFunction.Write)
        {
            if (extension.Echo.Length < length)
            {
                extension.Echo = new byte[length];
            }
            irp.SystemBuffer.AsSpan(0, length).CopyTo(extension.Echo);
        }
        else
        {
            var echoed = Math.Min(length, extension.Echo.Length);
            extension.Echo.AsSpan(0, echoed).CopyTo(irp.SystemBuffer.AsSpan());
            irp.SystemBuffer.AsSpan(echoed, length - echoed).Clear();
        }
        irp.IoStatus.Status = NtStatus.Success;
        irp.IoStatus.Information = (ulong)length;
        await IoStartNextPacket(fdo, true);
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
    }

    /// <summary>IRP_MJ_DEVICE_CONTROL: one switch, one exit.</summary>
    private static async ValueTask<NtStatus> IntEchoDeviceControl(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<InterruptEchoExtension>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var status = NtStatus.InvalidDeviceRequest;
        ulong information = 0;
        if (stack.Parameters.DeviceIoControl.IoControlCode == InterruptEchoCodes.GetStatistics)
        {
            if (stack.Parameters.DeviceIoControl.OutputBufferLength < InterruptEchoCodes.StatisticsLength)
            {
                status = NtStatus.BufferTooSmall;
            }
            else
            {
                BitConverter.TryWriteBytes(irp.SystemBuffer.AsSpan(0, 8), extension.Interrupts);
                BitConverter.TryWriteBytes(irp.SystemBuffer.AsSpan(8, 8), extension.Dpcs);
                status = NtStatus.Success;
                information = InterruptEchoCodes.StatisticsLength;
            }
        }
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = information;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    /// <summary>IRP_MJ_PNP: IRP_MN_START_DEVICE and the rest go to the PDO; the interrupt was connected at AddDevice from the driver's parameters; the bus driver below completes it (a WDM driver must pass on what it does not handle).</summary>
    private static ValueTask<NtStatus> IntEchoPnp(DeviceObject deviceObject, Irp irp)
    {
        IoSkipCurrentIrpStackLocation(irp);
        return IoCallDriver(deviceObject.GetExtension<InterruptEchoExtension>().LowerDevice!, irp);
    }
}
