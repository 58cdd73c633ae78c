namespace ActorKernel.Host;

/// <summary>Rules for workloads, faults and output.</summary>
public sealed partial class Scenario
{
    private sealed partial class Validator
    {
        private void Workloads()
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < s.Workloads.Count; i++)
            {
                var w = s.Workloads[i];
                var path = F($"$.workloads[{i}]");
                if (!Missing(w.Name, path + ".name", "a workload name") && !seen.Add(w.Name!))
                {
                    Error(path + ".name", $"workload name '{w.Name}' is used twice");
                }
                if (!Missing(w.Device, path + ".device", "the target device"))
                {
                    if (s.FindDevice(w.Device!) is null)
                    {
                        Error(path + ".device", $"no device named '{w.Device}' (devices: {Known(s.Devices.Select(x => x.Name ?? "?"))})");
                    }
                    else if (s.DriverFor(w.Device!) is null)
                    {
                        Error(path + ".device", $"no driver binds to device '{w.Device}', so nothing can serve its requests; add a drivers entry for it");
                    }
                }
                Mix(w, path + ".mix");
                Sizes(w, path + ".size");
                if (!Missing(w.QueueDepth, path + ".queueDepth", "queueDepth") && w.QueueDepth is < 1 or > 4096)
                {
                    Error(path + ".queueDepth", w.QueueDepth < 1
                        ? F($"queueDepth must be ≥ 1, got {w.QueueDepth}")
                        : F($"queueDepth must be ≤ 4096, got {w.QueueDepth}"));
                }
                if (w.Rate is { } rate && !(rate > 0 && rate <= 1e9))
                {
                    Error(path + ".rate", F($"rate must be greater than 0 and at most 1e9 requests per second, got {rate}"));
                }
                if (w.Rate is not null && w.ThinkTimeNanoseconds is > 0)
                {
                    Error(path + ".thinkTime", "give either rate or thinkTime, not both");
                }
                NonNegative(w.ThinkTimeNanoseconds, path + ".thinkTime", "thinkTime");
                NonNegative(w.StartNanoseconds, path + ".start", "start");
                if (w.DurationNanoseconds is <= 0)
                {
                    Error(path + ".duration", $"duration must be greater than 0, got {Duration.Format(w.DurationNanoseconds.Value)}");
                }
                if (w.StartNanoseconds is { } start && s.DurationNanoseconds is { } total && start >= total && total > 0)
                {
                    Warn(path + ".start", $"starts at {Duration.Format(start)}, after the run ends ({Duration.Format(total)}); it issues nothing");
                }
                if (!Missing(w.Mode, path + ".mode", "mode") && !Modes.Contains(w.Mode!))
                {
                    Error(path + ".mode", $"unknown mode '{w.Mode}' (known: {Known(Modes)})");
                }
                if (!Missing(w.Completion, path + ".completion", "completion") && !CompletionMethods.Contains(w.Completion!))
                {
                    Error(path + ".completion", $"unknown completion '{w.Completion}' (known: {Known(CompletionMethods)})");
                }
                if (w.Requests is < 1)
                {
                    Error(path + ".requests", F($"requests must be ≥ 1, got {w.Requests}"));
                }
            }
        }

        private void Mix(WorkloadSpec w, string path)
        {
            if (w.Read is null || w.Write is null || w.Ioctl is null)
            {
                return; // already reported by the reader
            }
            var bad = false;
            foreach (var (name, share) in new[] { ("read", w.Read.Value), ("write", w.Write.Value), ("ioctl", w.Ioctl.Value) })
            {
                if (share is < 0 or > 1)
                {
                    Error($"{path}.{name}", F($"a share must be in 0..1, got {share}"));
                    bad = true;
                }
            }
            var sum = w.Read.Value + w.Write.Value + w.Ioctl.Value;
            if (!bad && Math.Abs(sum - 1.0) > 1e-9)
            {
                Error(path, F($"read + write + ioctl must sum to 1, got {sum:0.######}"));
            }
        }

        private void Sizes(WorkloadSpec w, string path)
        {
            if (w.MinSize is null || w.MaxSize is null)
            {
                return;
            }
            if (w.MinSize < 0 || w.MinSize > MaxTransferBytes)
            {
                Error(path, F($"size must be in 0..{MaxTransferBytes} bytes, got {w.MinSize}"));
            }
            else if (w.MaxSize < w.MinSize || w.MaxSize > MaxTransferBytes)
            {
                Error(path + ".max", F($"max must be in {w.MinSize}..{MaxTransferBytes} bytes (min..64 MiB), got {w.MaxSize}"));
            }
        }

        private void NonNegative(long? ns, string path, string what)
        {
            if (ns is < 0)
            {
                Error(path, $"{what} must be 0 or more, got {Duration.Format(ns.Value)}");
            }
        }

        private void Faults()
        {
            for (var i = 0; i < s.Faults.Count; i++)
            {
                var f = s.Faults[i];
                var path = F($"$.faults[{i}]");
                if (!Missing(f.AtNanoseconds, path + ".at", "the time the fault strikes (at)"))
                {
                    NonNegative(f.AtNanoseconds, path + ".at", "at");
                    if (s.DurationNanoseconds is { } total && f.AtNanoseconds >= total && total > 0)
                    {
                        Warn(path + ".at", $"strikes at {Duration.Format(f.AtNanoseconds!.Value)}, after the run ends ({Duration.Format(total)}); it never fires");
                    }
                }
                if (Missing(f.Type, path + ".type", "a fault type"))
                {
                    continue;
                }
                if (f.Device is not null && s.FindDevice(f.Device) is null && f.Type != "hot-plug")
                {
                    Error(path + ".device", $"no device named '{f.Device}' (devices: {Known(s.Devices.Select(x => x.Name ?? "?"))})");
                }
                else if (f.Type == "hot-plug" && f.Device is not null && s.FindDevice(f.Device) is { } plugged
                    && plugged.Type != UsbCatalog.UsbMassStorageType) // a USB disk goes back into its port
                {
                    Error(path + ".device", $"a hot-plug card is new: '{f.Device}' is a device placed at boot");
                }
                switch (f.Type)
                {
                    case "bugcheck":
                        Missing(f.Code, path + ".code", "a bugcheck code");
                        if (f.Parameters.Count > 4)
                        {
                            Error(path + ".parameters", F($"a bugcheck has at most 4 parameters, got {f.Parameters.Count}"));
                        }
                        break;
                    case "interrupt-storm":
                        Missing(f.Device, path + ".device", "the storming device");
                        if (!Missing(f.Rate, path + ".rate", "the storm's rate (interrupts per second)") && !(f.Rate > 0 && f.Rate <= 1e8))
                        {
                            Error(path + ".rate", F($"rate must be greater than 0 and at most 1e8 interrupts per second, got {f.Rate}"));
                        }
                        if (!Missing(f.DurationNanoseconds, path + ".duration", "the storm's duration") && f.DurationNanoseconds <= 0)
                        {
                            Error(path + ".duration", $"duration must be greater than 0, got {Duration.Format(f.DurationNanoseconds!.Value)}");
                        }
                        break;
                    case "page-out-pool" or "sleep" or "hibernate" or "wake" or "shutdown":
                        break;
                    case "disk-idle":
                        Missing(f.Device, path + ".device", "the block-disk whose idle time it sets");
                        if (!Missing(f.DurationNanoseconds, path + ".duration", "the idle time") && f.DurationNanoseconds < 1_000_000_000)
                        {
                            Error(path + ".duration", $"the idle time is whole seconds, at least 1s, got {Duration.Format(f.DurationNanoseconds!.Value)}");
                        }
                        break;
                    case "stuck-line" or "dma-error" or "stop-answering" or "surprise-unplug":
                        Missing(f.Device, path + ".device", f.Type == "stuck-line" ? "the device whose line sticks" : "the block-disk the fault hits");
                        if (f.Count is < 1 or > 1_000_000)
                        {
                            Error(path + ".count", F($"count must be in 1..1000000, got {f.Count}"));
                        }
                        break;
                    case "hot-plug" or "hot-unplug":
                        // hot-plug: a new block-disk card of that name, like the scenario's first one; hot-unplug: a placed card pulled out.
                        Missing(f.Device, path + ".device", f.Type == "hot-plug" ? "the name of the card plugged in" : "the card pulled out");
                        break;
                    default:
                        Error(path + ".type", $"unknown fault type '{f.Type}' (known: {Known(FaultTypes)})");
                        break;
                }
            }
        }

        private void Output()
        {
            var o = s.Output;
            if (o.SummaryFile is not null && (o.SummaryFile.Length == 0 || o.SummaryFile.IndexOfAny(['/', '\\']) >= 0))
            {
                Error("$.output.summaryFile", $"summaryFile must be a plain file name without folders, got '{o.SummaryFile}'");
            }
            if (o.Directory is { Length: 0 })
            {
                Error("$.output.directory", "directory must not be empty (leave it out for runs/NAME-SEED)");
            }
            if (o.MaxCrashes is < 1)
            {
                Error("$.output.maxCrashes", F($"maxCrashes must be ≥ 1, got {o.MaxCrashes}"));
            }
        }
    }
}
