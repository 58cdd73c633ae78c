using System.Text;
using ActorKernel.Actors;
using ActorKernel.Drivers.Ioctl;
using static ActorKernel.Actors.Wdm;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.IoManager;

/// <summary>A user process of a <see cref="SampleStack"/>'s machine with committed memory, and a thread runner in its context.</summary>
internal sealed class RequesterProcess
{
    public RequesterProcess(Machine machine, string imageName = "app.exe", ulong bytes = 64 * 1024)
    {
        Machine = machine;
        Space = machine.CreateProcess(imageName);
        Assert.Equal(NtStatus.Success, machine.Memory.NtAllocateVirtualMemory(Space, bytes, out var baseAddress));
        Base = baseAddress;
    }

    public Machine Machine { get; }

    public AddressSpace Space { get; }

    /// <summary>The first committed user address.</summary>
    public ulong Base { get; }

    public void Write(ulong address, ReadOnlySpan<byte> data) => Assert.Equal(NtStatus.Success, Machine.Memory.UserWrite(Space, address, data).Status);

    public byte[] Read(ulong address, int length)
    {
        var bytes = new byte[length];
        Assert.Equal(NtStatus.Success, Machine.Memory.UserRead(Space, address, bytes).Status);
        return bytes;
    }

    /// <summary>Runs <paramref name="routine"/> as a thread of this process on processor 0, and the machine until idle.</summary>
    public void Run(Func<ValueTask> routine)
    {
        Machine.RunRoutine(0, SampleStack.Caller, "RequesterThread", routine, process: Space);
        Machine.System.Deterministic!.RunUntilQuiescent(10_000_000);
        Assert.False(Machine.IsBugChecked, Machine.CrashDump?.Analysis);
    }
}

/// <summary>Buffers that live in a user process's pages (UserBuffer(AddressSpace, address, length)).</summary>
[Trait("Area", "IoManager")]
public sealed class ProcessBufferTests
{
    private static readonly byte[] Data = Encoding.ASCII.GetBytes("Bytes that live in a user process's own pages, not in a managed array.");

    [Fact]
    public void Buffered_write_then_read_of_a_process_buffer_moves_the_bytes_through_the_process_pages()
    {
        using var stack = new SampleStack(directIo: false);
        var app = new RequesterProcess(stack.Machine);
        ulong source = app.Base + 0x1FF0, target = app.Base + 0x5010; // both straddle a page boundary
        app.Write(source, Data);
        NtStatus write = default, read = default;
        var readIosb = new IoStatusBlock();

        app.Run(async () =>
        {
            var (_, file) = await NtCreateFile(stack.Io, "\\Device\\RamDisk0", KProcessorMode.UserMode, true, true);
            write = await NtWriteFile(file!, new IoStatusBlock(), new UserBuffer(app.Space, source, Data.Length), (uint)Data.Length, 512);
            read = await NtReadFile(file!, readIosb, new UserBuffer(app.Space, target, Data.Length), (uint)Data.Length, 512);
        });

        Assert.Equal(NtStatus.Success, write);
        Assert.Equal(NtStatus.Success, read);
        Assert.Equal((ulong)Data.Length, readIosb.Information);
        Assert.Equal(Data, app.Read(target, Data.Length));
    }

    [Fact]
    public void A_buffered_write_from_an_uncommitted_range_fails_STATUS_ACCESS_VIOLATION_before_any_IRP_is_sent()
    {
        using var stack = new SampleStack(directIo: false);
        var app = new RequesterProcess(stack.Machine, bytes: 4096);
        NtStatus write = default;
        var writesBefore = stack.FilterState.RequestCount(IrpMajorFunction.Write);

        app.Run(async () =>
        {
            var (_, file) = await NtCreateFile(stack.Io, "\\Device\\RamDisk0", KProcessorMode.UserMode, true, true);
            // The last 16 bytes of the committed page, then 16 uncommitted ones.
            write = await NtWriteFile(file!, new IoStatusBlock(), new UserBuffer(app.Space, app.Base + 4096 - 16, 32), 32, 0);
        });

        Assert.Equal(NtStatus.AccessViolation, write);
        Assert.Equal(0, writesBefore);
        Assert.Equal(writesBefore, stack.FilterState.RequestCount(IrpMajorFunction.Write));
    }

    [Fact]
    public void METHOD_BUFFERED_copies_the_input_from_and_the_reply_into_the_requesters_pages()
    {
        using var stack = new SampleStack(directIo: false);
        IoTestBed.Run(stack.Io.LoadDriverAsync(Sioctl.ServiceName, Sioctl.ImageName, Sioctl.DriverEntry));
        var app = new RequesterProcess(stack.Machine);
        var input = Encoding.ASCII.GetBytes("This String is from User Application; using METHOD_BUFFERED\0");
        app.Write(app.Base, input);
        var iosb = new IoStatusBlock();
        NtStatus status = default;
        FileObject? file = null;

        app.Run(async () =>
        {
            (_, file) = await NtCreateFile(stack.Io, SioctlCodes.DosDeviceName, KProcessorMode.UserMode, true, true);
            status = await NtDeviceIoControlFile(file!, iosb, SioctlCodes.MethodBuffered,
                new UserBuffer(app.Space, app.Base, input.Length), (uint)input.Length, new UserBuffer(app.Space, app.Base + 0x3000, 100), 100);
        });

        Assert.Equal(NtStatus.Success, status);
        Assert.Equal((ulong)SioctlCodes.Reply.Length, iosb.Information);
        Assert.Equal(input, file!.DeviceObject.GetExtension<SioctlExtension>().LastInput);
        var output = app.Read(app.Base + 0x3000, 100);
        Assert.Equal(SioctlCodes.Reply, output[..SioctlCodes.Reply.Length]);
        Assert.All(output[SioctlCodes.Reply.Length..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_buffered_read_completed_from_another_processs_thread_copies_back_into_the_requesters_process_only()
    {
        using var machine = Machine.Create(new MachineOptions { Processors = 2, Seed = 3, ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        var io = new IoMgr();
        io.AttachTo(machine);
        Irp? held = null;
        var driver = IoTestBed.Run(io.LoadDriverAsync("Holder", "holder.sys", (d, _) =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Create] = async (dev, irp) =>
            {
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return NtStatus.Success;
            };
            d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
            {
                IoMarkIrpPending(irp);
                held = irp;
                return ValueTask.FromResult(NtStatus.Pending);
            };
            return ValueTask.FromResult(NtStatus.Success);
        })).Driver!;
        IoCreateDevice(driver, null, "\\Device\\Holder0", DeviceType.Unknown, 0, false, out var device);
        device!.Flags |= DeviceObjectFlags.BufferedIo;
        var requester = new RequesterProcess(machine, "requester.exe");
        var other = new RequesterProcess(machine, "other.exe");
        Assert.Equal(requester.Base, other.Base); // the same user address, two address spaces
        NtStatus read = default;
        AddressSpace? completedIn = null;

        machine.RunRoutine(0, SampleStack.Caller, "Requester", async () =>
        {
            var (_, file) = await NtCreateFile(io, "\\Device\\Holder0", KProcessorMode.UserMode, true, false);
            read = await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(requester.Space, requester.Base + 0x100, Data.Length), (uint)Data.Length, 0);
        }, process: requester.Space);
        machine.RunRoutine(1, SampleStack.Caller, "Completer", async () =>
        {
            while (held is null)
            {
                await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10_000);
            }
            completedIn = PsGetCurrentProcess();
            Data.CopyTo(held.SystemBuffer!, 0);
            held.IoStatus.Status = NtStatus.Success;
            held.IoStatus.Information = (ulong)Data.Length;
            await IoCompleteRequest(held, PriorityBoost.IoNoIncrement);
        }, process: other.Space);
        machine.System.Deterministic!.RunUntilQuiescent(10_000_000);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Same(other.Space, completedIn);
        Assert.Equal(NtStatus.Success, read);
        Assert.Equal(Data, requester.Read(requester.Base + 0x100, Data.Length));
        Assert.All(other.Read(other.Base + 0x100, Data.Length), b => Assert.Equal(0, b));
    }
}
