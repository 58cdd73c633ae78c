using ActorKernel.Actors;
using ActorKernel.Conformance.Tests.Pnp;
using ActorKernel.Drivers.Toaster;
using ActorKernel.Runtime;
using static ActorKernel.Actors.Kernel32;

namespace ActorKernel.Conformance.Tests.Stacks.Toaster;

/// <summary>
/// A machine whose PnP manager builds the toaster family from the registry: busenum.sys on the
/// root-enumerated <c>Root\busenum\0000</c>; toaster.sys for the MsToaster hardware ID with a device
/// upper and lower filter (the device key) and a class upper and lower filter (the TOASTER class key),
/// all four the same filter source under four images. A user process (enum.exe) opens the bus.
/// </summary>
internal sealed class ToasterBed : IDisposable
{
    public const string BusInstance = @"Root\busenum\0000";

    public const string Registry = """
        [Services]
        BusEnum  = busenum.sys
        Toaster  = toaster.sys
        DevUpper = devupper.sys
        DevLower = devlower.sys
        ClsUpper = clsupper.sys
        ClsLower = clslower.sys

        [Drivers]
        busenum = BusEnum, System
        {B85B7C50-6A01-11d2-B841-00C04FAD5171}\MsToaster = Toaster, TOASTER

        ; the toaster's device key (by hardware ID): the device filters
        [Device {B85B7C50-6A01-11d2-B841-00C04FAD5171}\MsToaster]
        UpperFilters = DevUpper
        LowerFilters = DevLower

        ; Control\Class\{B85B7C50-...} (TOASTER): the class filters
        [Class TOASTER]
        UpperFilters = ClsUpper
        LowerFilters = ClsLower

        [Root]
        busenum\0000 =
        """;

    public ToasterBed(string registry = Registry, DispatcherKind dispatcher = DispatcherKind.Deterministic, int processors = 1)
    {
        Pnp = new PnpBed(processors, dispatcher);
        Pnp.AddImage(BusEnum.ImageName, BusEnum.DriverEntry);
        Pnp.AddImage(Drivers.Toaster.Toaster.ImageName, Drivers.Toaster.Toaster.DriverEntry);
        Pnp.AddImage(ToasterFilter.DevUpperImage, ToasterFilter.DriverEntry);
        Pnp.AddImage(ToasterFilter.DevLowerImage, ToasterFilter.DriverEntry);
        Pnp.AddImage(ToasterFilter.ClsUpperImage, ToasterFilter.DriverEntry);
        Pnp.AddImage(ToasterFilter.ClsLowerImage, ToasterFilter.DriverEntry);
        Pnp.Enumerate(registry);
        Process = UserProcess.Create(Pnp.Machine, Pnp.Io, "enum.exe");
    }

    public PnpBed Pnp { get; }

    public UserProcess Process { get; }

    public DeviceNode Bus => Pnp.Node(BusInstance);

    public BusEnumFdoExtension BusExtension => Bus.PhysicalDeviceObject.AttachedDevice!.GetExtension<BusEnumFdoExtension>();

    /// <summary>The instance path of the toaster with <paramref name="serialNo"/>.</summary>
    public static string ToasterInstance(uint serialNo) => $@"{ToasterCodes.BusHardwareId}\{serialNo:D2}";

    /// <summary>Runs <paramref name="main"/> as a thread of enum.exe until it returns and the PnP manager is idle again.</summary>
    public void Run(Func<ValueTask> main)
    {
        var done = 0;
        Process.CreateThread(0, "main", async () =>
        {
            await main();
            Volatile.Write(ref done, 1);
        });
        Pnp.RunUntil(() => Volatile.Read(ref done) == 1 && Pnp.Pnp.IsIdle);
    }

    /// <summary>Sends one control request with <paramref name="input"/> to an open handle (METHOD_BUFFERED, no output).</summary>
    public async ValueTask<IoResult> Control(Handle handle, IoControlCode code, byte[] input)
    {
        var buffer = Process.VirtualAlloc(4096);
        Process.WriteMemory(buffer, input);
        return await DeviceIoControl(handle, code, buffer, (uint)input.Length, 0, 0);
    }

    /// <summary>Opens the bus and plugs in a toaster per serial number with the sample's hardware ID.</summary>
    public async ValueTask<IoResult[]> PlugIn(params uint[] serialNumbers)
    {
        var bus = await CreateFile(@"\\.\BusEnum0", GenericAccess.GenericRead | GenericAccess.GenericWrite, 0, CreationDisposition.OpenExisting, FileFlagsAndAttributes.Normal);
        Assert.True(bus.IsValid, "the bus FDO opens");
        var results = new List<IoResult>();
        foreach (var serialNo in serialNumbers)
        {
            results.Add(await Control(bus, ToasterCodes.IoctlBusEnumPluginHardware, ToasterCodes.PluginHardware(serialNo, ToasterCodes.BusHardwareId)));
        }
        await CloseHandle(bus);
        return [.. results];
    }

    /// <summary>The device objects of a node's stack, bottom (the PDO) first.</summary>
    public static List<DeviceObject> StackOf(DeviceNode node)
    {
        var stack = new List<DeviceObject>();
        for (var device = node.PhysicalDeviceObject; device is not null; device = device.AttachedDevice)
        {
            stack.Add(device);
        }
        return stack;
    }

    public void Dispose() => Pnp.Dispose();
}
