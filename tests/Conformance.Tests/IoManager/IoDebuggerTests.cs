using ActorKernel.Actors;
using ActorKernel.Drivers.Bus;
using ActorKernel.Drivers.Filter;
using ActorKernel.Drivers.RamDisk;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Conformance.Tests.IoManager;

[Trait("Area", "IoManager")]
public sealed class IoDebuggerTests
{
    [Fact]
    public void DevStack_lists_the_stack_top_first_and_marks_the_device_asked_about()
    {
        using var bed = new IoTestBed();
        var bus = bed.LoadDriver(RootBus.ServiceName, RootBus.ImageName, RootBus.DriverEntry);
        var pdo = RootBus.CreatePdo(bus, "Pdo0");
        var ramdisk = bed.LoadDriver(RamDisk.ServiceName, RamDisk.ImageName, RamDisk.DriverEntry);
        var filter = bed.LoadDriver(CountingFilter.ServiceName, CountingFilter.ImageName, CountingFilter.DriverEntry);
        IoTestBed.Run(ramdisk.DriverExtension.AddDevice!(ramdisk, pdo));
        IoTestBed.Run(filter.DriverExtension.AddDevice!(filter, pdo));

        var lines = IoDebugger.DevStack(ramdisk.DeviceObjects[0]).Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(4, lines.Length);
        Assert.Contains("\\Driver\\CntFilt", lines[1], StringComparison.Ordinal);
        Assert.StartsWith(">", lines[2], StringComparison.Ordinal);
        Assert.Contains("\\Device\\RamDisk0", lines[2], StringComparison.Ordinal);
        Assert.Contains("StackSize 2", lines[2], StringComparison.Ordinal);
        Assert.Contains("\\Device\\Pdo0", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public void DrvObj_shows_the_dispatch_table_with_unset_entries_as_IopInvalidDeviceRequest()
    {
        using var bed = new IoTestBed();
        var ramdisk = bed.LoadDriver(RamDisk.ServiceName, RamDisk.ImageName, RamDisk.DriverEntry);

        var text = IoDebugger.DrvObj(ramdisk);
        var lines = text.Split(Environment.NewLine);

        var read = Assert.Single(lines, l => l.StartsWith("[03]", StringComparison.Ordinal));
        Assert.Equal(["[03]", "IRP_MJ_READ", "ramdisk.sys!RamDiskReadWrite"], read.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var flush = Assert.Single(lines, l => l.StartsWith("[09]", StringComparison.Ordinal));
        Assert.Equal(["[09]", "IRP_MJ_FLUSH_BUFFERS", "nt!IopInvalidDeviceRequest"], flush.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(DriverObject.MajorFunctionCount, lines.Count(l => l.StartsWith('[')));
        Assert.Contains("AddDevice  RamDiskAddDevice", text, StringComparison.Ordinal);
    }
}
