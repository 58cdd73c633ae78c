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

    /// <summary>An exception escaped a routine: a bugcheck it carried, or KMODE_EXCEPTION_NOT_HANDLED / SYSTEM_THREAD_EXCEPTION_NOT_HANDLED.</summary>
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
