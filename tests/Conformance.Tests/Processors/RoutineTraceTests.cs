using System.Diagnostics;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;
using static ActorKernel.Conformance.Tests.Processors.ProcessorFixture;

namespace ActorKernel.Conformance.Tests.Processors;

/// <summary>ISRs and DPCs pass through the same trace hook as dispatch and completion routines (issue 5).</summary>
[Trait("Area", "IoManager")]
public sealed class RoutineTraceTests
{
    private static readonly KernelModule TracedDriver = new("traced-isr.sys");

    [Fact]
    public void Isr_and_the_DPC_it_queues_each_emit_a_span_with_processor_irql_and_driver()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == IoTrace.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (Equals(activity.GetTagItem("ak.driver"), TracedDriver.Name))
                {
                    lock (spans)
                    {
                        spans.Add(activity);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var machine = Create();
        var dpc = new KDpc();
        KeInitializeDpc(dpc, (_, _, _, _) => ValueTask.CompletedTask, null, TracedDriver);
        var status = machine.IoConnectInterrupt(out _, TracedDriver, (_, _) =>
        {
            KeInsertQueueDpc(dpc, null, null);
            return ValueTask.FromResult(true);
        }, null, null, DeviceVector, (Irql)5, (Irql)5, KInterruptMode.Latched, false, 0, "TracedIsr");
        Assert.Equal(NtStatus.Success, status);

        RaiseAt(machine, DeviceLine, 1_000);
        Run(machine);

        Activity[] mine;
        lock (spans)
        {
            mine = [.. spans];
        }
        Assert.Equal(2, mine.Length);
        var isr = mine[0];
        var deferred = mine[1];
        Assert.Equal("Isr TracedIsr", isr.DisplayName);
        Assert.Equal((0, 5, "STATUS_SUCCESS (0x00000000)"), ((int?)isr.GetTagItem("ak.processor"), (int?)isr.GetTagItem("ak.irql"), (string?)isr.GetTagItem("ak.status")));
        Assert.StartsWith("Dpc ", deferred.DisplayName, StringComparison.Ordinal);
        Assert.Equal((0, (int)Irql.DispatchLevel), ((int?)deferred.GetTagItem("ak.processor"), (int?)deferred.GetTagItem("ak.irql")));
        Assert.Null(deferred.Parent); // an ISR's span is not the parent of what runs after it
        Assert.Null(isr.GetTagItem("ak.major")); // no request, so no IRP tags
    }
}
