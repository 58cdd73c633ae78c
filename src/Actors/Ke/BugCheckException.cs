using System.Globalization;

namespace ActorKernel.Actors;

/// <summary>
/// KeBugCheckEx in flight: thrown by the kernel service that found a broken rule, caught by the
/// processor that ran the faulting routine, which stops the simulated machine (never the host) and
/// writes the crash dump. Driver code must not catch it.
/// </summary>
public sealed class BugCheckException : Exception
{
    /// <summary>Raises <paramref name="code"/> with its four parameters, as KeBugCheckEx does.</summary>
    public BugCheckException(BugCheckCode code, ulong parameter1 = 0, ulong parameter2 = 0, ulong parameter3 = 0, ulong parameter4 = 0)
        : base(Describe(code, parameter1, parameter2, parameter3, parameter4))
    {
        Code = code;
        Parameter1 = parameter1;
        Parameter2 = parameter2;
        Parameter3 = parameter3;
        Parameter4 = parameter4;
    }

    /// <summary>The stop code.</summary>
    public BugCheckCode Code { get; }

    /// <summary>The first parameter; its meaning depends on <see cref="Code"/>.</summary>
    public ulong Parameter1 { get; }

    /// <summary>The second parameter.</summary>
    public ulong Parameter2 { get; }

    /// <summary>The third parameter.</summary>
    public ulong Parameter3 { get; }

    /// <summary>The fourth parameter.</summary>
    public ulong Parameter4 { get; }

    /// <summary>The WinDbg form: <c>DRIVER_IRQL_NOT_LESS_OR_EQUAL (d1) (p1, p2, p3, p4)</c>.</summary>
    public static string Describe(BugCheckCode code, ulong p1, ulong p2, ulong p3, ulong p4) =>
        string.Format(CultureInfo.InvariantCulture, "{0} ({1:x}) ({2:x16}, {3:x16}, {4:x16}, {5:x16})",
            BugCheckCatalog.GetName(code), (uint)code, p1, p2, p3, p4);
}
