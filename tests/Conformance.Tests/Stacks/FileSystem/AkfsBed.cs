using ActorKernel.Actors;
using ActorKernel.Drivers.FileSystem;
using ActorKernel.Drivers.FileSystem.Format;
using ActorKernel.Runtime;

namespace ActorKernel.Conformance.Tests.Stacks.FileSystem;

/// <summary>
/// The storage stack of <see cref="StorageStackBed"/> (two disks, the striped volume) with akfs.sys
/// loaded as a system-start file system, the volume formatted by format.exe from user mode; and the
/// native calls (NtCreateFile, NtReadFile...) a test's user thread makes on files of the volume.
/// </summary>
internal sealed class AkfsBed : IDisposable
{
    /// <summary>The volume as a program names it.</summary>
    public const string Volume = @"\??\StripeVolume0";

    public AkfsBed(AkfsOptions? options = null, int processors = 1, DispatcherKind dispatcher = DispatcherKind.Deterministic, bool format = true)
    {
        Storage = new StorageStackBed(disks: 2, stripe: true, processors: processors, dispatcher: dispatcher, fileSystem: options ?? new AkfsOptions());
        if (format)
        {
            var formatted = Win32Error.GenFailure;
            RunUser(async process => formatted = await AkfsFormat.FormatVolume(process, @"\\.\StripeVolume0", StorageStackBed.StripeSize, "AKFS", 0x1919_0001));
            Assert.Equal(Win32Error.Success, formatted);
        }
    }

    public StorageStackBed Storage { get; }

    public Machine Machine => Storage.Machine;

    public Actors.IoManager Io => Storage.Pnp.Io;

    /// <summary>akfs.sys's driver object.</summary>
    public DriverObject Driver => Io.Drivers.Single(d => d.ServiceName == Akfs.ServiceName);

    /// <summary>akfs's global data (its CDO's extension).</summary>
    public AkfsData Data => Driver.DeviceObjects.Select(d => d.DeviceExtension).OfType<AkfsData>().Single();

    /// <summary>The mounted volume's VCB.</summary>
    public AkfsVcb Vcb => Data.Vcbs.Single();

    /// <summary>The striped volume's FDO.</summary>
    public DeviceObject VolumeDevice => Storage.Pnp.Node(@"Root\AkStripe\0000").PhysicalDeviceObject.AttachedDevice!;

    public void RunUser(Func<UserProcess, ValueTask> body) => Storage.RunUser(body);

    /// <summary>NtCreateFile of <paramref name="path"/> on the volume from a user thread.</summary>
    public static async ValueTask<(NtStatus Status, FileObject? File, ulong Information)> Open(UserProcess process, string path, CreateDisposition disposition,
        FileCreateOptions options = FileCreateOptions.SynchronousIoNonalert, FileAccessMask access = FileAccessMask.GenericRead | FileAccessMask.GenericWrite | FileAccessMask.Delete,
        FileShareMode share = FileShareMode.Read | FileShareMode.Write | FileShareMode.Delete)
    {
        var iosb = new IoStatusBlock();
        var (status, file) = await Wdm.NtCreateFile(process.Io, Volume + path, null, KProcessorMode.UserMode, access, iosb, FileAttribute.Normal, share, disposition, options);
        return (status, file, iosb.Information);
    }

    /// <summary>NtWriteFile of <paramref name="data"/> at <paramref name="offset"/> from the process's memory.</summary>
    public static async ValueTask<(NtStatus Status, ulong Information)> Write(UserProcess process, FileObject file, long offset, byte[] data)
    {
        var va = process.VirtualAlloc((ulong)Math.Max(data.Length, 1));
        process.WriteMemory(va, data);
        var iosb = new IoStatusBlock();
        var status = await Wdm.NtWriteFile(file, iosb, new UserBuffer(process.AddressSpace, va, data.Length), (uint)data.Length, offset);
        return (status, iosb.Information);
    }

    /// <summary>NtReadFile of <paramref name="length"/> bytes at <paramref name="offset"/> into the process's memory; the bytes read.</summary>
    public static async ValueTask<(NtStatus Status, byte[] Data)> Read(UserProcess process, FileObject file, long offset, int length)
    {
        var va = process.VirtualAlloc((ulong)Math.Max(length, 1));
        var iosb = new IoStatusBlock();
        var status = await Wdm.NtReadFile(file, iosb, new UserBuffer(process.AddressSpace, va, length), (uint)length, offset);
        var data = new byte[status.IsSuccess() ? (int)iosb.Information : 0];
        process.ReadMemory(va, data);
        return (status, data);
    }

    /// <summary>A query of <paramref name="infoClass"/> into the process's memory; the structure's bytes.</summary>
    public static async ValueTask<(NtStatus Status, byte[] Data)> Query(UserProcess process, FileObject file, FileInformationClass infoClass, int length = 512)
    {
        var va = process.VirtualAlloc((ulong)length);
        var iosb = new IoStatusBlock();
        var status = await Wdm.NtQueryInformationFile(file, iosb, new UserBuffer(process.AddressSpace, va, length), (uint)length, infoClass);
        var data = new byte[status.IsError() ? 0 : (int)iosb.Information];
        process.ReadMemory(va, data);
        return (status, data);
    }

    /// <summary>A set of <paramref name="infoClass"/> from <paramref name="structure"/> in the process's memory.</summary>
    public static async ValueTask<NtStatus> Set(UserProcess process, FileObject file, FileInformationClass infoClass, byte[] structure)
    {
        var va = process.VirtualAlloc((ulong)structure.Length);
        process.WriteMemory(va, structure);
        return await Wdm.NtSetInformationFile(file, new IoStatusBlock(), new UserBuffer(process.AddressSpace, va, structure.Length), (uint)structure.Length, infoClass);
    }

    /// <summary>Every entry of a directory matching <paramref name="pattern"/>, by NtQueryDirectoryFile calls until STATUS_NO_MORE_FILES; the first failure status otherwise.</summary>
    public static async ValueTask<(NtStatus Status, List<FileDirectoryEntry> Entries)> List(UserProcess process, FileObject directory, string? pattern, int bufferLength = 4096)
    {
        var va = process.VirtualAlloc((ulong)bufferLength);
        var entries = new List<FileDirectoryEntry>();
        for (var first = true; ; first = false)
        {
            var iosb = new IoStatusBlock();
            var status = await Wdm.NtQueryDirectoryFile(directory, iosb, new UserBuffer(process.AddressSpace, va, bufferLength), (uint)bufferLength,
                FileInformationClass.FileDirectoryInformation, false, first ? pattern : null, first);
            if (status == NtStatus.NoMoreFiles)
            {
                return (NtStatus.Success, entries);
            }
            if (status.IsError())
            {
                return (status, entries);
            }
            var bytes = new byte[iosb.Information];
            process.ReadMemory(va, bytes);
            entries.AddRange(FileDirectoryEntry.Unpack(bytes, FileInformationClass.FileDirectoryInformation));
        }
    }

    /// <summary>A pattern of <paramref name="length"/> bytes that differs with <paramref name="seed"/>.</summary>
    public static byte[] Pattern(int length, int seed) => [.. Enumerable.Range(0, length).Select(i => (byte)((i * 7) + seed + (i >> 9)))];

    public void Dispose() => Storage.Dispose();
}
