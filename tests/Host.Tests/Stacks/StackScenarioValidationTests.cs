using Microsoft.Extensions.DependencyInjection;

namespace ActorKernel.Host.Tests.Stacks;

/// <summary>The runner's rules for the stacks of issue 19: what a toaster is plugged into, one class key per setup class, one adapter driver per machine.</summary>
[Trait("Area", "Stacks")]
public sealed class StackScenarioValidationTests
{
    private static string Shipped(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "scenarios", name + ".json"));

    /// <summary>Every problem validation and the kernel runner report for <paramref name="json"/>.</summary>
    private static IReadOnlyList<ScenarioProblem> Problems(string json)
    {
        var file = Path.Combine(Path.GetTempPath(), FormattableString.Invariant($"stacks-{Environment.ProcessId}-{json.GetHashCode(StringComparison.Ordinal):X8}.json"));
        File.WriteAllText(file, json);
        try
        {
            using var host = HostFactory.Build([]);
            return host.Services.GetRequiredService<ScenarioCheck>().Check(file).Problems;
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("toaster")]
    [InlineData("network-pair")]
    [InlineData("network-two-machines")]
    public void The_shipped_stack_scenarios_are_valid_for_the_kernel_runner(string name) =>
        Assert.Empty(Problems(Shipped(name)));

    [Theory]
    [InlineData(@"""bus"": ""bus"", ""serialNo"": 2", @"""bus"": ""toaster1"", ""serialNo"": 2", "$.devices[2].parameters.bus", "a toaster is plugged into a toaster-bus; 'toaster1' is none")]
    [InlineData(@"""bus"": ""bus"", ""serialNo"": 2", @"""bus"": ""bus"", ""serialNo"": 1", "$.devices[2].parameters.serialNo", "serial number 1 is already plugged into 'bus'")]
    [InlineData(@"""serialNo"": 2", @"""serialNo"": 100", "$.devices[2].parameters.serialNo", "'serialNo' must be in 1..99, got 100")]
    [InlineData(@"""device"": ""toaster2"", ""upperFilters"": [""devupper""], ""lowerFilters"": [""devlower""], ""classUpperFilters"": [""clsupper""]",
        @"""device"": ""toaster2"", ""upperFilters"": [""devupper""], ""lowerFilters"": [""devlower""], ""classUpperFilters"": [""devupper""]",
        "$.drivers[2]", "class filters belong to the setup class (TOASTER), one key for all its devices: 'toaster2' names others than 'toaster1'")]
    [InlineData(@"""classLowerFilters"": [""clslower""] },", @"""classLowerFilters"": [""ramdisk""] },", "$.drivers[1].classLowerFilters[0]", "unknown filter 'ramdisk'")]
    public void A_toaster_scenario_that_cannot_be_built_is_refused_with_the_path_and_the_reason(string valid, string broken, string path, string message)
    {
        var text = Shipped("toaster");
        Assert.Contains(valid, text, StringComparison.Ordinal);

        var problems = Problems(text.Replace(valid, broken, StringComparison.Ordinal));

        Assert.Contains(problems, p => p.Severity == ProblemSeverity.Error && p.Path == path && p.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Aknic_and_akndis_in_one_machine_are_refused_both_install_for_the_adapters_pci_ids()
    {
        var text = Shipped("network-pair");
        const string Second = @"{ ""name"": ""akndis"", ""device"": ""nic1"" }";
        Assert.Contains(Second, text, StringComparison.Ordinal);

        var problems = Problems(text.Replace(Second, @"{ ""name"": ""aknic"", ""device"": ""nic1"" }", StringComparison.Ordinal));

        Assert.Contains(problems, p => p.Severity == ProblemSeverity.Error && p.Path == "$.drivers[1].name" && p.Message.Contains("aknic and akndis both install", StringComparison.Ordinal));
    }
}
