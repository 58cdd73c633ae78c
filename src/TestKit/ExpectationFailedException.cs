namespace ActorKernel.TestKit;

/// <summary>An expectation of a <see cref="TestProbe"/> or <see cref="ActorTestKit"/> did not hold; the message says what was expected and what came.</summary>
public sealed class ExpectationFailedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was expected and what happened instead.</param>
    public ExpectationFailedException(string message) : base(message) { }
}
