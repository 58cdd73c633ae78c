/*++

Module Name:

    AkfsFileWorkload.cs

Abstract:

    fsinit.exe, the file workload of the storage-fs scenario, run from a user thread through
    kernel32: it makes a directory, creates two files and writes them, reads them back and checks
    every byte, lists the directory (FindFirstFile/FindNextFile), renames one (MoveFileEx), checks
    the old name is gone and the new one holds the data, deletes the other (DeleteFile), lists again,
    and finally writes the file the scenario's workloads open, in full (zeros), and flushes it. It
    returns one line saying what it did or where it failed; the runner puts it in the run's notes.

Environment:

    User mode.

--*/

using System.Globalization;
using ActorKernel.Actors;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Drivers.FileSystem.Programs;

/// <summary>fsinit.exe: the file workload of a volume formatted with akfs.</summary>
public static class AkfsFileWorkload
{
    /// <summary>The line's prefix when every step succeeded.</summary>
    public const string Succeeded = "fsinit.exe: ok";

    /// <summary>Runs the workload on <paramref name="volume"/> (<c>\??\StripeVolume0</c>), leaving <paramref name="workloadFile"/> of <paramref name="size"/> bytes.</summary>
    /// <param name="process">The program's process.</param>
    /// <param name="volume">The volume's name.</param>
    /// <param name="workloadFile">The file to leave, from the root (<c>\data\workload.bin</c>).</param>
    /// <param name="size">Its size.</param>
    /// <returns>"fsinit.exe: ok, ..." or "fsinit.exe: failed at STEP: ERROR".</returns>
    public static async ValueTask<string> Run(UserProcess process, string volume, string workloadFile, long size)
    {
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(workloadFile);
        var dir = volume + @"\fsinit";
        var first = Pattern(70_000, 1);
        var second = Pattern(9_000, 2);
        string Failed(string step) => $"fsinit.exe: failed at {step}: {GetLastError()} ({GetLastNtStatus().ToDisplayString()})";
        if (!await CreateDirectory(dir))
        {
            return Failed("CreateDirectory " + dir);
        }
        if (!await WriteAll(process, dir + @"\first.bin", first) || !await WriteAll(process, dir + @"\second.bin", second))
        {
            return Failed("CreateFile/WriteFile");
        }
        if (await ReadAll(process, dir + @"\first.bin", first.Length) is not { } back || !back.AsSpan().SequenceEqual(first))
        {
            return "fsinit.exe: failed at reading first.bin back: the data differs";
        }
        var listed = await List(dir + @"\*");
        if (!listed.SequenceEqual(["first.bin", "second.bin"]))
        {
            return "fsinit.exe: failed at listing: " + string.Join(",", listed);
        }
        if (!await MoveFileEx(dir + @"\second.bin", dir + @"\renamed.bin", MoveFileFlags.None))
        {
            return Failed("MoveFileEx");
        }
        if (await ReadAll(process, dir + @"\second.bin", 1) is not null || await ReadAll(process, dir + @"\renamed.bin", second.Length) is not { } moved
            || !moved.AsSpan().SequenceEqual(second))
        {
            return "fsinit.exe: failed at the rename: the old name still opens or the new one holds other data";
        }
        if (!await DeleteFile(dir + @"\first.bin"))
        {
            return Failed("DeleteFile");
        }
        listed = await List(dir + @"\*");
        if (!listed.SequenceEqual(["renamed.bin"]))
        {
            return "fsinit.exe: failed at listing after the delete: " + string.Join(",", listed);
        }
        var made = await MakeWorkloadFile(process, volume, workloadFile, size);
        return made ?? string.Create(CultureInfo.InvariantCulture,
            $"{Succeeded}, {first.Length + second.Length} bytes written and read back, listed, renamed, deleted; {workloadFile} {size} bytes");
    }

    /// <summary>The workload's file: its directories, then the file written in full in 64 KiB pieces, flushed.</summary>
    private static async ValueTask<string?> MakeWorkloadFile(UserProcess process, string volume, string workloadFile, long size)
    {
        var parts = workloadFile.Split('\\', StringSplitOptions.RemoveEmptyEntries);
        var path = volume;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            path += "\\" + parts[i];
            if (!await CreateDirectory(path) && GetLastError() != Win32Error.AlreadyExists)
            {
                return $"fsinit.exe: failed at CreateDirectory {path}: {GetLastError()}";
            }
        }
        var file = await CreateFile(volume + workloadFile, GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.CreateAlways, FileFlagsAndAttributes.Normal);
        if (!file.IsValid)
        {
            return $"fsinit.exe: failed at CreateFile {workloadFile}: {GetLastError()}";
        }
        const int Piece = 65536;
        var buffer = process.VirtualAlloc(Piece);
        for (long offset = 0; offset < size; offset += Piece)
        {
            var wrote = await WriteFile(file, buffer, (uint)Math.Min(Piece, size - offset), new Overlapped { Offset = offset });
            if (!wrote.Succeeded)
            {
                await CloseHandle(file);
                return $"fsinit.exe: failed at WriteFile {workloadFile} at {offset}: {wrote.Error}";
            }
        }
        var flushed = await FlushFileBuffers(file);
        await CloseHandle(file);
        return flushed ? null : $"fsinit.exe: failed at FlushFileBuffers: {GetLastError()}";
    }

    private static byte[] Pattern(int length, int seed) => [.. Enumerable.Range(0, length).Select(i => (byte)((i * 13) + seed + (i >> 10)))];

    private static async ValueTask<bool> WriteAll(UserProcess process, string name, byte[] data)
    {
        var file = await CreateFile(name, GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.CreateNew, FileFlagsAndAttributes.Normal);
        if (!file.IsValid)
        {
            return false;
        }
        var buffer = process.VirtualAlloc((ulong)data.Length);
        process.WriteMemory(buffer, data);
        var wrote = await WriteFile(file, buffer, (uint)data.Length);
        await CloseHandle(file);
        return wrote.Succeeded && wrote.BytesTransferred == data.Length;
    }

    private static async ValueTask<byte[]?> ReadAll(UserProcess process, string name, int length)
    {
        var file = await CreateFile(name, GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
        if (!file.IsValid)
        {
            return null;
        }
        var buffer = process.VirtualAlloc((ulong)length);
        var read = await ReadFile(file, buffer, (uint)length);
        await CloseHandle(file);
        var data = new byte[read.BytesTransferred];
        process.ReadMemory(buffer, data);
        return read.Succeeded ? data : null;
    }

    private static async ValueTask<List<string>> List(string pattern)
    {
        var names = new List<string>();
        var (find, data) = await FindFirstFile(pattern);
        while (find.IsValid && data is not null)
        {
            names.Add(data.FileName);
            (var more, data) = await FindNextFile(find);
            if (!more)
            {
                break;
            }
        }
        if (find.IsValid)
        {
            await FindClose(find);
        }
        return names;
    }
}
