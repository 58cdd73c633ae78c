/*++

Module Name:

    Serial.cs

Abstract:

    A serial port function driver for the 16550 UART (after the WDK's serial sample, much reduced):
    the ISR drains the receiver FIFO into a ring buffer and feeds the transmitter FIFO from the
    pending write, at DIRQL under the interrupt spin lock; its DPC finishes the read when enough
    bytes have come and the write when the UART has taken every byte. Reads follow SERIAL_TIMEOUTS:
    MAXULONG interval with zero totals returns at once with what is buffered; a total timeout
    (multiplier × length + constant) ends the read with STATUS_TIMEOUT and the bytes that came;
    an interval timeout does so when the line goes quiet after the first byte. Dispatch routines
    reach the ring buffer and the registers through KeSynchronizeExecution. Control codes:
    IOCTL_SERIAL_SET/GET_BAUD_RATE, SET/GET_LINE_CONTROL, SET/GET_TIMEOUTS, GET_COMMSTATUS (the
    error word, cleared by the read: SERIAL_ERROR_OVERRUN for a UART overrun, QUEUEOVERRUN for a full
    ring buffer) and PURGE.

    Left out (said so where it matters): one read and one write at a time (a second one gets
    STATUS_DEVICE_BUSY; serial.sys queues them), write timeouts, flow control, wait masks, special
    characters. IRP_MN_START_DEVICE goes down first (IoForwardIrpSynchronously) and starts the
    UART on the way back up, as a function driver must, then enables GUID_DEVINTERFACE_COMPORT.
    Every dispatch routine runs under the remove lock; after IRP_MN_SURPRISE_REMOVAL new requests
    fail with STATUS_NO_SUCH_DEVICE and the pending read and write end as a purge ends them;
    IRP_MN_REMOVE_DEVICE waits on the remove lock, quiets the UART, cancels the timers and DPCs,
    disconnects the interrupt, passes the IRP down, detaches and deletes.

Environment:

    Kernel mode. Dispatch routines at PASSIVE_LEVEL; the ISR at the UART's DIRQL; the DPC and the
    timer DPCs at DISPATCH_LEVEL.

--*/

using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Serial;

/// <summary>The serial port's device extension.</summary>
public sealed partial class SerialExtension
{
    /// <summary>Size of the receive ring buffer (serial.sys's default typeahead buffer).</summary>
    public const int RingSize = 4096;

    internal DeviceObject? Lower;
    internal DeviceObject? Pdo;
    internal string? LinkName;
    internal string? InterfaceName;
    internal volatile bool SurpriseRemoved;
    internal readonly IoRemoveLock RemoveLock = new();
    internal ulong Port;
    internal KInterrupt? Interrupt;
    internal readonly KDpc Dpc = new();
    internal readonly KDpc ReadTimeoutDpc = new();
    internal readonly KDpc IntervalTimeoutDpc = new();
    internal readonly KTimer ReadTimer = new();
    internal readonly KTimer IntervalTimer = new();
    internal readonly KSpinLock Lock = new();
    internal readonly IoCsq ReadQueue = new();
    internal readonly IoCsq WriteQueue = new();
    internal readonly LinkedList<Irp> Reads = new();
    internal readonly LinkedList<Irp> Writes = new();

    // Owned by the ISR: touched elsewhere only through KeSynchronizeExecution.
    internal readonly byte[] Ring = new byte[RingSize];
    internal int RingHead;
    internal int RingCount;
    internal byte[] TxBuffer = [];
    internal int TxNext;
    internal uint Errors;

    // Under Lock.
    internal uint ReadLength;
    internal bool ReadPending;
    internal bool WritePending;

    /// <summary>The read timeouts in force.</summary>
    public SerialTimeouts Timeouts { get; internal set; }

    /// <summary>The baud rate programmed in the UART.</summary>
    public uint BaudRate { get; internal set; } = 9600;

    /// <summary>Bytes received into the ring buffer, all time.</summary>
    public long ReceivedCount { get; internal set; }

    // SERIALPERF_STATS, kept by the ISR (serial.sys's PerfStats): what MSSerial_PerformanceInformation reports.
    internal long TransmittedCount;
    internal long FrameErrorCount;
    internal long SerialOverrunErrorCount;
    internal long BufferOverrunErrorCount;
    internal long ParityErrorCount;
}

/// <summary>serial.sys: the 16550 UART's function driver.</summary>
public static partial class Serial
{
    /// <summary>The service name.</summary>
    public const string ServiceName = "Serial";

    /// <summary>The image name.</summary>
    public const string ImageName = "serial.sys";

    // The UART's registers (offsets from the port base) and bits.
    private const int Rbr = 0, Thr = 0, Dll = 0, Ier = 1, Dlm = 1, Iir = 2, Fcr = 2, Lcr = 3, Mcr = 4, Lsr = 5, Msr = 6;
    private const byte IerRxData = 0x01, IerThrEmpty = 0x02, IerLineStatus = 0x04;
    private const byte LsrDataReady = 0x01, LsrOverrun = 0x02, LsrParity = 0x04, LsrFraming = 0x08, LsrBreak = 0x10;
    private const byte LcrDlab = 0x80;
    private const uint ClockDivisorBase = 115_200; // 1.8432 MHz / 16

    /// <summary>DriverEntry: the dispatch table and AddDevice.</summary>
    /// <param name="driverObject">The driver object.</param>
    /// <param name="registryPath">The service key (unused).</param>
    /// <returns>STATUS_SUCCESS.</returns>
    public static ValueTask<NtStatus> DriverEntry(DriverObject driverObject, string registryPath)
    {
        _ = registryPath;
        driverObject.MajorFunction[(int)IrpMajorFunction.Create] = SerialCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Close] = SerialCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Cleanup] = SerialCleanup;
        driverObject.MajorFunction[(int)IrpMajorFunction.Read] = SerialRead;
        driverObject.MajorFunction[(int)IrpMajorFunction.Write] = SerialWrite;
        driverObject.MajorFunction[(int)IrpMajorFunction.DeviceControl] = SerialDeviceControl;
        driverObject.DriverUnload = static _ => ValueTask.CompletedTask; // nothing is kept per driver
        driverObject.MajorFunction[(int)IrpMajorFunction.Pnp] = SerialPnp;
        driverObject.MajorFunction[(int)IrpMajorFunction.Power] = SerialPower;
        driverObject.MajorFunction[(int)IrpMajorFunction.SystemControl] = SerialWmi.SerialSystemControl;
        driverObject.DriverExtension.AddDevice = SerialAddDevice;
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>AddDevice: \Device\Serial<i>n</i> with the link \??\COM<i>n+1</i>, attached above the PDO.</summary>
    private static ValueTask<NtStatus> SerialAddDevice(DriverObject driverObject, DeviceObject pdo)
    {
        var index = driverObject.DeviceObjects.Count;
        var extension = new SerialExtension { Pdo = pdo };
        var name = $"\\Device\\Serial{index}";
        var status = IoCreateDevice(driverObject, extension, name, DeviceType.SerialPort, DeviceCharacteristics.DeviceSecureOpen, true, out var fdo);
        if (!status.IsSuccess())
        {
            return ValueTask.FromResult(status);
        }
        KeInitializeSpinLock(extension.Lock, "Serial.Lock");
        KeInitializeDpc(extension.Dpc, SerialDpc, extension, driverObject.Module);
        KeInitializeDpc(extension.ReadTimeoutDpc, SerialReadTimeout, extension, driverObject.Module);
        KeInitializeDpc(extension.IntervalTimeoutDpc, SerialIntervalTimeout, extension, driverObject.Module);
        KeInitializeTimer(extension.ReadTimer);
        KeInitializeTimer(extension.IntervalTimer);
        InitializeQueue(extension.ReadQueue, extension.Reads, extension);
        InitializeQueue(extension.WriteQueue, extension.Writes, extension);
        IoInitializeRemoveLock(extension.RemoveLock, 0x6C726553, 0, 0); // 'Serl'
        extension.Lower = IoAttachDeviceToDeviceStack(fdo!, pdo);
        extension.LinkName = $"\\??\\COM{index + 1}";
        driverObject.Manager.Objects.IoCreateSymbolicLink(extension.LinkName, name);
        fdo!.Flags |= DeviceObjectFlags.BufferedIo;
        fdo.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>
    /// IRP_MJ_PNP: START_DEVICE takes the port range and the interrupt, connects the ISR and programs
    /// 9600 8N1 with FIFOs; SURPRISE_REMOVAL and REMOVE_DEVICE as the class comment says.
    /// </summary>
    private static async ValueTask<NtStatus> SerialPnp(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<SerialExtension>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var status = IoAcquireRemoveLock(extension.RemoveLock, irp);
        if (!status.IsSuccess())
        {
            return await Fail(irp, status);
        }
        switch ((PnpMinorFunction)stack.MinorFunction)
        {
            case PnpMinorFunction.StartDevice:
                // The bus driver starts the device first; this driver's start work comes after, on the way up.
                irp.IoStatus.Status = NtStatus.Success;
                status = await IoForwardIrpSynchronously(extension.Lower!, irp) ? irp.IoStatus.Status : NtStatus.InvalidDeviceRequest;
                if (status.IsSuccess())
                {
                    status = await SerialStartDevice(extension, stack.Parameters.StartDevice.AllocatedResourcesTranslated);
                }
                if (status.IsSuccess())
                {
                    // As serial.sys's SerialFinishStartDevice: the port's WMI blocks become visible once it runs.
                    await IoWMIRegistrationControl(deviceObject, WmiRegistrationAction.Register);
                    if (extension.InterfaceName is null && IoRegisterDeviceInterface(extension.Pdo!, PnpGuids.DevInterfaceComPort, null, out var link).IsSuccess())
                    {
                        extension.InterfaceName = link;
                    }
                    if (extension.InterfaceName is { } name)
                    {
                        IoSetDeviceInterfaceState(name, enable: true);
                    }
                }
                irp.IoStatus.Status = status;
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                IoReleaseRemoveLock(extension.RemoveLock, irp);
                return status;
            case PnpMinorFunction.SurpriseRemoval:
                extension.SurpriseRemoved = true;
                SerialDisableInterface(extension);
                if (extension.Interrupt is not null)
                {
                    await PurgeAsync(extension, SerialCodes.PurgeRxAbort | SerialCodes.PurgeTxAbort);
                }
                irp.IoStatus.Status = NtStatus.Success;
                break;
            case PnpMinorFunction.RemoveDevice:
                extension.SurpriseRemoved = true;
                SerialDisableInterface(extension);
                if (extension.Interrupt is not null)
                {
                    await PurgeAsync(extension, SerialCodes.PurgeRxAbort | SerialCodes.PurgeTxAbort);
                }
                await IoReleaseRemoveLockAndWait(extension.RemoveLock, irp);
                await SerialStopDevice(extension);
                await IoWMIRegistrationControl(deviceObject, WmiRegistrationAction.Deregister);
                irp.IoStatus.Status = NtStatus.Success;
                IoSkipCurrentIrpStackLocation(irp);
                status = await IoCallDriver(extension.Lower!, irp);
                IoDetachDevice(extension.Lower!);
                if (extension.LinkName is { } symbolicLink)
                {
                    deviceObject.DriverObject.Manager.Objects.IoDeleteSymbolicLink(symbolicLink);
                }
                IoDeleteDevice(deviceObject);
                return status;
            case PnpMinorFunction.QueryRemoveDevice:
            case PnpMinorFunction.CancelRemoveDevice:
                irp.IoStatus.Status = NtStatus.Success;
                break;
        }
        IoSkipCurrentIrpStackLocation(irp);
        status = await IoCallDriver(extension.Lower!, irp);
        IoReleaseRemoveLock(extension.RemoveLock, irp);
        return status;
    }

    /// <summary>A dispatch routine run under the remove lock; after a surprise removal the request fails with STATUS_NO_SUCH_DEVICE.</summary>
    private static async ValueTask<NtStatus> UnderRemoveLock(DeviceObject deviceObject, Irp irp, DriverDispatch dispatch)
    {
        var extension = deviceObject.GetExtension<SerialExtension>();
        var status = IoAcquireRemoveLock(extension.RemoveLock, irp);
        if (!status.IsSuccess())
        {
            return await Fail(irp, status);
        }
        status = extension.SurpriseRemoved ? await Fail(irp, NtStatus.NoSuchDevice) : await dispatch(deviceObject, irp);
        IoReleaseRemoveLock(extension.RemoveLock, irp);
        return status;
    }

    private static void SerialDisableInterface(SerialExtension extension)
    {
        if (extension.InterfaceName is { } name)
        {
            IoSetDeviceInterfaceState(name, enable: false);
        }
    }

    /// <summary>Quiets the UART (no interrupt sources, OUT2 off), cancels the timers and DPCs and disconnects the interrupt.</summary>
    private static async ValueTask SerialStopDevice(SerialExtension extension)
    {
        if (extension.Interrupt is not { } interrupt)
        {
            return;
        }
        await KeSynchronizeExecution(interrupt, _ =>
        {
            WRITE_PORT_UCHAR(extension.Port + Ier, 0);
            WRITE_PORT_UCHAR(extension.Port + Mcr, 0);
            return ValueTask.FromResult(true);
        }, null);
        KeCancelTimer(extension.ReadTimer);
        KeCancelTimer(extension.IntervalTimer);
        IoDisconnectInterrupt(interrupt);
        extension.Interrupt = null;
        KeRemoveQueueDpc(extension.Dpc);
        KeRemoveQueueDpc(extension.ReadTimeoutDpc);
        KeRemoveQueueDpc(extension.IntervalTimeoutDpc);
    }

    private static async ValueTask<NtStatus> SerialStartDevice(SerialExtension extension, CmResourceList? resources)
    {
        CmPartialResourceDescriptor? port = null, interrupt = null;
        foreach (var descriptor in resources?.Descriptors ?? [])
        {
            if (descriptor.Type == CmResourceType.Port && port is null) port = descriptor;
            if (descriptor.Type == CmResourceType.Interrupt && interrupt is null) interrupt = descriptor;
        }
        if (port is null || interrupt is null || port.u.Port.Length < 8)
        {
            return NtStatus.InsufficientResources;
        }
        extension.Port = port.u.Port.Start;
        var mode = (interrupt.Flags & CmResourceFlags.InterruptLatched) != 0 ? KInterruptMode.Latched : KInterruptMode.LevelSensitive;
        var irql = (Irql)interrupt.u.Interrupt.Level;
        var status = IoConnectInterrupt(out var connected, SerialIsr, extension, null, (int)interrupt.u.Interrupt.Vector, irql, irql, mode,
            interrupt.ShareDisposition == CmShareDisposition.Shared, interrupt.u.Interrupt.Affinity, false);
        if (!status.IsSuccess())
        {
            return status;
        }
        extension.Interrupt = connected;
        await KeSynchronizeExecution(connected!, _ =>
        {
            ProgramDivisor(extension, ClockDivisorBase / extension.BaudRate);
            WRITE_PORT_UCHAR(extension.Port + Lcr, 0x03);           // 8 data bits, no parity, 1 stop bit
            WRITE_PORT_UCHAR(extension.Port + Fcr, 0x87);           // FIFOs on and cleared, RX trigger 8
            WRITE_PORT_UCHAR(extension.Port + Mcr, 0x0B);           // DTR, RTS, OUT2 (lets the IRQ out)
            WRITE_PORT_UCHAR(extension.Port + Ier, IerRxData | IerLineStatus);
            return ValueTask.FromResult(true);
        }, null);
        return NtStatus.Success;
    }

    /// <summary>The ISR: services every cause IIR reports until none is left; claims the interrupt if there was one.</summary>
    private static ValueTask<bool> SerialIsr(KInterrupt interrupt, object? serviceContext)
    {
        var extension = (SerialExtension)serviceContext!;
        var port = extension.Port;
        var claimed = false;
        while (true)
        {
            var iir = READ_PORT_UCHAR(port + Iir);
            if ((iir & 0x01) != 0)
            {
                break; // nothing (more) pending: not ours, or all serviced
            }
            claimed = true;
            switch (iir & 0x0E)
            {
                case 0x06: // receiver line status: reading LSR clears it
                    RecordLineErrors(extension, READ_PORT_UCHAR(port + Lsr));
                    break;
                case 0x04: // received data at the trigger level
                case 0x0C: // character timeout
                    byte lsr;
                    while (((lsr = READ_PORT_UCHAR(port + Lsr)) & LsrDataReady) != 0)
                    {
                        RecordLineErrors(extension, lsr);
                        var value = READ_PORT_UCHAR(port + Rbr);
                        if (extension.RingCount == SerialExtension.RingSize)
                        {
                            extension.Errors |= SerialCodes.ErrorQueueOverrun;
                            extension.BufferOverrunErrorCount++;
                            continue;
                        }
                        extension.Ring[(extension.RingHead + extension.RingCount) % SerialExtension.RingSize] = value;
                        extension.RingCount++;
                        extension.ReceivedCount++;
                    }
                    break;
                case 0x02: // THR empty: refill the 16-byte FIFO, or stop asking once the write is all out
                    if (extension.TxNext < extension.TxBuffer.Length)
                    {
                        for (var i = 0; i < 16 && extension.TxNext < extension.TxBuffer.Length; i++)
                        {
                            WRITE_PORT_UCHAR(port + Thr, extension.TxBuffer[extension.TxNext++]);
                            extension.TransmittedCount++;
                        }
                    }
                    else
                    {
                        WRITE_PORT_UCHAR(port + Ier, IerRxData | IerLineStatus);
                    }
                    break;
                default: // modem status: reading MSR clears it
                    READ_PORT_UCHAR(port + Msr);
                    break;
            }
        }
        if (claimed)
        {
            KeInsertQueueDpc(extension.Dpc, null, null);
        }
        return ValueTask.FromResult(claimed);
    }

    private static void RecordLineErrors(SerialExtension extension, byte lsr)
    {
        if ((lsr & LsrOverrun) != 0) { extension.Errors |= SerialCodes.ErrorOverrun; extension.SerialOverrunErrorCount++; }
        if ((lsr & LsrParity) != 0) { extension.Errors |= SerialCodes.ErrorParity; extension.ParityErrorCount++; }
        if ((lsr & LsrFraming) != 0) { extension.Errors |= SerialCodes.ErrorFraming; extension.FrameErrorCount++; }
        if ((lsr & LsrBreak) != 0) extension.Errors |= SerialCodes.ErrorBreak;
    }

    /// <summary>The DPC: finishes the read once enough bytes are buffered (re-arming the interval timer otherwise), and the write once it is all out.</summary>
    private static async ValueTask SerialDpc(KDpc dpc, object? deferredContext, object? argument1, object? argument2)
    {
        var extension = (SerialExtension)deferredContext!;
        await SerialTryFinishRead(extension, NtStatus.Success, armInterval: true);
        var remaining = await SynchronizedInt(extension, () => extension.TxBuffer.Length - extension.TxNext);
        if (remaining == 0 && await IoCsqRemoveNextIrp(extension.WriteQueue, null) is { } write)
        {
            write.IoStatus.Status = NtStatus.Success;
            write.IoStatus.Information = IoGetCurrentIrpStackLocation(write).Parameters.Write.Length;
            await IoCompleteRequest(write, PriorityBoost.IoSerialIncrement);
        }
    }

    /// <summary>Timer DPC of the total read timeout: the read ends with STATUS_TIMEOUT and the bytes that came.</summary>
    private static async ValueTask SerialReadTimeout(KDpc dpc, object? deferredContext, object? argument1, object? argument2) =>
        await SerialTryFinishRead((SerialExtension)deferredContext!, NtStatus.Timeout, armInterval: false);

    /// <summary>Timer DPC of the interval timeout: the line went quiet after the first byte.</summary>
    private static async ValueTask SerialIntervalTimeout(KDpc dpc, object? deferredContext, object? argument1, object? argument2) =>
        await SerialTryFinishRead((SerialExtension)deferredContext!, NtStatus.Timeout, armInterval: false);

    /// <summary>
    /// Completes the pending read when it can: with <see cref="NtStatus.Success"/> when the ring holds the whole length,
    /// with <paramref name="ending"/> (a timeout) whatever it holds. Otherwise re-arms the interval timer if asked.
    /// </summary>
    private static async ValueTask SerialTryFinishRead(SerialExtension extension, NtStatus ending, bool armInterval)
    {
        var old = await KeAcquireSpinLock(extension.Lock);
        var pending = extension.ReadPending;
        var length = extension.ReadLength;
        await KeReleaseSpinLock(extension.Lock, old);
        if (!pending)
        {
            return;
        }
        var available = await SynchronizedInt(extension, () => extension.RingCount);
        if (available < length && ending == NtStatus.Success)
        {
            var interval = extension.Timeouts.ReadIntervalTimeout;
            if (armInterval && available > 0 && interval != 0 && interval != SerialCodes.MaxUlong)
            {
                KeSetTimer(extension.IntervalTimer, -(long)interval * 10_000, extension.IntervalTimeoutDpc);
            }
            return;
        }
        if (await IoCsqRemoveNextIrp(extension.ReadQueue, null) is not { } read)
        {
            return; // cancelled meanwhile
        }
        KeCancelTimer(extension.ReadTimer);
        KeCancelTimer(extension.IntervalTimer);
        await CompleteRead(extension, read, length, ending);
    }

    private static async ValueTask CompleteRead(SerialExtension extension, Irp read, uint length, NtStatus ending)
    {
        var taken = await TakeFromRing(extension, read.SystemBuffer!, (int)length);
        read.IoStatus.Status = taken == length ? NtStatus.Success : ending;
        read.IoStatus.Information = (ulong)taken;
        await IoCompleteRequest(read, PriorityBoost.IoSerialIncrement);
    }

    /// <summary>IRP_MJ_READ: what the ring holds now; otherwise pends under the read timeouts.</summary>
    private static ValueTask<NtStatus> SerialRead(DeviceObject deviceObject, Irp irp) => UnderRemoveLock(deviceObject, irp, SerialReadLocked);

    private static async ValueTask<NtStatus> SerialReadLocked(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<SerialExtension>();
        var length = IoGetCurrentIrpStackLocation(irp).Parameters.Read.Length;
        var timeouts = extension.Timeouts;
        var available = await SynchronizedInt(extension, () => extension.RingCount);
        var immediate = timeouts.ReadIntervalTimeout == SerialCodes.MaxUlong && timeouts is { ReadTotalTimeoutMultiplier: 0, ReadTotalTimeoutConstant: 0 };
        if (length == 0 || available >= length || immediate)
        {
            var taken = await TakeFromRing(extension, irp.SystemBuffer ?? [], (int)length);
            irp.IoStatus.Status = NtStatus.Success;
            irp.IoStatus.Information = (ulong)taken;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        }
        var old = await KeAcquireSpinLock(extension.Lock);
        if (extension.ReadPending)
        {
            await KeReleaseSpinLock(extension.Lock, old);
            return await Fail(irp, NtStatus.DeviceBusy);
        }
        extension.ReadPending = true;
        extension.ReadLength = length;
        await KeReleaseSpinLock(extension.Lock, old);
        await IoCsqInsertIrp(extension.ReadQueue, irp, null);
        var total = (long)timeouts.ReadTotalTimeoutMultiplier * length + timeouts.ReadTotalTimeoutConstant;
        if (total > 0)
        {
            KeSetTimer(extension.ReadTimer, -total * 10_000, extension.ReadTimeoutDpc);
        }
        KeInsertQueueDpc(extension.Dpc, null, null); // bytes may have come between the check and the insert
        return NtStatus.Pending;
    }

    /// <summary>IRP_MJ_WRITE: hands the bytes to the ISR (THR-empty interrupts feed the FIFO) and pends until they are all out.</summary>
    private static ValueTask<NtStatus> SerialWrite(DeviceObject deviceObject, Irp irp) => UnderRemoveLock(deviceObject, irp, SerialWriteLocked);

    private static async ValueTask<NtStatus> SerialWriteLocked(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<SerialExtension>();
        var length = (int)IoGetCurrentIrpStackLocation(irp).Parameters.Write.Length;
        if (length == 0)
        {
            irp.IoStatus.Status = NtStatus.Success;
            irp.IoStatus.Information = 0;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        }
        var old = await KeAcquireSpinLock(extension.Lock);
        if (extension.WritePending)
        {
            await KeReleaseSpinLock(extension.Lock, old);
            return await Fail(irp, NtStatus.DeviceBusy);
        }
        extension.WritePending = true;
        await KeReleaseSpinLock(extension.Lock, old);
        await IoCsqInsertIrp(extension.WriteQueue, irp, null);
        var bytes = irp.SystemBuffer!.AsSpan(0, length).ToArray();
        await KeSynchronizeExecution(extension.Interrupt!, _ =>
        {
            extension.TxBuffer = bytes;
            extension.TxNext = 0;
            // Enabling ETBEI with the THR empty raises the THR-empty interrupt: the ISR starts the transfer.
            WRITE_PORT_UCHAR(extension.Port + Ier, IerRxData | IerLineStatus | IerThrEmpty);
            return ValueTask.FromResult(true);
        }, null);
        return NtStatus.Pending;
    }

    /// <summary>IRP_MJ_DEVICE_CONTROL: the serial IOCTLs this driver knows.</summary>
    private static ValueTask<NtStatus> SerialDeviceControl(DeviceObject deviceObject, Irp irp) => UnderRemoveLock(deviceObject, irp, SerialDeviceControlLocked);

    private static async ValueTask<NtStatus> SerialDeviceControlLocked(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<SerialExtension>();
        var parameters = IoGetCurrentIrpStackLocation(irp).Parameters.DeviceIoControl;
        var code = parameters.IoControlCode;
        var inLength = parameters.InputBufferLength;
        var outLength = parameters.OutputBufferLength;
        var buffer = irp.SystemBuffer;
        NtStatus status = NtStatus.Success;
        ulong information = 0;
        if (code == SerialCodes.SetBaudRate)
        {
            var baud = inLength < 4 ? 0 : BitConverter.ToUInt32(buffer);
            if (inLength < 4)
            {
                status = NtStatus.BufferTooSmall;
            }
            else if (baud == 0 || baud > ClockDivisorBase || ClockDivisorBase % baud != 0)
            {
                status = NtStatus.InvalidParameter; // no divisor gives it exactly
            }
            else
            {
                await KeSynchronizeExecution(extension.Interrupt!, _ => { ProgramDivisor(extension, ClockDivisorBase / baud); return ValueTask.FromResult(true); }, null);
                extension.BaudRate = baud;
            }
        }
        else if (code == SerialCodes.GetBaudRate)
        {
            status = Reply(buffer, outLength, 4, out information);
            if (status.IsSuccess()) BitConverter.TryWriteBytes(buffer.AsSpan(), extension.BaudRate);
        }
        else if (code == SerialCodes.SetLineControl)
        {
            status = inLength < 3 ? NtStatus.BufferTooSmall : await SetLineControl(extension, buffer![0], buffer[1], buffer[2]);
        }
        else if (code == SerialCodes.GetLineControl)
        {
            status = Reply(buffer, outLength, 3, out information);
            if (status.IsSuccess())
            {
                var lcr = (byte)await SynchronizedInt(extension, () => READ_PORT_UCHAR(extension.Port + Lcr));
                buffer![0] = (byte)((lcr & 0x04) == 0 ? 0 : 2);
                buffer[1] = (byte)((lcr & 0x08) == 0 ? 0 : (lcr & 0x30) switch { 0x00 => 1, 0x10 => 2, 0x20 => 3, _ => 4 });
                buffer[2] = (byte)(5 + (lcr & 0x03));
            }
        }
        else if (code == SerialCodes.SetTimeouts)
        {
            var timeouts = inLength < SerialCodes.TimeoutsSize ? default : SerialTimeouts.FromBytes(buffer);
            if (inLength < SerialCodes.TimeoutsSize)
            {
                status = NtStatus.BufferTooSmall;
            }
            else if (timeouts.ReadIntervalTimeout == SerialCodes.MaxUlong && timeouts.ReadTotalTimeoutConstant == SerialCodes.MaxUlong)
            {
                status = NtStatus.InvalidParameter; // as serial.sys: both MAXULONG is not a valid combination
            }
            else
            {
                extension.Timeouts = timeouts;
            }
        }
        else if (code == SerialCodes.GetTimeouts)
        {
            status = Reply(buffer, outLength, SerialCodes.TimeoutsSize, out information);
            if (status.IsSuccess()) extension.Timeouts.ToBytes().CopyTo(buffer.AsSpan());
        }
        else if (code == SerialCodes.GetCommStatus)
        {
            status = Reply(buffer, outLength, SerialCodes.StatusSize, out information);
            if (status.IsSuccess())
            {
                uint errors = 0, inQueue = 0, outQueue = 0;
                await KeSynchronizeExecution(extension.Interrupt!, _ =>
                {
                    errors = extension.Errors;
                    extension.Errors = 0; // the error word is cleared by reading it
                    inQueue = (uint)extension.RingCount;
                    outQueue = (uint)(extension.TxBuffer.Length - extension.TxNext);
                    return ValueTask.FromResult(true);
                }, null);
                buffer.AsSpan(0, SerialCodes.StatusSize).Clear();
                BitConverter.TryWriteBytes(buffer.AsSpan(0), errors);
                BitConverter.TryWriteBytes(buffer.AsSpan(8), inQueue);
                BitConverter.TryWriteBytes(buffer.AsSpan(12), outQueue);
            }
        }
        else if (code == SerialCodes.Purge)
        {
            status = inLength < 4 ? NtStatus.BufferTooSmall : await PurgeAsync(extension, BitConverter.ToUInt32(buffer));
        }
        else
        {
            status = NtStatus.InvalidParameter; // serial.sys answers an unknown code so
        }
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = information;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    private static NtStatus Reply(byte[]? buffer, uint outLength, int size, out ulong information)
    {
        information = 0;
        if (buffer is null || outLength < size)
        {
            return NtStatus.BufferTooSmall;
        }
        information = (ulong)size;
        return NtStatus.Success;
    }

    private static async ValueTask<NtStatus> SetLineControl(SerialExtension extension, byte stopBits, byte parity, byte wordLength)
    {
        if (wordLength is < 5 or > 8 || parity > 4 || stopBits > 2 || (stopBits == 1 && wordLength != 5))
        {
            return NtStatus.InvalidParameter;
        }
        var lcr = (byte)((wordLength - 5) | (stopBits == 0 ? 0 : 0x04) | parity switch { 0 => 0x00, 1 => 0x08, 2 => 0x18, 3 => 0x28, _ => 0x38 });
        await KeSynchronizeExecution(extension.Interrupt!, _ => { WRITE_PORT_UCHAR(extension.Port + Lcr, lcr); return ValueTask.FromResult(true); }, null);
        return NtStatus.Success;
    }

    private static async ValueTask<NtStatus> PurgeAsync(SerialExtension extension, uint mask)
    {
        if ((mask & SerialCodes.PurgeRxAbort) != 0)
        {
            while (await IoCsqRemoveNextIrp(extension.ReadQueue, null) is { } read)
            {
                KeCancelTimer(extension.ReadTimer);
                KeCancelTimer(extension.IntervalTimer);
                await FinishCancelled(read);
            }
        }
        if ((mask & SerialCodes.PurgeTxAbort) != 0)
        {
            while (await IoCsqRemoveNextIrp(extension.WriteQueue, null) is { } write)
            {
                await FinishCancelled(write);
            }
        }
        await KeSynchronizeExecution(extension.Interrupt!, _ =>
        {
            if ((mask & SerialCodes.PurgeRxClear) != 0)
            {
                extension.RingCount = 0;
            }
            if ((mask & (SerialCodes.PurgeTxClear | SerialCodes.PurgeTxAbort)) != 0)
            {
                extension.TxNext = extension.TxBuffer.Length;
            }
            return ValueTask.FromResult(true);
        }, null);
        return NtStatus.Success;
    }

    /// <summary>IRP_MJ_CLEANUP: the pending read and write of the handle end with STATUS_CANCELLED.</summary>
    private static async ValueTask<NtStatus> SerialCleanup(DeviceObject deviceObject, Irp irp)
    {
        var extension = deviceObject.GetExtension<SerialExtension>();
        if (extension.Interrupt is not null)
        {
            await PurgeAsync(extension, SerialCodes.PurgeRxAbort | SerialCodes.PurgeTxAbort);
        }
        irp.IoStatus.Status = NtStatus.Success;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return NtStatus.Success;
    }

    private static async ValueTask<NtStatus> SerialCreateClose(DeviceObject deviceObject, Irp irp)
    {
        _ = deviceObject;
        irp.IoStatus.Status = NtStatus.Success;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return NtStatus.Success;
    }

    private static async ValueTask<NtStatus> Fail(Irp irp, NtStatus status)
    {
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = 0;
        await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        return status;
    }

    private static async ValueTask FinishCancelled(Irp irp) => await Fail(irp, NtStatus.Cancelled);

    /// <summary>DLAB on, the divisor, DLAB off (at DIRQL under the interrupt lock: the ISR must not see DLAB set).</summary>
    private static void ProgramDivisor(SerialExtension extension, uint divisor)
    {
        var lcr = READ_PORT_UCHAR(extension.Port + Lcr);
        WRITE_PORT_UCHAR(extension.Port + Lcr, (byte)(lcr | LcrDlab));
        WRITE_PORT_UCHAR(extension.Port + Dll, (byte)divisor);
        WRITE_PORT_UCHAR(extension.Port + Dlm, (byte)(divisor >> 8));
        WRITE_PORT_UCHAR(extension.Port + Lcr, (byte)(lcr & ~LcrDlab));
    }

    /// <summary>Moves up to <paramref name="max"/> bytes from the ring buffer to <paramref name="destination"/> under the interrupt lock.</summary>
    private static async ValueTask<int> TakeFromRing(SerialExtension extension, byte[] destination, int max)
    {
        var taken = 0;
        await KeSynchronizeExecution(extension.Interrupt!, _ =>
        {
            taken = Math.Min(max, extension.RingCount);
            for (var i = 0; i < taken; i++)
            {
                destination[i] = extension.Ring[(extension.RingHead + i) % SerialExtension.RingSize];
            }
            extension.RingHead = (extension.RingHead + taken) % SerialExtension.RingSize;
            extension.RingCount -= taken;
            return ValueTask.FromResult(true);
        }, null);
        return taken;
    }

    private static async ValueTask<int> SynchronizedInt(SerialExtension extension, Func<int> read)
    {
        var value = 0;
        await KeSynchronizeExecution(extension.Interrupt!, _ => { value = read(); return ValueTask.FromResult(true); }, null);
        return value;
    }

    // The cancel-safe queues (one for reads, one for writes): a list under the extension's spin lock.
    private static void InitializeQueue(IoCsq csq, LinkedList<Irp> list, SerialExtension extension)
    {
        IoCsqInitialize(csq, (q, irp, _) => { ((QueueContext)q.Context!).List.AddLast(irp); return NtStatus.Success; },
            (q, irp) => RemoveFromQueue((QueueContext)q.Context!, irp),
            (q, irp, _) => { var l = ((QueueContext)q.Context!).List; return (irp is null ? l.First : l.Find(irp)?.Next)?.Value; },
            async q => await KeAcquireSpinLock(((QueueContext)q.Context!).Extension.Lock),
            (q, irql) => _ = KeReleaseSpinLock(((QueueContext)q.Context!).Extension.Lock, irql),
            async (_, irp) => await FinishCancelled(irp));
        csq.Context = new QueueContext(list, extension, ReferenceEquals(list, extension.Reads));
    }

    /// <summary>Removing an IRP (served or cancelled) frees the one read or write slot; called under the extension's lock.</summary>
    private static void RemoveFromQueue(QueueContext context, Irp irp)
    {
        context.List.Remove(irp);
        if (context.IsRead)
        {
            context.Extension.ReadPending = false;
        }
        else
        {
            context.Extension.WritePending = false;
        }
    }

    private sealed record QueueContext(LinkedList<Irp> List, SerialExtension Extension, bool IsRead);
}
