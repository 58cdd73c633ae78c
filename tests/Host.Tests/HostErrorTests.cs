using Microsoft.Extensions.DependencyInjection;

namespace ActorKernel.Host.Tests;

/// <summary>Issue 17: an unexpected error inside the host is one line naming a log file, with its own exit code.</summary>
[Trait("Area", "Host")]
[Collection("Console")]
public sealed class HostErrorTests
{
    /// <summary>A runner with a defect: booting throws.</summary>
    private sealed class BrokenRunner : IScenarioRunner
    {
        public string Kind => "broken";

        public string Description => "throws at boot";

        public int Priority => 100;

        public bool CanRun(Scenario scenario, out string reason)
        {
            reason = "";
            return true;
        }

        public IEnumerable<ScenarioProblem> Check(Scenario scenario) => [];

        public ISimulation Boot(SimulationContext context) => throw new InvalidOperationException("a defect in the runner");
    }

    [Fact]
    public async Task An_unexpected_host_error_is_one_line_with_a_log_file_and_exit_code_3()
    {
        var error = new StringWriter();
        var saved = Console.Error;
        Console.SetError(error);
        int code;
        try
        {
            code = await CommandLine.InvokeAsync(["--set", "Run:Progress=None", "run", "echo-timer", "--out", TempDirectory.Create()],
                s => s.AddScenarioRunner<BrokenRunner>());
        }
        finally
        {
            Console.SetError(saved);
        }
        Assert.Equal(ExitCodes.HostError, code);
        var line = error.ToString().Split('\n').Single(l => l.Contains("internal error", StringComparison.Ordinal));
        Assert.Contains("a defect in the runner", line, StringComparison.Ordinal);
        var log = line[(line.IndexOf("details in ", StringComparison.Ordinal) + "details in ".Length)..].Split(';')[0];
        Assert.Contains("BrokenRunner.Boot", File.ReadAllText(log), StringComparison.Ordinal); // the stack trace is in the log, not on the console
        Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);
    }
}
