namespace ActorKernel.Hardware.Tests.Fakes;

/// <summary>An interrupt pin that records what the device model did with it.</summary>
internal sealed class FakePin : IInterruptPin
{
    public bool Asserted { get; private set; }

    public int Assertions { get; private set; }

    /// <summary>Every Assert call (one edge each on an edge-triggered line).</summary>
    public int Edges { get; private set; }

    public void Assert()
    {
        Edges++;
        if (!Asserted)
        {
            Assertions++;
        }
        Asserted = true;
    }

    public void Deassert() => Asserted = false;
}
