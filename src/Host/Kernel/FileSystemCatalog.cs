using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace ActorKernel.Host;

/// <summary>
/// The storage stack with a file system (issue 19, docs/stacks-storage.md): a <c>striped-volume</c>
/// the root enumerator reports (<c>Root\STRIPE\0000</c>), driven by stripe.sys over the first
/// partitions of the block disks it names, and, when its <c>fileSystem</c> is <c>akfs</c>, the akfs.sys
/// file system (a system-start service, which registers with IoRegisterFileSystem and mounts the
/// volume at the first open of a path on it). At boot format.exe lays akfs down through the raw
/// volume and fsinit.exe runs the file workload (create, write, read back, list, rename, delete) and
/// leaves the file the scenario's workloads open (<c>file</c>, <c>fileSize</c> bytes).
/// </summary>
public static class FileSystemCatalog
{
    /// <summary>The striped volume: a root-enumerated device with no hardware below.</summary>
    public const string StripedVolumeType = "striped-volume";

    /// <summary>The striped volume's function driver (stripe.sys).</summary>
    public const string StripeDriver = "stripe";

    /// <summary>The file system a volume may carry.</summary>
    public const string AkfsFileSystem = "akfs";

    /// <summary>Device parameter: the block disks whose first partitions the volume stripes, comma-separated, in stripe order.</summary>
    public const string MembersParameter = "members";

    /// <summary>Device parameter: bytes per stripe unit.</summary>
    public const string StripeSizeParameter = "stripeSize";

    /// <summary>Device parameter: the file system (<c>akfs</c>, or empty for a raw volume).</summary>
    public const string FileSystemParameter = "fileSystem";

    /// <summary>Device parameter: format.exe formats the volume at boot.</summary>
    public const string FormatParameter = "format";

    /// <summary>Device parameter: the file the workloads open (a path from the volume's root).</summary>
    public const string FileParameter = "file";

    /// <summary>Device parameter: that file's size (fsinit.exe writes it in full).</summary>
    public const string FileSizeParameter = "fileSize";

    /// <summary>Device parameter (akfs's service Parameters): FastIo.</summary>
    public const string FastIoParameter = "fastIo";

    /// <summary>Device parameter (akfs's service Parameters): Cached.</summary>
    public const string CachedParameter = "cached";

    /// <summary>The default stripe unit (64 KiB, NT's for striped volumes).</summary>
    public const int DefaultStripeSize = 65536;

    /// <summary>Registers the striped-volume type and stripe.sys.</summary>
    public static IServiceCollection AddFileSystemStack(this IServiceCollection services)
    {
        services.AddDeviceType(new DeviceTypeDescriptor(StripedVolumeType,
            "a striped volume (RAID-0) the root enumerator reports, over the first partition of each block disk it names (each a block-disk with partition: true); optionally formatted with akfs at boot, whose workloads open a file on it (irq is recorded, not wired)", 0, 23,
            [
                new ParameterDescriptor(MembersParameter, ParameterKind.String, "the block disks it stripes, comma-separated, in stripe order (two or more)", ""),
                new ParameterDescriptor(StripeSizeParameter, ParameterKind.Integer, "bytes per stripe unit (whole sectors)", "65536", 512, 16_777_216),
                new ParameterDescriptor(FileSystemParameter, ParameterKind.String, "the file system: akfs (akfs.sys, loaded as a system-start file system) or empty for a raw volume", ""),
                new ParameterDescriptor(FormatParameter, ParameterKind.Boolean, "format.exe lays the file system down at boot (cluster = stripe unit)", "true"),
                new ParameterDescriptor(FileParameter, ParameterKind.String, "the file the volume's workloads open, from the root (\\data\\workload.bin)", "\\data\\workload.bin"),
                new ParameterDescriptor(FileSizeParameter, ParameterKind.Integer, "that file's size in bytes: fsinit.exe writes it in full (zeros) before the workloads start", "1048576", 4096, 1L << 36),
                new ParameterDescriptor(FastIoParameter, ParameterKind.Boolean, "akfs offers its FAST_IO_DISPATCH (cached reads and writes without an IRP)", "true"),
                new ParameterDescriptor(CachedParameter, ParameterKind.Boolean, "akfs caches files (off: every transfer goes to the volume, whole sectors only)", "true"),
            ]));
        services.AddDriver(new DriverDescriptor(StripeDriver,
            "stripe.sys: a striped volume over partitions, \\Device\\StripeVolumeN; reads and writes split into associated IRPs per stripe unit (with fileSystem akfs, the workloads open a file through akfs.sys)", [StripedVolumeType]));
        return services;
    }

    /// <summary>The members of a striped volume as disk.sys names their first partitions (<c>\Device\HarddiskN\Partition1</c>): N is the block disk's place among the scenario's block disks.</summary>
    internal static IReadOnlyList<string> MemberPartitions(Scenario scenario, DeviceSpec volume)
    {
        var disks = scenario.Devices.Where(d => d.Type == HardwareCatalog.BlockDiskType).Select(d => d.Name).ToList();
        return [.. (volume.Parameter(MembersParameter)?.Text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(m => string.Create(CultureInfo.InvariantCulture, $"\\Device\\Harddisk{disks.IndexOf(m)}\\Partition1"))];
    }

    /// <summary>Whether a volume carries akfs.</summary>
    internal static bool HasAkfs(DeviceSpec device) =>
        device.Type == StripedVolumeType && string.Equals(device.Parameter(FileSystemParameter)?.Text, AkfsFileSystem, StringComparison.OrdinalIgnoreCase);
}
