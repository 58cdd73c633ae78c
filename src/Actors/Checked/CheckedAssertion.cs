using System.Globalization;

namespace ActorKernel.Actors;

/// <summary>
/// A failed assertion of the checked build: the condition as NT's checked kernel writes it, the
/// service that asserted, and the driver routine that called it (module and routine), at which IRQL
/// on which processor.
/// </summary>
/// <param name="Condition">The failed condition, e.g. <c>KeGetCurrentIrql() &lt;= DISPATCH_LEVEL</c>.</param>
/// <param name="Routine">The kernel service that asserted, e.g. <c>KeSetEvent</c>.</param>
/// <param name="CallerModule">The calling routine's image, e.g. <c>mydriver.sys</c>.</param>
/// <param name="CallerRoutine">The calling routine, e.g. <c>MyIsr</c>.</param>
/// <param name="Irql">The IRQL of the call.</param>
/// <param name="Processor">The processor it ran on.</param>
public sealed record CheckedAssertion(string Condition, string Routine, string CallerModule, string CallerRoutine, Irql Irql, int Processor)
{
    /// <summary>The caller as <c>module!routine</c>.</summary>
    public string Caller => CallerModule + "!" + CallerRoutine;

    /// <summary>The report as RtlAssert prints it on the debugger, with the service in place of the source file and the caller.</summary>
    public string Report => string.Create(CultureInfo.InvariantCulture,
        $"*** Assertion failed: {Condition}\n***   Source File: ntoskrnl.exe!{Routine}, called by {Caller} at {Irql.ToDisplayString()} on processor {Processor}");
}
