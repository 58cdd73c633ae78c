using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.IoManager;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.Stacks;

/// <summary>
/// IoMakeAssociatedIrp and the I/O manager's part of associated IRPs (ReactOS io/iomgr/irp.c
/// IoMakeAssociatedIrp and IofCompleteRequest): an upper driver splits a master into two
/// associated IRPs that a lower driver holds; the test completes them one at a time.
/// </summary>
[Trait("Area", "Stacks")]
public sealed class AssociatedIrpTests
{
    private sealed class SplitStack
    {
        public SplitStack(IoTestBed bed, bool childRoutine)
        {
            var lower = bed.LoadDriver("Lower", d => d.MajorFunction[(int)IrpMajorFunction.Read] = (_, irp) =>
            {
                IoMarkIrpPending(irp);
                Held.Add(irp);
                return ValueTask.FromResult(NtStatus.Pending);
            });
            Lower = bed.CreateDevice(lower);
            var upper = bed.LoadDriver("Upper", d => d.MajorFunction[(int)IrpMajorFunction.Read] = async (_, master) =>
            {
                IoMarkIrpPending(master);
                master.IoStatus.Status = NtStatus.Success;
                master.IoStatus.Information = 1024;
                master.AssociatedIrpCount = 2;
                for (var i = 0; i < 2; i++)
                {
                    var child = IoMakeAssociatedIrp(master, Lower.StackSize);
                    Children.Add(child);
                    var next = IoGetNextIrpStackLocation(child);
                    next.MajorFunction = IrpMajorFunction.Read;
                    next.Parameters.Read.Length = 512;
                    next.Parameters.Read.ByteOffset = 512 * i;
                    if (childRoutine)
                    {
                        IoSetCompletionRoutine(child, (_, c, m) =>
                        {
                            ChildCompletions++;
                            return ValueTask.FromResult(NtStatus.Success);
                        }, master, true, true, true);
                    }
                    await IoCallDriver(Lower, child);
                }
                return NtStatus.Pending;
            });
            Upper = bed.CreateDevice(upper);
        }

        public DeviceObject Lower { get; }

        public DeviceObject Upper { get; }

        public List<Irp> Held { get; } = [];

        public List<Irp> Children { get; } = [];

        public int ChildCompletions { get; set; }
    }

    private static void CompleteAtDispatch(IoTestBed bed, Irp irp, NtStatus status)
    {
        irp.IoStatus.Status = status;
        var old = bed.Cpu.SwapIrql(Irql.DispatchLevel);
        IoTestBed.Run(IoCompleteRequest(irp, PriorityBoost.IoNoIncrement));
        bed.Cpu.SwapIrql(old);
    }

    [Fact]
    public void IoMakeAssociatedIrp_marks_the_irp_associated_with_the_masters_thread_and_leaves_IrpCount_to_the_caller()
    {
        using var bed = new IoTestBed();
        var stack = new SplitStack(bed, childRoutine: false);
        var master = bed.NewIrp(stack.Upper, IrpMajorFunction.Read);

        Assert.Equal(NtStatus.Pending, IoTestBed.Run(IoCallDriver(stack.Upper, master)));

        Assert.Equal(2, stack.Children.Count);
        Assert.All(stack.Children, c => Assert.Equal(IrpFlags.AssociatedIrp, c.Flags & IrpFlags.AssociatedIrp));
        Assert.All(stack.Children, c => Assert.Same(master, c.MasterIrp));
        Assert.All(stack.Children, c => Assert.Same(bed.RequesterThread, c.Thread));
        Assert.Equal(2, master.AssociatedIrpCount); // the driver set it; IoMakeAssociatedIrp did not add to it
    }

    [Fact]
    public void The_master_completes_when_its_last_associated_irp_completes_and_not_before()
    {
        using var bed = new IoTestBed();
        var stack = new SplitStack(bed, childRoutine: true);
        var master = bed.NewIrp(stack.Upper, IrpMajorFunction.Read);
        var masterCompletions = 0;
        IoSetCompletionRoutine(master, (_, _, _) =>
        {
            masterCompletions++;
            return ValueTask.FromResult(NtStatus.Success);
        }, null, true, true, true);
        IoTestBed.Run(IoCallDriver(stack.Upper, master));

        CompleteAtDispatch(bed, stack.Held[1], NtStatus.Success);

        Assert.Equal(1, stack.ChildCompletions);
        Assert.Equal(0, masterCompletions);
        Assert.Equal(1, master.AssociatedIrpCount);
        Assert.True(stack.Children[1].IsFreed, "the I/O manager freed the completed associated IRP");

        CompleteAtDispatch(bed, stack.Held[0], NtStatus.Success);

        Assert.Equal(2, stack.ChildCompletions);
        Assert.Equal(1, masterCompletions);
        Assert.Equal(0, master.AssociatedIrpCount);
        Assert.True(stack.Children[0].IsFreed);
    }

    [Fact]
    public void The_io_manager_does_not_copy_an_associated_irps_status_into_the_master()
    {
        using var bed = new IoTestBed();
        var stack = new SplitStack(bed, childRoutine: false);
        var master = bed.NewIrp(stack.Upper, IrpMajorFunction.Read);
        NtStatus seen = default;
        IoSetCompletionRoutine(master, (_, irp, _) =>
        {
            seen = irp.IoStatus.Status;
            return ValueTask.FromResult(NtStatus.Success);
        }, null, true, true, true);
        IoTestBed.Run(IoCallDriver(stack.Upper, master));

        CompleteAtDispatch(bed, stack.Held[0], NtStatus.IoDeviceError);
        CompleteAtDispatch(bed, stack.Held[1], NtStatus.Success);

        // Only a completion routine of the splitting driver carries a child's failure to the master (stripe.sys does: the first error wins).
        Assert.Equal(NtStatus.Success, seen);
    }
}
