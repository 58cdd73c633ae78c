using System.Text.RegularExpressions;
using ActorKernel.Actors;

namespace ActorKernel.Host.Debugger;

/// <summary>
/// Captures a stopped live machine into a <see cref="KdMachine"/>. After a bugcheck the processors
/// are the ones the machine's crash dump recorded at KeBugCheckEx (their stacks unwind afterwards);
/// otherwise they are read now. Everything is listed in a deterministic order (load order, creation
/// order, IRP address).
/// </summary>
internal static partial class KdCapture
{
    // Simulated image bases: the kernel at nt's usual base, each driver image 64 KiB after the last.
    private const ulong KernelBase = 0xfffff80000000000;
    private const ulong KernelSize = 0x00800000;
    private const ulong DriverBase = 0xfffff80100000000;
    private const ulong DriverSize = 0x00010000;

    /// <summary>Captures <paramref name="machine"/> and the I/O managers attached to it.</summary>
    /// <param name="machine">The machine (stopped: bugchecked, or idle on the deterministic dispatcher).</param>
    /// <param name="ioManagers">Its I/O managers.</param>
    /// <returns>The model.</returns>
    public static KdMachine Capture(Machine machine, IEnumerable<IoManager> ioManagers)
    {
        ArgumentNullException.ThrowIfNull(machine);
        ArgumentNullException.ThrowIfNull(ioManagers);
        var dump = machine.CrashDump;
        var drivers = new List<KdDriver>();
        var devices = new List<KdDevice>();
        var irps = new SortedDictionary<ulong, KdIrp>();
        var modules = new List<KdModule> { new("ntoskrnl.exe", KernelBase, KernelBase + KernelSize, false) };
        foreach (var io in ioManagers)
        {
            foreach (var driver in io.Drivers)
            {
                if (!modules.Any(m => m.Name == driver.ImageName))
                {
                    var start = DriverBase + (ulong)(modules.Count - 1) * DriverSize;
                    modules.Add(new KdModule(driver.ImageName, start, start + DriverSize, driver.Unloaded));
                }
                drivers.Add(Driver(driver));
                devices.AddRange(driver.DeviceObjects.Select(Device));
            }
            foreach (var irp in io.KdOutstandingIrps())
            {
                irps[irp.Address] = Irp(irp);
            }
        }
        foreach (var driver in ioManagers.SelectMany(io => io.Drivers))
        {
            foreach (var device in driver.DeviceObjects)
            {
                if (device.CurrentIrp is { } current && !irps.ContainsKey(current.Address))
                {
                    irps[current.Address] = Irp(current);
                }
            }
        }
        return new KdMachine
        {
            Dispatcher = machine.System.Dispatcher.Kind.ToString(),
            Seed = machine.Options.Seed,
            TimeNs = dump?.TimeNs ?? machine.NowNanoseconds,
            BugCheck = dump is null ? null
                : new KdBugCheck((uint)dump.Code, dump.BugCheckName, dump.Parameters, dump.Summary, dump.BugCheckProcessor, dump.FaultingModule, dump.FaultingRoutine, dump.Note),
            Processors = dump?.Processors ?? machine.KdDumpProcessors(),
            Modules = modules,
            Drivers = drivers,
            Devices = devices,
            Irps = [.. irps.Values],
            Timers = [.. machine.KdTimers().Select(t => new KdTimer(t.Address, t.Type.ToString(), t.DueTimeNs, t.PeriodNs, t.Dpc?.Address,
                t.Dpc is { } dpc ? KdFormat.ModuleShortName(dpc.Module.Name) + "!" + dpc.RoutineName : null))],
            PoolTags = [.. machine.Memory.GetPoolUsage().Select(u => new KdPoolTag(u.Tag, u.Paged, u.Allocs, u.Frees, u.Bytes))],
            ForceIrqlCheckingModules = machine.Options.ForceIrqlCheckingModules,
            VerifierFindings = [.. ioManagers.SelectMany(io => io.VerifierFindings).Select(f => f.ToString())],
            Processes = Processes(machine),
            WmiProviders = [.. ioManagers.SelectMany(io => io.WmiProviders).Select(p => new KdWmiProvider(p.Device.Address, p.Device.Name, p.Device.DriverObject.ToString(),
                p.InstanceBaseName, [.. p.Blocks.Select(b => new KdWmiBlock(b.Guid, b.ClassName, b.InstanceCount))]))],
            DeviceTree = ioManagers.Select(io => io.PnpManager).OfType<PnpManager>().Select(p => p.DumpDeviceTree()).FirstOrDefault(),
            ErrorLog = ErrorLog(ioManagers),
            PoolAllocations = [.. machine.Memory.GetOutstandingAllocations().Select(a => new KdPoolAllocation(a.Address, a.Tag, a.PoolType.ToString(), a.Size, a.Module ?? "ntoskrnl.exe"))],
        };
    }

    private static List<KdErrorLogEntry>? ErrorLog(IEnumerable<IoManager> ioManagers)
    {
        var entries = ioManagers.SelectMany(io => io.ErrorLog).Select(e =>
        {
            var device = e.Packet.IoObject as DeviceObject;
            var driver = device?.DriverObject ?? (DriverObject)e.Packet.IoObject;
            var used = Math.Min(e.Packet.DumpData.Length, e.Packet.DumpDataSize / sizeof(uint));
            return new KdErrorLogEntry(e.TimeNanoseconds, device?.Address ?? 0, e.Device, @"\Driver\" + driver.ServiceName, (byte)e.Packet.MajorFunctionCode,
                e.Packet.ErrorCode, e.Packet.UniqueErrorValue, (uint)e.Packet.FinalStatus, e.Message, [.. e.Packet.DumpData.Take(used)]);
        }).ToList();
        return entries.Count == 0 ? null : entries;
    }

    /// <summary>
    /// The model as JSON for the host's crash dump, or null when the machine could not be read
    /// consistently (on the concurrent dispatcher a processor may still be finishing its turn): the
    /// dump is written all the same, and kd then reads its machine section.
    /// </summary>
    /// <param name="machine">The machine.</param>
    /// <param name="ioManagers">Its I/O managers.</param>
    /// <returns>The JSON, or null.</returns>
    public static string? TryCaptureJson(Machine machine, IEnumerable<IoManager> ioManagers)
    {
        try
        {
            return Capture(machine, ioManagers).ToJson();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The model of a machine's own crash dump when nothing else was saved (no I/O objects).</summary>
    /// <param name="dump">The machine's dump.</param>
    /// <returns>The model.</returns>
    public static KdMachine FromCrashDump(CrashDump dump)
    {
        ArgumentNullException.ThrowIfNull(dump);
        var code = uint.Parse(dump.BugCheckCode.AsSpan(2), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        return new KdMachine
        {
            Dispatcher = dump.Dispatcher,
            Seed = dump.Seed,
            TimeNs = dump.TimeNs,
            BugCheck = new KdBugCheck(code, dump.BugCheckName, dump.Parameters, dump.Summary, dump.BugCheckProcessor, dump.FaultingModule, dump.FaultingRoutine, dump.Note),
            Processors = dump.Processors,
            Modules = [new("ntoskrnl.exe", KernelBase, KernelBase + KernelSize, false)],
            Drivers = [],
            Devices = [],
            Irps = [],
        };
    }

    private static KdDriver Driver(DriverObject driver)
    {
        var dispatch = new string[DriverObject.MajorFunctionCount];
        for (var major = 0; major < dispatch.Length; major++)
        {
            var routine = driver.MajorFunction[major];
            dispatch[major] = routine is null || ReferenceEquals(routine, IoManager.IopInvalidDeviceRequest)
                ? "nt!IopInvalidDeviceRequest"
                : Symbol(driver.ImageName, routine);
        }
        return new KdDriver(driver.Address, driver.ToString(), driver.ImageName, driver.VerifierEnabled, driver.Unloaded,
            [.. driver.DeviceObjects.Select(d => d.Address)],
            driver.DriverExtension.AddDevice is { } add ? Symbol(driver.ImageName, add) : null,
            driver.DriverStartIo is { } startIo ? Symbol(driver.ImageName, startIo) : null,
            driver.DriverUnload is { } unload ? Symbol(driver.ImageName, unload) : null,
            dispatch);
    }

    private static KdDevice Device(DeviceObject device) =>
        new(device.Address, device.Name, device.DriverObject.ToString(), (uint)device.DeviceType, (uint)device.Flags, device.Flags.ToString(),
            (uint)device.Characteristics, device.StackSize, device.AttachedTo?.Address, device.AttachedDevice?.Address, device.CurrentIrp?.Address,
            device.DeviceExtension?.GetType().Name, device.OpenCount, device.DeviceQueue.Busy, device.RemovePending, device.DeletePending);

    private static KdIrp Irp(Irp irp)
    {
        var locations = new List<KdStackLocation>();
        foreach (var location in irp.StackLocations)
        {
            // The completion routine in location N was set by the driver of the location above it.
            var setter = location.Location < irp.StackCount ? irp.StackLocations[location.Location].DeviceObject?.DriverObject.ImageName : null;
            locations.Add(new KdStackLocation(location.Location, (int)location.MajorFunction, location.MinorFunction, location.Flags, (int)location.Control,
                location.DeviceObject?.Address, location.DeviceObject?.DriverObject.ToString(), location.FileObject?.Address,
                location.CompletionRoutine is { } completion ? Symbol(setter ?? ModuleOf(completion.Method.DeclaringType), completion) : null,
                location.Context?.GetType().Name, Arguments(location)));
        }
        return new KdIrp(irp.Address, irp.StackCount, irp.CurrentLocation, (uint)irp.IoStatus.Status, irp.IoStatus.Status.ToDisplayString(), irp.IoStatus.Information,
            irp.PendingReturned, irp.Cancel, irp.CancelRoutine is { } cancel ? Symbol(ModuleOf(cancel.Method.DeclaringType), cancel) : null,
            (uint)irp.Flags, irp.RequestorMode.ToString(), irp.WaitingRequester ?? irp.Issuer, irp.RequestFinished, locations);
    }

    private static ulong[] Arguments(IoStackLocation location) => location.MajorFunction switch
    {
        IrpMajorFunction.Read or IrpMajorFunction.Write => [location.Parameters.Read.Length, location.Parameters.Read.Key, (ulong)location.Parameters.Read.ByteOffset, 0],
        IrpMajorFunction.DeviceControl or IrpMajorFunction.InternalDeviceControl =>
            [location.Parameters.DeviceIoControl.OutputBufferLength, location.Parameters.DeviceIoControl.InputBufferLength, location.Parameters.DeviceIoControl.IoControlCode.Value, 0],
        _ => [0, 0, 0, 0],
    };

    private static string ModuleOf(Type? type) =>
        type?.Namespace is { } ns && ns.StartsWith("ActorKernel.Actors", StringComparison.Ordinal) ? "ntoskrnl.exe" : (type?.Name ?? "unknown") + ".sys";

    /// <summary>module!routine, with a compiler-generated lambda name reduced to the method that holds it.</summary>
    internal static string Symbol(string image, Delegate routine) => KdFormat.ModuleShortName(image) + "!" + RoutineName(routine.Method.Name);

    /// <summary>A routine's name as kd shows it: a compiler-generated lambda name reduced to the method that holds it.</summary>
    internal static string RoutineName(string name)
    {
        if (LambdaName().Match(name) is { Success: true } lambda)
        {
            // A lambda in a static or instance initializer has no routine name of its own.
            name = lambda.Groups[1].Value is ".cctor" or ".ctor" ? "<lambda>" : lambda.Groups[1].Value;
        }
        return name;
    }

    [GeneratedRegex("^<([^>]+)>")]
    private static partial Regex LambdaName();
}
