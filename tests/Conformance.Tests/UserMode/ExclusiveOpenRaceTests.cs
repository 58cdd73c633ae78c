using ActorKernel.Actors;
using static ActorKernel.Actors.Kernel32;

namespace ActorKernel.Conformance.Tests.UserMode;

/// <summary>An exclusive device (DO_EXCLUSIVE) is checked and counted in one step before IRP_MJ_CREATE, so racing opens cannot both get in.</summary>
[Trait("Area", "UserMode")]
public sealed class ExclusiveOpenRaceTests
{
    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    [InlineData(7UL)]
    [InlineData(11UL)]
    [InlineData(42UL)]
    public void Two_opens_of_an_exclusive_device_on_two_processors_exactly_one_succeeds_the_other_gets_ERROR_ACCESS_DENIED(ulong seed)
    {
        using var bed = new UserModeBed(processors: 2, seed: seed);
        var device = bed.CreateSimpleDevice("Excl", exclusive: true);
        var results = new (Handle Handle, Win32Error Error, NtStatus Status)[2];
        for (var i = 0; i < 2; i++)
        {
            var index = i;
            bed.Process.CreateThread(i, "opener" + i, async () =>
            {
                var handle = await CreateFile("\\\\.\\Excl", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
                results[index] = (handle, GetLastError(), GetLastNtStatus());
            });
        }
        bed.RunUntilIdle();

        var opened = results.Where(r => r.Handle != Handle.Invalid).ToList();
        var refused = Assert.Single(results, r => r.Handle == Handle.Invalid);
        Assert.Single(opened);
        Assert.Equal((Win32Error.AccessDenied, NtStatus.AccessDenied), (refused.Error, refused.Status));
        Assert.Equal(1, device.OpenCount);
    }

    [Fact]
    public void A_failed_create_of_an_exclusive_device_gives_its_open_count_back_so_the_next_open_succeeds()
    {
        using var bed = new UserModeBed();
        var device = bed.CreateSimpleDevice("Excl", exclusive: true);
        var failCreate = true;
        var inner = device.DriverObject.MajorFunction[(int)IrpMajorFunction.Create]!;
        device.DriverObject.MajorFunction[(int)IrpMajorFunction.Create] = async (dev, irp) =>
        {
            if (!failCreate)
            {
                return await inner(dev, irp);
            }
            irp.IoStatus.Status = NtStatus.InsufficientResources;
            await Wdm.IoCompleteRequest(irp, PriorityBoost.IoNoIncrement);
            return NtStatus.InsufficientResources;
        };
        Handle first = default, second = default;
        Win32Error firstError = Win32Error.Success;
        bed.Run(async () =>
        {
            first = await CreateFile("\\\\.\\Excl", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
            firstError = GetLastError();
            failCreate = false;
            second = await CreateFile("\\\\.\\Excl", GenericAccess.GenericRead, FileShareMode.Read, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
        });

        Assert.Equal(Handle.Invalid, first);
        Assert.Equal(StatusMapping.RtlNtStatusToDosError(NtStatus.InsufficientResources), firstError);
        Assert.NotEqual(Handle.Invalid, second);
        Assert.Equal(1, device.OpenCount);
    }
}
