namespace ActorKernel.Actors;

internal sealed partial class Processor
{
    /// <summary>STATUS_ASSERTION_FAILURE: the exception code used when a routine breaks the simulator's own contract.</summary>
    internal const ulong StatusAssertionFailure = 0xC0000420;

    /// <summary>
    /// KeBugCheckEx from this processor: freezes the machine now (the dump shows the faulting frame
    /// still on the stack) and returns the exception a kernel service throws to unwind the routine.
    /// </summary>
    public BugCheckException KiBugCheck(Frame? frame, BugCheckCode code, ulong p1, ulong p2, ulong p3, ulong p4, string? note = null) =>
        Machine.KeBugCheck(this, frame, code, p1, p2, p3, p4, note);

    /// <summary>
    /// A routine reached by a hop threw (an IoCallDriver's dispatch routine): the machine stops now, as when the
    /// routine's frame returns with the exception, since a caller that did not await the call never observes it.
    /// </summary>
    internal void KiBugCheckForHopException(Exception exception)
    {
        if (Top is { } frame)
        {
            KiBugCheckForException(frame, exception);
        }
    }

    /// <summary>
    /// An exception escaped a routine: a bugcheck it carried, KMODE_EXCEPTION_NOT_HANDLED /
    /// SYSTEM_THREAD_EXCEPTION_NOT_HANDLED when the driver's code raised it, or, when the simulator's own
    /// code did, a stop as a simulator defect that blames no driver (<see cref="KiSimulatorSite"/>).
    /// </summary>
    private void KiBugCheckForException(Frame frame, Exception exception)
    {
        if (Machine.IsBugChecked)
        {
            return;
        }
        if (exception is BugCheckException bugCheck)
        {
            KiBugCheck(frame, bugCheck.Code, bugCheck.Parameter1, bugCheck.Parameter2, bugCheck.Parameter3, bugCheck.Parameter4, "KeBugCheckEx called by the routine");
            return;
        }
        if (exception is SimulatorDefectException defect)
        {
            Machine.KiStopForSimulatorDefect(defect);
            return;
        }
        if (KiSimulatorSite(exception) is { } site)
        {
            Machine.KiStopForSimulatorDefect(new SimulatorDefectException(Number, frame.Module.Name, frame.RoutineName, site, exception));
            return;
        }
        var code = ExceptionCode(exception);
        var address = Machine.RoutineAddress(frame.Module, frame.RoutineName);
        var note = $"{exception.GetType().Name}: {exception.Message}";
        if (exception is NtStatusException raised && frame.Kind != FrameKind.Thread)
        {
            // An ExRaiseStatus/access violation nobody caught: P3/P4 are the exception's parameters (0 read / 1 write, the address).
            KiBugCheck(frame, BugCheckCode.KmodeExceptionNotHandled, code, address, (ulong)raised.Access, raised.Address, note);
            return;
        }
        if (frame.Kind == FrameKind.Thread)
        {
            // P3/P4 would be the exception and context records; there are none to point at.
            KiBugCheck(frame, BugCheckCode.SystemThreadExceptionNotHandled, code, address, 0, 0, note);
        }
        else
        {
            KiBugCheck(frame, BugCheckCode.KmodeExceptionNotHandled, code, address, 0, 0, note);
        }
    }

    /// <summary>The simulator's own assemblies: the kernel, the actor runtime, the device models and the host.</summary>
    private static readonly string[] SimulatorAssemblies = ["ActorKernel.Actors", "ActorKernel.Runtime", "ActorKernel.Hardware", "actorkernel"];

    /// <summary>
    /// Where the simulator's own code raised <paramref name="exception"/> (<c>Type.Method</c>), or null
    /// when it is the driver's. Decided by the throw site, the first frame of the exception's stack trace
    /// outside the .NET libraries: in a driver's assembly (src/Drivers, a test's drivers) the fault is the
    /// driver's, as an access violation in its image is; in the simulator's assemblies it is a simulator
    /// defect, except for the kernel's deliberate answers to the caller: NtStatusException (ExRaiseStatus,
    /// a probe of the driver's pointer) and an ArgumentException or InvalidOperationException the kernel
    /// throws itself (or through ArgumentException.ThrowIfNull and the like) to refuse how it was called.
    /// What the runtime raises in kernel code (NullReference, IndexOutOfRange, InvalidCast, KeyNotFound, a
    /// collection's own exceptions, arithmetic) is the simulator's. docs/processors.md has the rule.
    /// </summary>
    internal static string? KiSimulatorSite(Exception exception)
    {
        if (exception is BugCheckException or NtStatusException or PspThreadTerminatedException)
        {
            return null;
        }
        var frames = new System.Diagnostics.StackTrace(exception, false).GetFrames();
        var first = true;
        foreach (var f in frames)
        {
            var method = f.GetMethod();
            var type = method?.DeclaringType;
            if (method is null || type is null)
            {
                first = false;
                continue;
            }
            var assembly = type.Assembly.GetName().Name ?? "";
            if (assembly is "System.Private.CoreLib" || assembly.StartsWith("System.", StringComparison.Ordinal) || assembly.StartsWith("Microsoft.", StringComparison.Ordinal))
            {
                // A throw helper of an exception type (ArgumentNullException.ThrowIfNull) throws for its caller, on purpose.
                first = first && typeof(Exception).IsAssignableFrom(type) && method.Name.StartsWith("Throw", StringComparison.Ordinal);
                continue;
            }
            if (Array.IndexOf(SimulatorAssemblies, assembly) < 0)
            {
                return null; // the driver's code raised it (or the library call it made)
            }
            var deliberate = first && exception is ArgumentException or InvalidOperationException;
            return deliberate ? null : KiSiteName(type, method.Name);
        }
        return null; // no stack trace to read: as before, the running routine's
    }

    /// <summary><c>IoManager.IoCompleteRequest</c> for a frame, the async method's name for its state machine's MoveNext.</summary>
    private static string KiSiteName(Type type, string method)
    {
        // Compiler names: <IopCallDriverHop>d__12.MoveNext (an async method's state machine, nested in the real type),
        // <Build>b__3_0 (a lambda in Build, on a nested closure class <>c).
        static string Inner(string name) => name.StartsWith('<') && name.IndexOf('>', StringComparison.Ordinal) is > 1 and var end ? name[1..end] : name;
        var real = type;
        while (real.Name.StartsWith('<') && real.DeclaringType is { } outer)
        {
            real = outer;
        }
        var name = method.StartsWith('<') ? Inner(method) : type.Name.StartsWith('<') && Inner(type.Name) != type.Name ? Inner(type.Name) : method;
        return $"{real.Name}.{name}";
    }

    /// <summary>The NTSTATUS exception code a .NET exception stands for.</summary>
    private static ulong ExceptionCode(Exception exception) => exception switch
    {
        NtStatusException raised => (uint)raised.Status,
        NullReferenceException or AccessViolationException => 0xC0000005, // STATUS_ACCESS_VIOLATION
        DivideByZeroException => 0xC0000094, // STATUS_INTEGER_DIVIDE_BY_ZERO
        IndexOutOfRangeException or ArgumentOutOfRangeException => 0xC000008C, // STATUS_ARRAY_BOUNDS_EXCEEDED
        OverflowException => 0xC0000095, // STATUS_INTEGER_OVERFLOW
        StackOverflowException or InsufficientExecutionStackException => 0xC00000FD, // STATUS_STACK_OVERFLOW
        _ => StatusAssertionFailure,
    };
}
