using System.Diagnostics;

namespace ActorKernel.Actors;

/// <summary>
/// IRP: an I/O request packet with its stack of <see cref="IoStackLocation"/>s. Locations are
/// numbered 1..<see cref="StackCount"/>; as in NT, <see cref="CurrentLocation"/> starts at
/// StackCount + 1 (no current location: the creator fills in the next one), IoCallDriver moves it
/// down one, completion moves it back up; past StackCount + 1 the IRP is complete.
/// </summary>
public sealed partial class Irp
{
    private readonly IoStackLocation[] _stack;
    private IoCancelRoutine? _cancelRoutine;

    internal Irp(IoManager manager, ulong address, sbyte stackSize)
    {
        Manager = manager;
        Address = address;
        StackCount = stackSize;
        _stack = new IoStackLocation[stackSize];
        for (var i = 0; i < stackSize; i++)
        {
            _stack[i] = new IoStackLocation(i);
        }
        Generation = 1;
        Initialize();
    }

    /// <summary>The simulated kernel address of the IRP (P1 of the IRP bugchecks).</summary>
    public ulong Address { get; }

    /// <summary>The number of stack locations (Irp-&gt;StackCount).</summary>
    public sbyte StackCount { get; }

    /// <summary>The current location number, 1-based (Irp-&gt;CurrentLocation).</summary>
    public sbyte CurrentLocation { get; internal set; }

    /// <summary>The request's final status and information (Irp-&gt;IoStatus).</summary>
    /// <remarks>A driver that reads it after the IRP was freed under I/O verification faults in freed special pool (Irp.SpecialPool.cs).</remarks>
    public IoStatusBlock IoStatus
    {
        get
        {
            if (NeverRecycle && IsFreed)
            {
                VfTouchFreed(VfIoStatusOffset);
            }
            return _ioStatus;
        }
    }

    private readonly IoStatusBlock _ioStatus = new();

    /// <summary>Set during completion from each location's SL_PENDING_RETURNED (Irp-&gt;PendingReturned).</summary>
    public bool PendingReturned { get; internal set; }

    /// <summary>Irp-&gt;Cancel: set by IoCancelIrp.</summary>
    public bool Cancel { get; internal set; }

    /// <summary>The IRQL IoCancelIrp acquired the cancel spin lock from; the cancel routine releases it with this value.</summary>
    public Irql CancelIrql { get; set; }

    /// <summary>The cancel routine (read it; set it only through IoSetCancelRoutine).</summary>
    public IoCancelRoutine? CancelRoutine => Volatile.Read(ref _cancelRoutine);

    /// <summary>Irp-&gt;RequestorMode: where the request came from.</summary>
    public KProcessorMode RequestorMode { get; set; }

    /// <summary>Irp-&gt;Flags.</summary>
    public IrpFlags Flags { get; set; }

    /// <summary>
    /// Irp-&gt;AssociatedIrp.SystemBuffer: the I/O manager's buffer for buffered I/O. It comes from the
    /// I/O manager's pool and may be longer than the request asked for: the request's length is in the
    /// stack location (Parameters.Read.Length, Parameters.DeviceIoControl.Input/OutputBufferLength).
    /// It is zero past the copied-in input, as new pool would be, and goes back to the pool when the
    /// request ends.
    /// </summary>
    public byte[]? SystemBuffer { get; set; }

    /// <summary>The pooled array the I/O manager rented for <see cref="SystemBuffer"/> (returned at the end of the request, whatever a driver put in SystemBuffer meanwhile).</summary>
    internal byte[]? RentedSystemBuffer { get; set; }

    /// <summary>The system buffer's length as the request asked for it (the copy-back never goes past it).</summary>
    internal int SystemBufferLength { get; set; }

    /// <summary>
    /// Irp-&gt;MdlAddress: the MDL of the locked requester buffer for direct I/O: an Mm MDL of the
    /// requester's pages for a process-backed buffer (<see cref="UserBuffer.Process"/>), or a managed MDL
    /// over the bytes of a managed one. Map it with <see cref="Wdm.MmGetSystemAddressForMdlSafe(Mdl, uint)"/>.
    /// </summary>
    public Mdl? MdlAddress { get; set; }

    /// <summary>Irp-&gt;UserBuffer: the requester's output buffer (neither I/O, and the copy-back target of buffered I/O).</summary>
    public UserBuffer? UserBuffer { get; set; }

    /// <summary>Irp-&gt;UserIosb: where the final status is copied at completion.</summary>
    public IoStatusBlock? UserIosb { get; set; }

    /// <summary>Irp-&gt;UserEvent: signalled at completion.</summary>
    public IIoEvent? UserEvent { get; set; }

    /// <summary>Irp-&gt;Tail.Overlay.DriverContext[0..3]: four slots for the driver that owns the IRP now.</summary>
    public object?[] DriverContext { get; } = new object?[4];

    /// <summary>Irp-&gt;Tail.Overlay.OriginalFileObject.</summary>
    public FileObject? OriginalFileObject { get; set; }

    /// <summary>Irp-&gt;Overlay.AsynchronousParameters.UserApcContext: the requester's context for the completion packet (the OVERLAPPED of a Win32 call).</summary>
    public object? UserApcContext { get; set; }

    /// <summary>An overlapped request on a file opened for asynchronous I/O: its requester did not wait, and completion reports through the status block, event and port only if it pended or did not fail.</summary>
    internal bool AsynchronousRequest { get; set; }

    /// <summary>
    /// Thread-agnostic I/O: an overlapped request on a file associated with a completion port is queued
    /// to the file object, not to its thread (Vista and later), so the thread's exit does not cancel it.
    /// Irp-&gt;Tail.Overlay.Thread still names the issuing thread, for CancelIo.
    /// </summary>
    internal bool ThreadAgnostic { get; set; }

    /// <summary>Whether the I/O manager took a reference on OriginalFileObject for this request (dropped at completion).</summary>
    internal bool FileReferenced { get; set; }

    /// <summary>Irp-&gt;Tail.Overlay.Thread: the requesting thread (null for IRPs from IoAllocateIrp).</summary>
    public object? Thread { get; set; }

    /// <summary>The I/O manager that allocated the IRP.</summary>
    public IoManager Manager { get; }

    /// <summary>True once completion passed the top of the stack (CurrentLocation &gt; StackCount + 1).</summary>
    public bool IsCompleted => CurrentLocation > StackCount + 1;

    /// <summary>IoGetCurrentIrpStackLocation: this driver's location.</summary>
    /// <exception cref="InvalidOperationException">No location is current (the IRP has not been sent, or it completed).</exception>
    public IoStackLocation CurrentStackLocation
    {
        get
        {
            if (NeverRecycle && IsFreed)
            {
                VfTouchFreed(VfCurrentStackLocationOffset);
            }
            return CurrentLocation >= 1 && CurrentLocation <= StackCount ? _stack[CurrentLocation - 1] : NoStackLocation("current");
        }
    }

    /// <summary>
    /// IoGetNextIrpStackLocation: the location the next-lower driver will see. At location 1 there is
    /// none: as in NT, the caller gets memory that is not a stack location (here a scratch one) and
    /// the IoCallDriver that follows bugchecks NO_MORE_IRP_STACK_LOCATIONS.
    /// </summary>
    /// <exception cref="InvalidOperationException">The IRP has completed or has no location at all.</exception>
    public IoStackLocation NextStackLocation => CurrentLocation >= 2 && CurrentLocation <= StackCount + 1
        ? _stack[CurrentLocation - 2]
        : CurrentLocation == 1 ? (_beyondStack ??= new IoStackLocation(-1))
        : NoStackLocation("next");

    private IoStackLocation? _beyondStack;

    // Out of line: the message's formatting kept both getters above from being inlined on the IRP path.
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private IoStackLocation NoStackLocation(string which) =>
        throw new InvalidOperationException($"IRP 0x{Address:X16} has no {which} stack location (CurrentLocation {CurrentLocation}, StackCount {StackCount}).");

    /// <summary>The stack locations, bottom (1) first, for debuggers and crash dumps.</summary>
    public IReadOnlyList<IoStackLocation> StackLocations => _stack;

    /// <summary>Which locations IoMarkIrpPending marked since they were last dispatched (bit n-1 for location n).</summary>
    internal ulong MarkedPendingLocations { get; set; }

    /// <summary>Which locations' dispatch routines returned STATUS_PENDING before completion passed them.</summary>
    internal ulong ReturnedPendingLocations { get; set; }

    /// <summary>The highest location completion has passed, for verifier checks; 0 before completion starts.</summary>
    internal int CompletedThroughLocation { get; set; }

    /// <summary>
    /// The device whose driver called IoSkipCurrentIrpStackLocation and has not yet passed the IRP on:
    /// after the skip the current location is the one above, so this names IoCallDriver's caller.
    /// </summary>
    internal DeviceObject? SkippedBy { get; set; }

    /// <summary>Whether the IRP came from IoAllocateIrp (the caller frees it) or IoBuild*Request (the I/O manager frees it).</summary>
    internal bool ThreadedByIoManager { get; set; }

    /// <summary>
    /// Whether IoFreeIrp (or the I/O manager, at the end of a request it threaded) released it. A
    /// freed IRP waits on the I/O manager's lookaside list until an allocation hands it out again,
    /// with a new <see cref="Generation"/>; until then completing it bugchecks MULTIPLE_IRP_COMPLETE_REQUESTS.
    /// </summary>
    public bool IsFreed => (Volatile.Read(ref _lifetime) & FreedBit) != 0;

    internal IoStackLocation StackAt(int location) => _stack[location - 1];

    internal IoCancelRoutine? ExchangeCancelRoutine(IoCancelRoutine? routine) => Interlocked.Exchange(ref _cancelRoutine, routine);

    /// <summary>IoInitializeIrp / IoReuseIrp state: a fresh request with no current location.</summary>
    internal void Initialize()
    {
        CurrentLocation = (sbyte)(StackCount + 1);
        _ioStatus.Status = NtStatus.Success;
        _ioStatus.Information = 0;
        _ioStatus.InformationPointer = null;
        PendingReturned = false;
        Cancel = false;
        CancelIrql = Irql.PassiveLevel;
        _cancelRoutine = null;
        RequestorMode = KProcessorMode.KernelMode;
        Flags = IrpFlags.None;
        SystemBuffer = null;
        RentedSystemBuffer = null;
        SystemBufferLength = 0;
        MdlAddress = null;
        UserBuffer = null;
        UserIosb = null;
        UserEvent = null;
        OriginalFileObject = null;
        UserApcContext = null;
        AsynchronousRequest = false;
        ThreadAgnostic = false;
        FileReferenced = false;
        Thread = null;
        Array.Clear(DriverContext);
        MarkedPendingLocations = 0;
        ReturnedPendingLocations = 0;
        CompletedThroughLocation = 0;
        ThreadedByIoManager = false;
        SkippedBy = null;
        IopResetAssociation();
        foreach (var location in _stack)
        {
            location.Reset();
        }
        _beyondStack?.Reset();
    }

    /// <summary>The IRP the way <c>!irp</c> prints it: address, status, and each location, the current one marked.</summary>
    /// <returns>A multi-line description.</returns>
    public string Describe()
    {
        var text = new System.Text.StringBuilder();
        text.Append(System.Globalization.CultureInfo.InvariantCulture,
            $"Irp 0x{Address:X16}: CurrentLocation {CurrentLocation} of {StackCount}, IoStatus {IoStatus}, PendingReturned {PendingReturned}, Cancel {Cancel}");
        for (var location = StackCount; location >= 1; location--)
        {
            text.AppendLine();
            text.Append(location == CurrentLocation ? ">" : " ").Append(StackAt(location));
        }
        return text.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => $"Irp 0x{Address:X16}";

    [Conditional("DEBUG")]
    internal void AssertInvariants() =>
        Debug.Assert(CurrentLocation >= 0 && CurrentLocation <= StackCount + 2, "CurrentLocation stays within 0..StackCount+2");
}
