namespace ActorKernel.Actors;

/// <summary>One resource a device node holds, as the arbiter of its type records it.</summary>
/// <param name="Owner">The device node.</param>
/// <param name="Type">Port, memory, interrupt or DMA.</param>
/// <param name="Start">The first port, address, line or channel.</param>
/// <param name="End">The last one (inclusive).</param>
/// <param name="ShareDisposition">How the owner holds it.</param>
public sealed record PnpResourceClaim(DeviceNode Owner, CmResourceType Type, ulong Start, ulong End, CmShareDisposition ShareDisposition);

/// <summary>
/// A resource conflict, as Device Manager's "Conflicting device list" shows it: the device that asked,
/// the resource, and the device that holds it.
/// </summary>
/// <param name="Device">The instance path of the device that did not get the resource.</param>
/// <param name="Holder">The instance path of the device that holds it.</param>
/// <param name="Type">The resource type.</param>
/// <param name="Start">The first port, address, line or channel asked for.</param>
/// <param name="End">The last one.</param>
/// <param name="HolderShare">How the holder holds it.</param>
/// <param name="RequestedShare">How the device asked for it.</param>
public sealed record PnpResourceConflict(string Device, string Holder, CmResourceType Type, ulong Start, ulong End,
    CmShareDisposition HolderShare, CmShareDisposition RequestedShare)
{
    /// <inheritdoc />
    public override string ToString()
    {
        var what = Type switch
        {
            CmResourceType.Interrupt => FormattableString.Invariant($"IRQ {Start}"),
            CmResourceType.Dma => FormattableString.Invariant($"DMA channel {Start}"),
            CmResourceType.Port => FormattableString.Invariant($"I/O range 0x{Start:X}-0x{End:X}"),
            _ => FormattableString.Invariant($"memory range 0x{Start:X}-0x{End:X}"),
        };
        return $"{what} ({Share(RequestedShare)}) of {Device} conflicts with {Holder} ({Share(HolderShare)})";
    }

    private static string Share(CmShareDisposition share) => share switch
    {
        CmShareDisposition.Shared => "CmResourceShareShared",
        CmShareDisposition.DriverExclusive => "CmResourceShareDriverExclusive",
        _ => "CmResourceShareDeviceExclusive",
    };
}

/// <summary>
/// The PnP manager's resource arbiters (ReactOS io/pnpmgr/arbs.c, Microsoft "Arbiter" docs): one
/// claim list per resource type. A requirement is a range; the arbiter picks the first aligned start
/// in it that overlaps no claim it may not share with. Two claims may overlap only when both are
/// CmResourceShareShared; a device-exclusive claim overlaps nothing. The alternative lists of a
/// requirements list are tried in order; when none fits, the conflict of the first list is reported.
/// </summary>
internal sealed class PnpArbiter
{
    private readonly List<PnpResourceClaim> _claims = [];

    /// <summary>Every claim, in assignment order.</summary>
    public IReadOnlyList<PnpResourceClaim> Claims => _claims;

    /// <summary>
    /// IopAssignDeviceResources: picks resources for <paramref name="node"/> from its requirements
    /// and records them; returns the raw CM_RESOURCE_LIST, or null and the conflict.
    /// </summary>
    public CmResourceList? Assign(DeviceNode node, IoResourceRequirementsList requirements, out PnpResourceConflict? conflict)
    {
        conflict = null;
        foreach (var alternative in requirements.List)
        {
            var picked = new List<PnpResourceClaim>();
            PnpResourceConflict? failed = null;
            foreach (var descriptor in alternative.Descriptors)
            {
                if (TryPick(node, descriptor, picked, out var claim, out var why))
                {
                    picked.Add(claim!);
                }
                else
                {
                    failed = why;
                    break;
                }
            }
            if (failed is null)
            {
                _claims.AddRange(picked);
                var partials = new List<CmPartialResourceDescriptor>();
                for (var i = 0; i < picked.Count; i++)
                {
                    partials.Add(ToPartial(alternative.Descriptors[i], picked[i]));
                }
                return new CmResourceList([new CmFullResourceDescriptor(requirements.InterfaceType, requirements.BusNumber, new CmPartialResourceList(partials))]);
            }
            conflict ??= failed;
        }
        return null;
    }

    /// <summary>Releases what <paramref name="node"/> holds (a failed start, a removal).</summary>
    public void Release(DeviceNode node) => _claims.RemoveAll(c => c.Owner == node);

    private bool TryPick(DeviceNode node, IoResourceDescriptor descriptor, List<PnpResourceClaim> picked, out PnpResourceClaim? claim, out PnpResourceConflict? conflict)
    {
        claim = null;
        conflict = null;
        var span = descriptor.Type is CmResourceType.Port or CmResourceType.Memory ? Math.Max(descriptor.Length, 1u) : 1u;
        var alignment = Math.Max(descriptor.Alignment, 1u);
        var start = AlignUp(descriptor.Minimum, alignment);
        while (start + span - 1 <= descriptor.Maximum && start + span - 1 >= start)
        {
            var end = start + span - 1;
            var blocker = FindBlocker(descriptor, start, end, picked);
            if (blocker is null)
            {
                claim = new PnpResourceClaim(node, descriptor.Type, start, end, descriptor.ShareDisposition);
                return true;
            }
            conflict ??= new PnpResourceConflict(node.InstancePath, blocker.Owner.InstancePath, descriptor.Type, start, end, blocker.ShareDisposition, descriptor.ShareDisposition);
            // Skip past the holder's range: no start inside it can fit.
            start = AlignUp(blocker.End + 1, alignment);
            if (start == 0)
            {
                break;
            }
        }
        conflict ??= new PnpResourceConflict(node.InstancePath, node.InstancePath, descriptor.Type, descriptor.Minimum, descriptor.Maximum,
            descriptor.ShareDisposition, descriptor.ShareDisposition);
        return false;
    }

    private PnpResourceClaim? FindBlocker(IoResourceDescriptor descriptor, ulong start, ulong end, List<PnpResourceClaim> picked)
    {
        foreach (var claim in _claims.Concat(picked))
        {
            if (claim.Type == descriptor.Type && claim.Start <= end && start <= claim.End
                && !(claim.ShareDisposition == CmShareDisposition.Shared && descriptor.ShareDisposition == CmShareDisposition.Shared))
            {
                return claim;
            }
        }
        return null;
    }

    private static CmPartialResourceDescriptor ToPartial(IoResourceDescriptor descriptor, PnpResourceClaim claim) => descriptor.Type switch
    {
        CmResourceType.Port => new(CmResourceType.Port, descriptor.ShareDisposition, descriptor.Flags, new CmResourceUnion { Port = new CmRange(claim.Start, descriptor.Length) }),
        CmResourceType.Memory => new(CmResourceType.Memory, descriptor.ShareDisposition, descriptor.Flags, new CmResourceUnion { Memory = new CmRange(claim.Start, descriptor.Length) }),
        CmResourceType.Interrupt => new(CmResourceType.Interrupt, descriptor.ShareDisposition, descriptor.Flags, new CmResourceUnion { Interrupt = new CmInterrupt((uint)claim.Start, (uint)claim.Start, 0) }),
        _ => new(CmResourceType.Dma, descriptor.ShareDisposition, descriptor.Flags, new CmResourceUnion { Dma = new CmDma((uint)claim.Start, 0) }),
    };

    private static ulong AlignUp(ulong value, ulong alignment) => alignment <= 1 ? value : (value + alignment - 1) / alignment * alignment;
}
