using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Memory.ProcessorMemoryFixture;

namespace ActorKernel.Conformance.Tests.Memory;

/// <summary>Issue 4, acceptance 1 on real processors: user addresses resolve in the current process; DMA through an MDL.</summary>
[Trait("Area", "Memory")]
public sealed class ProcessorProcessContextTests
{
    private static readonly byte[] Payload = [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 7 + 3))];

    [Fact]
    public void Kernel_write_to_a_user_address_from_another_process_context_raises_access_violation_and_leaves_the_owner_untouched()
    {
        using var machine = Create();
        var a = machine.CreateProcess("a.exe");
        var b = machine.CreateProcess("b.exe");
        Assert.Equal(NtStatus.Success, machine.Memory.NtAllocateVirtualMemory(a, 4096, out var va));
        NtStatus? raised = null;
        ulong faultAddress = 0;
        machine.RunRoutine(0, Driver, "WrongProcessWrite", async () =>
        {
            Assert.Same(b, PsGetCurrentProcess());
            try
            {
                await WriteUlong(va, 0xBAD);
            }
            catch (NtStatusException e)
            {
                raised = e.Status;
                faultAddress = e.Address;
            }
        }, process: b);
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(NtStatus.AccessViolation, raised);
        Assert.Equal(va, faultAddress);
        var readBack = new byte[4];
        Assert.Equal(NtStatus.Success, machine.Memory.UserRead(a, va, readBack).Status);
        Assert.Equal(new byte[4], readBack);
    }

    [Fact]
    public void Kernel_write_from_another_process_context_lands_in_that_process_at_the_same_address()
    {
        using var machine = Create();
        var a = machine.CreateProcess("a.exe");
        var b = machine.CreateProcess("b.exe");
        Assert.Equal(NtStatus.Success, machine.Memory.NtAllocateVirtualMemory(a, 4096, out var va));
        Assert.Equal(NtStatus.Success, machine.Memory.NtAllocateVirtualMemory(b, 4096, out var vb));
        Assert.Equal(va, vb); // every process allocates at the same address: the mistake is silent
        machine.RunRoutine(0, Driver, "StalePointerWrite", async () => await WriteUlong(va, 0xB0B), process: b);
        Run(machine);

        var fromA = new byte[4];
        var fromB = new byte[4];
        machine.Memory.UserRead(a, va, fromA);
        machine.Memory.UserRead(b, va, fromB);
        Assert.Equal(0u, BitConverter.ToUInt32(fromA));
        Assert.Equal(0xB0Bu, BitConverter.ToUInt32(fromB));
    }

    [Fact]
    public void Uncaught_access_violation_in_a_system_thread_bugchecks_SYSTEM_THREAD_EXCEPTION_NOT_HANDLED()
    {
        using var machine = Create();
        var a = machine.CreateProcess("a.exe");
        Assert.Equal(NtStatus.Success, machine.Memory.NtAllocateVirtualMemory(a, 4096, out var va));
        machine.RunRoutine(0, Driver, "SystemThreadWrite", async () => await WriteUlong(va, 1));
        Run(machine);

        var dump = AssertCrash(machine, BugCheckCode.SystemThreadExceptionNotHandled);
        Assert.Equal(0xC0000005UL, dump.ParameterValues[0]);
        Assert.Equal(machine.RoutineAddress(Driver, "SystemThreadWrite"), dump.ParameterValues[1]);
        Assert.Equal("x.sys", dump.FaultingModule);
    }

    [Fact]
    public void Uncaught_probe_failure_in_a_DPC_bugchecks_KMODE_EXCEPTION_NOT_HANDLED_with_status_code_address_access_and_address()
    {
        using var machine = Create();
        var dpc = new KDpc();
        KeInitializeDpc(dpc, ProbingDpc, null, Driver);
        machine.RunRoutine(0, Driver, "Queuer", () =>
        {
            KeInsertQueueDpc(dpc, null, null);
            return ValueTask.CompletedTask;
        });
        Run(machine);

        var dump = AssertCrash(machine, BugCheckCode.KmodeExceptionNotHandled);
        Assert.Equal([0xC0000005UL, machine.RoutineAddress(Driver, "ProbingDpc"), 0UL, 0xFFFF_F8A0_0000_0000UL], dump.ParameterValues);
    }

    private static ValueTask ProbingDpc(KDpc dpc, object? context, object? a1, object? a2)
    {
        ProbeForRead(0xFFFF_F8A0_0000_0000, 16, 1); // a system address passed as a user buffer
        return ValueTask.CompletedTask;
    }

    [Fact]
    public void KeStackAttachProcess_lets_a_system_thread_write_the_attached_process_user_buffer()
    {
        using var machine = Create();
        var a = machine.CreateProcess("a.exe");
        Assert.Equal(NtStatus.Success, machine.Memory.NtAllocateVirtualMemory(a, 4096, out var va));
        AddressSpace? during = null;
        AddressSpace? after = a;
        machine.RunRoutine(0, Driver, "Attacher", async () =>
        {
            KeStackAttachProcess(a, out var state);
            during = PsGetCurrentProcess();
            await KeCompute(1_000); // the attach survives a yield
            await WriteUlong(va, 0xA77);
            KeUnstackDetachProcess(state);
            after = PsGetCurrentProcess();
        });
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Same(a, during);
        Assert.Null(after);
        var readBack = new byte[4];
        machine.Memory.UserRead(a, va, readBack);
        Assert.Equal(0xA77u, BitConverter.ToUInt32(readBack));
    }

    [Fact]
    public void A_DPC_runs_in_the_process_context_of_the_thread_it_interrupted()
    {
        using var machine = Create();
        var a = machine.CreateProcess("a.exe");
        Assert.Equal(NtStatus.Success, machine.Memory.NtAllocateVirtualMemory(a, 4096, out var va));
        var dpc = new KDpc();
        AddressSpace? seen = null;
        KeInitializeDpc(dpc, async (_, _, address, _) =>
        {
            seen = PsGetCurrentProcess();
            await WriteUlong((ulong)address!, 0xD9C); // resident: legal at DISPATCH_LEVEL, and it reaches a.exe
        }, null, Driver, "ArbitraryContextDpc");
        machine.RunRoutine(0, Driver, "ThreadOfA", async () =>
        {
            await WriteUlong(va, 1); // demand-zero fault at PASSIVE_LEVEL: the page is resident afterwards
            KeInsertQueueDpc(dpc, va, null);
            await KeCompute(1_000); // the DPC runs at this yield, on top of this thread
        }, process: a);
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Same(a, seen);
        var readBack = new byte[4];
        machine.Memory.UserRead(a, va, readBack);
        Assert.Equal(0xD9Cu, BitConverter.ToUInt32(readBack));
    }

    [Fact]
    public void DMA_write_through_a_locked_MDL_is_read_back_by_the_user_process()
    {
        using var machine = Create();
        var app = machine.CreateProcess("app.exe");
        Assert.Equal(NtStatus.Success, machine.Memory.NtAllocateVirtualMemory(app, 16384, out var buffer));
        var userVa = buffer + 100;
        var seenBySystemMapping = new byte[Payload.Length];
        Mdl? mdl = null;
        var dpc = new KDpc();
        KeInitializeDpc(dpc, DmaCompleteDpc, seenBySystemMapping, Driver);
        // The application's thread calls into the driver (METHOD_DIRECT): the driver locks the buffer and starts DMA.
        machine.RunRoutine(0, Driver, "StartIo", async () =>
        {
            mdl = IoAllocateMdl(userVa, (ulong)Payload.Length)!;
            await MmProbeAndLockPages(mdl, KProcessorMode.UserMode, LockOperation.IoWriteAccess);
            Assert.Equal(userVa, MmGetMdlVirtualAddress(mdl));
            Assert.Equal((uint)Payload.Length, MmGetMdlByteCount(mdl));
            Assert.Equal(100u, MmGetMdlByteOffset(mdl));
            Assert.Equal(2, MmGetMdlPfnArray(mdl).Length);
            machine.Memory.Physical.DmaWrite(mdl, 0, Payload); // the device writes the frames
            KeInsertQueueDpc(dpc, mdl, null);
        }, process: app);
        Run(machine);

        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);
        Assert.Equal(Payload, seenBySystemMapping);
        var readBack = new byte[Payload.Length];
        var result = machine.Memory.UserRead(app, userVa, readBack);
        Assert.Equal(NtStatus.Success, result.Status);
        Assert.Equal(Payload, readBack);
        Assert.Empty(machine.Memory.GetLockedMdls());
        Assert.Empty(machine.Memory.GetOutstandingAllocations("x.sys"));
    }

    [Fact]
    public void Process_exit_with_pages_a_driver_left_locked_stops_the_machine_with_DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS()
    {
        using var machine = Create();
        var app = machine.CreateProcess("app.exe");
        Assert.Equal(NtStatus.Success, machine.Memory.NtAllocateVirtualMemory(app, 8192, out var buffer));
        Mdl? mdl = null;
        machine.RunRoutine(0, Driver, "LeakyLock", async () =>
        {
            mdl = IoAllocateMdl(buffer, 8192)!;
            await MmProbeAndLockPages(mdl, KProcessorMode.UserMode, LockOperation.IoReadAccess);
        }, process: app);
        Run(machine);
        Assert.False(machine.IsBugChecked, machine.CrashDump?.Analysis);

        var e = Assert.Throws<BugCheckException>(() => machine.TerminateProcess(app));
        Assert.Equal(BugCheckCode.DriverLeftLockedPagesInProcess, e.Code);
        var dump = AssertCrash(machine, BugCheckCode.DriverLeftLockedPagesInProcess);
        Assert.Equal([machine.RoutineAddress(Driver, "LeakyLock"), 0UL, mdl!.Address, 2UL], dump.ParameterValues);
        Assert.Empty(machine.UserProcesses);
    }

    private static async ValueTask DmaCompleteDpc(KDpc dpc, object? context, object? argument, object? unused)
    {
        // The DPC runs in whatever process it interrupted: it reaches the buffer through the system mapping only.
        var mdl = (Mdl)argument!;
        var systemVa = MmGetSystemAddressForMdlSafe(mdl);
        Assert.NotEqual(0UL, systemVa);
        await RtlCopyMemory(((byte[])context!).AsSpan(), systemVa);
        MmUnlockPages(mdl);
        IoFreeMdl(mdl);
    }
}
