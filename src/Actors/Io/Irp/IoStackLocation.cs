namespace ActorKernel.Actors;

/// <summary>
/// IO_STACK_LOCATION: what one driver in the stack is asked to do with the IRP, and the completion
/// routine the driver above set for when this driver is done.
/// </summary>
public sealed class IoStackLocation
{
    internal IoStackLocation(int index) => Index = index;

    /// <summary>The IRP_MJ_* code.</summary>
    public IrpMajorFunction MajorFunction { get; set; }

    /// <summary>The IRP_MN_* code (PnP, power, WMI and some file-system requests).</summary>
    public byte MinorFunction { get; set; }

    /// <summary>Request flags (SL_* of the major function: SL_CASE_SENSITIVE, SL_OVERRIDE_VERIFY_VOLUME...).</summary>
    public byte Flags { get; set; }

    /// <summary>SL_PENDING_RETURNED and the SL_INVOKE_ON_* flags of the completion routine.</summary>
    public StackLocationControl Control { get; set; }

    /// <summary>The request's parameters, one view per major function.</summary>
    public IoStackParameters Parameters { get; } = new();

    /// <summary>The device object this location was sent to (set by IoCallDriver).</summary>
    public DeviceObject? DeviceObject { get; set; }

    /// <summary>The file object the request is made on, if any.</summary>
    public FileObject? FileObject { get; set; }

    /// <summary>The completion routine the driver above set (IoSetCompletionRoutine writes it here, in the next location).</summary>
    public IoCompletionRoutine? CompletionRoutine { get; set; }

    /// <summary>The context passed to <see cref="CompletionRoutine"/>.</summary>
    public object? Context { get; set; }

    /// <summary>The 1-based location number (Irp-&gt;CurrentLocation when this location is current).</summary>
    public int Location => Index + 1;

    internal int Index { get; }

    /// <summary>Copies all but the completion routine, its context and the control flags (IoCopyCurrentIrpStackLocationToNext).</summary>
    internal void CopyForNextDriver(IoStackLocation source)
    {
        MajorFunction = source.MajorFunction;
        MinorFunction = source.MinorFunction;
        Flags = source.Flags;
        Parameters.CopyFrom(source.Parameters);
        DeviceObject = source.DeviceObject;
        FileObject = source.FileObject;
        CompletionRoutine = null;
        Context = null;
        Control = StackLocationControl.None;
    }

    /// <summary>IopClearStackLocation: what completion leaves of a location it passed.</summary>
    internal void ClearForCompletion()
    {
        MinorFunction = 0;
        Flags = 0;
        Control &= StackLocationControl.ErrorReturned;
        Parameters.Clear();
        FileObject = null;
    }

    internal void Reset()
    {
        MajorFunction = 0;
        MinorFunction = 0;
        Flags = 0;
        Control = StackLocationControl.None;
        Parameters.Clear();
        DeviceObject = null;
        FileObject = null;
        CompletionRoutine = null;
        Context = null;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"[{Location}] {MajorFunction.ToDisplayString()} {DeviceObject?.ToString() ?? "(no device)"}{(CompletionRoutine is null ? "" : " completion " + CompletionRoutine.Method.Name)} {Control}";
}
