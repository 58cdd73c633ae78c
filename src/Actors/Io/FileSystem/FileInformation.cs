using System.Buffers.Binary;
using System.Text;

namespace ActorKernel.Actors;

// The FILE_*_INFORMATION structures as they lie in Irp->AssociatedIrp.SystemBuffer (x64 layout of
// wdm.h/ntifs.h, little endian, names in UTF-16 without terminator). NtQueryInformationFile,
// NtSetInformationFile and NtQueryDirectoryFile move them as METHOD_BUFFERED moves an IOCTL's
// buffers: the I/O manager allocates a system buffer of Length bytes (a set's copied in from the
// caller), the file system reads or writes the structure there with Read/Write, and completion
// copies Irp->IoStatus.Information bytes back to the caller.

/// <summary>FILE_BASIC_INFORMATION (40 bytes): times in 100 ns units since 1601 and the attributes. In a set, a time of 0 leaves it unchanged.</summary>
/// <param name="CreationTime">CreationTime.</param>
/// <param name="LastAccessTime">LastAccessTime.</param>
/// <param name="LastWriteTime">LastWriteTime.</param>
/// <param name="ChangeTime">ChangeTime.</param>
/// <param name="FileAttributes">FileAttributes (0 in a set: unchanged).</param>
public readonly record struct FileBasicInformation(long CreationTime, long LastAccessTime, long LastWriteTime, long ChangeTime, FileAttribute FileAttributes)
{
    /// <summary>sizeof(FILE_BASIC_INFORMATION).</summary>
    public const int Size = 40;

    /// <summary>Writes the structure at the start of <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="Size"/> bytes.</param>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, CreationTime);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], LastAccessTime);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], LastWriteTime);
        BinaryPrimitives.WriteInt64LittleEndian(destination[24..], ChangeTime);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[32..], (uint)FileAttributes);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[36..], 0);
    }

    /// <summary>Reads the structure from the start of <paramref name="source"/>.</summary>
    /// <param name="source">At least <see cref="Size"/> bytes.</param>
    /// <returns>The structure.</returns>
    public static FileBasicInformation Read(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadInt64LittleEndian(source), BinaryPrimitives.ReadInt64LittleEndian(source[8..]),
        BinaryPrimitives.ReadInt64LittleEndian(source[16..]), BinaryPrimitives.ReadInt64LittleEndian(source[24..]),
        (FileAttribute)BinaryPrimitives.ReadUInt32LittleEndian(source[32..]));
}

/// <summary>FILE_STANDARD_INFORMATION (24 bytes).</summary>
/// <param name="AllocationSize">AllocationSize: bytes allocated on the volume.</param>
/// <param name="EndOfFile">EndOfFile: the file's size.</param>
/// <param name="NumberOfLinks">NumberOfLinks.</param>
/// <param name="DeletePending">DeletePending: a delete disposition is set.</param>
/// <param name="Directory">Directory.</param>
public readonly record struct FileStandardInformation(long AllocationSize, long EndOfFile, uint NumberOfLinks, bool DeletePending, bool Directory)
{
    /// <summary>sizeof(FILE_STANDARD_INFORMATION).</summary>
    public const int Size = 24;

    /// <summary>Writes the structure at the start of <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="Size"/> bytes.</param>
    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, AllocationSize);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], EndOfFile);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], NumberOfLinks);
        destination[20] = DeletePending ? (byte)1 : (byte)0;
        destination[21] = Directory ? (byte)1 : (byte)0;
        destination[22] = 0;
        destination[23] = 0;
    }

    /// <summary>Reads the structure from the start of <paramref name="source"/>.</summary>
    /// <param name="source">At least <see cref="Size"/> bytes.</param>
    /// <returns>The structure.</returns>
    public static FileStandardInformation Read(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadInt64LittleEndian(source), BinaryPrimitives.ReadInt64LittleEndian(source[8..]),
        BinaryPrimitives.ReadUInt32LittleEndian(source[16..]), source[20] != 0, source[21] != 0);
}

/// <summary>FILE_POSITION_INFORMATION (8 bytes): CurrentByteOffset.</summary>
/// <param name="CurrentByteOffset">The file object's current byte offset.</param>
public readonly record struct FilePositionInformation(long CurrentByteOffset)
{
    /// <summary>sizeof(FILE_POSITION_INFORMATION).</summary>
    public const int Size = 8;

    /// <summary>Writes the structure.</summary>
    /// <param name="destination">At least <see cref="Size"/> bytes.</param>
    public void Write(Span<byte> destination) => BinaryPrimitives.WriteInt64LittleEndian(destination, CurrentByteOffset);

    /// <summary>Reads the structure.</summary>
    /// <param name="source">At least <see cref="Size"/> bytes.</param>
    /// <returns>The structure.</returns>
    public static FilePositionInformation Read(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadInt64LittleEndian(source));
}

/// <summary>FILE_END_OF_FILE_INFORMATION (8 bytes): the new EndOfFile (set only).</summary>
/// <param name="EndOfFile">The new size.</param>
public readonly record struct FileEndOfFileInformation(long EndOfFile)
{
    /// <summary>sizeof(FILE_END_OF_FILE_INFORMATION).</summary>
    public const int Size = 8;

    /// <summary>Writes the structure.</summary>
    /// <param name="destination">At least <see cref="Size"/> bytes.</param>
    public void Write(Span<byte> destination) => BinaryPrimitives.WriteInt64LittleEndian(destination, EndOfFile);

    /// <summary>Reads the structure.</summary>
    /// <param name="source">At least <see cref="Size"/> bytes.</param>
    /// <returns>The structure.</returns>
    public static FileEndOfFileInformation Read(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadInt64LittleEndian(source));
}

/// <summary>FILE_ALLOCATION_INFORMATION (8 bytes): the new AllocationSize (set only).</summary>
/// <param name="AllocationSize">The new allocation size.</param>
public readonly record struct FileAllocationInformation(long AllocationSize)
{
    /// <summary>sizeof(FILE_ALLOCATION_INFORMATION).</summary>
    public const int Size = 8;

    /// <summary>Writes the structure.</summary>
    /// <param name="destination">At least <see cref="Size"/> bytes.</param>
    public void Write(Span<byte> destination) => BinaryPrimitives.WriteInt64LittleEndian(destination, AllocationSize);

    /// <summary>Reads the structure.</summary>
    /// <param name="source">At least <see cref="Size"/> bytes.</param>
    /// <returns>The structure.</returns>
    public static FileAllocationInformation Read(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadInt64LittleEndian(source));
}

/// <summary>FILE_INTERNAL_INFORMATION (8 bytes): the file's IndexNumber (unique on the volume).</summary>
/// <param name="IndexNumber">The index number.</param>
public readonly record struct FileInternalInformation(long IndexNumber)
{
    /// <summary>sizeof(FILE_INTERNAL_INFORMATION).</summary>
    public const int Size = 8;

    /// <summary>Writes the structure.</summary>
    /// <param name="destination">At least <see cref="Size"/> bytes.</param>
    public void Write(Span<byte> destination) => BinaryPrimitives.WriteInt64LittleEndian(destination, IndexNumber);

    /// <summary>Reads the structure.</summary>
    /// <param name="source">At least <see cref="Size"/> bytes.</param>
    /// <returns>The structure.</returns>
    public static FileInternalInformation Read(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadInt64LittleEndian(source));
}

/// <summary>FILE_DISPOSITION_INFORMATION (1 byte): DeleteFile, delete the file when its last handle closes (set only).</summary>
/// <param name="DeleteFile">TRUE to mark the file for deletion, FALSE to clear the mark.</param>
public readonly record struct FileDispositionInformation(bool DeleteFile)
{
    /// <summary>sizeof(FILE_DISPOSITION_INFORMATION).</summary>
    public const int Size = 1;

    /// <summary>Writes the structure.</summary>
    /// <param name="destination">At least <see cref="Size"/> bytes.</param>
    public void Write(Span<byte> destination) => destination[0] = DeleteFile ? (byte)1 : (byte)0;

    /// <summary>Reads the structure.</summary>
    /// <param name="source">At least <see cref="Size"/> bytes.</param>
    /// <returns>The structure.</returns>
    public static FileDispositionInformation Read(ReadOnlySpan<byte> source) => new(source[0] != 0);
}

/// <summary>FILE_NAME_INFORMATION: FileNameLength (bytes) and the name from the volume's root (<c>\dir\file.txt</c>).</summary>
/// <param name="FileName">The name.</param>
public readonly record struct FileNameInformation(string FileName)
{
    /// <summary>FIELD_OFFSET(FILE_NAME_INFORMATION, FileName).</summary>
    public const int HeaderSize = 4;

    /// <summary>The bytes the structure needs with the whole name.</summary>
    public int Size => HeaderSize + (2 * FileName.Length);

    /// <summary>Writes as much as fits in <paramref name="destination"/> (FileNameLength is always the whole name's).</summary>
    /// <param name="destination">At least <see cref="HeaderSize"/> bytes.</param>
    /// <returns>The bytes written; fewer than <see cref="Size"/> means STATUS_BUFFER_OVERFLOW for the caller.</returns>
    public int Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)(2 * FileName.Length));
        return HeaderSize + FileInformationLayout.WriteName(destination[HeaderSize..], FileName);
    }

    /// <summary>Reads the structure (the name as far as the buffer holds it).</summary>
    /// <param name="source">The structure.</param>
    /// <returns>The structure.</returns>
    public static FileNameInformation Read(ReadOnlySpan<byte> source) =>
        new(FileInformationLayout.ReadName(source[HeaderSize..], (int)BinaryPrimitives.ReadUInt32LittleEndian(source)));
}

/// <summary>
/// FILE_RENAME_INFORMATION (set only): ReplaceIfExists at 0, RootDirectory at 8 (always null here),
/// FileNameLength at 16, FileName at 20. Here the I/O manager gives the file system the target as a
/// path from the volume's root (<c>\dir\new.txt</c>) or a bare name (the same directory); see
/// docs/file-systems.md for how this differs from NT's target-directory open.
/// </summary>
/// <param name="ReplaceIfExists">Replace a file that has the target name.</param>
/// <param name="FileName">The target name.</param>
public readonly record struct FileRenameInformation(bool ReplaceIfExists, string FileName)
{
    /// <summary>FIELD_OFFSET(FILE_RENAME_INFORMATION, FileName).</summary>
    public const int HeaderSize = 20;

    /// <summary>The bytes the structure needs.</summary>
    public int Size => HeaderSize + (2 * FileName.Length);

    /// <summary>Writes the structure.</summary>
    /// <param name="destination">At least <see cref="Size"/> bytes.</param>
    public void Write(Span<byte> destination)
    {
        destination[..HeaderSize].Clear();
        destination[0] = ReplaceIfExists ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], (uint)(2 * FileName.Length));
        FileInformationLayout.WriteName(destination[HeaderSize..], FileName);
    }

    /// <summary>Reads the structure.</summary>
    /// <param name="source">The structure.</param>
    /// <returns>The structure.</returns>
    public static FileRenameInformation Read(ReadOnlySpan<byte> source) =>
        new(source[0] != 0, FileInformationLayout.ReadName(source[HeaderSize..], (int)BinaryPrimitives.ReadUInt32LittleEndian(source[16..])));
}

/// <summary>
/// FILE_ALL_INFORMATION: Basic (0), Standard (40), Internal (64), Ea (72), Access (76), Position (80),
/// Mode (88), Alignment (92), Name (96: FileNameLength, then the name at 100).
/// </summary>
/// <param name="Basic">BasicInformation.</param>
/// <param name="Standard">StandardInformation.</param>
/// <param name="Internal">InternalInformation.</param>
/// <param name="EaSize">EaInformation.EaSize.</param>
/// <param name="AccessFlags">AccessInformation.AccessFlags (the handle's granted access).</param>
/// <param name="Position">PositionInformation.</param>
/// <param name="Mode">ModeInformation.Mode (the FILE_* options of the open).</param>
/// <param name="AlignmentRequirement">AlignmentInformation.AlignmentRequirement.</param>
/// <param name="Name">NameInformation.</param>
public readonly record struct FileAllInformation(FileBasicInformation Basic, FileStandardInformation Standard, FileInternalInformation Internal, uint EaSize,
    uint AccessFlags, FilePositionInformation Position, uint Mode, uint AlignmentRequirement, FileNameInformation Name)
{
    /// <summary>FIELD_OFFSET(FILE_ALL_INFORMATION, NameInformation): where the name's structure starts.</summary>
    public const int NameOffset = 96;

    /// <summary>The bytes the structure needs with the whole name.</summary>
    public int Size => NameOffset + Name.Size;

    /// <summary>Writes as much as fits (at least <see cref="NameOffset"/> + 4 bytes).</summary>
    /// <param name="destination">The buffer.</param>
    /// <returns>The bytes written; fewer than <see cref="Size"/> means STATUS_BUFFER_OVERFLOW.</returns>
    public int Write(Span<byte> destination)
    {
        Basic.Write(destination);
        Standard.Write(destination[40..]);
        Internal.Write(destination[64..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[72..], EaSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[76..], AccessFlags);
        Position.Write(destination[80..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[88..], Mode);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[92..], AlignmentRequirement);
        return NameOffset + Name.Write(destination[NameOffset..]);
    }

    /// <summary>Reads the structure.</summary>
    /// <param name="source">The structure.</param>
    /// <returns>The structure.</returns>
    public static FileAllInformation Read(ReadOnlySpan<byte> source) => new(
        FileBasicInformation.Read(source), FileStandardInformation.Read(source[40..]), FileInternalInformation.Read(source[64..]),
        BinaryPrimitives.ReadUInt32LittleEndian(source[72..]), BinaryPrimitives.ReadUInt32LittleEndian(source[76..]),
        FilePositionInformation.Read(source[80..]), BinaryPrimitives.ReadUInt32LittleEndian(source[88..]),
        BinaryPrimitives.ReadUInt32LittleEndian(source[92..]), FileNameInformation.Read(source[NameOffset..]));
}

/// <summary>
/// One entry of a directory enumeration (IRP_MN_QUERY_DIRECTORY), written in the layout of the
/// requested class: FILE_DIRECTORY_INFORMATION (name at 64), FILE_FULL_DIR_INFORMATION (EaSize at 64,
/// name at 68), FILE_BOTH_DIR_INFORMATION (EaSize 64, ShortNameLength 68, ShortName[12] 70, name at 94)
/// or FILE_NAMES_INFORMATION (FileIndex 4, FileNameLength 8, name at 12). Entries are chained by
/// NextEntryOffset, each starting on an 8-byte boundary; the last has NextEntryOffset 0.
/// </summary>
/// <param name="FileIndex">FileIndex (the entry's position in the directory; 0 when the file system has no order).</param>
/// <param name="CreationTime">CreationTime.</param>
/// <param name="LastAccessTime">LastAccessTime.</param>
/// <param name="LastWriteTime">LastWriteTime.</param>
/// <param name="ChangeTime">ChangeTime.</param>
/// <param name="EndOfFile">EndOfFile.</param>
/// <param name="AllocationSize">AllocationSize.</param>
/// <param name="FileAttributes">FileAttributes.</param>
/// <param name="FileName">FileName (the entry's name, no path).</param>
/// <param name="ShortName">ShortName (8.3; empty when the file system has none).</param>
public sealed record FileDirectoryEntry(uint FileIndex, long CreationTime, long LastAccessTime, long LastWriteTime, long ChangeTime, long EndOfFile, long AllocationSize,
    FileAttribute FileAttributes, string FileName, string ShortName = "")
{
    /// <summary>FIELD_OFFSET(..., FileName) of the class: the fixed part of an entry.</summary>
    /// <param name="informationClass">FileDirectoryInformation, FileFullDirectoryInformation, FileBothDirectoryInformation or FileNamesInformation.</param>
    /// <returns>The offset; -1 for a class that is not a directory class (STATUS_INVALID_INFO_CLASS).</returns>
    public static int FixedSize(FileInformationClass informationClass) => informationClass switch
    {
        FileInformationClass.FileDirectoryInformation => 64,
        FileInformationClass.FileFullDirectoryInformation => 68,
        FileInformationClass.FileBothDirectoryInformation => 94,
        FileInformationClass.FileNamesInformation => 12,
        _ => -1,
    };

    /// <summary>The bytes this entry needs in <paramref name="informationClass"/> (unaligned).</summary>
    /// <param name="informationClass">The class.</param>
    /// <returns>The size.</returns>
    public int SizeOf(FileInformationClass informationClass) => FixedSize(informationClass) + (2 * FileName.Length);

    /// <summary>
    /// Packs entries into <paramref name="buffer"/> from <paramref name="first"/> on, as a file system's
    /// query-directory routine does: each entry 8-byte aligned, NextEntryOffset chained, as many as fit
    /// (one with <paramref name="returnSingleEntry"/>, SL_RETURN_SINGLE_ENTRY). If the first entry's name
    /// does not fit, the fixed part and as much of the name as fits are written (STATUS_BUFFER_OVERFLOW).
    /// </summary>
    /// <param name="buffer">The system buffer (Parameters.QueryDirectory.Length bytes).</param>
    /// <param name="informationClass">The class.</param>
    /// <param name="entries">The entries that match, in directory order.</param>
    /// <param name="first">The index of the first entry to return.</param>
    /// <param name="returnSingleEntry">Return at most one entry.</param>
    /// <param name="entriesWritten">How many entries were written (0 when not even the fixed part of the first fits).</param>
    /// <param name="overflow">True when the first entry was truncated (the status is STATUS_BUFFER_OVERFLOW and it counts as returned).</param>
    /// <returns>The bytes used (Irp-&gt;IoStatus.Information).</returns>
    public static int Pack(Span<byte> buffer, FileInformationClass informationClass, IReadOnlyList<FileDirectoryEntry> entries, int first, bool returnSingleEntry,
        out int entriesWritten, out bool overflow)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var fixedSize = FixedSize(informationClass);
        entriesWritten = 0;
        overflow = false;
        var used = 0;
        var previous = -1;
        for (var i = first; i < entries.Count; i++)
        {
            var offset = previous < 0 ? 0 : (used + 7) & ~7;
            var size = entries[i].SizeOf(informationClass);
            if (offset + size > buffer.Length)
            {
                if (entriesWritten == 0 && offset + fixedSize <= buffer.Length)
                {
                    entries[i].Write(buffer[offset..], informationClass);
                    entriesWritten = 1;
                    overflow = true;
                    return buffer.Length;
                }
                break;
            }
            if (previous >= 0)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(buffer[previous..], (uint)(offset - previous));
            }
            entries[i].Write(buffer[offset..], informationClass);
            previous = offset;
            used = offset + size;
            entriesWritten++;
            if (returnSingleEntry)
            {
                break;
            }
        }
        return used;
    }

    /// <summary>Writes this entry at the start of <paramref name="destination"/> with NextEntryOffset 0, the name as far as it fits.</summary>
    /// <param name="destination">At least the class's fixed size.</param>
    /// <param name="informationClass">The class.</param>
    public void Write(Span<byte> destination, FileInformationClass informationClass)
    {
        var fixedSize = FixedSize(informationClass);
        if (fixedSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(informationClass), informationClass, "Not a directory information class.");
        }
        destination[..fixedSize].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], FileIndex);
        var nameLength = (uint)(2 * FileName.Length);
        if (informationClass == FileInformationClass.FileNamesInformation)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], nameLength);
        }
        else
        {
            BinaryPrimitives.WriteInt64LittleEndian(destination[8..], CreationTime);
            BinaryPrimitives.WriteInt64LittleEndian(destination[16..], LastAccessTime);
            BinaryPrimitives.WriteInt64LittleEndian(destination[24..], LastWriteTime);
            BinaryPrimitives.WriteInt64LittleEndian(destination[32..], ChangeTime);
            BinaryPrimitives.WriteInt64LittleEndian(destination[40..], EndOfFile);
            BinaryPrimitives.WriteInt64LittleEndian(destination[48..], AllocationSize);
            BinaryPrimitives.WriteUInt32LittleEndian(destination[56..], (uint)FileAttributes);
            BinaryPrimitives.WriteUInt32LittleEndian(destination[60..], nameLength);
            if (informationClass == FileInformationClass.FileBothDirectoryInformation)
            {
                var shortName = ShortName.Length > 12 ? ShortName[..12] : ShortName;
                destination[68] = (byte)(2 * shortName.Length);
                FileInformationLayout.WriteName(destination.Slice(70, 24), shortName);
            }
        }
        FileInformationLayout.WriteName(destination[fixedSize..], FileName);
    }

    /// <summary>Reads every entry of a packed buffer (following NextEntryOffset), as FindFirstFile / FindNextFile do.</summary>
    /// <param name="buffer">The buffer, Information bytes long.</param>
    /// <param name="informationClass">The class it was asked in.</param>
    /// <returns>The entries.</returns>
    public static IReadOnlyList<FileDirectoryEntry> Unpack(ReadOnlySpan<byte> buffer, FileInformationClass informationClass)
    {
        var fixedSize = FixedSize(informationClass);
        var entries = new List<FileDirectoryEntry>();
        var offset = 0;
        while (fixedSize > 0 && offset + fixedSize <= buffer.Length)
        {
            var entry = buffer[offset..];
            var next = BinaryPrimitives.ReadUInt32LittleEndian(entry);
            var index = BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]);
            if (informationClass == FileInformationClass.FileNamesInformation)
            {
                var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]);
                entries.Add(new FileDirectoryEntry(index, 0, 0, 0, 0, 0, 0, FileAttribute.None, FileInformationLayout.ReadName(entry[fixedSize..], length)));
            }
            else
            {
                var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(entry[60..]);
                var shortName = informationClass == FileInformationClass.FileBothDirectoryInformation
                    ? FileInformationLayout.ReadName(entry.Slice(70, 24), entry[68])
                    : "";
                entries.Add(new FileDirectoryEntry(index,
                    BinaryPrimitives.ReadInt64LittleEndian(entry[8..]), BinaryPrimitives.ReadInt64LittleEndian(entry[16..]),
                    BinaryPrimitives.ReadInt64LittleEndian(entry[24..]), BinaryPrimitives.ReadInt64LittleEndian(entry[32..]),
                    BinaryPrimitives.ReadInt64LittleEndian(entry[40..]), BinaryPrimitives.ReadInt64LittleEndian(entry[48..]),
                    (FileAttribute)BinaryPrimitives.ReadUInt32LittleEndian(entry[56..]), FileInformationLayout.ReadName(entry[fixedSize..], length), shortName));
            }
            if (next == 0)
            {
                break;
            }
            offset += (int)next;
        }
        return entries;
    }
}

/// <summary>UTF-16 names inside the information structures.</summary>
internal static class FileInformationLayout
{
    /// <summary>Writes as much of <paramref name="name"/> as fits; returns the bytes written.</summary>
    internal static int WriteName(Span<byte> destination, string name)
    {
        var bytes = Math.Min(2 * name.Length, destination.Length & ~1);
        Encoding.Unicode.GetBytes(name.AsSpan(0, bytes / 2), destination);
        return bytes;
    }

    /// <summary>Reads a name of <paramref name="lengthInBytes"/> bytes (as far as <paramref name="source"/> holds it).</summary>
    internal static string ReadName(ReadOnlySpan<byte> source, int lengthInBytes) =>
        Encoding.Unicode.GetString(source[..Math.Min(lengthInBytes, source.Length & ~1)]);
}
