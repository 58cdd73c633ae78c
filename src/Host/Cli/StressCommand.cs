using System.CommandLine;
using ActorKernel.Host.Stress;

namespace ActorKernel.Host;

/// <summary>
/// The stress explorer's verbs: <c>stress SCENARIO [--seeds N] [--strategy random|pct|exhaustive]
/// [--shard i/N]</c>, <c>stress merge FILE...</c> and <c>replay FILE</c> (docs/stress-testing.md).
/// Exit codes: 0 clean, 1 a failure was found (or replayed), 2 bad input.
/// </summary>
public static class StressCommand
{
    /// <summary>The <c>stress</c> verb with its <c>merge</c> subcommand.</summary>
    /// <returns>The command.</returns>
    public static Command CreateStress()
    {
        var scenario = new Argument<string>("SCENARIO") { Description = "A zoo scenario: zoo.NAME or zoo.NAME.fixed (see 'stress --list')", Arity = ArgumentArity.ZeroOrOne };
        var seeds = new Option<string?>("--seeds") { Description = "How many schedules (seeds) to run, before sharding (default 1000)", HelpName = "N" };
        var strategy = new Option<string?>("--strategy") { Description = "random (default), pct or exhaustive", HelpName = "random|pct|exhaustive" };
        var shard = new Option<string?>("--shard") { Description = "Run only shard i of N of the schedules (schedule numbers n with n mod N = i)", HelpName = "i/N" };
        var seed = new Option<string?>("--seed") { Description = "The root seed (default 1)", HelpName = "S" };
        var faults = new Option<string?>("--faults") { Description = "Faults to inject: pool (allocation failure), cancel, close, timeout (device stops answering), removal (surprise removal), exit (thread exits with I/O outstanding); comma-separated", HelpName = "LIST" };
        var budget = new Option<string?>("--time-budget") { Description = "Stop after this much wall time: 30s, 5m", HelpName = "T" };
        var output = new Option<string?>("--out") { Description = "Where replay files and the shard result go (default: stress-out)", HelpName = "DIR" };
        var noShrink = new Option<bool>("--no-shrink") { Description = "Write the failing trace as found, without shortening it" };
        var list = new Option<bool>("--list") { Description = "List the zoo scenarios" };
        var checkedBuild = new Option<bool>("--checked") { Description = "Run every schedule on the checked build of the kernel (services assert their IRQL and parameters)" };
        var verify = new Option<string[]>("--verify") { Description = "Driver Verifier (special pool, pool tracking, I/O verification) on a zoo driver image; repeatable", HelpName = "IMAGE" };
        var stress = new Command("stress", "Explore the schedules of a scenario until one fails; write its replay file");
        stress.Arguments.Add(scenario);
        foreach (var option in new Option[] { seeds, strategy, shard, seed, faults, budget, output, noShrink, list, verify, checkedBuild })
        {
            stress.Options.Add(option);
        }
        stress.SetAction(p => StressRunner.Stress(new StressRequest(p.GetValue(scenario), p.GetValue(seeds), p.GetValue(strategy), p.GetValue(shard),
            p.GetValue(seed), p.GetValue(faults), p.GetValue(budget), p.GetValue(output), p.GetValue(noShrink), p.GetValue(list), p.GetValue(verify), p.GetValue(checkedBuild)), Console.Out, Console.Error));

        var files = new Argument<string[]>("FILE") { Description = "Shard result files (stress-*.shard.json)", Arity = ArgumentArity.OneOrMore };
        var merge = new Command("merge", "Join the results of the shards of one campaign: coverage and failures");
        merge.Arguments.Add(files);
        merge.SetAction(p => StressRunner.Merge(p.GetValue(files)!, Console.Out, Console.Error));
        stress.Subcommands.Add(merge);
        return stress;
    }

    /// <summary>The <c>replay</c> verb.</summary>
    /// <returns>The command.</returns>
    public static Command CreateReplay()
    {
        var file = new Argument<string>("FILE") { Description = "A replay file written by stress (*.replay.json)" };
        var output = new Option<string?>("--out") { Description = "Where to write the replayed crash dump (default: beside the file, *.replayed.crash.json)", HelpName = "FILE" };
        var replay = new Command("replay", "Re-run a failing schedule from its replay file and check it reproduces byte for byte");
        replay.Arguments.Add(file);
        replay.Options.Add(output);
        replay.SetAction(p => StressRunner.Replay(p.GetValue(file)!, p.GetValue(output), Console.Out, Console.Error));
        return replay;
    }
}
