namespace ActorKernel.Host.Tests.Stacks;

/// <summary>
/// The shipped <c>storage-fs</c> scenario run as a user runs it (<c>actorkernel run storage-fs --devnodes</c>):
/// exit 0, every request accounted for, every read checked, format.exe and fsinit.exe reported, the
/// device tree printed with the volume and the file system's legacy node.
/// </summary>
[Trait("Area", "Stacks")]
public sealed class StorageFsScenarioProcessTests
{
    /// <summary>Shipped scenarios these tests own (the shipped-scenario table includes them).</summary>
    public static IReadOnlyList<string> Names { get; } = ["storage-fs"];

    [Fact]
    public void The_storage_fs_scenario_runs_with_every_read_of_its_file_checked_and_its_tree_printed()
    {
        var output = TempDirectory.Create();

        var result = HostProcess.Run(["run", "storage-fs", "--devnodes", "--out", output]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(@"DevNode Root\STRIPE\0000", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(@"DevNode Root\LEGACY_AKFS\0000", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("fsinit.exe: ok", result.StandardOutput, StringComparison.Ordinal);
        var summary = Summary.Read(output);
        Summary.AssertConsistent(summary);
        Assert.Empty(summary.GetProperty("violations").EnumerateArray());
        Assert.True(summary.GetProperty("counters").GetProperty("workloads.files.verified").GetInt64() > 0, "reads of the file were checked");
    }
}
