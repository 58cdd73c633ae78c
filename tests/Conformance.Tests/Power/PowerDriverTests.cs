using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.Pnp;
using ActorKernel.Drivers.Network;
using ActorKernel.Drivers.RamDisk;
using ActorKernel.Drivers.Serial;
using ActorKernel.Hardware;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Power;

/// <summary>The sample drivers across S3: each saves its device before D3 and restores it after D0 (issue 15, acceptance item 3).</summary>
[Trait("Area", "Pnp")]
public sealed class PowerDriverTests
{
    [Fact]
    public void Serial_saves_the_uart_before_D3_turning_its_interrupt_off_and_restores_divisor_and_ier_after_D0()
    {
        Uart16550? uart = null;
        using var bed = new PowerBed(extraRegistry: @"*PNP0501\0000 = com1", images: pnp => uart = pnp.PlaceUart("com1", 0x3F8, PnpBed.Com1Line));
        var done = bed.UserThread("baud", async (com, buffer) =>
        {
            bed.Process.WriteMemory(buffer, BitConverter.GetBytes(19_200u));
            Assert.True((await DeviceIoControl(com, SerialCodes.SetBaudRate, buffer, 4, 0, 0)).Succeeded);
        }, @"\\.\COM1");
        bed.Pnp.RunUntil(done);
        const int ier = 1, lcr = 3, mcr = 4;

        bed.SetSystemState(SystemPowerState.PowerSystemSleeping3);
        Assert.Equal(0u, uart!.Read(ier, AccessWidth.Byte));
        Assert.Equal(0u, uart.Read(mcr, AccessWidth.Byte));
        var fdo = bed.Pnp.Node(@"Root\*PNP0501\0000").PhysicalDeviceObject.AttachedDevice!;
        Assert.Equal(DevicePowerState.PowerDeviceD3, fdo.GetExtension<SerialExtension>().PowerState);

        bed.SetSystemState(SystemPowerState.PowerSystemWorking);
        Assert.Equal(0x05u, uart.Read(ier, AccessWidth.Byte)); // RX data and line status again
        Assert.Equal(0x0Bu, uart.Read(mcr, AccessWidth.Byte)); // DTR, RTS, OUT2
        uart.Write(lcr, AccessWidth.Byte, 0x83);
        var divisor = uart.Read(0, AccessWidth.Byte) | (uart.Read(1, AccessWidth.Byte) << 8);
        uart.Write(lcr, AccessWidth.Byte, 0x03);
        Assert.Equal(6u, divisor); // 115200 / 19200
        Assert.Equal(DevicePowerState.PowerDeviceD0, bed.Power.GetDevicePowerState(fdo));
    }

    [Fact]
    public void Aknic_masks_and_stops_the_adapter_before_D3_and_runs_it_again_after_D0()
    {
        using var bed = new PowerBed(nic: true);
        const int ctrl = 0x00, ims = 0x14;
        var fdo = bed.Pnp.Node(@"PCI\VEN_8086&DEV_100E&SUBSYS_00000000&REV_00\08").PhysicalDeviceObject.AttachedDevice!;

        bed.SetSystemState(SystemPowerState.PowerSystemSleeping3);
        Assert.Equal(0u, bed.Nic!.Read(ctrl, AccessWidth.Dword));
        Assert.Equal(0u, bed.Nic.Read(ims, AccessWidth.Dword));
        Assert.Equal(DevicePowerState.PowerDeviceD3, fdo.GetExtension<NicExtension>().PowerState);

        bed.SetSystemState(SystemPowerState.PowerSystemWorking);
        Assert.Equal(0x6u, bed.Nic.Read(ctrl, AccessWidth.Dword) & 0x6);
        Assert.NotEqual(0u, bed.Nic.Read(ims, AccessWidth.Dword));
        Assert.Equal(DevicePowerState.PowerDeviceD0, fdo.GetExtension<NicExtension>().PowerState);
    }

    [Fact]
    public void The_ram_disk_holds_a_read_that_arrives_during_S3_and_completes_it_after_S0_with_the_data()
    {
        using var bed = new PowerBed(extraRegistry: """
            [Services]
            RamDisk = ramdisk.sys
            [Drivers]
            *AKRAMDISK = RamDisk, DiskDrive
            [Root]
            *AKRAMDISK\0000 =
            """, images: pnp => pnp.AddImage(RamDisk.ImageName, RamDisk.DriverEntry));
        var data = PowerBed.Pattern(512, 5);
        var wrote = bed.UserThread("write", async (disk, buffer) =>
        {
            bed.Process.WriteMemory(buffer, data);
            Assert.True((await WriteFile(disk, buffer, 512, new Overlapped { Offset = 512 })).Succeeded);
        }, @"\\.\RamDisk0");
        bed.Pnp.RunUntil(wrote);
        bed.SetSystemState(SystemPowerState.PowerSystemSleeping3);
        var extension = bed.Pnp.Node(@"Root\*AKRAMDISK\0000").PhysicalDeviceObject.AttachedDevice!.GetExtension<RamDiskExtension>();
        Assert.Equal(DevicePowerState.PowerDeviceD3, extension.PowerState);

        var back = new byte[512];
        var read = bed.UserThread("read", async (disk, buffer) =>
        {
            Assert.True((await ReadFile(disk, buffer, 512, new Overlapped { Offset = 512 })).Succeeded);
            bed.Process.ReadMemory(buffer, back);
        }, @"\\.\RamDisk0");
        bed.Machine.RunFor(TimeSpan.FromMilliseconds(100));
        Assert.False(read(), "the read waits for the system's S0");
        Assert.Equal(1, extension.HeldRequests);

        bed.SetSystemState(SystemPowerState.PowerSystemWorking);
        bed.Pnp.RunUntil(read);
        Assert.Equal(data, back);
    }
}
