namespace ActorKernel.Actors;

public sealed partial class Mdl
{
    /// <summary>The pages MmProbeAndLockSelectedPages locked, in MDL order (null for an MDL of one virtual range): unlocking walks these.</summary>
    internal ulong[]? SelectedPages { get; set; }

    /// <summary>The virtual address of the MDL's page <paramref name="index"/>: the selected page, or the range's.</summary>
    internal ulong PageVa(int index) => SelectedPages is { } pages ? pages[index] : StartVa + ((ulong)index << MmLayout.PageShift);
}
