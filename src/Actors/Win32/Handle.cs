namespace ActorKernel.Actors;

/// <summary>A HANDLE of a user process: an index into its handle table (4, 8, 12, ...).</summary>
/// <param name="Value">The handle value.</param>
public readonly record struct Handle(ulong Value)
{
    /// <summary>NULL (0): what CreateEvent and CreateIoCompletionPort return on failure.</summary>
    public static readonly Handle Null;

    /// <summary>INVALID_HANDLE_VALUE ((HANDLE)-1): what CreateFile returns on failure.</summary>
    public static readonly Handle Invalid = new(ulong.MaxValue);

    /// <summary>Whether the value is neither NULL nor INVALID_HANDLE_VALUE (it may still be closed or unknown).</summary>
    public bool IsValid => Value != 0 && Value != ulong.MaxValue;

    /// <inheritdoc />
    public override string ToString() => Value == ulong.MaxValue ? "INVALID_HANDLE_VALUE" : FormattableString.Invariant($"0x{Value:X}");
}
