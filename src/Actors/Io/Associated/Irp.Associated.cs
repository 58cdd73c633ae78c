namespace ActorKernel.Actors;

// The AssociatedIrp union of the IRP besides SystemBuffer: MasterIrp (in an associated IRP) and
// IrpCount (in its master). NT keeps the three in one union; here they are separate fields, and an
// IRP is a master, an associated IRP or neither.
public sealed partial class Irp
{
    private int _associatedIrpCount;

    /// <summary>Irp-&gt;AssociatedIrp.MasterIrp: the master of an associated IRP (IRP_ASSOCIATED_IRP), else null.</summary>
    public Irp? MasterIrp { get; internal set; }

    /// <summary>
    /// Irp-&gt;AssociatedIrp.IrpCount of a master IRP: how many associated IRPs are still outstanding.
    /// The driver that splits the request sets it before it sends the first associated IRP; the I/O
    /// manager decrements it as each completes and completes the master when it reaches zero.
    /// </summary>
    public int AssociatedIrpCount
    {
        get => Volatile.Read(ref _associatedIrpCount);
        set => Volatile.Write(ref _associatedIrpCount, value);
    }

    /// <summary>InterlockedDecrement(&amp;MasterIrp-&gt;AssociatedIrp.IrpCount).</summary>
    internal int IopDecrementAssociatedIrpCount() => Interlocked.Decrement(ref _associatedIrpCount);

    /// <summary>Clears the union when the IRP is initialised or reused.</summary>
    internal void IopResetAssociation()
    {
        MasterIrp = null;
        _associatedIrpCount = 0;
    }
}
