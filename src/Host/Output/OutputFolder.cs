using System.Globalization;

namespace ActorKernel.Host;

/// <summary>
/// The output folder, checked before a run starts: created if missing, writable (a probe file is
/// written and deleted), and no result file's name taken by a folder. Stale crash dumps of an
/// earlier run are removed, so they do not read as crashes of this one.
/// </summary>
internal static class OutputFolder
{
    /// <summary>Checks <paramref name="directory"/> for <paramref name="files"/>; returns the problem in one line, or null.</summary>
    public static string? Check(string directory, IEnumerable<string> files)
    {
        try
        {
            if (File.Exists(directory))
            {
                return $"{directory}: the output folder is a file; name a folder with --out";
            }
            Directory.CreateDirectory(directory);
            foreach (var file in files)
            {
                var path = Path.Combine(directory, file);
                if (Directory.Exists(path) || Directory.Exists(AtomicFile.TemporaryName(path)))
                {
                    return $"{path}: a folder has the name of a result file; move it away or choose another --out";
                }
            }
            var probe = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture, $".actorkernel-probe-{Environment.ProcessId}"));
            File.WriteAllText(probe, "");
            File.Delete(probe);
            foreach (var stale in Directory.GetFiles(directory, "crash-*.dmp.json"))
            {
                File.Delete(stale);
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{directory}: the output folder cannot be written ({e.Message}); choose another with --out";
        }
    }
}
