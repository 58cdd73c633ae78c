namespace ActorKernel.Host.Tests.Stacks;

/// <summary>
/// The shipped scenarios of issue 19's toaster and network stacks run as a user runs them
/// (<c>actorkernel run NAME --devnodes</c>): exit 0, every request accounted for, every read or frame
/// checked, and the device tree printed with the stacks the PnP manager built.
/// </summary>
[Trait("Area", "Stacks")]
public sealed class StackScenarioProcessTests
{
    /// <summary>Shipped scenarios these tests own (the shipped-scenario table includes them).</summary>
    public static IReadOnlyList<string> Names { get; } = ["toaster", "network-pair", "network-two-machines"];

    [Theory]
    [InlineData("toaster", "Stack = ClsUpper > DevUpper > Toaster > ClsLower > DevLower > BusEnum", "workloads.settings1.verified")]
    [InlineData("network-pair", "Stack = AkNdis > pci", "workloads.receive1.verified")]
    [InlineData("network-two-machines", "Stack = AkNdis > pci", "server.workloads.receive.verified")]
    public void A_stack_scenario_runs_with_every_request_accounted_for_its_data_checked_and_its_tree_printed(string name, string stack, string verified)
    {
        var output = TempDirectory.Create();

        var result = HostProcess.Run(["run", name, "--devnodes", "--out", output]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(stack, result.StandardOutput, StringComparison.Ordinal);
        var summary = Summary.Read(output);
        Summary.AssertConsistent(summary);
        Assert.Empty(summary.GetProperty("violations").EnumerateArray());
        Assert.True(summary.GetProperty("counters").GetProperty(verified).GetInt64() > 0, verified);
    }
}
