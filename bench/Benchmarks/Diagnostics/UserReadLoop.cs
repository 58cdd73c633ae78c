using ActorKernel.Actors;
using ActorKernel.Runtime;

namespace ActorKernel.Benchmarks.Diagnostics;

/// <summary>
/// What the user-mode read benchmarks share: a new user process reading 4 KiB at queue depth 32
/// through a completion port from a device, and waiting on the machine under either dispatcher.
/// </summary>
internal static class UserReadLoop
{
    /// <summary><paramref name="requests"/> 4 KiB overlapped reads at QD 32 from <paramref name="fileName"/>; throws unless all completed.</summary>
    public static void Read4KiB(Machine machine, IoManager io, DispatcherKind dispatcher, string fileName, int requests, ulong seed)
    {
        var workload = new UserWorkload(new WorkloadDefinition
        {
            Name = "bench",
            FileName = fileName,
            Mode = WorkloadMode.Overlapped,
            Completion = OverlappedCompletion.CompletionPort,
            QueueDepth = 32,
            Mix = OperationMix.ReadOnly,
            Sizes = SizeDistribution.Fixed(4096),
            VerifyData = false,
            RegionLength = 8 << 20,
            RequestCount = requests,
        }, new DeterministicRandom(seed).Derive("bench"));
        workload.Start(machine, UserProcess.Create(machine, io, "bench.exe"));
        Wait(machine, dispatcher, () => workload.IsDone);
        var s = workload.Snapshot();
        if (s.Completed != requests || s.Failed != 0)
        {
            throw new InvalidOperationException($"the run went wrong: completed {s.Completed}/{requests}, failed {s.Failed}");
        }
    }

    /// <summary>Runs (deterministic) or waits for (concurrent) <paramref name="machine"/> until <paramref name="done"/>; a bugcheck throws.</summary>
    public static void Wait(Machine machine, DispatcherKind dispatcher, Func<bool> done)
    {
        if (dispatcher == DispatcherKind.Deterministic)
        {
            machine.RunUntil(() => done() || machine.IsBugChecked, TimeSpan.FromHours(1));
        }
        else
        {
            while (!done() && !machine.IsBugChecked)
            {
                Thread.Sleep(1);
            }
        }
        if (machine.IsBugChecked)
        {
            throw new InvalidOperationException(machine.CrashDump?.Analysis);
        }
    }
}
