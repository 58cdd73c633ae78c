using ActorKernel.Actors;
using static ActorKernel.Actors.Kernel32;
using Overlapped = ActorKernel.Actors.Overlapped;

namespace ActorKernel.Conformance.Tests.Power;

/// <summary>Device power: idle detection and the power policy owner (issue 15, acceptance item 3).</summary>
[Trait("Area", "Pnp")]
public sealed class PowerDeviceTests
{
    [Fact]
    public void A_disk_idle_for_its_idle_time_goes_to_D3_and_the_next_request_powers_it_up_first()
    {
        using var bed = new PowerBed();
        bed.Adapter.PowerIdleTime = 3;
        var data = PowerBed.Pattern(2048, 3);
        bed.WriteSectors(4096, data); // the first request registers the disk for idle detection

        bed.Pnp.RunUntil(() => bed.Disk.PoweredOff);
        Assert.Equal(DevicePowerState.PowerDeviceD3, bed.Power.GetDevicePowerState(bed.Adapter.Fdo!));
        Assert.Contains(bed.Power.Log, e => e.Device == PowerBed.DiskPath && e.What == "idle for 3 s: requesting D3");
        Assert.Equal(0, bed.Disk.DirtySectors); // flushed before the power went

        var back = new byte[2048];
        var done = bed.UserThread("reader", async (disk, buffer) =>
        {
            Assert.True((await ReadFile(disk, buffer, 2048, new Overlapped { Offset = 4096 })).Succeeded);
            bed.Process.ReadMemory(buffer, back);
        });
        bed.Pnp.RunUntil(done);

        Assert.Equal(data, back);
        Assert.False(bed.Disk.PoweredOff);
        Assert.Equal(DevicePowerState.PowerDeviceD0, bed.Adapter.DevicePower);
        Assert.Equal(1, bed.Adapter.PowerUps);
    }

    [Fact]
    public void A_busy_disk_does_not_idle_PoSetDeviceBusy_restarts_the_count()
    {
        using var bed = new PowerBed();
        bed.Adapter.PowerIdleTime = 3;
        var stop = false;
        var done = bed.UserThread("busy", async (disk, buffer) =>
        {
            while (!Volatile.Read(ref stop))
            {
                Assert.True((await ReadFile(disk, buffer, 512, new Overlapped { Offset = 0 })).Succeeded);
                await Sleep(500);
            }
        });
        bed.Machine.RunFor(TimeSpan.FromSeconds(6));
        Assert.False(bed.Disk.PoweredOff, "a request every 0.5 s keeps the 3 s idle counter below its limit");
        Volatile.Write(ref stop, true);
        bed.Pnp.RunUntil(done);
    }
}
