using System.Text.RegularExpressions;

namespace ActorKernel.Runtime.Tests;

/// <summary>
/// The determinism contract as a test (STYLE.md section 5, after TigerBeetle's tidy.zig): product code
/// under src/ must not read the wall clock, draw unseeded randomness, or start threads and timers of
/// its own. Only the two clock implementations and the host process may.
/// </summary>
[Trait("Area", "Runtime")]
public sealed partial class TidySpec
{
    private static readonly string[] Exempt =
    [
        "src/Runtime/Scheduling/WallClockScheduler.cs",
        "src/Runtime/Scheduling/VirtualScheduler.cs",
        "src/Host/",
    ];

    private static readonly (Regex Pattern, string Banned, string Replacement)[] Bans =
    [
        (DateTimeNow(), "DateTime.Now/UtcNow", "the actor system's IScheduler.NowNanoseconds or its TimeProvider"),
        (DateTimeOffsetNow(), "DateTimeOffset.Now/UtcNow", "the actor system's IScheduler.TimeProvider.GetUtcNow()"),
        (StopwatchUse(), "Stopwatch", "IScheduler.NowNanoseconds (virtual in deterministic mode)"),
        (RandomShared(), "Random.Shared", "a DeterministicRandom derived from the run's seed (.Derive(\"subsystem\"))"),
        (NewRandom(), "new Random(", "a DeterministicRandom derived from the run's seed (.Derive(\"subsystem\"))"),
        (NewGuid(), "Guid.NewGuid", "an id from a counter or from the run's DeterministicRandom"),
        (TaskRun(), "Task.Run", "a message to an actor: the dispatcher decides where work runs"),
        (TaskDelay(), "Task.Delay", "IScheduler.ScheduleTellOnce or the actor's Timers"),
        (ThreadSleep(), "Thread.Sleep", "never block: schedule a message with the actor's Timers"),
        (NewTimer(), "new Timer(", "the actor's Timers (ITimerScheduler) or IScheduler"),
        (ThreadingTimer(), "System.Threading.Timer", "the actor's Timers (ITimerScheduler) or IScheduler"),
    ];

    [Fact]
    public void Product_code_uses_no_wall_clock_unseeded_randomness_or_private_threads_and_timers()
    {
        var root = RepositoryRoot();
        var files = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Where(f => !Exempt.Any(e => f.StartsWith(e, StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal)
            .ToList();

        var violations = files.SelectMany(f => Scan(f, File.ReadAllText(Path.Combine(root, f)))).ToList();

        Assert.True(files.Count > 20, $"the scan must see the product code; it saw {files.Count} files under {root}/src");
        Assert.True(violations.Count == 0, "Banned APIs in src/:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void The_scanner_finds_each_banned_api_names_its_replacement_and_skips_comments()
    {
        const string Sample = """
            var a = DateTime.UtcNow;
            var b = Stopwatch.StartNew(); // and a comment
            /// <summary>Never Thread.Sleep here.</summary>
            // Task.Delay in a comment is fine
            var path = "ak://x"; Task.Run(() => { });
            var t = new System.Threading.Timer(_ => { });
            var g = Guid.NewGuid(); var r = new Random(3); var s = Random.Shared; await Task.Delay(1);
            using var u = new Timer(callback); Thread.Sleep(5);
            """;

        var found = Scan("src/Sample.cs", Sample).ToList();

        Assert.Equal(10, found.Count);
        foreach (var (_, banned, replacement) in Bans.Where(b => !b.Banned.StartsWith("DateTimeOffset", StringComparison.Ordinal)))
        {
            Assert.Contains(found, v => v.Contains($": {banned} is banned", StringComparison.Ordinal) && v.EndsWith($"use {replacement}.", StringComparison.Ordinal));
        }
        Assert.Contains(found, v => v.StartsWith("src/Sample.cs:1: DateTime.Now/UtcNow", StringComparison.Ordinal) && v.Contains("NowNanoseconds", StringComparison.Ordinal));
        Assert.Contains(found, v => v.StartsWith("src/Sample.cs:5: Task.Run", StringComparison.Ordinal));
        Assert.DoesNotContain(found, v => v.StartsWith("src/Sample.cs:3", StringComparison.Ordinal) || v.StartsWith("src/Sample.cs:4", StringComparison.Ordinal));
    }

    private static IEnumerable<string> Scan(string file, string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var code = StripComment(lines[i]);
            foreach (var (pattern, banned, replacement) in Bans)
            {
                if (pattern.IsMatch(code))
                {
                    yield return $"{file}:{i + 1}: {banned} is banned outside the clock implementations; use {replacement}.";
                }
            }
        }
    }

    /// <summary>Drops a // comment (not a "://" inside a string such as an actor path).</summary>
    private static string StripComment(string line)
    {
        var index = CommentStart().Match(line);
        return index.Success ? line[..index.Index] : line;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ActorKernel.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No ActorKernel.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"(^|[^:])//")]
    private static partial Regex CommentStart();

    [GeneratedRegex(@"\bDateTime\.(Now|UtcNow)\b")]
    private static partial Regex DateTimeNow();

    [GeneratedRegex(@"\bDateTimeOffset\.(Now|UtcNow)\b")]
    private static partial Regex DateTimeOffsetNow();

    [GeneratedRegex(@"\bStopwatch\b")]
    private static partial Regex StopwatchUse();

    [GeneratedRegex(@"\bRandom\.Shared\b")]
    private static partial Regex RandomShared();

    [GeneratedRegex(@"\bnew\s+(System\.)?Random\s*\(")]
    private static partial Regex NewRandom();

    [GeneratedRegex(@"\bGuid\.NewGuid\b")]
    private static partial Regex NewGuid();

    [GeneratedRegex(@"\bTask\.Run\b")]
    private static partial Regex TaskRun();

    [GeneratedRegex(@"\bTask\.Delay\b")]
    private static partial Regex TaskDelay();

    [GeneratedRegex(@"\bThread\.Sleep\b")]
    private static partial Regex ThreadSleep();

    [GeneratedRegex(@"\bnew\s+Timer\s*\(")]
    private static partial Regex NewTimer();

    [GeneratedRegex(@"\bSystem\.Threading\.Timer\b")]
    private static partial Regex ThreadingTimer();
}
