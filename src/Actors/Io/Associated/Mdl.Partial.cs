namespace ActorKernel.Actors;

// IoBuildPartialMdl's half inside the MDL: the target takes the source's page frames for its range.
public sealed partial class Mdl
{
    /// <summary>Fills this MDL (from IoAllocateMdl over the range) with the page frames of <paramref name="source"/> under [<paramref name="virtualAddress"/>, +<paramref name="length"/>).</summary>
    internal void IopBuildPartial(Mdl source, ulong virtualAddress, uint length)
    {
        if (source.IsManaged || IsManaged)
        {
            throw new InvalidOperationException("IoBuildPartialMdl needs MDLs of simulated memory (a managed buffer has no page frames).");
        }
        var first = (int)((virtualAddress - source.StartVa) >> MmLayout.PageShift);
        var pages = MmLayout.SpanPages(virtualAddress, length);
        for (var i = 0; i < (int)pages; i++)
        {
            _pfns[i] = source._pfns[first + i];
        }
        Process = source.Process;
        // MDL_PARTIAL; the locked state is the source's (see Wdm.IoBuildPartialMdl's remarks).
        Flags = (Flags & MdlFlags.AllocatedFixedSize) | (source.Flags & (MdlFlags.SourceIsNonPagedPool | MdlFlags.WriteOperation | MdlFlags.PagesLocked)) | MdlFlags.Partial;
        if ((source.Flags & MdlFlags.SourceIsNonPagedPool) != 0)
        {
            MappedSystemVa = virtualAddress;
        }
    }
}
