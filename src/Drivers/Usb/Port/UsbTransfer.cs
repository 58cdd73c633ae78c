/*++

Module Name:

    UsbTransfer.cs

Abstract:

    The port driver's record of one transfer URB (usbport's HCD_TRANSFER_CONTEXT): the IRP and URB,
    the device and endpoint, the direction and setup packet, the data's MDL and scatter/gather
    list, the controller slot the miniport used, and the result the miniport reports.

Environment:

    Kernel mode.

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.Usb;

/// <summary>The transfer's kind, as the miniport programs it.</summary>
public enum UsbTransferKind
{
    /// <summary>A control transfer on endpoint 0 (setup, data, status).</summary>
    Control,

    /// <summary>A bulk or interrupt transfer to the device.</summary>
    Out,

    /// <summary>A bulk or interrupt transfer from the device.</summary>
    In,
}

/// <summary>HCD_TRANSFER_CONTEXT.</summary>
public sealed class UsbTransfer
{
    internal UsbTransfer(Irp irp, Urb urb, UsbdDeviceHandle device)
    {
        Irp = irp;
        Urb = urb;
        Device = device;
    }

    /// <summary>The IRP that carried the URB (completed once, by the port).</summary>
    public Irp Irp { get; }

    /// <summary>The URB (a UrbWithBuffer when it has a data stage).</summary>
    public Urb Urb { get; }

    /// <summary>The device.</summary>
    public UsbdDeviceHandle Device { get; }

    /// <summary>The pipe, or null for the default pipe.</summary>
    public UsbdPipeHandle? Pipe { get; internal set; }

    /// <summary>The kind.</summary>
    public UsbTransferKind Kind { get; internal set; }

    /// <summary>The endpoint number (0..15).</summary>
    public int EndpointNumber { get; internal set; }

    /// <summary>The setup packet of a control transfer.</summary>
    public UsbSetupPacket Setup { get; internal set; }

    /// <summary>Whether the data moves from the device to memory.</summary>
    public bool DataIn { get; internal set; }

    /// <summary>The data stage's length.</summary>
    public uint Length { get; internal set; }

    /// <summary>The data's MDL (the URB's, or one the port built for TransferBuffer), null without data.</summary>
    public Mdl? Mdl { get; internal set; }

    /// <summary>Whether the port built <see cref="Mdl"/> and frees it at completion.</summary>
    internal bool OwnsMdl { get; set; }

    /// <summary>The data's scatter/gather list (logical addresses for the controller), null without data.</summary>
    public ScatterGatherList? ScatterGather { get; internal set; }

    /// <summary>The controller slot the miniport put it in (-1: not at the controller).</summary>
    public int Slot { get; set; } = -1;

    /// <summary>The USBD status the miniport reports.</summary>
    public UsbdStatus UsbdStatus { get; set; } = UsbdStatus.Pending;

    /// <summary>Bytes moved, as the miniport reports.</summary>
    public uint ActualLength { get; set; }

    /// <summary>The root hub's answer to a status change transfer (the port-change bitmap).</summary>
    internal byte[]? RootHubData { get; set; }

    /// <summary>The next finished transfer in the port's list.</summary>
    internal UsbTransfer? NextDone { get; set; }
}
