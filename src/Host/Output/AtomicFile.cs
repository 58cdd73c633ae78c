namespace ActorKernel.Host;

/// <summary>
/// Writes a result file under a temporary name in the same folder, then renames it over the final
/// name, so a failure while writing leaves the previous file whole (never a truncated one).
/// </summary>
internal static class AtomicFile
{
    /// <summary>The temporary name a write goes to first.</summary>
    public static string TemporaryName(string path) => path + ".tmp";

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> through a temporary file and a rename.</summary>
    public static void WriteAllText(string path, string text)
    {
        var temporary = TemporaryName(path);
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
