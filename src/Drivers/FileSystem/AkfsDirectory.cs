/*++

Module Name:

    AkfsDirectory.cs

Abstract:

    Directory support (dirsup): a directory's entries in memory, looked up by name without regard
    to case (as NT file systems compare names by default), added in the first free slot or at the
    end, removed by clearing the slot. Each change names the slot whose sector must be written back.

Environment:

    Kernel mode, under the VCB's resource.

--*/

namespace ActorKernel.Drivers.FileSystem;

/// <summary>The in-memory directory operations of akfs.</summary>
internal static class AkfsDirectory
{
    /// <summary>Entries per sector.</summary>
    public const int EntriesPerSector = AkfsFormatConstants.SectorSize / AkfsFormatConstants.DirEntrySize;

    /// <summary>The slot of <paramref name="name"/> in <paramref name="entries"/>, or -1.</summary>
    public static int Find(List<AkfsDirEntry> entries, string name)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Inode != 0 && string.Equals(entries[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Puts <paramref name="entry"/> in the first free slot, or a new one at the end.</summary>
    /// <returns>The slot.</returns>
    public static int Add(List<AkfsDirEntry> entries, AkfsDirEntry entry)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Inode == 0)
            {
                entries[i] = entry;
                return i;
            }
        }
        entries.Add(entry);
        return entries.Count - 1;
    }

    /// <summary>Whether the directory has no entry in use.</summary>
    public static bool IsEmpty(List<AkfsDirEntry> entries) => entries.TrueForAll(e => e.Inode == 0);

    /// <summary>The bytes of the sector that holds <paramref name="slot"/> (its first slot's entries, free ones zero).</summary>
    /// <returns>The sector's offset within the directory file and its bytes.</returns>
    public static (long FileOffset, byte[] Sector) SectorOf(List<AkfsDirEntry> entries, int slot)
    {
        var first = slot / EntriesPerSector * EntriesPerSector;
        var sector = new byte[AkfsFormatConstants.SectorSize];
        for (var i = first; i < first + EntriesPerSector && i < entries.Count; i++)
        {
            entries[i].WriteTo(sector.AsSpan((i - first) * AkfsFormatConstants.DirEntrySize, AkfsFormatConstants.DirEntrySize));
        }
        return ((long)first * AkfsFormatConstants.DirEntrySize, sector);
    }

    /// <summary>The entries of a directory file's bytes (its size's worth of slots).</summary>
    public static List<AkfsDirEntry> Parse(ReadOnlySpan<byte> data, long fileSize)
    {
        var slots = (int)(fileSize / AkfsFormatConstants.DirEntrySize);
        var entries = new List<AkfsDirEntry>(slots);
        for (var i = 0; i < slots; i++)
        {
            entries.Add(AkfsDirEntry.ReadFrom(data.Slice(i * AkfsFormatConstants.DirEntrySize, AkfsFormatConstants.DirEntrySize)));
        }
        return entries;
    }

    /// <summary>Whether <paramref name="name"/> can be a file name here: 1..60 characters, none of <c>\ / : * ? " &lt; &gt; |</c> or control characters, not "." or "..".</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= AkfsFormatConstants.MaxNameLength && name is not "." and not ".."
        && name.IndexOfAny(['\\', '/', ':', '*', '?', '"', '<', '>', '|']) < 0 && !name.Any(char.IsControl);
}
