using ActorKernel.Runtime;

namespace ActorKernel.Actors;

/// <summary>One device I/O control a workload is about to send: its code and the lengths of the buffers it uses.</summary>
/// <param name="Code">The IOCTL.</param>
/// <param name="InputLength">Bytes of the input buffer passed (0: no input buffer).</param>
/// <param name="OutputLength">Bytes of the output buffer passed (0: no output buffer).</param>
public readonly record struct IoctlCall(IoControlCode Code, int InputLength, int OutputLength);

/// <summary>
/// The IOCTLs of one request slot of a workload: what to send and how to check the reply. A workload
/// makes one per slot (<see cref="WorkloadDefinition.Ioctls"/>), so an implementation may keep what its
/// last request expects in fields. The default sends one fixed code and checks nothing.
/// </summary>
public abstract class WorkloadIoctl
{
    /// <summary>The largest input it writes.</summary>
    public abstract int MaxInputLength { get; }

    /// <summary>The largest output it asks for.</summary>
    public abstract int MaxOutputLength { get; }

    /// <summary>A fixed IOCTL with <paramref name="inputLength"/> bytes in and <paramref name="outputLength"/> out, whose reply is not checked.</summary>
    /// <param name="code">The IOCTL.</param>
    /// <param name="inputLength">Input bytes (the slot's random size when negative).</param>
    /// <param name="outputLength">Output bytes.</param>
    /// <returns>A factory for <see cref="WorkloadDefinition.Ioctls"/>.</returns>
    public static Func<WorkloadIoctl> Fixed(IoControlCode code, int inputLength = -1, int outputLength = 0) => () => new FixedIoctl(code, inputLength, outputLength);

    /// <summary>Writes the next request's input into <paramref name="input"/>.</summary>
    /// <param name="random">The slot's generator.</param>
    /// <param name="input">The input buffer (<see cref="MaxInputLength"/> bytes or the slot's buffer, whichever is larger).</param>
    /// <param name="size">The size the workload's distribution drew for this request.</param>
    /// <returns>The code and lengths to send.</returns>
    public abstract IoctlCall Prepare(DeterministicRandom random, Span<byte> input, int size);

    /// <summary>Checks a successful request's output; null when this IOCTL is not checked.</summary>
    /// <param name="output">The output buffer as the program sees it after completion.</param>
    /// <param name="bytesReturned">The byte count the driver reported.</param>
    /// <returns>true when the reply is right, false when wrong, null when not checked.</returns>
    public virtual bool? Check(ReadOnlySpan<byte> output, uint bytesReturned) => null;

    private sealed class FixedIoctl(IoControlCode code, int inputLength, int outputLength) : WorkloadIoctl
    {
        public override int MaxInputLength => Math.Max(0, inputLength);

        public override int MaxOutputLength => outputLength;

        public override IoctlCall Prepare(DeterministicRandom random, Span<byte> input, int size) =>
            new(code, inputLength < 0 ? Math.Min(size, input.Length) : inputLength, outputLength);
    }
}
