/*++

Module Name:

    StripeExtension.cs

Abstract:

    The striped volume's device extension: its members (the partitions' device objects, bound at
    the first open), the stripe size, the volume's length, and a short record of the associated
    IRPs it made (for tests and the debugger).

Environment:

    Kernel mode.

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.Volume;

/// <summary>One associated IRP the volume made: which member, where, how long, for which master.</summary>
/// <param name="Member">The member index (0-based).</param>
/// <param name="MemberOffset">The byte offset on the member.</param>
/// <param name="Length">Bytes.</param>
/// <param name="Major">IRP_MJ_READ or IRP_MJ_WRITE.</param>
/// <param name="Associated">Whether the IRP carried IRP_ASSOCIATED_IRP with the master as its MasterIrp.</param>
/// <param name="Master">The master IRP's address.</param>
public readonly record struct StripeChild(int Member, long MemberOffset, uint Length, IrpMajorFunction Major, bool Associated, ulong Master);

/// <summary>The striped volume's FDO extension.</summary>
public sealed class StripeExtension
{
    private readonly Queue<StripeChild> _children = new();

    internal StripeExtension(IReadOnlyList<string> memberNames, uint stripeSize)
    {
        MemberNames = memberNames;
        StripeSize = stripeSize;
    }

    /// <summary>The members' device names, in stripe order.</summary>
    public IReadOnlyList<string> MemberNames { get; }

    /// <summary>Bytes per stripe unit on one member.</summary>
    public uint StripeSize { get; }

    /// <summary>The members' devices (top of each member's stack), once bound.</summary>
    public IReadOnlyList<DeviceObject> Members { get; internal set; } = [];

    /// <summary>The volume's length: each member's whole stripe units, times the members.</summary>
    public long VolumeLength { get; internal set; }

    /// <summary>The device below (the root PDO).</summary>
    public DeviceObject? LowerDevice { get; internal set; }

    /// <summary>The FDO.</summary>
    public DeviceObject? DeviceObject { get; internal set; }

    /// <summary>The associated IRPs made lately, oldest first (at most 64).</summary>
    public IReadOnlyList<StripeChild> RecentChildren
    {
        get
        {
            lock (_children)
            {
                return [.. _children];
            }
        }
    }

    internal void Record(StripeChild child)
    {
        lock (_children)
        {
            if (_children.Count == 64)
            {
                _children.Dequeue();
            }
            _children.Enqueue(child);
        }
    }
}
