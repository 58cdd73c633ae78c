/*++

Module Name:

    UsbStor.Csw.cs

Abstract:

    The host's rules for a Command Status Wrapper (USB MSC Bulk-Only Transport 1.0, 6.3): a CSW is
    valid when it came as 13 bytes with the signature 'USBS' and the tag of the CBW it answers, and
    meaningful when its status is Command Passed or Command Failed with a residue not above the
    length the CBW asked for, or Phase Error. Anything else makes the host perform a reset recovery
    (BOT 5.3.3, 6.6.1). The wrapper layouts themselves are UsbMassStorage (Include).

Environment:

    Kernel mode, any IRQL (pure data).

--*/

namespace ActorKernel.Drivers.Usb.Storage;

public static partial class UsbStor
{
    /// <summary>BOT 6.3.1 (valid) and 6.3.2 (meaningful).</summary>
    /// <param name="csw">The bytes the bulk-in transfer brought.</param>
    /// <param name="tag">The CBW's dCBWTag.</param>
    /// <param name="expected">The CBW's dCBWDataTransferLength.</param>
    /// <returns>Whether the host may act on the CSW's status, and the CSW's residue and status.</returns>
    public static (bool Meaningful, uint DataResidue, byte Status) UsbStorCheckCsw(ReadOnlySpan<byte> csw, uint tag, uint expected)
    {
        if (csw.Length != UsbMassStorage.CswSize)
        {
            return (false, 0, UsbMassStorage.CswStatusPhaseError);
        }
        var (signature, cswTag, residue, status) = UsbMassStorage.ReadCsw(csw);
        var meaningful = signature && cswTag == tag &&
            (status == UsbMassStorage.CswStatusPhaseError || (status <= UsbMassStorage.CswStatusFailed && residue <= expected));
        return (meaningful, residue, status);
    }
}
