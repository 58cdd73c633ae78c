using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ActorKernel.Actors;

namespace ActorKernel.Host.Debugger;

/// <summary>
/// The stopped machine as the kernel debugger sees it: the bugcheck, every processor (IRQL, frame
/// stack, held spin locks, DPC queue), the loaded modules, drivers with their dispatch tables,
/// device objects with their stacks, and the IRPs the I/O manager still tracks. A live machine is
/// captured into it (<see cref="KdCapture"/>), and a crash dump is its serialised form (the
/// <c>kd</c> section of a dump file), so every command reads one model whatever the target.
/// </summary>
internal sealed record KdMachine
{
    /// <summary>The layout version of the serialised form.</summary>
    public int Version { get; init; } = 1;

    /// <summary>The dispatcher (Deterministic or Concurrent).</summary>
    public required string Dispatcher { get; init; }

    /// <summary>The run's root seed.</summary>
    public ulong Seed { get; init; }

    /// <summary>Virtual time at the stop, in nanoseconds.</summary>
    public long TimeNs { get; init; }

    /// <summary>The bugcheck, when the machine stopped on one.</summary>
    public KdBugCheck? BugCheck { get; init; }

    /// <summary>Every processor at the stop.</summary>
    public required IReadOnlyList<ProcessorDump> Processors { get; init; }

    /// <summary>Loaded modules, the kernel first.</summary>
    public required IReadOnlyList<KdModule> Modules { get; init; }

    /// <summary>Drivers in load order.</summary>
    public required IReadOnlyList<KdDriver> Drivers { get; init; }

    /// <summary>Every device object, by driver then creation.</summary>
    public required IReadOnlyList<KdDevice> Devices { get; init; }

    /// <summary>The IRPs the I/O manager tracks (issued and not yet reaped), by address.</summary>
    public required IReadOnlyList<KdIrp> Irps { get; init; }

    /// <summary>The timers set at the stop, by due time.</summary>
    public IReadOnlyList<KdTimer> Timers { get; init; } = [];

    /// <summary>Pool usage per tag and pool kind (!poolused).</summary>
    public IReadOnlyList<KdPoolTag> PoolTags { get; init; } = [];

    /// <summary>Live pool allocations by address (!pool).</summary>
    public IReadOnlyList<KdPoolAllocation> PoolAllocations { get; init; } = [];

    /// <summary>Drivers with Driver Verifier's force IRQL checking on (!verifier).</summary>
    public IReadOnlyList<string> ForceIrqlCheckingModules { get; init; } = [];

    /// <summary>What the I/O verifier reported (WDM DRIVER ERROR lines), in order.</summary>
    public IReadOnlyList<string> VerifierFindings { get; init; } = [];

    /// <summary>The processes (System first, then the user processes by creation) with their threads and handles (!process, !thread, !handle).</summary>
    public IReadOnlyList<KdProcess> Processes { get; init; } = [];

    /// <summary>The WMI providers registered (IoWMIRegistrationControl) with their data blocks (!wmiprov).</summary>
    public IReadOnlyList<KdWmiProvider> WmiProviders { get; init; } = [];

    /// <summary>The PnP manager's device tree as text (PnpManager.DumpDeviceTree, the tests' dump), or null for a machine without one (!devnode).</summary>
    public string? DeviceTree { get; init; }

    /// <summary>The I/O error log's entries (IoWriteErrorLogEntry), oldest first, or null when no driver logged one (!errlog).</summary>
    public IReadOnlyList<KdErrorLogEntry>? ErrorLog { get; init; }

    /// <summary>Why a live machine stopped under the debugger (a breakpoint, a step), when it did not stop on a bugcheck.</summary>
    public KdStop? Stop { get; init; }

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The model as indented JSON (the <c>kd</c> section of a dump file).</summary>
    /// <returns>The JSON.</returns>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads the model back from <see cref="ToJson"/>'s form.</summary>
    /// <param name="element">The <c>kd</c> section.</param>
    /// <returns>The model.</returns>
    public static KdMachine FromJson(JsonElement element) =>
        element.Deserialize<KdMachine>(JsonOptions) ?? throw new InvalidDataException("the kd section is empty");

    internal static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The stop code and its parameters.</summary>
/// <param name="Code">The stop code.</param>
/// <param name="Name">Its name.</param>
/// <param name="Parameters">The four parameters with their meanings for this code.</param>
/// <param name="Summary">What the bugcheck means.</param>
/// <param name="Processor">The processor that raised it.</param>
/// <param name="Module">The module of the running routine.</param>
/// <param name="Routine">The running routine.</param>
/// <param name="Note">What the kernel saw, if it said.</param>
internal sealed record KdBugCheck(uint Code, string Name, IReadOnlyList<CrashDumpParameter> Parameters, string Summary, int Processor, string Module, string Routine, string? Note);

/// <summary>Why a live machine stopped under the debugger (<c>.lastevent</c>).</summary>
/// <param name="Event">What happened: "Breakpoint 0 hit", "Step: scheduling point"...</param>
/// <param name="Processor">The processor it happened on (the session's current processor at the stop).</param>
/// <param name="Symbol">module!routine where it stopped.</param>
internal sealed record KdStop(string Event, int Processor, string Symbol);

/// <summary>A process (EPROCESS) as !process shows it.</summary>
/// <param name="Address">The EPROCESS address.</param>
/// <param name="Cid">The process id.</param>
/// <param name="Image">The image name.</param>
/// <param name="ObjectTable">The handle table's (simulated) address.</param>
/// <param name="Threads">Its threads, in creation order.</param>
/// <param name="Handles">Its handle table's entries in use, by handle value.</param>
internal sealed record KdProcess(ulong Address, uint Cid, string Image, ulong ObjectTable, IReadOnlyList<KdThread> Threads, IReadOnlyList<KdHandle> Handles);

/// <summary>A thread (ETHREAD) as !thread shows it.</summary>
/// <param name="Address">The ETHREAD address.</param>
/// <param name="Cid">The thread id (simulated: the kernel numbers no threads; unique in the capture, a multiple of 4).</param>
/// <param name="Name">Its start routine's name.</param>
/// <param name="Module">The module it runs for.</param>
/// <param name="State">Initialized, Ready, Running, Waiting, Terminated.</param>
/// <param name="Priority">Its priority.</param>
/// <param name="Processor">The processor it is bound to.</param>
/// <param name="Running">Whether it is the thread on its processor now.</param>
internal sealed record KdThread(ulong Address, uint Cid, string Name, string Module, string State, int Priority, int Processor, bool Running);

/// <summary>A handle table entry as !handle shows it.</summary>
/// <param name="Handle">The handle value.</param>
/// <param name="Object">The object's address.</param>
/// <param name="Type">The object type (File, Event, IoCompletion...).</param>
/// <param name="Name">The object's name, or for a file object the device it is open on.</param>
/// <param name="GrantedAccess">The access granted.</param>
/// <param name="PointerCount">The object's reference count.</param>
internal sealed record KdHandle(ulong Handle, ulong Object, string Type, string? Name, uint GrantedAccess, int PointerCount);

/// <summary>A WMI provider as !wmiprov lists it.</summary>
/// <param name="Device">The device object's address (ProviderId).</param>
/// <param name="DeviceName">Its name, if named.</param>
/// <param name="Driver">\Driver\NAME.</param>
/// <param name="InstanceBaseName">The instance name base (instances are BASE_N).</param>
/// <param name="Blocks">Its data blocks.</param>
internal sealed record KdWmiProvider(ulong Device, string? DeviceName, string Driver, string InstanceBaseName, IReadOnlyList<KdWmiBlock> Blocks);

/// <summary>A registered WMI data block.</summary>
/// <param name="Guid">Its GUID.</param>
/// <param name="ClassName">The MOF class.</param>
/// <param name="InstanceCount">Its instance count.</param>
internal sealed record KdWmiBlock(Guid Guid, string ClassName, uint InstanceCount);

/// <summary>A loaded module.</summary>
/// <param name="Name">Image name (ntoskrnl.exe, zoo.sys).</param>
/// <param name="Start">Its simulated base.</param>
/// <param name="End">Its simulated end.</param>
/// <param name="Unloaded">Whether it was unloaded.</param>
internal sealed record KdModule(string Name, ulong Start, ulong End, bool Unloaded);

/// <summary>A driver object.</summary>
/// <param name="Address">The DRIVER_OBJECT's address.</param>
/// <param name="Name">\Driver\NAME.</param>
/// <param name="ImageName">Its image.</param>
/// <param name="Verified">Whether Driver Verifier checks it.</param>
/// <param name="Unloaded">Whether it was unloaded.</param>
/// <param name="Devices">Its device objects' addresses.</param>
/// <param name="AddDevice">DriverExtension-&gt;AddDevice.</param>
/// <param name="StartIo">DriverStartIo.</param>
/// <param name="Unload">DriverUnload.</param>
/// <param name="Dispatch">MajorFunction[0..IRP_MJ_MAXIMUM_FUNCTION], module!routine.</param>
internal sealed record KdDriver(ulong Address, string Name, string ImageName, bool Verified, bool Unloaded, IReadOnlyList<ulong> Devices,
    string? AddDevice, string? StartIo, string? Unload, IReadOnlyList<string> Dispatch);

/// <summary>A device object.</summary>
/// <param name="Address">The DEVICE_OBJECT's address.</param>
/// <param name="Name">Its name, if named.</param>
/// <param name="Driver">Its driver's name.</param>
/// <param name="DeviceType">FILE_DEVICE_* value.</param>
/// <param name="Flags">DO_* flags.</param>
/// <param name="FlagNames">The flags by name.</param>
/// <param name="Characteristics">FILE_* characteristics.</param>
/// <param name="StackSize">StackSize.</param>
/// <param name="AttachedTo">The device below (null for the bottom of the stack).</param>
/// <param name="AttachedDevice">The device above.</param>
/// <param name="CurrentIrp">CurrentIrp (StartIo).</param>
/// <param name="Extension">The device extension's type.</param>
/// <param name="OpenCount">Open handles.</param>
/// <param name="QueueBusy">Whether the device queue is busy.</param>
/// <param name="RemovePending">Whether a removal is pending.</param>
/// <param name="DeletePending">Whether IoDeleteDevice was called.</param>
internal sealed record KdDevice(ulong Address, string? Name, string Driver, uint DeviceType, uint Flags, string FlagNames, uint Characteristics, int StackSize,
    ulong? AttachedTo, ulong? AttachedDevice, ulong? CurrentIrp, string? Extension, int OpenCount, bool QueueBusy, bool RemovePending, bool DeletePending);

/// <summary>An IRP.</summary>
/// <param name="Address">Its address.</param>
/// <param name="StackCount">StackCount.</param>
/// <param name="CurrentLocation">CurrentLocation (StackCount + 1 before the first IoCallDriver).</param>
/// <param name="Status">IoStatus.Status.</param>
/// <param name="StatusName">Its name.</param>
/// <param name="Information">IoStatus.Information.</param>
/// <param name="PendingReturned">PendingReturned.</param>
/// <param name="Cancel">Cancel.</param>
/// <param name="CancelRoutine">The cancel routine, module!routine.</param>
/// <param name="Flags">IRP_* flags.</param>
/// <param name="RequestorMode">KernelMode or UserMode.</param>
/// <param name="Requester">Who waits for it.</param>
/// <param name="Finished">Whether its completion finished.</param>
/// <param name="Locations">Its stack locations, 1..StackCount.</param>
internal sealed record KdIrp(ulong Address, int StackCount, int CurrentLocation, uint Status, string StatusName, ulong Information, bool PendingReturned, bool Cancel,
    string? CancelRoutine, uint Flags, string RequestorMode, string? Requester, bool Finished, IReadOnlyList<KdStackLocation> Locations);

/// <summary>Pool usage of one tag in one pool kind.</summary>
/// <param name="Tag">The tag as text.</param>
/// <param name="Paged">Paged or nonpaged pool.</param>
/// <param name="Allocs">Allocations.</param>
/// <param name="Frees">Frees.</param>
/// <param name="Bytes">Bytes in use.</param>
internal sealed record KdPoolTag(string Tag, bool Paged, long Allocs, long Frees, long Bytes);

/// <summary>An entry of the I/O error log, as !errlog lists it.</summary>
/// <param name="TimeNs">When it was written.</param>
/// <param name="Device">The device object's address (0 when the entry was allocated for a driver object).</param>
/// <param name="DeviceName">The device's name, if any.</param>
/// <param name="Driver">The driver object's name (\Driver\X).</param>
/// <param name="MajorFunction">MajorFunctionCode.</param>
/// <param name="ErrorCode">The IO_ERR_* code.</param>
/// <param name="UniqueErrorValue">UniqueErrorValue.</param>
/// <param name="FinalStatus">FinalStatus.</param>
/// <param name="Message">The event's message text.</param>
/// <param name="DumpData">The dump data the driver filled.</param>
internal sealed record KdErrorLogEntry(long TimeNs, ulong Device, string? DeviceName, string Driver, byte MajorFunction, uint ErrorCode, uint UniqueErrorValue, uint FinalStatus, string Message, IReadOnlyList<uint> DumpData);

/// <summary>A live pool allocation.</summary>
/// <param name="Address">Its address.</param>
/// <param name="Tag">Its tag.</param>
/// <param name="PoolType">Its pool type.</param>
/// <param name="Size">Its size in bytes.</param>
/// <param name="Module">The module that allocated it.</param>
internal sealed record KdPoolAllocation(ulong Address, string Tag, string PoolType, ulong Size, string Module);

/// <summary>A set KTIMER.</summary>
/// <param name="Address">The KTIMER's address.</param>
/// <param name="Type">NotificationTimer or SynchronizationTimer.</param>
/// <param name="DueNs">Its due (interrupt) time, in nanoseconds since boot.</param>
/// <param name="PeriodNs">Its period (0: one-shot).</param>
/// <param name="Dpc">The KDPC it queues, if any.</param>
/// <param name="DpcRoutine">That DPC's routine, module!routine.</param>
internal sealed record KdTimer(ulong Address, string Type, long DueNs, long PeriodNs, ulong? Dpc, string? DpcRoutine);

/// <summary>An IO_STACK_LOCATION.</summary>
/// <param name="Location">1-based.</param>
/// <param name="Major">MajorFunction.</param>
/// <param name="Minor">MinorFunction.</param>
/// <param name="Flags">SL_* flags.</param>
/// <param name="Control">Control (SL_PENDING_RETURNED, SL_INVOKE_ON_*).</param>
/// <param name="Device">DeviceObject.</param>
/// <param name="Driver">DeviceObject's driver.</param>
/// <param name="FileObject">FileObject.</param>
/// <param name="CompletionRoutine">CompletionRoutine, module!routine.</param>
/// <param name="Context">Context's type.</param>
/// <param name="Arguments">Parameters.Others.Argument1..4 (length, key, offset for a read or write; code for an IOCTL).</param>
internal sealed record KdStackLocation(int Location, int Major, int Minor, int Flags, int Control, ulong? Device, string? Driver, ulong? FileObject,
    string? CompletionRoutine, string? Context, IReadOnlyList<ulong> Arguments);
