using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.IoManager;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Serial;
using ActorKernel.Hardware;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Kernel32;
using static ActorKernel.Actors.Wdm;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.Serial;

/// <summary>
/// A machine with a 16550 at 0x3F8 on IRQ 4 (an ISA, edge-triggered line), serial.sys started on it
/// through IRP_MN_START_DEVICE, and a user process that opens COM1: bytes from the wire reach ReadFile
/// under the serial timeouts, WriteFile's bytes reach the wire, all through ISR and DPC.
/// </summary>
internal sealed class SerialBed : IDisposable
{
    public const int Line = 4;
    public const ulong PortBase = 0x3F8;

    public SerialBed()
    {
        Machine = Machine.Create(new MachineOptions
        {
            Processors = 1,
            Seed = 21,
            ClockIntervalNs = 1_000_000, // KeSetTimer (the read timeouts) needs the clock: a 1 ms tick
            SystemWorkerThreads = 0,
            InterruptLines = [new InterruptLineConfig(Line, 0x54, 5)],
            Memory = new MemoryManagerOptions { PhysicalMemoryBytes = 16UL << 20, NonPagedPoolBytes = 4UL << 20, PagedPoolBytes = 4UL << 20, PageFileBytes = 16UL << 20 },
        });
        Io = new IoMgr();
        Io.AttachTo(Machine);
        var bus = IoTestBed.Run(Io.LoadDriverAsync(RootBus.ServiceName, RootBus.ImageName, RootBus.DriverEntry)).Driver!;
        var driver = IoTestBed.Run(Io.LoadDriverAsync(Drivers.Serial.Serial.ServiceName, Drivers.Serial.Serial.ImageName, Drivers.Serial.Serial.DriverEntry)).Driver!;
        var pdo = RootBus.CreatePdo(bus, "Com1Pdo");
        Assert.Equal(NtStatus.Success, IoTestBed.Run(driver.DriverExtension.AddDevice!(driver, pdo)));
        Fdo = driver.DeviceObjects[0];
        Uart16550? uart = null;
        var pin = Machine.CreateInterruptPin(Line);
        UartRef = Machine.System.ActorOf(Props.Create(() => uart = new Uart16550(pin, null, "com1")), "com1");
        Machine.Start();
        Machine.RunFor(TimeSpan.FromTicks(1));
        Uart = uart!;
        var placed = Machine.Hal.Platform.PlaceLegacyDevice("com1", [(PortBase, (IRegisterWindow)Uart)], null, Line);
        NtStatus? started = null;
        Machine.CreateSystemThread(0, KernelModule.Kernel, "PnpStart", async _ => started = await Io.IopStartDevice(pdo, placed));
        RunUntil(() => started is not null);
        Assert.Equal(NtStatus.Success, started);
        Process = UserProcess.Create(Machine, Io, "terminal.exe");
    }

    public Machine Machine { get; }

    public IoMgr Io { get; }

    public DeviceObject Fdo { get; }

    public SerialExtension Extension => Fdo.GetExtension<SerialExtension>();

    public Uart16550 Uart { get; }

    public IActorRef UartRef { get; }

    public UserProcess Process { get; }

    /// <summary>Bytes arrive on the UART's receive line after <paramref name="delayNs"/> (paced at the UART's baud rate).</summary>
    public void SendToPortAt(long delayNs, byte[] bytes) => Machine.System.Scheduler.ScheduleTellOnce(delayNs, UartRef, new SerialInput(bytes), null);

    public void Run(Func<ValueTask> main)
    {
        var done = false;
        Process.CreateThread(0, "main", async () =>
        {
            await main();
            done = true;
        });
        RunUntil(() => done);
    }

    /// <summary>Runs virtual time until <paramref name="condition"/> holds (at most 10 s of it); a bugcheck fails the test.</summary>
    public void RunUntil(Func<bool> condition)
    {
        Assert.True(Machine.RunUntil(() => condition() || Machine.IsBugChecked, TimeSpan.FromSeconds(10)), "the run reached its end");
        Assert.False(Machine.IsBugChecked, Machine.CrashDump?.Analysis);
    }

    public static ValueTask<Handle> OpenCom1() =>
        CreateFile("\\\\.\\COM1", GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);

    public async ValueTask<IoResult> Ioctl(Handle handle, IoControlCode code, byte[] input, int outputSize = 0)
    {
        var inAddress = Process.VirtualAlloc(4096);
        Process.WriteMemory(inAddress, input);
        var outAddress = Process.VirtualAlloc(4096);
        return await DeviceIoControl(handle, code, input.Length == 0 ? 0 : inAddress, (uint)input.Length, outputSize == 0 ? 0 : outAddress, (uint)outputSize);
    }

    public byte[] Memory(ulong address, int length)
    {
        var bytes = new byte[length];
        Process.ReadMemory(address, bytes);
        return bytes;
    }

    public void Dispose() => Machine.Dispose();
}

/// <summary>serial.sys on the 16550 model: acceptance item 2 of issue 11, UART side.</summary>
[Trait("Area", "Hardware")]
public sealed class SerialDriverTests
{
    [Fact]
    public void WriteFile_bytes_leave_the_UART_through_THR_empty_interrupts_and_the_write_completes_with_the_count()
    {
        using var bed = new SerialBed();
        IoResult result = default;
        var text = "Hello, COM1! This is longer than one 16-byte FIFO."u8.ToArray();
        bed.Run(async () =>
        {
            var com = await SerialBed.OpenCom1();
            var buffer = bed.Process.VirtualAlloc(4096);
            bed.Process.WriteMemory(buffer, text);
            result = await WriteFile(com, buffer, (uint)text.Length);
            await Sleep(20); // the write ends when the UART holds the last bytes; they leave within 16 character times
            await CloseHandle(com);
        });

        Assert.True(result.Succeeded);
        Assert.Equal((uint)text.Length, result.BytesTransferred);
        Assert.Equal(text, bed.Uart.TakeTransmitted());
    }

    [Fact]
    public void ReadFile_returns_when_the_requested_bytes_have_arrived_before_the_total_timeout()
    {
        using var bed = new SerialBed();
        IoResult result = default;
        byte[] got = [];
        bed.SendToPortAt(5_000_000, "0123456789"u8.ToArray()); // ~10.4 ms at 9600 baud
        bed.Run(async () =>
        {
            var com = await SerialBed.OpenCom1();
            Assert.True((await bed.Ioctl(com, SerialCodes.SetTimeouts, new SerialTimeouts(0, 0, 1000, 0, 0).ToBytes())).Succeeded);
            var buffer = bed.Process.VirtualAlloc(4096);
            result = await ReadFile(com, buffer, 10);
            got = bed.Memory(buffer, (int)result.BytesTransferred);
            await CloseHandle(com);
        });

        Assert.Equal(new IoResult(true, 10, NtStatus.Success, Win32Error.Success), result);
        Assert.Equal("0123456789"u8.ToArray(), got);
    }

    [Fact]
    public void ReadFile_ends_at_the_total_timeout_with_STATUS_TIMEOUT_and_the_bytes_that_came()
    {
        using var bed = new SerialBed();
        IoResult result = default;
        byte[] got = [];
        long endedAt = 0;
        bed.SendToPortAt(1_000_000, "abc"u8.ToArray());
        bed.Run(async () =>
        {
            var com = await SerialBed.OpenCom1();
            await bed.Ioctl(com, SerialCodes.SetTimeouts, new SerialTimeouts(0, 1, 40, 0, 0).ToBytes()); // 1 ms x 10 + 40 ms
            var buffer = bed.Process.VirtualAlloc(4096);
            result = await ReadFile(com, buffer, 10);
            endedAt = bed.Machine.NowNanoseconds;
            got = bed.Memory(buffer, (int)result.BytesTransferred);
            await CloseHandle(com);
        });

        Assert.Equal(NtStatus.Timeout, result.Status);
        Assert.True(result.Succeeded); // STATUS_TIMEOUT is a success code: ReadFile returns TRUE with fewer bytes
        Assert.Equal(3u, result.BytesTransferred);
        Assert.Equal("abc"u8.ToArray(), got);
        Assert.InRange(endedAt, 50_000_000, 60_000_000);
    }

    [Fact]
    public void ReadFile_with_MAXULONG_interval_and_zero_totals_returns_at_once_with_what_is_buffered()
    {
        using var bed = new SerialBed();
        var results = new List<IoResult>();
        bed.Run(async () =>
        {
            var com = await SerialBed.OpenCom1();
            await bed.Ioctl(com, SerialCodes.SetTimeouts, new SerialTimeouts(SerialCodes.MaxUlong, 0, 0, 0, 0).ToBytes());
            var buffer = bed.Process.VirtualAlloc(4096);
            results.Add(await ReadFile(com, buffer, 16));
            bed.SendToPortAt(0, "xyz"u8.ToArray());
            await Sleep(20);
            results.Add(await ReadFile(com, buffer, 16));
            await CloseHandle(com);
        });

        Assert.Equal(0u, results[0].BytesTransferred);
        Assert.True(results[0].Succeeded);
        Assert.Equal(3u, results[1].BytesTransferred);
    }

    [Fact]
    public void ReadFile_ends_at_the_interval_timeout_when_the_line_goes_quiet_after_the_first_bytes()
    {
        using var bed = new SerialBed();
        IoResult result = default;
        bed.SendToPortAt(2_000_000, "burst"u8.ToArray());
        bed.Run(async () =>
        {
            var com = await SerialBed.OpenCom1();
            await bed.Ioctl(com, SerialCodes.SetTimeouts, new SerialTimeouts(20, 0, 0, 0, 0).ToBytes()); // no total: only the interval
            var buffer = bed.Process.VirtualAlloc(4096);
            result = await ReadFile(com, buffer, 100);
            await CloseHandle(com);
        });

        Assert.Equal(NtStatus.Timeout, result.Status);
        Assert.Equal(5u, result.BytesTransferred);
    }

    [Fact]
    public void IOCTL_SERIAL_SET_BAUD_RATE_reprograms_the_divisor_and_GET_BAUD_RATE_reads_it_back()
    {
        using var bed = new SerialBed();
        var results = new List<IoResult>();
        byte[] reply = [];
        bed.Run(async () =>
        {
            var com = await SerialBed.OpenCom1();
            results.Add(await bed.Ioctl(com, SerialCodes.SetBaudRate, BitConverter.GetBytes(115_200u)));
            var output = bed.Process.VirtualAlloc(4096);
            results.Add(await DeviceIoControl(com, SerialCodes.GetBaudRate, 0, 0, output, 4));
            reply = bed.Memory(output, 4);
            results.Add(await bed.Ioctl(com, SerialCodes.SetBaudRate, BitConverter.GetBytes(7_000u))); // no divisor gives it
            await CloseHandle(com);
        });

        Assert.True(results[0].Succeeded);
        Assert.Equal(115_200, bed.Uart.BaudRate);
        Assert.Equal(115_200u, BitConverter.ToUInt32(reply));
        Assert.Equal(NtStatus.InvalidParameter, results[2].Status);
        Assert.Equal(115_200, bed.Uart.BaudRate);
        Assert.Equal(0x001B0004u, SerialCodes.SetBaudRate.Value);
    }

    [Fact]
    public void Receiver_overrun_while_interrupts_are_masked_is_reported_as_SERIAL_ERROR_OVERRUN_by_GET_COMMSTATUS_once()
    {
        using var bed = new SerialBed();
        byte[] first = [], second = [];
        bed.Run(async () =>
        {
            var com = await SerialBed.OpenCom1();
            await bed.Ioctl(com, SerialCodes.SetBaudRate, BitConverter.GetBytes(115_200u)); // 87 us a character
            await CloseHandle(com);
        });
        // 40 characters arrive while the processor sits at HIGH_LEVEL for 10 ms: the 16-byte FIFO overruns.
        bed.SendToPortAt(100_000, [.. Enumerable.Range(0, 40).Select(i => (byte)i)]);
        var masked = false;
        bed.Machine.RunRoutine(0, KernelModule.Kernel, "MaskingRoutine", async () =>
        {
            var old = KeRaiseIrql(Irql.HighLevel);
            await KeCompute(10_000_000);
            await KeLowerIrql(old);
            masked = true;
        });
        bed.RunUntil(() => masked);
        bed.Run(async () =>
        {
            var com = await SerialBed.OpenCom1();
            var output = bed.Process.VirtualAlloc(4096);
            await DeviceIoControl(com, SerialCodes.GetCommStatus, 0, 0, output, SerialCodes.StatusSize);
            first = bed.Memory(output, SerialCodes.StatusSize);
            await DeviceIoControl(com, SerialCodes.GetCommStatus, 0, 0, output, SerialCodes.StatusSize);
            second = bed.Memory(output, SerialCodes.StatusSize);
            await CloseHandle(com);
        });

        Assert.Equal(SerialCodes.ErrorOverrun, BitConverter.ToUInt32(first) & SerialCodes.ErrorOverrun);
        Assert.Equal(16u, BitConverter.ToUInt32(first, 8)); // AmountInInQueue: what the FIFO held
        Assert.Equal(0u, BitConverter.ToUInt32(second)); // the error word is cleared by the read
    }
}
