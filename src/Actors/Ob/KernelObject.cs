namespace ActorKernel.Actors;

/// <summary>
/// What every object of the object manager has (OBJECT_HEADER): a type, an optional name in the
/// namespace, and a pointer count. Device objects, driver objects, directories and symbolic links
/// derive from it.
/// </summary>
public abstract class KernelObject
{
    private int _pointerCount = 1;

    /// <summary>The object type's name as WinDbg's <c>!object</c> prints it: <c>Device</c>, <c>Driver</c>, <c>SymbolicLink</c>, <c>Directory</c>.</summary>
    public abstract string ObjectTypeName { get; }

    /// <summary>The full path once inserted in the namespace (e.g. <c>\Device\RamDisk0</c>); null for an unnamed object.</summary>
    public string? Name { get; internal set; }

    /// <summary>The simulated kernel address of the object, for bugcheck parameters and debugger output; 0 when none was assigned.</summary>
    public ulong Address { get; init; }

    /// <summary>References held: one for the creator, one more for each ObReferenceObject.</summary>
    public int PointerCount => Volatile.Read(ref _pointerCount);

    /// <summary>ObReferenceObject: one more reference.</summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public void ObReferenceObject() => Interlocked.Increment(ref _pointerCount);

    /// <summary>ObDereferenceObject: one reference fewer; the object is deleted when none remain.</summary>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL. Dereferencing an object with no reference left bugchecks REFERENCE_BY_POINTER (0x18).</remarks>
    /// <returns>The references that remain.</returns>
    /// <exception cref="BugCheckException">REFERENCE_BY_POINTER when the count would go below zero.</exception>
    public int ObDereferenceObject()
    {
        var remaining = Interlocked.Decrement(ref _pointerCount);
        if (remaining < 0)
        {
            throw new BugCheckException(BugCheckCode.ReferenceByPointer, ObjectTypeCode, Address);
        }
        if (remaining == 0)
        {
            OnLastReferenceReleased();
        }
        return remaining;
    }

    /// <summary>A stable number for the object type, the first parameter of REFERENCE_BY_POINTER.</summary>
    protected virtual ulong ObjectTypeCode => 0;

    /// <summary>Runs when the last reference goes (the object is deleted); by default nothing.</summary>
    protected virtual void OnLastReferenceReleased() { }

    /// <inheritdoc />
    public override string ToString() => $"{ObjectTypeName} {Name ?? "(unnamed)"}";
}
