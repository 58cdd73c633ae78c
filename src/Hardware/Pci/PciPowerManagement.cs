namespace ActorKernel.Hardware;

/// <summary>PMCSR.PowerState (PCI Bus Power Management Interface Specification 1.2, section 3.2.4): bits 1:0.</summary>
public enum PciPowerState
{
    /// <summary>D0: fully on.</summary>
    D0 = 0,

    /// <summary>D1 (not supported by the sample devices: PMC.D1_Support clear).</summary>
    D1 = 1,

    /// <summary>D2 (not supported by the sample devices: PMC.D2_Support clear).</summary>
    D2 = 2,

    /// <summary>D3hot: only configuration space answers; the function's own state is lost.</summary>
    D3Hot = 3,
}

/// <summary>
/// The PCI power management capability of a function (capability ID 0x01, at 0x40 in the header):
/// PMC at +2, PMCSR at +4. The offsets pci.sys and the tests use.
/// </summary>
public static class PciPowerManagementCapability
{
    /// <summary>The capability's offset in the header (CapabilitiesPtr, 0x34, points here).</summary>
    public const int Offset = 0x40;

    /// <summary>PCI_CAPABILITY_ID_POWER_MANAGEMENT.</summary>
    public const byte CapabilityId = 0x01;

    /// <summary>The header's CapabilitiesPtr register.</summary>
    public const int CapabilitiesPointer = 0x34;

    /// <summary>PMCSR's offset in the header.</summary>
    public const int PmcsrOffset = Offset + 4;

    /// <summary>PMCSR.No_Soft_Reset (bit 3): the configuration header survives D3hot (the function's own registers do not, see <see cref="IPciPowerManagedDevice"/>).</summary>
    public const ushort NoSoftReset = 0x0008;
}

/// <summary>
/// A device model behind a BAR that follows its function's PMCSR.PowerState: in D3hot its core has no
/// power, so it forgets its register state and work in flight; back in D0 it comes up as after reset
/// (the driver must program it again).
/// </summary>
public interface IPciPowerManagedDevice
{
    /// <summary>The function's PMCSR.PowerState changed to <paramref name="state"/>.</summary>
    /// <param name="state">The new state.</param>
    void SetPciPowerState(PciPowerState state);
}
