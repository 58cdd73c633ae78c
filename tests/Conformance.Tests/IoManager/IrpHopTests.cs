using ActorKernel.Actors;
using ActorKernel.Hardware;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Wdm;
using IoMgr = ActorKernel.Actors.IoManager;

namespace ActorKernel.Conformance.Tests.IoManager;

/// <summary>
/// IoCallDriver on a processor is a message to the target device object's actor (the hop): an
/// interleaving point between the caller and the dispatch routine, which still runs on the caller's
/// processor at the caller's IRQL.
/// </summary>
[Trait("Area", "IoManager")]
public sealed class IrpHopTests
{
    private static readonly KernelModule Caller = new("hopcaller.sys");
    private const int Line = 1;
    private const int Vector = 0x50;

    /// <summary>A machine with <paramref name="processors"/> processors and one driver whose device records where its dispatch routines ran.</summary>
    private sealed class HopBed : IDisposable
    {
        public HopBed(ulong seed, int processors = 2, IoCostModel? costs = null)
        {
            Machine = Machine.Create(new MachineOptions
            {
                Processors = processors,
                Seed = seed,
                ClockIntervalNs = 0,
                SystemWorkerThreads = 0,
                InterruptLines = [new InterruptLineConfig(Line, Vector, 5, 0)],
            });
            Io = new IoMgr(costs: costs);
            Io.AttachTo(Machine);
            Driver = IoTestBed.Run(Io.LoadDriverAsync("HopTarget", "hoptarget.sys", (driver, _) =>
            {
                driver.MajorFunction[(int)IrpMajorFunction.Read] = Dispatch;
                driver.MajorFunction[(int)IrpMajorFunction.Write] = Dispatch;
                return ValueTask.FromResult(NtStatus.Success);
            })).Driver!;
            Device = NewDevice();
        }

        public Machine Machine { get; }

        public IoMgr Io { get; }

        public DriverObject Driver { get; }

        public DeviceObject Device { get; }

        /// <summary>What ran, in order: "call", "dispatch", "returned", "other"...</summary>
        public List<string> Log { get; } = [];

        /// <summary>Where each dispatch routine ran: (processor, IRQL).</summary>
        public List<(int Processor, Irql Irql)> Dispatches { get; } = [];

        public DeviceObject NewDevice()
        {
            Assert.Equal(NtStatus.Success, IoCreateDevice(Driver, null, null, DeviceType.Unknown, 0, false, out var device));
            device!.Flags &= ~DeviceObjectFlags.DeviceInitializing;
            return device;
        }

        private async ValueTask<NtStatus> Dispatch(DeviceObject device, Irp irp)
        {
            Log.Add("dispatch");
            Dispatches.Add((KeGetCurrentProcessorNumber(), KeGetCurrentIrql()));
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        }

        /// <summary>Sends one IRP of <paramref name="major"/> to <paramref name="device"/> from the running routine, logging around it.</summary>
        public async ValueTask<NtStatus> Send(DeviceObject device, IrpMajorFunction major = IrpMajorFunction.Read)
        {
            var irp = IoAllocateIrp(Io, device.StackSize, false);
            irp.Thread = this; // Tail.Overlay.Thread set by its sender: the I/O manager finishes and frees it at the top
            IoGetNextIrpStackLocation(irp).MajorFunction = major;
            Log.Add("call");
            var status = await IoCallDriver(device, irp);
            Log.Add("returned");
            return status;
        }

        public void RunUntilQuiescent()
        {
            Machine.System.Deterministic!.RunUntilQuiescent(1_000_000);
            Assert.False(Machine.IsBugChecked, Machine.CrashDump?.Analysis);
        }

        public void Dispose() => Machine.Dispose();
    }

    [Theory]
    [InlineData(Irql.PassiveLevel)]
    [InlineData(Irql.DispatchLevel)]
    public void IoCallDriver_is_an_interleaving_point_and_the_dispatch_routine_runs_on_the_callers_processor_at_the_callers_irql(Irql callerIrql)
    {
        var between = 0;
        var before = 0;
        for (ulong seed = 1; seed <= 40; seed++)
        {
            using var bed = new HopBed(seed);
            NtStatus status = default;
            bed.Machine.RunRoutine(0, Caller, "Caller", async () =>
            {
                var old = callerIrql == Irql.DispatchLevel ? KeRaiseIrql(Irql.DispatchLevel) : Irql.PassiveLevel;
                status = await bed.Send(bed.Device);
                if (callerIrql == Irql.DispatchLevel)
                {
                    await KeLowerIrql(old);
                }
            });
            // The other processor's routine is ready at the same virtual time as the caller's.
            bed.Machine.RunRoutine(1, Caller, "Other", () =>
            {
                bed.Log.Add("other");
                return ValueTask.CompletedTask;
            }, Irql.DispatchLevel);
            bed.RunUntilQuiescent();

            Assert.Equal(NtStatus.Success, status);
            Assert.Equal([(0, callerIrql)], bed.Dispatches);
            var call = bed.Log.IndexOf("call");
            var dispatch = bed.Log.IndexOf("dispatch");
            var other = bed.Log.IndexOf("other");
            Assert.True(call >= 0 && dispatch == call + 1 + (other > call && other < dispatch ? 1 : 0), string.Join(",", bed.Log));
            Assert.Equal(dispatch + 1, bed.Log.IndexOf("returned"));
            if (other > call && other < dispatch)
            {
                between++;
            }
            else
            {
                Assert.True(other < call, string.Join(",", bed.Log));
                before++;
            }
        }
        // A direct call would never let the other processor in between; a message does, as the seed draws.
        Assert.True(between > 0, "for some seeds the other processor ran between IoCallDriver and the dispatch routine");
        Assert.True(before > 0, "for other seeds it ran before the call");
    }

    [Fact]
    public void The_hop_costs_the_callers_processor_IoCallDriver_in_virtual_time_before_the_dispatch_routine_runs()
    {
        using var bed = new HopBed(seed: 5, processors: 1);
        long calledAt = -1, dispatchedAt = -1;
        bed.Machine.RunRoutine(0, Caller, "Caller", async () =>
        {
            var irp = IoAllocateIrp(bed.Io, bed.Device.StackSize, false);
            irp.Thread = bed;
            IoGetNextIrpStackLocation(irp).MajorFunction = IrpMajorFunction.Read;
            bed.Driver.MajorFunction[(int)IrpMajorFunction.Read] = (device, i) =>
            {
                dispatchedAt = bed.Machine.NowNanoseconds;
                i.IoStatus.Status = NtStatus.Success;
                return ValueTask.FromResult(NtStatus.Success);
            };
            calledAt = bed.Machine.NowNanoseconds;
            await IoCallDriver(bed.Device, irp);
            IoFreeIrp(irp);
        }, Irql.DispatchLevel);
        bed.RunUntilQuiescent();

        Assert.True(calledAt >= 0 && dispatchedAt >= 0);
        // At least IoCallDriver's own cost passes between the send and the dispatch routine (plus what the caller owed before).
        Assert.True(dispatchedAt - calledAt >= bed.Io.Costs.CallDriverNs, $"called at {calledAt} ns, dispatched at {dispatchedAt} ns");
    }

    [Fact]
    public void An_interrupt_that_arrives_while_a_routine_waits_on_a_hop_is_taken_before_the_dispatch_routine_runs()
    {
        using var bed = new HopBed(seed: 4, processors: 1, costs: new IoCostModel { CallDriverNs = 10_000 });
        long isrAt = -1;
        Assert.Equal(NtStatus.Success, bed.Machine.IoConnectInterrupt(out _, Caller, (_, _) =>
        {
            bed.Log.Add("isr");
            isrAt = bed.Machine.NowNanoseconds;
            return ValueTask.FromResult(true);
        }, null, null, Vector, (Irql)5, (Irql)5, KInterruptMode.Latched, false, 0, "HopIsr"));
        NtStatus status = default;
        bed.Machine.RunRoutine(0, Caller, "Caller", async () => status = await bed.Send(bed.Device));
        // The line rises while the caller waits out the hop's 10 us.
        bed.Machine.System.Scheduler.ScheduleOnce(TimeSpan.FromTicks(20), () => bed.Machine.RaiseInterrupt(Line));
        bed.RunUntilQuiescent();

        Assert.Equal(NtStatus.Success, status);
        Assert.Equal(["call", "isr", "dispatch", "returned"], bed.Log);
        // As after a yield: the interrupt waits for the hop's charge to be paid, then preempts before the routine continues.
        Assert.True(isrAt >= 10_000, $"ISR ran at {isrAt} ns");
        Assert.Equal([(0, Irql.PassiveLevel)], bed.Dispatches);
    }

    [Fact]
    public void A_dispatch_routine_passing_its_irp_down_runs_the_lower_dispatch_routine_inside_IoCallDriver_as_NT_does()
    {
        using var bed = new HopBed(seed: 4);
        var lower = bed.Device;
        var upperDriver = IoTestBed.Run(bed.Io.LoadDriverAsync("HopPass", "hoppass.sys", (driver, _) =>
        {
            driver.MajorFunction[(int)IrpMajorFunction.Read] = (device, irp) =>
            {
                bed.Log.Add("upper");
                IoCopyCurrentIrpStackLocationToNext(irp);
                var call = IoCallDriver(lower, irp);
                bed.Log.Add("after call"); // in NT the lower dispatch routine has run by now: it ran inside IoCallDriver
                return call;
            };
            return ValueTask.FromResult(NtStatus.Success);
        })).Driver!;
        Assert.Equal(NtStatus.Success, IoCreateDevice(upperDriver, null, null, DeviceType.Unknown, 0, false, out var upper));
        Assert.Same(lower, IoAttachDeviceToDeviceStack(upper!, lower));
        upper!.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        var status = NtStatus.Unsuccessful;
        bed.Machine.RunRoutine(1, Caller, "Caller", async () => status = await bed.Send(upper));
        bed.RunUntilQuiescent();

        Assert.Equal(NtStatus.Success, status);
        Assert.Equal(["call", "upper", "dispatch", "after call", "returned"], bed.Log);
        Assert.Equal([(1, Irql.PassiveLevel)], bed.Dispatches);
    }

    [Fact]
    public void Running_out_of_stack_locations_bugchecks_0x35_on_the_callers_processor_naming_the_calling_driver_before_any_hop()
    {
        using var bed = new HopBed(seed: 6);
        var lower = bed.Device;
        var upperDriver = IoTestBed.Run(bed.Io.LoadDriverAsync("HopUpper", "hopupper.sys", (driver, _) =>
        {
            driver.MajorFunction[(int)IrpMajorFunction.Read] = (device, irp) =>
            {
                IoCopyCurrentIrpStackLocationToNext(irp);
                return IoCallDriver(lower, irp);
            };
            return ValueTask.FromResult(NtStatus.Success);
        })).Driver!;
        Assert.Equal(NtStatus.Success, IoCreateDevice(upperDriver, null, null, DeviceType.Unknown, 0, false, out var upper));
        Assert.Same(lower, IoAttachDeviceToDeviceStack(upper!, lower));
        upper!.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        Irp? irp = null;
        bed.Machine.RunRoutine(1, Caller, "Caller", async () =>
        {
            irp = IoAllocateIrp(bed.Io, 1, false); // one location for a two-deep stack
            IoGetNextIrpStackLocation(irp).MajorFunction = IrpMajorFunction.Read;
            await IoCallDriver(upper, irp);
        });
        bed.Machine.System.Deterministic!.RunUntilQuiescent(1_000_000);

        var dump = bed.Machine.CrashDump;
        Assert.NotNull(dump);
        Assert.Equal(BugCheckCode.NoMoreIrpStackLocations, dump!.Code);
        Assert.Equal(irp!.Address, dump.ParameterValues[0]);
        Assert.Equal(1, dump.BugCheckProcessor);
        Assert.Equal("hopupper.sys", dump.FaultingModule);
        Assert.Empty(bed.Dispatches); // the lower driver's dispatch routine never ran
    }

    [Fact]
    public async Task A_device_objects_actor_counts_the_irps_that_arrived_by_major_function_without_being_enabled()
    {
        using var bed = new HopBed(seed: 3);
        Assert.NotNull(bed.Device.Actor);
        bed.Machine.RunRoutine(1, Caller, "Caller", async () =>
        {
            for (var i = 0; i < 3; i++)
            {
                await bed.Send(bed.Device, IrpMajorFunction.Read);
            }
            await bed.Send(bed.Device, IrpMajorFunction.Write);
        });
        bed.RunUntilQuiescent();
        var ask = bed.Device.Actor!.Ask<DeviceStatistics>(GetDeviceStatistics.Instance, TimeSpan.FromSeconds(5));
        bed.RunUntilQuiescent();

        var stats = await ask;
        Assert.Equal([("IRP_MJ_READ", 3L), ("IRP_MJ_WRITE", 1L)], stats.Arrived.Select(p => (p.Key, p.Value)));
        Assert.Equal(4, stats.Passed);
        Assert.Equal([(1, Irql.PassiveLevel), (1, Irql.PassiveLevel), (1, Irql.PassiveLevel), (1, Irql.PassiveLevel)], bed.Dispatches);
    }

    [Fact]
    public void Devices_that_exist_before_the_io_manager_attaches_get_their_actor_at_AttachTo()
    {
        using var machine = Machine.Create(new MachineOptions { Processors = 1, Seed = 1, ClockIntervalNs = 0, SystemWorkerThreads = 0 });
        var io = new IoMgr();
        var driver = IoTestBed.Run(io.LoadDriverAsync("Early", "early.sys", (d, _) => ValueTask.FromResult(NtStatus.Success))).Driver!;
        Assert.Equal(NtStatus.Success, IoCreateDevice(driver, null, null, DeviceType.Unknown, 0, false, out var device));
        Assert.Null(device!.Actor);

        io.AttachTo(machine);

        Assert.NotNull(device.Actor);
    }

    [Fact]
    public void A_deleted_devices_actor_is_stopped()
    {
        using var bed = new HopBed(seed: 9);
        var device = bed.Device;
        var terminated = new List<IActorRef>();
        bed.Machine.System.ActorOf(Props.Create(() => new Watcher(device.Actor!, terminated)), "watcher");
        bed.RunUntilQuiescent();
        Assert.Empty(terminated);

        bed.Machine.RunRoutine(0, Caller, "Caller", async () =>
        {
            await bed.Send(device);
            IoDeleteDevice(device);
        });
        bed.RunUntilQuiescent();

        Assert.Equal([device.Actor!], terminated);
    }

    [Fact]
    public void A_device_deleted_while_another_processor_sends_to_it_stops_its_actor_and_loses_no_irp_for_any_seed()
    {
        var deletedDuringHop = 0;
        for (ulong seed = 1; seed <= 30; seed++)
        {
            using var bed = new HopBed(seed);
            var device = bed.Device;
            var terminated = new List<IActorRef>();
            bed.Machine.System.ActorOf(Props.Create(() => new Watcher(device.Actor!, terminated)), "watcher");
            var statuses = new List<NtStatus>();
            bed.Machine.RunRoutine(0, Caller, "Sender", async () =>
            {
                for (var i = 0; i < 3; i++)
                {
                    statuses.Add(await bed.Send(device));
                }
            });
            var hopInFlight = false;
            bed.Machine.RunRoutine(1, Caller, "Deleter", () =>
            {
                // A hop is in flight from IoCallDriver ("call") until its dispatch routine runs ("dispatch").
                hopInFlight = bed.Log.Count(e => e == "call") > bed.Log.Count(e => e == "dispatch");
                bed.Log.Add("delete");
                IoDeleteDevice(device);
                return ValueTask.CompletedTask;
            });
            bed.RunUntilQuiescent();

            Assert.Equal([NtStatus.Success, NtStatus.Success, NtStatus.Success], statuses);
            Assert.Equal(3, bed.Dispatches.Count);
            Assert.Equal([device.Actor!], terminated);
            if (hopInFlight)
            {
                deletedDuringHop++;
                // The hop begun before the deletion still reaches its dispatch routine.
                var delete = bed.Log.IndexOf("delete");
                Assert.Equal("dispatch", bed.Log[delete + 1]);
            }
        }
        // Otherwise the test would prove nothing about a deletion racing a hop.
        Assert.True(deletedDuringHop > 0, "for some seed IoDeleteDevice ran while a hop to the device was in flight");
    }

    private sealed class Watcher : ReceiveActor
    {
        public Watcher(IActorRef target, List<IActorRef> terminated)
        {
            Context.Watch(target);
            Receive<Terminated>(t => terminated.Add(t.ActorRef));
        }
    }
}
