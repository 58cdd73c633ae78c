using System.Globalization;
using System.Text;
using ActorKernel.Actors;
using Xunit.Abstractions;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.IoManager;

/// <summary>
/// The I/O manager's IRP lookaside lists: a freed IRP is handed out again, as new, with a new
/// generation; the I/O manager's own holders never take a recycled IRP for the request they held;
/// use after free stays detectable; and a user-mode request allocates (almost) nothing in steady state.
/// </summary>
[Trait("Area", "IoManager")]
public sealed class IrpLookasideTests(ITestOutputHelper output)
{
    private static readonly IoControlCode Park = IoControlCode.CtlCode(DeviceType.Unknown, 0x801, TransferMethod.MethodBuffered, IoctlAccess.FileAnyAccess);

    /// <summary>Everything a driver can read of an IRP and its stack locations (incl. the scratch location past the stack), but its address and generation.</summary>
    private static string Snapshot(Irp irp)
    {
        var text = new StringBuilder();
        void Line(string name, object? value) => text.Append(name).Append('=').Append(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null").Append('\n');
        Line("StackCount", irp.StackCount);
        Line("CurrentLocation", irp.CurrentLocation);
        Line("IoStatus", irp.IoStatus);
        Line("PendingReturned", irp.PendingReturned);
        Line("Cancel", irp.Cancel);
        Line("CancelIrql", irp.CancelIrql);
        Line("CancelRoutine", irp.CancelRoutine);
        Line("RequestorMode", irp.RequestorMode);
        Line("Flags", irp.Flags);
        Line("SystemBuffer", irp.SystemBuffer is null ? null : Convert.ToHexString(irp.SystemBuffer));
        Line("MdlAddress", irp.MdlAddress);
        Line("UserBuffer", irp.UserBuffer);
        Line("UserIosb", irp.UserIosb);
        Line("UserEvent", irp.UserEvent);
        Line("DriverContext", string.Join(",", irp.DriverContext.Select(c => c ?? "null")));
        Line("OriginalFileObject", irp.OriginalFileObject);
        Line("UserApcContext", irp.UserApcContext);
        Line("Thread", irp.Thread);
        Line("IsCompleted", irp.IsCompleted);
        Line("IsFreed", irp.IsFreed);
        var locations = irp.StackLocations.ToList();
        if (irp.CurrentLocation == 1)
        {
            locations.Add(irp.NextStackLocation);
        }
        foreach (var l in locations)
        {
            var p = l.Parameters;
            Line("Location", $"{l.Location} {l.MajorFunction} {l.MinorFunction} {l.Flags} {l.Control} {l.DeviceObject} {l.FileObject} {l.CompletionRoutine?.Method.Name} {l.Context}");
            Line("Parameters", $"{p.Read.Length} {p.Read.Key} {p.Read.ByteOffset} {p.DeviceIoControl.IoControlCode.Value} {p.DeviceIoControl.Type3InputBuffer} "
                + $"{p.Create.SecurityContext} {p.Create.Options} {p.Create.EaLength} {p.Others.Argument1} {p.Others.Argument2} {p.Others.Argument3} {p.Others.Argument4}");
        }
        return text.ToString();
    }

    /// <summary>Sets every field of the IRP and its locations that a driver (or its completion routine) can set.</summary>
    private static void Scribble(Irp irp, DeviceObject device)
    {
        irp.CancelIrql = Irql.DispatchLevel;
        irp.RequestorMode = KProcessorMode.UserMode;
        irp.Flags |= IrpFlags.PagingIo | IrpFlags.NoCache | IrpFlags.DeferIoCompletion;
        irp.SystemBuffer = [1, 2, 3];
        irp.UserBuffer = new UserBuffer(0x7000, new byte[8]);
        irp.UserIosb ??= new IoStatusBlock();
        irp.UserEvent ??= new IoCompletionEvent();
        irp.OriginalFileObject ??= new FileObject(device);
        irp.UserApcContext = "apc";
        irp.Thread = "some thread";
        for (var i = 0; i < 4; i++)
        {
            irp.DriverContext[i] = "context " + i;
        }
        foreach (var location in irp.StackLocations)
        {
            location.MinorFunction = 7;
            location.Flags = 0x5A;
            location.Control |= StackLocationControl.InvokeOnCancel;
            location.Context = "ctx";
            location.Parameters.Others.Argument1 = "a1";
            location.Parameters.Others.Argument2 = "a2";
            location.Parameters.Others.Argument3 = "a3";
            location.Parameters.Others.Argument4 = "a4";
            location.Parameters.Create.EaLength = 99;
        }
        if (!irp.IsCompleted)
        {
            IoMarkIrpPending(irp);
        }
        IoSetCancelRoutine(irp, (_, _) => ValueTask.CompletedTask);
    }

    [Fact]
    public void A_recycled_irp_is_handed_out_as_new_with_the_next_generation_and_nothing_a_driver_set_survives()
    {
        using var bed = new IoTestBed(observe: false);
        var driver = bed.LoadDriver("Dirty", d => d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
        {
            Scribble(irp, dev);
            IoSetCancelRoutine(irp, null);
            irp.IoStatus.Status = NtStatus.Success;
            irp.IoStatus.Information = 12345;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        });
        var device = bed.CreateDevice(driver);
        var fresh = Snapshot(IoAllocateIrp(bed.Io, device.StackSize, false));
        var irp = bed.NewIrp(device, IrpMajorFunction.Read);
        var generation = irp.Generation;
        Assert.Equal(NtStatus.Success, IoTestBed.Run(IoCallDriver(device, irp)));
        Scribble(irp, device);
        IoSetCancelRoutine(irp, null);
        IoFreeIrp(irp);

        var again = IoAllocateIrp(bed.Io, device.StackSize, false);

        Assert.Same(irp, again);
        Assert.Equal(generation + 1, again.Generation);
        Assert.Equal(fresh, Snapshot(again));
    }

    [Fact]
    public void A_user_request_that_gets_the_irp_of_the_previous_one_sees_nothing_its_driver_left_in_it()
    {
        using var bed = new IoTestBed(observe: false);
        var seen = new List<(Irp Irp, uint Generation, string AtDispatch)>();
        var driver = bed.LoadDriver("Dirty", d =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Create] = async (dev, irp) =>
            {
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return NtStatus.Success;
            };
            d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
            {
                seen.Add((irp, irp.Generation, Snapshot(irp)));
                var length = IoGetCurrentIrpStackLocation(irp).Parameters.Read.Length;
                irp.SystemBuffer.AsSpan(0, (int)length).Fill(0xEE);
                Scribble(irp, dev);
                IoSetCancelRoutine(irp, null);
                irp.SystemBuffer = null;
                irp.IoStatus.Status = NtStatus.Success;
                irp.IoStatus.Information = length;
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return NtStatus.Success;
            };
        });
        var device = bed.CreateDevice(driver, "\\Device\\Dirty");
        device.Flags |= DeviceObjectFlags.BufferedIo;
        var (_, file) = IoTestBed.Run(NtCreateFile(bed.Io, "\\Device\\Dirty", KProcessorMode.KernelMode, true, false));

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(NtStatus.Success, IoTestBed.Run(NtReadFile(file!, new IoStatusBlock(), new UserBuffer(0x10000, new byte[100]), 100, 0)));
        }

        Assert.Same(seen[0].Irp, seen[1].Irp);
        Assert.Equal(seen[0].Generation + 1, seen[1].Generation);
        // The status block and the requester's buffer differ by object; everything else is as the first request found it.
        static string Comparable(string s) => string.Join('\n', s.Split('\n').Where(l => !l.StartsWith("UserIosb=", StringComparison.Ordinal) && !l.StartsWith("UserBuffer=", StringComparison.Ordinal)));
        Assert.Equal(Comparable(seen[0].AtDispatch), Comparable(seen[1].AtDispatch));
        Assert.Contains("SystemBuffer=" + new string('0', 200), seen[1].AtDispatch, StringComparison.Ordinal);
    }

    [Fact]
    public void The_requester_of_a_synchronous_call_is_not_misled_by_a_request_that_gets_its_irp_while_it_has_not_resumed()
    {
        // The driver completes the read, then (still in its dispatch routine) builds another request of
        // the same stack size and parks it. Had the read's IRP been recycled at completion, the parked
        // request would have got it, and the read's requester would take it for its own unfinished IRP.
        using var bed = new IoTestBed(observe: false);
        var parked = new List<Irp>();
        DeviceObject? self = null;
        var driver = bed.LoadDriver("Parker", d =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Create] = async (dev, irp) =>
            {
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return NtStatus.Success;
            };
            d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
            {
                irp.IoStatus.Status = NtStatus.Success;
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                var other = IoBuildDeviceIoControlRequest(Park, self!, null, 0, null, 0, false, new IoCompletionEvent(), new IoStatusBlock())!;
                Assert.Equal(NtStatus.Pending, await IoCallDriver(self!, other));
                return NtStatus.Success;
            };
            d.MajorFunction[(int)IrpMajorFunction.DeviceControl] = (dev, irp) =>
            {
                IoMarkIrpPending(irp);
                parked.Add(irp);
                return ValueTask.FromResult(NtStatus.Pending);
            };
        });
        self = bed.CreateDevice(driver, "\\Device\\Parker");
        var (_, file) = IoTestBed.Run(NtCreateFile(bed.Io, "\\Device\\Parker", KProcessorMode.KernelMode, true, false));
        var iosb = new IoStatusBlock();

        Assert.Equal(NtStatus.Success, IoTestBed.Run(NtReadFile(file!, iosb, new UserBuffer(0x10000, new byte[16]), 16, 0)));

        // Only the parked request is outstanding, and no one waits for it: the read is not reported.
        var stuck = Assert.Single(bed.Io.GetStuckRequests());
        Assert.Same(Assert.Single(parked), stuck.Irp);
        Assert.Equal("(not waiting)", stuck.Requester);
        Assert.Equal(NtStatus.Success, iosb.Status);
    }

    [Fact]
    public void Thread_exit_cancel_of_a_request_that_finished_during_the_walk_does_not_cancel_the_request_that_got_a_free_irp()
    {
        // Two requests of the exiting thread are queued. The cancel routine of the first completes both
        // and starts a new request (of no thread) of the same stack size. The walk then reaches the
        // second, finished: it must not cancel the new request, whichever IRP that got.
        using var bed = new IoTestBed(observe: false);
        var queue = new List<Irp>();
        var newRequestCancelled = 0;
        Irp? newRequest = null;
        DeviceObject? self = null;
        var exiting = new object();
        IoCancelRoutine? cancelNew = null;
        cancelNew = async (dev, irp) =>
        {
            newRequestCancelled++;
            IoReleaseCancelSpinLock(irp.CancelIrql);
            irp.IoStatus.Status = NtStatus.Cancelled;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
        };
        IoCancelRoutine cancelAll = async (dev, cancelled) =>
        {
            IoReleaseCancelSpinLock(cancelled.CancelIrql);
            foreach (var irp in queue.ToList())
            {
                IoSetCancelRoutine(irp, null);
                queue.Remove(irp);
                irp.IoStatus.Status = NtStatus.Cancelled;
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            }
            newRequest = IoAllocateIrp(bed.Io, self!.StackSize, false);
            IoGetNextIrpStackLocation(newRequest).MajorFunction = IrpMajorFunction.Read;
            Assert.Equal(NtStatus.Pending, await IoCallDriver(self!, newRequest));
        };
        var driver = bed.LoadDriver("Queue", d =>
        {
            d.MajorFunction[(int)IrpMajorFunction.DeviceControl] = (dev, irp) =>
            {
                IoMarkIrpPending(irp);
                IoSetCancelRoutine(irp, cancelAll);
                queue.Add(irp);
                return ValueTask.FromResult(NtStatus.Pending);
            };
            d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
            {
                IoMarkIrpPending(irp);
                IoSetCancelRoutine(irp, cancelNew);
                return ValueTask.FromResult(NtStatus.Pending);
            };
        });
        self = bed.CreateDevice(driver);
        var events = new List<IoCompletionEvent>();
        for (var i = 0; i < 2; i++)
        {
            var done = new IoCompletionEvent();
            events.Add(done);
            var irp = IoBuildDeviceIoControlRequest(Park, self, null, 0, null, 0, false, done, new IoStatusBlock())!;
            irp.Thread = exiting;
            Assert.Equal(NtStatus.Pending, IoTestBed.Run(IoCallDriver(self, irp)));
        }

        var cancelled = IoTestBed.Run(bed.Io.IoCancelThreadIo(exiting));

        Assert.Equal(1, cancelled);
        Assert.All(events, e => Assert.True(e.IsSignaled));
        Assert.Equal(0, newRequestCancelled);
        Assert.False(newRequest!.Cancel);
        Assert.NotNull(newRequest.CancelRoutine);
    }

    [Fact]
    public void The_irps_a_walk_held_go_back_to_the_lookaside_list_when_it_lets_go()
    {
        using var bed = new IoTestBed(observe: false);
        var queue = new List<Irp>();
        var driver = bed.LoadDriver("Queue", d => d.MajorFunction[(int)IrpMajorFunction.DeviceControl] = (dev, irp) =>
        {
            IoMarkIrpPending(irp);
            IoSetCancelRoutine(irp, async (_, cancelled) =>
            {
                IoReleaseCancelSpinLock(cancelled.CancelIrql);
                cancelled.IoStatus.Status = NtStatus.Cancelled;
                await IoCompleteRequest(cancelled, PriorityBoost.IoNoIncrement);
            });
            queue.Add(irp);
            return ValueTask.FromResult(NtStatus.Pending);
        });
        var device = bed.CreateDevice(driver);
        var exiting = new object();
        var irp = IoBuildDeviceIoControlRequest(Park, device, null, 0, null, 0, false, new IoCompletionEvent(), new IoStatusBlock())!;
        irp.Thread = exiting;
        IoTestBed.Run(IoCallDriver(device, irp));
        var before = bed.Io.IrpLookaside;

        Assert.Equal(1, IoTestBed.Run(bed.Io.IoCancelThreadIo(exiting)));

        Assert.True(irp.IsFreed);
        var after = bed.Io.IrpLookaside;
        Assert.Equal((before.TotalFrees + 1, before.Free + 1), (after.TotalFrees, after.Free));
        var next = IoAllocateIrp(bed.Io, device.StackSize, false);
        Assert.Same(irp, next);
        Assert.False(next.IsFreed);
    }

    [Fact]
    public void Completing_a_freed_irp_waiting_on_the_lookaside_list_bugchecks_MULTIPLE_IRP_COMPLETE_REQUESTS()
    {
        using var bed = new IoTestBed(observe: false);
        var driver = bed.LoadDriver("Empty", _ => { });
        var device = bed.CreateDevice(driver);
        var irp = bed.NewIrp(device, IrpMajorFunction.Read);
        IoTestBed.Run(IoCallDriver(device, irp));
        IoFreeIrp(irp);
        Assert.Equal(1, bed.Io.IrpLookaside.Free);

        var crash = IoTestBed.BugCheck(() => IoCompleteRequest(irp, PriorityBoost.IoNoIncrement));

        Assert.Equal((BugCheckCode.MultipleIrpCompleteRequests, irp.Address), (crash.Code, crash.Parameter1));
    }

    [Fact]
    public void An_irp_that_reached_a_verified_driver_is_never_recycled_so_completing_it_after_free_still_bugchecks_0x44()
    {
        using var bed = new IoTestBed(observe: false);
        var driver = bed.LoadDriver("Checked", d => d.MajorFunction[(int)IrpMajorFunction.Read] = async (dev, irp) =>
        {
            irp.IoStatus.Status = NtStatus.Success;
            await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.Success;
        }, verify: true);
        var device = bed.CreateDevice(driver);
        var irp = bed.NewOwnedIrp(device, IrpMajorFunction.Read);
        IoTestBed.Run(IoCallDriver(device, irp));
        IoFreeIrp(irp);

        var next = IoAllocateIrp(bed.Io, device.StackSize, false);

        Assert.NotSame(irp, next);
        Assert.Equal(1, bed.Io.IrpLookaside.FreeMisses);
        Assert.Equal(BugCheckCode.MultipleIrpCompleteRequests, IoTestBed.BugCheck(() => IoCompleteRequest(irp, PriorityBoost.IoNoIncrement)).Code);
    }

    [Fact]
    public void An_overlapped_request_whose_irp_a_driver_freed_without_completing_stays_reported_and_its_irp_is_not_recycled()
    {
        using var bed = new IoTestBed(observe: false);
        var driver = bed.LoadDriver("Freer", d =>
        {
            d.MajorFunction[(int)IrpMajorFunction.Create] = async (dev, irp) =>
            {
                await IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
                return NtStatus.Success;
            };
            d.MajorFunction[(int)IrpMajorFunction.Read] = (dev, irp) =>
            {
                // A driver bug NT would not survive either: the IRP is freed, never completed.
                IoMarkIrpPending(irp);
                IoFreeIrp(irp);
                return ValueTask.FromResult(NtStatus.Pending);
            };
        });
        var device = bed.CreateDevice(driver, "\\Device\\Freer");
        var (_, file) = IoTestBed.Run(NtCreateFile(bed.Io, "\\Device\\Freer", KProcessorMode.KernelMode, FileAccessMask.FileReadData, FileShareMode.Read, FileCreateOptions.None));
        Assert.Equal(NtStatus.Pending, IoTestBed.Run(NtReadFile(file!, null, "ov", new IoStatusBlock(), new UserBuffer(0x10000, new byte[16]), 16, 0)));
        var lost = Assert.Single(bed.Io.GetStuckRequests()).Irp;

        var next = IoAllocateIrp(bed.Io, device.StackSize, false);

        Assert.NotSame(lost, next);
        Assert.Same(lost, Assert.Single(bed.Io.GetStuckRequests()).Irp);
        Assert.Contains("NtReadFile (overlapped)", Assert.Single(bed.Io.GetStuckRequests()).Description, StringComparison.Ordinal);
    }

    [Fact]
    public void With_IrpLookasideDepth_0_every_allocation_builds_a_new_irp()
    {
        using var bed = new IoTestBed(observe: false);
        bed.Io.IrpLookasideDepth = 0;
        var first = IoAllocateIrp(bed.Io, 2, false);
        IoFreeIrp(first);

        var second = IoAllocateIrp(bed.Io, 2, false);

        Assert.NotSame(first, second);
        Assert.Equal((2L, 2L), (bed.Io.IrpLookaside.TotalAllocates, bed.Io.IrpLookaside.AllocateMisses));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_user_mode_read_through_the_RAM_disk_stack_allocates_no_irp_and_at_most_a_small_bound_per_request_in_steady_state(bool overlapped)
    {
        // Release: what is left is the requester's UserBuffer that kernel32 builds per call (56 B). Debug
        // builds allocate each async state machine on the heap, about 1.3-1.6 KB per request here.
        var bound = RequestAllocationProbe.ProductOptimized ? 128 : 2048;
        using var probe = new RequestAllocationProbe();

        var perRequest = overlapped ? probe.OverlappedReads(32, 300, 1000) : probe.SynchronousReads(300, 1000);

        output.WriteLine($"{(overlapped ? "overlapped QD 32" : "synchronous")}: {perRequest:F1} B per request (optimized build: {RequestAllocationProbe.ProductOptimized})");
        Assert.True(perRequest <= bound, $"{perRequest:F0} B per request, bound {bound} B");
        // Once the lists hold the queue depth's worth, every IRP of the measured requests was a recycled one.
        var (start, end) = (probe.LookasideAtMeasureStart, probe.LookasideAtMeasureEnd);
        Assert.True(end.TotalAllocates - start.TotalAllocates >= 1000, "each measured request allocated its IRP");
        Assert.Equal(start.AllocateMisses, end.AllocateMisses);
    }
}
