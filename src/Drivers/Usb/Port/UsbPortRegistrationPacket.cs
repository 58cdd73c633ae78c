/*++

Module Name:

    UsbPortRegistrationPacket.cs

Abstract:

    USBPORT_REGISTRATION_PACKET (usbport.h, shared by usbport.sys and its miniports): the routines
    a host controller miniport gives the port driver in USBPORT_RegisterUSBPortDriver, and the
    sizes the port allocates for it (the controller's common buffer). The port calls them with its
    FDO extension; the miniport keeps its own state in UsbPortFdoExtension.MiniportExtension.

    The root hub routines (MINIPORT_RH_*) read and change the controller's root port registers; the
    port driver's root hub emulation (UsbPort.RootHub.cs) turns the hub class requests into them.

    Left out: endpoint open/close/poll per endpoint (one transfer ring serves every endpoint here),
    isochronous transfers, suspend/resume, the debug port, the companion controllers.

Environment:

    Kernel mode.

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.Usb;

/// <summary>USBPORT_REGISTRATION_PACKET.</summary>
public sealed class UsbPortRegistrationPacket
{
    /// <summary>The bytes of common buffer (DMA-reachable, physically contiguous) the port allocates for the miniport at start.</summary>
    public int CommonBufferBytes { get; init; }

    /// <summary>The largest transfer one URB may move (the port fails larger ones with USBD_STATUS_INVALID_PARAMETER).</summary>
    public uint MaximumTransferSize { get; init; } = 64 * 1024;

    /// <summary>The device name stem of the port's FDO (\Device\{stem}N, a \??\HCDn link).</summary>
    public string DeviceNameStem { get; init; } = "USBFDO-";

    /// <summary>MINIPORT_START_CONTROLLER: maps the registers from the translated resources, resets the controller and starts its schedule in the common buffer (the interrupt is connected after it returns).</summary>
    public required Func<UsbPortFdoExtension, CmResourceList, ValueTask<NtStatus>> StartController { get; init; }

    /// <summary>MINIPORT_ENABLE_INTERRUPTS: the interrupt is connected; the controller may raise it.</summary>
    public required Action<UsbPortFdoExtension> EnableInterrupts { get; init; }

    /// <summary>MINIPORT_STOP_CONTROLLER: halts the controller (no more DMA) and unmaps its registers.</summary>
    public required Func<UsbPortFdoExtension, ValueTask> StopController { get; init; }

    /// <summary>MINIPORT_SUBMIT_TRANSFER: programs the controller for a transfer; false when it has no room (the port retries after a completion). DISPATCH_LEVEL, under the port's lock.</summary>
    public required Func<UsbPortFdoExtension, UsbTransfer, ValueTask<bool>> SubmitTransfer { get; init; }

    /// <summary>MINIPORT_INTERRUPT_SERVICE: the ISR's hardware half; acknowledges the controller and says whether the interrupt was its own (DIRQL).</summary>
    public required Func<UsbPortFdoExtension, ValueTask<bool>> InterruptService { get; init; }

    /// <summary>MINIPORT_INTERRUPT_DPC / POLL: reports every finished transfer with UsbPort.UsbPortCompleteTransfer and returns whether a root port changed (DISPATCH_LEVEL, under the port's lock).</summary>
    public required Func<UsbPortFdoExtension, ValueTask<bool>> InterruptDpc { get; init; }

    /// <summary>MINIPORT_RH_GET_ROOT_HUB_DATA: the number of root ports.</summary>
    public required Func<UsbPortFdoExtension, int> RhGetRootHubData { get; init; }

    /// <summary>MINIPORT_RH_GET_PORT_STATUS: wPortStatus and wPortChange of a root port, from its register.</summary>
    public required Func<UsbPortFdoExtension, int, (UsbHubPortStatus Status, UsbHubPortChange Change)> RhGetPortStatus { get; init; }

    /// <summary>MINIPORT_RH_SET_FEATURE_PORT_*: PORT_RESET (asynchronous: C_PORT_RESET follows), PORT_POWER; false for a feature the controller has not.</summary>
    public required Func<UsbPortFdoExtension, int, UsbFeature, bool> RhSetFeature { get; init; }

    /// <summary>MINIPORT_RH_CLEAR_FEATURE_PORT_*: PORT_ENABLE, C_PORT_CONNECTION, C_PORT_ENABLE, C_PORT_RESET; false for one the controller has not.</summary>
    public required Func<UsbPortFdoExtension, int, UsbFeature, bool> RhClearFeature { get; init; }
}
