namespace ActorKernel.Actors;

public sealed partial class Machine
{
    /// <summary>The checked build's failed assertion that stopped this machine, or null (docs/verifier.md, "Checked build").</summary>
    public CheckedAssertion? CheckedAssertion { get; private set; }

    /// <summary>Records the failed assertion (the first one; the machine stops with it).</summary>
    internal void KiRecordCheckedAssertion(CheckedAssertion assertion)
    {
        if (!IsBugChecked)
        {
            CheckedAssertion ??= assertion;
        }
    }
}
