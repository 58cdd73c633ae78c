using System.Text.Json;

namespace ActorKernel.Host.Tests;

/// <summary>
/// Issue 17, acceptance 1: each input of the issue's "Found" list, run as a process: a clear message,
/// the documented exit code, no .NET stack trace, nothing lost.
/// </summary>
[Trait("Area", "Host")]
public sealed class BadInputProcessTests
{
    private static void AssertNoStackTrace(HostResult result)
    {
        Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void An_output_folder_where_summary_json_is_a_folder_is_refused_before_the_run_with_exit_2()
    {
        var output = TempDirectory.Create();
        Directory.CreateDirectory(Path.Combine(output, "summary.json"));
        var result = HostProcess.Run(["run", "echo-timer", "--out", output]);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(Path.Combine(output, "summary.json"), result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Scenario echo-timer", result.StandardOutput, StringComparison.Ordinal); // refused before the run, not after it
        Assert.False(File.Exists(Path.Combine(output, "summary.txt")));
        AssertNoStackTrace(result);
    }

    [Fact]
    public void An_output_folder_that_cannot_be_created_is_refused_before_the_run_with_exit_2()
    {
        var file = Path.Combine(TempDirectory.Create(), "plain-file");
        File.WriteAllText(file, "");
        var result = HostProcess.Run(["run", "echo-timer", "--out", Path.Combine(file, "sub")]);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("cannot be written", result.StandardError, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    [Fact]
    public void An_existing_output_folder_that_cannot_be_written_into_is_refused_before_the_run_with_exit_2()
    {
        // /sys refuses new files even to root (the tests may run as root, where a chmod would not stop a write).
        var result = HostProcess.Run(["run", "echo-timer", "--out", "/sys"]);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("cannot be written", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Scenario echo-timer", result.StandardOutput, StringComparison.Ordinal); // refused before the run, not after it
        AssertNoStackTrace(result);
    }

    [Fact]
    public void A_malformed_appsettings_json_exits_2_naming_the_configuration()
    {
        // A private copy of the host, so its appsettings.json can be broken.
        var copy = TempDirectory.Create();
        foreach (var f in Directory.GetFiles(HostProcess.HostDirectory).Where(f => f.EndsWith(".dll", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal)))
        {
            File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        }
        File.WriteAllText(Path.Combine(copy, "appsettings.json"), "{ \"Run\": { \"DrainTimeout\": ");
        var result = HostProcess.Run(["list", "drivers"], hostDirectory: copy);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("configuration:", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("appsettings.json", result.StandardError, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    [Theory]
    [InlineData("NoSuch:Key=1", "unknown section 'NoSuch'")]
    [InlineData("Run:DrainTimout=00:00:01", "did you mean 'DrainTimeout'?")]
    [InlineData("Run:Progress=Fancy", "allowed: Auto, Live, Plain, None")]
    public void An_unknown_or_misspelt_setting_or_a_bad_enum_value_exits_2_with_the_allowed_names(string setting, string message)
    {
        var result = HostProcess.Run(["--set", setting, "list", "drivers"]);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    [Fact]
    public void An_unknown_option_is_reported_as_an_option_not_as_a_missing_scenario()
    {
        var result = HostProcess.Run(["run", "--frob"]);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("unknown option '--frob'", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("no such file", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void A_misspelt_scenario_name_exits_2_with_did_you_mean()
    {
        var result = HostProcess.Run(["run", "interupt-storm"]);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("did you mean 'interrupt-storm'?", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_of_a_folder_says_it_is_a_folder()
    {
        var folder = TempDirectory.Create();
        var result = HostProcess.Run(["validate", folder]);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("is a folder", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("no such file", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scenario_file_past_the_size_limit_is_refused_with_the_limit()
    {
        var file = Path.Combine(TempDirectory.Create(), "huge.json");
        using (var stream = File.Create(file))
        {
            stream.SetLength(ScenarioLibrary.MaxFileBytes + 1);
        }
        var result = HostProcess.Run(["validate", file]);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("limited to 16,777,216 bytes", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void A_scenario_with_100000_devices_validates()
    {
        // Validation is linear in the file's size (it was quadratic: 12 s for these); the process timeout bounds it.
        var file = Path.Combine(TempDirectory.Create(), "many.json");
        var devices = string.Join(",", Enumerable.Range(0, 100_000).Select(i => $"{{\"name\":\"d{i}\",\"type\":\"root-device\",\"irq\":5}}"));
        var drivers = string.Join(",", Enumerable.Range(0, 100_000).Select(i => $"{{\"name\":\"root-bus\",\"device\":\"d{i}\"}}"));
        File.WriteAllText(file, $"{{\"name\":\"many\",\"duration\":\"1ms\",\"devices\":[{devices}],\"drivers\":[{drivers}]}}");
        var result = HostProcess.Run(["validate", file]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public void The_same_scenario_under_two_paths_gives_byte_identical_summaries_naming_it_by_content_hash()
    {
        var text = File.ReadAllText(Path.Combine(HostProcess.HostDirectory, "scenarios", "echo-timer.json"));
        var first = Path.Combine(TempDirectory.Create(), "a.json");
        var second = Path.Combine(TempDirectory.Create(), "copy-of-echo.json");
        File.WriteAllText(first, text);
        File.WriteAllText(second, text);
        var (a, b) = (TempDirectory.Create(), TempDirectory.Create());
        Assert.Equal(0, HostProcess.Run(["run", first, "--duration", "50ms", "--out", a]).ExitCode);
        Assert.Equal(0, HostProcess.Run(["run", "./" + Path.GetFileName(second), "--duration", "50ms", "--out", b], workingDirectory: Path.GetDirectoryName(second)).ExitCode);
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "summary.json")), File.ReadAllBytes(Path.Combine(b, "summary.json")));
        var summary = Summary.Read(a);
        Assert.Equal("echo-timer", summary.GetProperty("scenario").GetString());
        Assert.Equal(Scenario.HashOf(text), summary.GetProperty("scenarioHash").GetString());
    }

    [Fact]
    public void A_crash_dump_lists_the_pending_irps_the_device_tree_and_the_seed_and_agrees_with_the_summary()
    {
        var output = TempDirectory.Create();
        var result = HostProcess.Run(["run", "planted-bugcheck", "--out", output]);
        Assert.True(result.ExitCode == 1, result.ToString());
        var summary = Summary.Read(output);
        var crash = summary.GetProperty("crashes").EnumerateArray().First();
        using var dump = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, crash.GetProperty("dump").GetString()!)));
        var root = dump.RootElement;
        Assert.Equal(3UL, root.GetProperty("seed").GetUInt64());
        Assert.Equal(crash.GetProperty("pendingRequests").GetInt64(), root.GetProperty("inFlightRequests").GetInt64());
        Assert.True(root.GetProperty("pendingRequests").GetArrayLength() > 0, "the IRPs held in the stack are listed");
        Assert.Equal(crash.GetProperty("pendingIrps").GetInt32(), root.GetProperty("pendingRequests").GetArrayLength());
        Assert.Contains("plantflt.sys", root.GetProperty("deviceTree")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal("0x000000D1", root.GetProperty("bugCheck").GetProperty("code").GetString());
        Assert.True(root.GetProperty("machine").GetProperty("processors").GetArrayLength() == 2);
    }
}
