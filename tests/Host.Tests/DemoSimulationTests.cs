using ActorKernel.Actors;
using ActorKernel.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorKernel.Host.Tests;

/// <summary>The demo-workload runner driven in-process through the <see cref="ISimulation"/> seam the host uses.</summary>
[Trait("Area", "Host")]
public sealed class DemoSimulationTests
{
    private const string Slow = """
        {
          "name": "slow", "duration": "10s",
          "machine": { "seed": 9 },
          "devices": [ { "name": "disk0", "type": "interrupt-source", "irq": 5, "parameters": { "latency": "1h" } } ],
          "drivers": [ { "name": "demo-echo", "device": "disk0" } ],
          "workloads": [ { "name": "w", "device": "disk0", "queueDepth": 6 } ]
        }
        """;

    private static ISimulation Boot(string json, ulong? seed = null, long bootNs = 0, int bootIndex = 0)
    {
        var (scenario, problems) = ScenarioReader.Read(json, "unit.json");
        Assert.Empty(problems);
        Assert.DoesNotContain(scenario!.Validate(ScenarioValidationTests.Catalog), p => p.Severity == ProblemSeverity.Error);
        var runner = new DemoWorkloadRunner(ScenarioValidationTests.Catalog);
        return runner.Boot(new SimulationContext(scenario, seed ?? scenario.Machine.Seed!.Value, DispatcherKind.Deterministic,
            scenario.DurationNanoseconds!.Value, bootNs, bootIndex, NullLoggerFactory.Instance));
    }

    private static SimulationStatus RunToEnd(ISimulation simulation)
    {
        for (var i = 0; i < 100_000; i++)
        {
            var status = simulation.Advance(50_000_000, TimeSpan.Zero, CancellationToken.None);
            if (status != SimulationStatus.Running)
            {
                return status;
            }
        }
        throw new InvalidOperationException("the simulation never finished");
    }

    [Fact]
    public void CancelInFlight_completes_every_outstanding_request_with_STATUS_CANCELLED()
    {
        using var simulation = Boot(Slow);
        Assert.Equal(SimulationStatus.Running, simulation.Advance(10_000_000, TimeSpan.Zero, CancellationToken.None));
        Assert.Equal(6, simulation.Snapshot().InFlight);
        simulation.StopWorkloads();
        Assert.Equal(SimulationStatus.Running, simulation.Advance(10_000_000, TimeSpan.Zero, CancellationToken.None));
        simulation.CancelInFlight();
        Assert.Equal(SimulationStatus.Finished, simulation.Advance(10_000_000, TimeSpan.Zero, CancellationToken.None));
        var w = Assert.Single(simulation.Complete().Workloads);
        Assert.Equal(6, w.Issued);
        Assert.Equal(6, w.Cancelled);
        Assert.Equal(6, w.Failed);
        Assert.Equal(0, w.InFlight);
        Assert.Equal(0, w.Completed);
    }

    [Fact]
    public void The_same_seed_gives_the_same_counts_and_latencies_and_another_seed_does_not()
    {
        static (long, long, long, long) Run(ulong seed)
        {
            using var simulation = Boot(ScenarioValidationTests.Valid, seed);
            Assert.Equal(SimulationStatus.Finished, RunToEnd(simulation));
            var w = simulation.Complete().Workloads.Single();
            return (w.Issued, w.Failed + w.Completed, w.Latency.Percentile(50), w.Bytes);
        }
        Assert.Equal(Run(1), Run(1));
        Assert.NotEqual(Run(1), Run(2));
    }

    [Fact]
    public void A_planted_bugcheck_crashes_the_machine_and_reports_the_pending_requests_as_lost()
    {
        var json = Slow.Replace("\"workloads\"", "\"faults\": [ { \"at\": \"1s\", \"type\": \"bugcheck\", \"code\": \"0x44\", \"parameters\": [7] } ], \"workloads\"", StringComparison.Ordinal);
        using var simulation = Boot(json);
        Assert.Equal(SimulationStatus.Crashed, RunToEnd(simulation));
        var result = simulation.Complete();
        var crash = result.Crash!;
        Assert.Equal(BugCheckCode.MultipleIrpCompleteRequests, crash.Code);
        Assert.Equal([7UL, 0UL, 0UL, 0UL], crash.Parameters);
        Assert.Equal(1_000_000_000, crash.AtNanoseconds);
        Assert.Equal("demo-echo", crash.FaultingDriver);
        Assert.Equal(6, crash.PendingRequests.Count);
        var w = Assert.Single(result.Workloads);
        Assert.Equal(6, w.LostInCrash);
        Assert.Equal(w.Issued, w.Completed + w.Failed + w.InFlight);
        Assert.Equal(0, w.InFlight);
    }

    [Fact]
    public void A_reboot_does_not_replay_the_fault_that_crashed_the_last_boot()
    {
        var json = Slow.Replace("\"latency\": \"1h\"", "\"latency\": \"1ms\"", StringComparison.Ordinal)
            .Replace("\"workloads\"", "\"faults\": [ { \"at\": \"1s\", \"type\": \"bugcheck\", \"code\": \"0xD1\" } ], \"workloads\"", StringComparison.Ordinal);
        using var simulation = Boot(json, bootNs: 1_000_000_000, bootIndex: 1);
        Assert.Equal(SimulationStatus.Finished, RunToEnd(simulation));
        var result = simulation.Complete();
        Assert.Null(result.Crash);
        Assert.True(result.EndNanoseconds >= 10_000_000_000);
        Assert.True(result.Workloads[0].Completed > 0);
    }
}
