namespace ActorKernel.Host;

/// <summary>How bad a scenario problem is: errors stop a run, warnings are printed and the run goes on.</summary>
public enum ProblemSeverity
{
    /// <summary>The scenario cannot run.</summary>
    Error,

    /// <summary>The scenario runs, but probably not as its author meant.</summary>
    Warning,
}

/// <summary>One problem in a scenario file: where it is and what was expected.</summary>
/// <param name="Source">The file (or <c>embedded:NAME</c>) the scenario came from.</param>
/// <param name="Path">The JSON path, e.g. <c>$.devices[1].irq</c>.</param>
/// <param name="Message">What is wrong and what was expected.</param>
/// <param name="Severity">Error or warning.</param>
public sealed record ScenarioProblem(string Source, string Path, string Message, ProblemSeverity Severity = ProblemSeverity.Error)
{
    /// <summary>The one-line form: <c>file: $.path: message</c> (warnings say so).</summary>
    public override string ToString() =>
        Severity == ProblemSeverity.Warning ? $"{Source}: {Path}: warning: {Message}" : $"{Source}: {Path}: {Message}";
}
