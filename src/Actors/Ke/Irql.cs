using System.Globalization;

namespace ActorKernel.Actors;

/// <summary>
/// Interrupt request levels with the x64 (AMD64) values from <c>wdm.h</c>.
/// </summary>
/// <remarks>
/// On x64, levels 3 through 12 are device IRQLs (DIRQL) assigned to interrupt objects; the
/// header also defines <c>CMCI_LEVEL</c> = 5 inside that range. <c>IPI_LEVEL</c>,
/// <c>DRS_LEVEL</c> and <c>POWER_LEVEL</c> are all 14; <c>PROFILE_LEVEL</c> and
/// <c>HIGH_LEVEL</c> are both 15. (The x86 values differ: CLOCK2_LEVEL 28, IPI 29, POWER 30, HIGH 31.)
/// </remarks>
public enum Irql : byte
{
    /// <summary>PASSIVE_LEVEL (0): normal thread execution; all APCs and interrupts enabled.</summary>
    PassiveLevel = 0,

    /// <summary>LOW_LEVEL (0): alias of <see cref="PassiveLevel"/>.</summary>
    LowLevel = 0,

    /// <summary>APC_LEVEL (1): APC delivery is masked; page faults are still allowed.</summary>
    ApcLevel = 1,

    /// <summary>DISPATCH_LEVEL (2): thread dispatching and DPC delivery are masked; no page faults, no waiting with a non-zero timeout.</summary>
    DispatchLevel = 2,

    /// <summary>The lowest device IRQL (3); levels 3..12 are DIRQLs.</summary>
    DeviceLevelMin = 3,

    /// <summary>CMCI_LEVEL (5): corrected machine check interrupt level (a DIRQL on x64).</summary>
    CmciLevel = 5,

    /// <summary>The highest device IRQL (12).</summary>
    DeviceLevelMax = 12,

    /// <summary>CLOCK_LEVEL (13): the interval clock interrupt.</summary>
    ClockLevel = 13,

    /// <summary>IPI_LEVEL (14): inter-processor interrupts.</summary>
    IpiLevel = 14,

    /// <summary>DRS_LEVEL (14): alias of <see cref="IpiLevel"/>.</summary>
    DrsLevel = 14,

    /// <summary>POWER_LEVEL (14): power failure level; alias of <see cref="IpiLevel"/> on x64.</summary>
    PowerLevel = 14,

    /// <summary>PROFILE_LEVEL (15): profiling timer; alias of <see cref="HighLevel"/> on x64.</summary>
    ProfileLevel = 15,

    /// <summary>HIGH_LEVEL (15): all interrupts masked.</summary>
    HighLevel = 15,
}

/// <summary>Helpers for <see cref="Irql"/>.</summary>
public static class IrqlExtensions
{
    /// <summary>True when <paramref name="irql"/> is a device IRQL (3..12 on x64).</summary>
    /// <param name="irql">The level to test.</param>
    /// <returns><see langword="true"/> for DIRQL values.</returns>
    public static bool IsDeviceLevel(this Irql irql) => irql is >= Irql.DeviceLevelMin and <= Irql.DeviceLevelMax;

    /// <summary>
    /// The WDK-style name: <c>PASSIVE_LEVEL</c>, <c>APC_LEVEL</c>, <c>DISPATCH_LEVEL</c>,
    /// <c>DIRQL(5)</c> for 3..12, <c>CLOCK_LEVEL</c>, <c>IPI_LEVEL</c> (also POWER_LEVEL), <c>HIGH_LEVEL</c>
    /// (also PROFILE_LEVEL); out-of-range values print as <c>IRQL(n)</c>.
    /// </summary>
    /// <param name="irql">The level to format.</param>
    /// <returns>The display string.</returns>
    public static string ToDisplayString(this Irql irql) => (byte)irql switch
    {
        0 => "PASSIVE_LEVEL",
        1 => "APC_LEVEL",
        2 => "DISPATCH_LEVEL",
        >= 3 and <= 12 => "DIRQL(" + ((byte)irql).ToString(CultureInfo.InvariantCulture) + ")",
        13 => "CLOCK_LEVEL",
        14 => "IPI_LEVEL",
        15 => "HIGH_LEVEL",
        _ => "IRQL(" + ((byte)irql).ToString(CultureInfo.InvariantCulture) + ")",
    };
}
