using ActorKernel.Actors;
using ActorKernel.Runtime;

namespace ActorKernel.Conformance.Tests.Rules.IoRules;

/// <summary>
/// Acceptance 3 of issue 13: random sequences of legal driver actions (send, pend, complete, cancel,
/// forward with skip or copy, completion routines with every InvokeOnSuccess/Error/Cancel combination,
/// fail synchronously, close) through a three-deep stack, on the deterministic and the concurrent
/// dispatcher, each step followed by the rule book's invariants (<see cref="IrpLifecycleRunner"/>).
/// Cases come from a seeded generator; a failing case is shrunk (steps dropped, layers simplified to
/// Skip) and reported with its seed and steps.
/// </summary>
[Trait("Area", "Conformance")]
public sealed class IrpLifecyclePropertyTests
{
    private static readonly NtStatus[] Statuses = [NtStatus.Success, NtStatus.BufferOverflow, NtStatus.InvalidParameter, NtStatus.DeviceNotConnected];

    internal static List<Step> Generate(Random random)
    {
        var steps = new List<Step>();
        var held = new List<int>();
        var next = 0;
        var count = random.Next(1, 9);
        for (var i = 0; i < count; i++)
        {
            var roll = random.Next(10);
            if (held.Count > 0 && roll < 3)
            {
                var id = held[random.Next(held.Count)];
                held.Remove(id);
                steps.Add(new CompleteHeld(id, Statuses[random.Next(Statuses.Length)]));
            }
            else if (held.Count > 0 && roll < 5)
            {
                var id = held[random.Next(held.Count)];
                held.Remove(id);
                steps.Add(new CancelHeld(id));
            }
            else if (held.Count > 0 && roll < 6)
            {
                held.Clear();
                steps.Add(new Close());
            }
            else
            {
                var plan = new RequestPlan(next++, Layer(random), Layer(random), random.Next(2) == 0, Statuses[random.Next(Statuses.Length)]);
                steps.Add(new Send(plan));
                if (Oracle.Completer(plan).Completer == "Bottom" && plan.BottomPends)
                {
                    held.Add(plan.Id);
                }
            }
        }
        return Normalize(steps);
    }

    private static LayerPlan Layer(Random random)
    {
        var mode = random.Next(10) switch { < 3 => LayerMode.Skip, < 4 => LayerMode.Copy, < 8 => LayerMode.CopyWithRoutine, _ => LayerMode.Complete };
        return new LayerPlan(mode, random.Next(2) == 0, random.Next(2) == 0, random.Next(2) == 0, Statuses[random.Next(Statuses.Length)]);
    }

    /// <summary>Drops steps about requests that are not pending at that point and closes the file if any request is left pending.</summary>
    internal static List<Step> Normalize(IEnumerable<Step> steps)
    {
        var result = new List<Step>();
        var held = new HashSet<int>();
        foreach (var step in steps)
        {
            switch (step)
            {
                case Send(var plan):
                    result.Add(step);
                    if (Oracle.Completer(plan).Completer == "Bottom" && plan.BottomPends)
                    {
                        held.Add(plan.Id);
                    }
                    break;
                case CompleteHeld(var id, _) when held.Remove(id):
                case CancelHeld(var id2) when held.Remove(id2):
                    result.Add(step);
                    break;
                case Close when held.Count > 0:
                    held.Clear();
                    result.Add(step);
                    break;
            }
        }
        if (held.Count > 0)
        {
            result.Add(new Close());
        }
        return result;
    }

    /// <summary>Smaller failing versions of <paramref name="steps"/>: one step fewer, or one filter turned into Skip.</summary>
    private static IEnumerable<List<Step>> Shrinks(List<Step> steps)
    {
        for (var i = 0; i < steps.Count; i++)
        {
            yield return Normalize(steps.Where((_, j) => j != i));
        }
        var skip = new LayerPlan(LayerMode.Skip, false, false, false, NtStatus.Success);
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i] is Send(var plan))
            {
                foreach (var simpler in new[] { plan with { Top = skip }, plan with { Mid = skip } })
                {
                    if (simpler != plan)
                    {
                        yield return Normalize(steps.Select((s, j) => j == i ? new Send(simpler) : s));
                    }
                }
            }
        }
    }

    private static void Check(DispatcherKind dispatcher, int cases, int firstSeed)
    {
        for (var seed = firstSeed; seed < firstSeed + cases; seed++)
        {
            var steps = Generate(new Random(seed));
            var failures = IrpLifecycleRunner.Run(steps, dispatcher, (ulong)seed);
            if (failures.Count == 0)
            {
                continue;
            }
            // Shrink: keep the smallest variant that still fails (bounded).
            for (var budget = 60; budget > 0;)
            {
                var smaller = false;
                foreach (var candidate in Shrinks(steps))
                {
                    if (--budget < 0)
                    {
                        break;
                    }
                    if ((candidate.Count < steps.Count || !candidate.SequenceEqual(steps)) && IrpLifecycleRunner.Run(candidate, dispatcher, (ulong)seed) is { Count: > 0 } f)
                    {
                        (steps, failures, smaller) = (candidate, f, true);
                        break;
                    }
                }
                if (!smaller)
                {
                    break;
                }
            }
            Assert.Fail($"{dispatcher} seed {seed}: {failures.Count} violation(s) after shrinking to {steps.Count} step(s):{Environment.NewLine}  "
                + string.Join(Environment.NewLine + "  ", steps) + Environment.NewLine + string.Join(Environment.NewLine, failures));
        }
    }

    [Fact]
    public void Random_driver_action_sequences_keep_the_completion_invariants_on_the_deterministic_dispatcher() =>
        Check(DispatcherKind.Deterministic, cases: 120, firstSeed: 1);

    [Fact]
    public void Random_driver_action_sequences_keep_the_completion_invariants_on_the_concurrent_dispatcher() =>
        Check(DispatcherKind.Concurrent, cases: 30, firstSeed: 1001);

    [Fact]
    public void The_generator_covers_every_action_and_every_invoke_combination()
    {
        var steps = Enumerable.Range(1, 120).SelectMany(seed => Generate(new Random(seed))).ToList();
        var plans = steps.OfType<Send>().Select(s => s.Plan).ToList();
        var layers = plans.SelectMany(p => new[] { p.Top, p.Mid }).ToList();

        Assert.Contains(steps, s => s is CompleteHeld);
        Assert.Contains(steps, s => s is CancelHeld);
        Assert.Contains(steps, s => s is Close);
        Assert.Contains(layers, l => l.Mode == LayerMode.Skip);
        Assert.Contains(layers, l => l.Mode == LayerMode.Copy);
        Assert.Contains(layers, l => l.Mode == LayerMode.Complete && l.Status.IsError());
        for (var combination = 0; combination < 8; combination++)
        {
            var (s, e, c) = ((combination & 1) != 0, (combination & 2) != 0, (combination & 4) != 0);
            Assert.Contains(layers, l => l.Mode == LayerMode.CopyWithRoutine && l.OnSuccess == s && l.OnError == e && l.OnCancel == c);
        }
    }
}
