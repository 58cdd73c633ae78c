namespace ActorKernel.Actors;

public static partial class Wdm
{
    /// <summary>NormalPagePriority (16), the usual priority for MmGetSystemAddressForMdlSafe.</summary>
    public const uint NormalPagePriority = 16;

    /// <summary>MmGetSystemAddressForMdlSafe: the system-space view of the pages a direct-I/O MDL locked.</summary>
    /// <param name="mdl">Irp-&gt;MdlAddress.</param>
    /// <param name="priority">Page priority (NormalPagePriority).</param>
    /// <returns>The bytes, shared with the requester's buffer.</returns>
    /// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
    public static Memory<byte> MmGetSystemAddressForMdlSafe(UserBufferMdl mdl, uint priority)
    {
        ArgumentNullException.ThrowIfNull(mdl);
        _ = priority;
        return mdl.SystemAddress;
    }
}
