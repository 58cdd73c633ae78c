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
        var pending = new PendingReads(io, "Holder", DeviceObjectFlags.BufferedIo);
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
            while (pending.Held is null)
            {
                await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10_000);
            }
            completedIn = PsGetCurrentProcess();
            Data.CopyTo(pending.Held.SystemBuffer!, 0);
            pending.Held.IoStatus.Status = NtStatus.Success;
            pending.Held.IoStatus.Information = (ulong)Data.Length;
            await IoCompleteRequest(pending.Held, PriorityBoost.IoNoIncrement);
        }, process: other.Space);
        machine.System.Deterministic!.RunUntilQuiescent(10_000_000);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Same(other.Space, completedIn);
        Assert.Equal(NtStatus.Success, read);
        Assert.Equal(Data, requester.Read(requester.Base + 0x100, Data.Length));
        Assert.All(other.Read(other.Base + 0x100, Data.Length), b => Assert.Equal(0, b));
    }
}

/// <summary>Direct and neither I/O of process-backed buffers: Mm MDLs of the requester's pages, and raw addresses valid only in its context.</summary>
[Trait("Area", "IoManager")]
public sealed class ProcessDirectIoTests
{
    private static readonly byte[] Data = Encoding.ASCII.GetBytes("Direct I/O: the device writes the requester's physical pages through a system mapping.");

    private static int OutstandingMdls(Machine machine) => machine.Memory.GetOutstandingAllocations().Count(a => a.Tag == "Mdl ");

    [Fact]
    public void Direct_io_locks_an_Mm_MDL_of_the_requesters_pages_for_the_request_and_unlocks_and_frees_it_at_completion()
    {
        using var stack = new SampleStack(directIo: true);
        var app = new RequesterProcess(stack.Machine);
        ulong source = app.Base + 0x0FF8, target = app.Base + 0x6FFC; // both span two pages
        app.Write(source, Data);
        var ramdisk = stack.Fdo.DriverObject;
        var seen = new List<(IrpMajorFunction Major, Mdl Mdl, MdlFlags Flags, bool Listed, AddressSpace? Process, int Pages)>();
        foreach (var major in new[] { IrpMajorFunction.Read, IrpMajorFunction.Write })
        {
            var inner = ramdisk.MajorFunction[(int)major];
            ramdisk.MajorFunction[(int)major] = (dev, irp) =>
            {
                var mdl = irp.MdlAddress!;
                seen.Add((major, mdl, mdl.Flags, stack.Machine.Memory.GetLockedMdls().Contains(mdl), mdl.Process, mdl.PageCount));
                return inner(dev, irp);
            };
        }
        NtStatus write = default, read = default;
        var readIosb = new IoStatusBlock();

        app.Run(async () =>
        {
            var (_, file) = await NtCreateFile(stack.Io, "\\Device\\RamDisk0", KProcessorMode.UserMode, true, true);
            write = await NtWriteFile(file!, new IoStatusBlock(), new UserBuffer(app.Space, source, Data.Length), (uint)Data.Length, 1024);
            read = await NtReadFile(file!, readIosb, new UserBuffer(app.Space, target, Data.Length), (uint)Data.Length, 1024);
        });

        Assert.Equal((NtStatus.Success, NtStatus.Success), (write, read));
        Assert.Equal(Data, app.Read(target, Data.Length));
        Assert.Equal(Data, stack.Fdo.GetExtension<Drivers.RamDisk.RamDiskExtension>().Image.AsSpan(1024, Data.Length).ToArray());
        Assert.Equal(2, seen.Count);
        var (_, writeMdl, writeFlags, writeListed, writeProcess, writePages) = seen[0];
        Assert.Equal(IrpMajorFunction.Write, seen[0].Major);
        Assert.False(writeMdl.IsManaged);
        Assert.Equal(MdlFlags.PagesLocked, writeFlags & (MdlFlags.PagesLocked | MdlFlags.WriteOperation)); // IoReadAccess
        Assert.True(writeListed);
        Assert.Same(app.Space, writeProcess);
        Assert.Equal(2, writePages);
        Assert.Equal(source, MmGetMdlVirtualAddress(writeMdl));
        var (_, readMdl, readFlags, readListed, _, _) = seen[1];
        Assert.Equal(MdlFlags.PagesLocked | MdlFlags.WriteOperation, readFlags & (MdlFlags.PagesLocked | MdlFlags.WriteOperation)); // IoWriteAccess
        Assert.True(readListed);
        Assert.Equal(MdlFlags.None, readMdl.Flags & (MdlFlags.PagesLocked | MdlFlags.MappedToSystemVa));
        Assert.Empty(stack.Machine.Memory.GetLockedMdls());
        Assert.Equal(0, OutstandingMdls(stack.Machine));
        stack.Machine.TerminateProcess(app.Space); // no page left locked: no DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS
        Assert.False(stack.Machine.IsBugChecked);
    }

    [Fact]
    public void Direct_io_of_a_range_that_is_not_committed_fails_STATUS_ACCESS_VIOLATION_before_any_IRP_and_locks_nothing()
    {
        using var stack = new SampleStack(directIo: true);
        var app = new RequesterProcess(stack.Machine, bytes: 8192);
        NtStatus read = default;

        app.Run(async () =>
        {
            var (_, file) = await NtCreateFile(stack.Io, "\\Device\\RamDisk0", KProcessorMode.UserMode, true, true);
            read = await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(app.Space, app.Base + 4096, 8192), 8192, 0);
        });

        Assert.Equal(NtStatus.AccessViolation, read);
        Assert.Equal(0, stack.FilterState.RequestCount(IrpMajorFunction.Read));
        Assert.Empty(stack.Machine.Memory.GetLockedMdls());
        Assert.Equal(0, OutstandingMdls(stack.Machine));
    }

    public static TheoryData<string> Methods => ["buffered", "in-direct", "out-direct", "neither"];

    [Theory]
    [MemberData(nameof(Methods))]
    public void Each_METHOD_of_Sioctl_moves_the_input_from_and_the_reply_into_the_requesters_pages(string method)
    {
        using var stack = new SampleStack(directIo: false);
        IoTestBed.Run(stack.Io.LoadDriverAsync(Sioctl.ServiceName, Sioctl.ImageName, Sioctl.DriverEntry));
        var app = new RequesterProcess(stack.Machine);
        var input = Encoding.ASCII.GetBytes($"This String is from User Application; using METHOD_{method}\0");
        ulong inAddress = app.Base + 0x0FE0, outAddress = app.Base + 0x2FF0;
        app.Write(inAddress, input);
        var code = method switch
        {
            "buffered" => SioctlCodes.MethodBuffered,
            "in-direct" => SioctlCodes.MethodInDirect,
            "out-direct" => SioctlCodes.MethodOutDirect,
            _ => SioctlCodes.MethodNeither,
        };
        var iosb = new IoStatusBlock();
        NtStatus status = default;
        FileObject? file = null;

        app.Run(async () =>
        {
            (_, file) = await NtCreateFile(stack.Io, SioctlCodes.DosDeviceName, KProcessorMode.UserMode, true, true);
            status = await NtDeviceIoControlFile(file!, iosb, code,
                new UserBuffer(app.Space, inAddress, input.Length), (uint)input.Length, new UserBuffer(app.Space, outAddress, 100), 100);
        });

        Assert.Equal(NtStatus.Success, status);
        Assert.Equal((ulong)SioctlCodes.Reply.Length, iosb.Information);
        Assert.Equal(input, file!.DeviceObject.GetExtension<SioctlExtension>().LastInput);
        var output = app.Read(outAddress, 100);
        Assert.Equal(SioctlCodes.Reply, output[..SioctlCodes.Reply.Length]);
        Assert.All(output[SioctlCodes.Reply.Length..], b => Assert.Equal(0, b));
        Assert.Empty(stack.Machine.Memory.GetLockedMdls());
        Assert.Equal(0, OutstandingMdls(stack.Machine));
    }

    /// <summary>
    /// A driver whose reads pend; a thread of <paramref name="completerProcess"/> (null: a system thread) fills
    /// and completes them, or with <paramref name="viaDpc"/> queues a DPC that does (it runs in the context it interrupts: that thread's).
    /// </summary>
    private static (NtStatus Read, NtStatus Touch) PendAndCompleteFrom(Machine machine, IoMgr io, DeviceObjectFlags ioFlags, RequesterProcess requester,
        AddressSpace? completerProcess, ulong address, bool viaDpc = false)
    {
        var touch = NtStatus.Pending;
        var pending = new PendingReads(io, "Pender", ioFlags);
        NtStatus read = default;

        machine.RunRoutine(0, SampleStack.Caller, "Requester", async () =>
        {
            var (_, file) = await NtCreateFile(io, "\\Device\\Pender0", KProcessorMode.UserMode, true, false);
            read = await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(requester.Space, address, Data.Length), (uint)Data.Length, 0);
        }, process: requester.Space);
        async ValueTask FillAndComplete(Irp irp)
        {
            try
            {
                if (irp.MdlAddress is { } mdl)
                {
                    await RtlCopyMemory(MmGetSystemAddressForMdlSafe(mdl, NormalPagePriority), Data);
                }
                else
                {
                    await RtlCopyMemory(irp.UserBuffer!, Data); // the raw address, in the current process
                }
                touch = NtStatus.Success;
            }
            catch (NtStatusException e)
            {
                touch = e.Status;
            }
            irp.IoStatus.Status = touch;
            irp.IoStatus.Information = touch == NtStatus.Success ? (ulong)Data.Length : 0;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        }
        var dpc = new KDpc();
        KeInitializeDpc(dpc, async (_, _, irp, _) => await FillAndComplete((Irp)irp!), null, SampleStack.Caller);
        machine.RunRoutine(1, SampleStack.Caller, "Completer", async () =>
        {
            while (pending.Held is null)
            {
                await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10_000);
            }
            if (viaDpc)
            {
                KeInsertQueueDpc(dpc, pending.Held, null);
                await KeDelayExecutionThread(KProcessorMode.KernelMode, false, -10_000);
            }
            else
            {
                await FillAndComplete(pending.Held);
            }
        }, process: completerProcess);
        machine.System.Deterministic!.RunUntilQuiescent(10_000_000);
        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        return (read, touch);
    }

    private static (Machine Machine, IoMgr Io) NewMachine()
    {
        var machine = Machine.Create(new MachineOptions { Processors = 2, Seed = 9, ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        var io = new IoMgr();
        io.AttachTo(machine);
        return (machine, io);
    }

    [Fact]
    public void Neither_io_touched_from_another_processs_context_writes_that_process_not_the_requesters()
    {
        var (machine, io) = NewMachine();
        using var _ = machine;
        var requester = new RequesterProcess(machine, "requester.exe");
        var other = new RequesterProcess(machine, "other.exe");
        var address = requester.Base + 0x200;
        Assert.Equal(requester.Base, other.Base);

        var (read, touch) = PendAndCompleteFrom(machine, io, 0, requester, other.Space, address);

        Assert.Equal((NtStatus.Success, NtStatus.Success), (read, touch));
        Assert.All(requester.Read(address, Data.Length), b => Assert.Equal(0, b));
        Assert.Equal(Data, other.Read(address, Data.Length)); // the same address, the wrong process
    }

    [Fact]
    public void Neither_io_touched_from_a_DPC_that_interrupted_another_processs_thread_writes_that_process_not_the_requesters()
    {
        var (machine, io) = NewMachine();
        using var _ = machine;
        var requester = new RequesterProcess(machine, "requester.exe");
        var other = new RequesterProcess(machine, "other.exe");
        var address = requester.Base + 0x200;
        other.Write(address, new byte[Data.Length]); // resident: a fault at DISPATCH_LEVEL would be 0xD1 instead

        var (read, touch) = PendAndCompleteFrom(machine, io, 0, requester, other.Space, address, viaDpc: true);

        Assert.Equal((NtStatus.Success, NtStatus.Success), (read, touch));
        Assert.All(requester.Read(address, Data.Length), b => Assert.Equal(0, b));
        Assert.Equal(Data, other.Read(address, Data.Length));
    }

    [Fact]
    public void Neither_io_touched_from_a_system_thread_raises_STATUS_ACCESS_VIOLATION_and_misses_the_requester()
    {
        var (machine, io) = NewMachine();
        using var _ = machine;
        var requester = new RequesterProcess(machine, "requester.exe");
        var address = requester.Base + 0x200;

        var (read, touch) = PendAndCompleteFrom(machine, io, 0, requester, null, address);

        Assert.Equal(NtStatus.AccessViolation, touch);
        Assert.Equal(NtStatus.AccessViolation, read);
        Assert.All(requester.Read(address, Data.Length), b => Assert.Equal(0, b));
    }

    [Fact]
    public void Neither_io_touched_in_the_requesters_own_context_reaches_its_buffer()
    {
        var (machine, io) = NewMachine();
        using var _ = machine;
        var requester = new RequesterProcess(machine, "requester.exe");
        var address = requester.Base + 0x200;

        var (read, touch) = PendAndCompleteFrom(machine, io, 0, requester, requester.Space, address);

        Assert.Equal((NtStatus.Success, NtStatus.Success), (read, touch));
        Assert.Equal(Data, requester.Read(address, Data.Length));
    }

    [Fact]
    public void A_process_that_ends_while_its_direct_io_request_holds_its_pages_locked_stops_the_machine_with_0xCB()
    {
        var (machine, io) = NewMachine();
        using var _ = machine;
        var requester = new RequesterProcess(machine, "requester.exe");
        var driver = IoTestBed.Run(io.LoadDriverAsync("Sitter", "sitter.sys", (d, _) =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Create] = async (dev, irp) =>
            {
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return NtStatus.Success;
            };
            d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
            {
                IoMarkIrpPending(irp);
                return ValueTask.FromResult(NtStatus.Pending);
            };
            return ValueTask.FromResult(NtStatus.Success);
        })).Driver!;
        IoCreateDevice(driver, null, "\\Device\\Sitter0", DeviceType.Unknown, 0, false, out var device);
        device!.Flags |= DeviceObjectFlags.DirectIo;
        device.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        machine.RunRoutine(0, SampleStack.Caller, "Requester", async () =>
        {
            var (_, file) = await NtCreateFile(io, "\\Device\\Sitter0", KProcessorMode.UserMode, true, false);
            await NtReadFile(file!, new IoStatusBlock(), new UserBuffer(requester.Space, requester.Base, 3 * 4096), 3 * 4096, 0);
        }, process: requester.Space);
        machine.System.Deterministic!.RunUntilQuiescent(10_000_000);
        var locked = Assert.Single(machine.Memory.GetLockedMdls());
        Assert.Same(requester.Space, locked.Process);

        var stop = Assert.Throws<BugCheckException>(() => machine.TerminateProcess(requester.Space));

        Assert.Equal(BugCheckCode.DriverLeftLockedPagesInProcess, stop.Code);
        Assert.True(machine.IsBugChecked);
    }

    [Fact]
    public void Direct_io_written_from_a_DPC_in_another_processs_context_lands_in_the_requesters_pages()
    {
        var (machine, io) = NewMachine();
        using var _ = machine;
        var requester = new RequesterProcess(machine, "requester.exe");
        var other = new RequesterProcess(machine, "other.exe");
        var address = requester.Base + 0xFF0;

        var (read, touch) = PendAndCompleteFrom(machine, io, DeviceObjectFlags.DirectIo, requester, other.Space, address, viaDpc: true);

        Assert.Equal((NtStatus.Success, NtStatus.Success), (read, touch));
        Assert.Equal(Data, requester.Read(address, Data.Length));
        Assert.All(other.Read(address, Data.Length), b => Assert.Equal(0, b));
    }

    [Fact]
    public void Direct_io_written_from_a_system_thread_lands_in_the_requesters_pages_through_the_system_mapping()
    {
        var (machine, io) = NewMachine();
        using var _ = machine;
        var requester = new RequesterProcess(machine, "requester.exe");
        var address = requester.Base + 0xFF0;

        var (read, touch) = PendAndCompleteFrom(machine, io, DeviceObjectFlags.DirectIo, requester, null, address);

        Assert.Equal((NtStatus.Success, NtStatus.Success), (read, touch));
        Assert.Equal(Data, requester.Read(address, Data.Length));
        Assert.Empty(machine.Memory.GetLockedMdls());
    }
}

/// <summary>
/// <c>name.sys</c> with a device <c>\\Device\\Name0</c> of the given buffering whose opens succeed and
/// whose reads pend: <see cref="Held"/> is the last read it got, for the test to complete.
/// </summary>
internal sealed class PendingReads
{
    public PendingReads(IoMgr io, string name, DeviceObjectFlags ioFlags)
    {
        var driver = IoTestBed.Run(io.LoadDriverAsync(name, name.ToLowerInvariant() + ".sys", (d, _) =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Create] = async (dev, irp) =>
            {
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return NtStatus.Success;
            };
            d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
            {
                IoMarkIrpPending(irp);
                Held = irp;
                return ValueTask.FromResult(NtStatus.Pending);
            };
            return ValueTask.FromResult(NtStatus.Success);
        })).Driver!;
        IoCreateDevice(driver, null, "\\Device\\" + name + "0", DeviceType.Unknown, 0, false, out var device);
        device!.Flags |= ioFlags;
        device.Flags &= ~DeviceObjectFlags.DeviceInitializing;
    }

    public Irp? Held { get; private set; }
}
