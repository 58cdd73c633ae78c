using System.Globalization;
using ActorKernel.Actors;
using ActorKernel.Drivers.FileSystem;
using ActorKernel.Drivers.FileSystem.Format;
using ActorKernel.Drivers.FileSystem.Programs;
using ActorKernel.Drivers.Volume;
using static ActorKernel.Actors.Kernel32;

namespace ActorKernel.Host;

// The storage stack with its file system on the scenario's timeline (issue 19, docs/stacks-storage.md):
// stripe.sys gets its members from the striped-volume device, akfs.sys its parameters (FastIo, Cached)
// from the volume that carries it. At boot, once the PnP manager has built the tree and akfs has
// registered, format.exe formats each akfs volume through the raw volume and fsinit.exe runs the file
// workload from user mode (a directory, files created, written, read back and checked, listed, renamed
// and deleted) and leaves the file the scenario's workloads open, written in full.
internal sealed partial class KernelSimulation
{
    /// <summary>stripe.sys's DriverEntry: the first striped volume's members (its partitions) and stripe size, as ftdisk reads them from its registry key.</summary>
    private DriverInitialize StripeDriverEntry(IReadOnlyList<ScenarioDeviceKey> keys)
    {
        var volume = keys.Select(k => k.Device).FirstOrDefault(d => d.Type == FileSystemCatalog.StripedVolumeType);
        if (volume is null)
        {
            return (driver, path) => ValueTask.FromResult(NtStatus.NoSuchDevice);
        }
        var members = FileSystemCatalog.MemberPartitions(_context.Scenario, volume);
        var stripe = (uint)(volume.Parameter(FileSystemCatalog.StripeSizeParameter)?.Number ?? FileSystemCatalog.DefaultStripeSize);
        return members.Count >= 2 ? StripeVolume.DriverEntryFor(members, stripe) : (driver, path) => ValueTask.FromResult(NtStatus.InvalidParameter);
    }

    /// <summary>akfs.sys's DriverEntry with its service Parameters (FastIo, Cached) from the volume that carries it.</summary>
    private DriverInitialize AkfsDriverEntry()
    {
        var volume = _context.Scenario.Devices.FirstOrDefault(FileSystemCatalog.HasAkfs);
        return Akfs.DriverEntryWith(new AkfsOptions
        {
            FastIo = volume?.Parameter(FileSystemCatalog.FastIoParameter)?.Boolean != false,
            Cached = volume?.Parameter(FileSystemCatalog.CachedParameter)?.Boolean != false,
        });
    }

    /// <summary>
    /// For each striped volume with akfs: format.exe (when asked), then fsinit.exe; the volume's
    /// workloads then open its file (<see cref="IoTarget.OpenName"/>). Failures become notes.
    /// </summary>
    private void PrepareFileSystems()
    {
        for (var i = 0; i < _targets.Count; i++)
        {
            var target = _targets[i];
            if (!FileSystemCatalog.HasAkfs(target.Device) || target.Problem is not null || Machine.IsBugChecked)
            {
                continue;
            }
            var device = target.Device;
            var volume = "\\??\\" + target.DeviceName[(target.DeviceName.LastIndexOf('\\') + 1)..]; // \Device\StripeVolume0 -> \??\StripeVolume0
            var file = device.Parameter(FileSystemCatalog.FileParameter)?.Text ?? "\\data\\workload.bin";
            var size = (long)(device.Parameter(FileSystemCatalog.FileSizeParameter)?.Number ?? 1_048_576);
            var cluster = (uint)(device.Parameter(FileSystemCatalog.StripeSizeParameter)?.Number ?? FileSystemCatalog.DefaultStripeSize);
            var format = device.Parameter(FileSystemCatalog.FormatParameter)?.Boolean != false;
            var done = 0;
            var process = UserProcess.Create(Machine, Io, format ? "format.exe" : "fsinit.exe");
            process.CreateThread(0, "main", async () =>
            {
                try
                {
                    if (format)
                    {
                        var formatted = await AkfsFormat.FormatVolume(process, volume, cluster, device.Name!, 0x1900_0000u);
                        Note(F($"format.exe {volume} /FS:akfs /A:{cluster}: {(formatted == Win32Error.Success ? "done" : "failed, " + formatted)}"));
                        if (formatted != Win32Error.Success)
                        {
                            return;
                        }
                    }
                    Note(await AkfsFileWorkload.Run(process, volume, file, size));
                }
                finally
                {
                    Volatile.Write(ref done, 1);
                }
            });
            WaitForFileSystem(() => Volatile.Read(ref done) == 1);
            _targets[i] = target with { OpenName = volume + file, Size = size };
        }
    }

    private void Note(string note)
    {
        lock (_notes)
        {
            _notes.Add(note);
        }
    }

    /// <summary>Runs the machine until <paramref name="condition"/> holds (or it crashed), as the stacks' build waits for the PnP manager.</summary>
    private void WaitForFileSystem(Func<bool> condition)
    {
        if (Machine.System.Deterministic is { } deterministic)
        {
            Machine.RunUntil(() => condition() || Machine.IsBugChecked, TimeSpan.FromSeconds(30));
            deterministic.RunForNanoseconds((100 - (Machine.NowNanoseconds % 100)) % 100); // end on a 100 ns tick, as BuildStacks does
        }
        else
        {
            for (var waited = 0; waited < 60_000 && !condition() && !Machine.IsBugChecked; waited++)
            {
                _changed.Wait(TimeSpan.FromMilliseconds(1));
            }
        }
        if (!Machine.IsBugChecked && !condition())
        {
            throw new InvalidOperationException("format.exe / fsinit.exe did not finish");
        }
    }

}
