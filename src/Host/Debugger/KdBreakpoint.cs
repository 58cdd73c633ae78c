using System.Globalization;
using ActorKernel.Actors;

namespace ActorKernel.Host.Debugger;

/// <summary>
/// A breakpoint in simulated time: a driver routine (<c>module!Routine</c>: a dispatch, completion,
/// cancel, StartIo or IoTimer routine) or a kernel service that calls one (<c>nt!IoCallDriver</c>,
/// <c>nt!IoCompleteRequest</c>, <c>nt!IoCancelIrp</c>, <c>nt!IoStartPacket</c>, <c>nt!IoStartTimer</c>),
/// optionally only for one IRP major function (<c>/mj IRP_MJ_READ</c>) or one device (<c>/dev NAME|ADDR</c>).
/// </summary>
internal sealed class KdBreakpoint
{
    // The kernel services a breakpoint may name, with the kind of routine each one calls (the I/O manager's hook sees the call).
    private static readonly Dictionary<string, IoRoutineKind> Services = new(StringComparer.OrdinalIgnoreCase)
    {
        ["nt!IoCallDriver"] = IoRoutineKind.Dispatch,
        ["nt!IofCallDriver"] = IoRoutineKind.Dispatch,
        ["nt!IoCompleteRequest"] = IoRoutineKind.Completion,
        ["nt!IofCompleteRequest"] = IoRoutineKind.Completion,
        ["nt!IoCancelIrp"] = IoRoutineKind.Cancel,
        ["nt!IoStartPacket"] = IoRoutineKind.StartIo,
        ["nt!IoStartTimer"] = IoRoutineKind.Timer,
    };

    /// <summary>The kernel services a breakpoint may name (<c>nt!IoCallDriver</c>...), for the shell's completion.</summary>
    public static IEnumerable<string> ServiceNames => Services.Keys;

    private KdBreakpoint(int id, string symbol, IoRoutineKind? service, IrpMajorFunction? major, string? device, bool oneShot)
    {
        Id = id;
        Symbol = symbol;
        Service = service;
        Major = major;
        Device = device;
        OneShot = oneShot;
    }

    /// <summary>The breakpoint's number (bl, bc).</summary>
    public int Id { get; }

    /// <summary>module!Routine as typed (lower-case module).</summary>
    public string Symbol { get; }

    /// <summary>For a kernel service, the kind of routine it calls.</summary>
    public IoRoutineKind? Service { get; }

    /// <summary>Only for IRPs of this major function.</summary>
    public IrpMajorFunction? Major { get; }

    /// <summary>Only for this device (\Device\NAME or its address in kd's form).</summary>
    public string? Device { get; }

    /// <summary>/1: cleared after its first hit.</summary>
    public bool OneShot { get; }

    /// <summary>Times it was hit.</summary>
    public int Hits { get; set; }

    /// <summary>Parses <c>bp [/1] module!Routine [/mj MAJOR] [/dev DEVICE]</c>; null after writing kd's error to <paramref name="error"/>.</summary>
    /// <param name="id">The new breakpoint's number.</param>
    /// <param name="args">The words after <c>bp</c>.</param>
    /// <param name="error">kd's error text, when the arguments are bad.</param>
    /// <returns>The breakpoint, or null.</returns>
    public static KdBreakpoint? Parse(int id, string[] args, out string? error)
    {
        error = null;
        string? symbol = null;
        IrpMajorFunction? major = null;
        string? device = null;
        var oneShot = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i].ToLowerInvariant())
            {
                case "/1":
                    oneShot = true;
                    break;
                case "/mj" when i + 1 < args.Length:
                    if (ParseMajor(args[++i]) is not { } m)
                    {
                        error = $"Couldn't resolve error at '{args[i]}'\n";
                        return null;
                    }
                    major = m;
                    break;
                case "/dev" when i + 1 < args.Length:
                    device = args[++i];
                    break;
                default:
                    if (symbol is not null || !args[i].Contains('!', StringComparison.Ordinal))
                    {
                        error = $"Couldn't resolve error at '{args[i]}'\n";
                        return null;
                    }
                    symbol = args[i];
                    break;
            }
        }
        if (symbol is null)
        {
            error = "       ^ Syntax error in 'bp': give module!Routine [/mj IRP_MJ_xxx] [/dev DEVICE]\n";
            return null;
        }
        var bang = symbol.IndexOf('!', StringComparison.Ordinal);
        var normalised = symbol[..bang].ToLowerInvariant() + symbol[bang..];
        IoRoutineKind? service = null;
        if (normalised.StartsWith("nt!", StringComparison.Ordinal))
        {
            if (!Services.TryGetValue(normalised, out var kind))
            {
                error = $"Couldn't resolve error at '{symbol}': the kernel services a breakpoint may name are {string.Join(", ", Services.Keys)}\n";
                return null;
            }
            service = kind;
        }
        return new KdBreakpoint(id, normalised, service, major, device, oneShot);
    }

    /// <summary>Whether the routine about to run matches.</summary>
    /// <param name="routine">What the I/O manager is about to run.</param>
    /// <returns>Whether to stop.</returns>
    public bool Matches(in IoRoutineEvent routine)
    {
        if (Service is { } kind ? routine.Kind != kind : !string.Equals(Symbol, SymbolOf(routine), StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        if (Major is { } major && (routine.Irp is null || routine.MajorFunction != major))
        {
            return false;
        }
        if (Device is { } device)
        {
            if (routine.Device is not { } d)
            {
                return false;
            }
            var byAddress = KdFormat.TryParseNumber(device, out var address) && address == d.Address;
            if (!byAddress && !string.Equals(d.Name, device, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>module!Routine of a routine the I/O manager runs.</summary>
    /// <param name="routine">The routine.</param>
    /// <returns>The symbol.</returns>
    public static string SymbolOf(in IoRoutineEvent routine) =>
        KdFormat.ModuleShortName(routine.ImageName ?? "unknown.sys") + "!" + KdCapture.RoutineName(routine.RoutineName);

    /// <summary>The line <c>bl</c> prints.</summary>
    /// <returns>The line.</returns>
    public string Describe()
    {
        var conditions = (Major is { } m ? " /mj " + m.ToDisplayString() : "") + (Device is { } d ? " /dev " + d : "");
        return string.Create(CultureInfo.InvariantCulture, $" {Id} e{(OneShot ? " /1" : "")} {Hits:D4} {Symbol}{conditions}\n");
    }

    private static IrpMajorFunction? ParseMajor(string text)
    {
        if (KdFormat.TryParseNumber(text, out var n) && n < DriverObject.MajorFunctionCount)
        {
            return (IrpMajorFunction)n;
        }
        for (var i = 0; i < DriverObject.MajorFunctionCount; i++)
        {
            if (string.Equals(((IrpMajorFunction)i).ToDisplayString(), text, StringComparison.OrdinalIgnoreCase))
            {
                return (IrpMajorFunction)i;
            }
        }
        return null;
    }
}
