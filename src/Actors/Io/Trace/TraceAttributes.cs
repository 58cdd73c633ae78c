namespace ActorKernel.Actors;

/// <summary>
/// The attribute names spans and metrics carry, in OpenTelemetry's dotted style under an <c>nt.</c>
/// namespace (the NT name of each thing), plus OpenTelemetry's own <c>code.function.name</c>.
/// </summary>
public static class TraceAttributes
{
    /// <summary>The processor number the routine ran on (KeGetCurrentProcessorNumber).</summary>
    public const string Processor = "nt.processor";
    /// <summary>The IRQL the routine ran at, as a number (DISPATCH_LEVEL = 2).</summary>
    public const string Irql = "nt.irql";
    /// <summary>The IRQL's name (PASSIVE_LEVEL, DISPATCH_LEVEL, DIRQL 5 ...).</summary>
    public const string IrqlName = "nt.irql.name";
    /// <summary>The device object's name (\Device\RamDisk0).</summary>
    public const string Device = "nt.device";
    /// <summary>The driver image the routine belongs to (ramdisk.sys).</summary>
    public const string DriverImage = "nt.driver.image";
    /// <summary>The IRP's major function name (IRP_MJ_READ).</summary>
    public const string MajorFunction = "nt.irp.major_function";
    /// <summary>The major function's code (3 for IRP_MJ_READ).</summary>
    public const string MajorFunctionCode = "nt.irp.major_function.code";
    /// <summary>The minor function's code.</summary>
    public const string MinorFunctionCode = "nt.irp.minor_function.code";
    /// <summary>The IRP's simulated address, 0x-prefixed hex.</summary>
    public const string IrpAddress = "nt.irp.address";
    /// <summary>The stack location the routine ran for (1-based, the top one is StackCount).</summary>
    public const string StackLocation = "nt.irp.stack_location";
    /// <summary>The NTSTATUS name (STATUS_SUCCESS).</summary>
    public const string Status = "nt.status";
    /// <summary>The NTSTATUS value, 0x-prefixed hex (0xC0000010).</summary>
    public const string StatusCode = "nt.status.code";
    /// <summary>Bytes transferred (IoStatus.Information of a read or write).</summary>
    public const string Bytes = "nt.io.bytes";
    /// <summary>The routine's name.</summary>
    public const string Function = "code.function.name";
    /// <summary>The kind of routine (Dispatch, StartIo, Isr, Dpc, Completion ...).</summary>
    public const string RoutineKind = "nt.routine.kind";
    /// <summary>The system service that issued the request (NtReadFile).</summary>
    public const string Service = "nt.service";
    /// <summary>Whether the request came from user mode.</summary>
    public const string UserMode = "nt.requestor_mode.user";
    /// <summary>Time the request waited rather than ran on a processor, in simulated nanoseconds.</summary>
    public const string WaitedNs = "nt.request.waited_ns";
    /// <summary>Time routines of the request ran, in simulated nanoseconds.</summary>
    public const string RanNs = "nt.request.ran_ns";
    /// <summary>Microsoft's guidance broken by the routine (<c>isr-over-25us</c>, <c>dpc-over-100us</c>).</summary>
    public const string Guidance = "nt.guidance";
}
