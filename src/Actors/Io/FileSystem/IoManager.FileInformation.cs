namespace ActorKernel.Actors;

// The buffers of NtQueryInformationFile, NtSetInformationFile and NtQueryDirectoryFile: always a
// system buffer, as METHOD_BUFFERED (NT buffers the information services so; for the directory query
// NT follows the file system device's DO_BUFFERED_IO / DO_DIRECT_IO, here it is always buffered).
public sealed partial class IoManager
{
    /// <summary>An output system buffer of <paramref name="length"/> bytes whose first Information bytes completion copies to <paramref name="output"/>.</summary>
    internal void IopPrepareQueryBuffer(Irp irp, UserBuffer output, uint length)
    {
        if (length == 0)
        {
            return;
        }
        IopAllocateSystemBuffer(irp, length);
        irp.Flags |= IrpFlags.InputOperation;
        irp.UserBuffer = output;
    }

    /// <summary>An input system buffer holding <paramref name="bytes"/> (already captured from the caller).</summary>
    internal void IopPrepareSetBuffer(Irp irp, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0)
        {
            return;
        }
        var system = IopAllocateSystemBuffer(irp, (uint)bytes.Length);
        bytes.CopyTo(system);
    }

    /// <summary>Captures the caller's input structure (the copy under try/except): STATUS_ACCESS_VIOLATION for a bad user range.</summary>
    internal NtStatus IopCaptureInput(UserBuffer input, Span<byte> destination) => IopCopyIn(input, destination);
}
