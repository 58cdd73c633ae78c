/*++

Module Name:

    Usbd.cs

Abstract:

    The client-side helpers of usbdlib.h / usbd.sys: UsbBuildGetDescriptorRequest,
    UsbBuildInterruptOrBulkTransferRequest, UsbBuildFeatureRequest, UsbBuildVendorRequest and
    USBD_CreateConfigurationRequestEx, which fill a URB the way the WDK macros do.

Environment:

    Kernel mode.

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.Usb;

/// <summary>usbdlib.h's URB builders.</summary>
public static class Usbd
{
    /// <summary>UsbBuildGetDescriptorRequest: GET_DESCRIPTOR_FROM_DEVICE of <paramref name="descriptorType"/> into a buffer.</summary>
    /// <param name="descriptorType">The descriptor type.</param>
    /// <param name="index">The descriptor index.</param>
    /// <param name="languageId">The language (string descriptors), else 0.</param>
    /// <param name="transferBuffer">A nonpaged system address, or 0 with <paramref name="transferBufferMdl"/>.</param>
    /// <param name="transferBufferMdl">The buffer's MDL, or null.</param>
    /// <param name="transferBufferLength">The bytes wanted.</param>
    /// <returns>The URB.</returns>
    public static UrbControlDescriptorRequest UsbBuildGetDescriptorRequest(UsbDescriptorType descriptorType, byte index, ushort languageId,
        ulong transferBuffer, Mdl? transferBufferMdl, uint transferBufferLength) => new()
    {
        DescriptorType = descriptorType,
        Index = index,
        LanguageId = languageId,
        TransferBuffer = transferBuffer,
        TransferBufferMdl = transferBufferMdl,
        TransferBufferLength = transferBufferLength,
    };

    /// <summary>UsbBuildInterruptOrBulkTransferRequest.</summary>
    /// <param name="pipeHandle">The bulk or interrupt pipe.</param>
    /// <param name="transferBuffer">A nonpaged system address, or 0 with <paramref name="transferBufferMdl"/>.</param>
    /// <param name="transferBufferMdl">The buffer's MDL, or null.</param>
    /// <param name="transferBufferLength">The bytes to move.</param>
    /// <param name="transferFlags">USBD_TRANSFER_DIRECTION_IN/OUT, USBD_SHORT_TRANSFER_OK.</param>
    /// <returns>The URB.</returns>
    public static UrbBulkOrInterruptTransfer UsbBuildInterruptOrBulkTransferRequest(UsbdPipeHandle pipeHandle, ulong transferBuffer, Mdl? transferBufferMdl,
        uint transferBufferLength, UsbdTransferFlags transferFlags) => new()
    {
        PipeHandle = pipeHandle,
        TransferBuffer = transferBuffer,
        TransferBufferMdl = transferBufferMdl,
        TransferBufferLength = transferBufferLength,
        TransferFlags = transferFlags,
    };

    /// <summary>UsbBuildFeatureRequest: SET_FEATURE_TO_* or CLEAR_FEATURE_TO_*.</summary>
    /// <param name="function">The feature function.</param>
    /// <param name="featureSelector">The feature.</param>
    /// <param name="index">wIndex (port, interface or endpoint).</param>
    /// <returns>The URB.</returns>
    public static UrbControlFeatureRequest UsbBuildFeatureRequest(UrbFunction function, ushort featureSelector, ushort index) => new(function)
    {
        FeatureSelector = featureSelector,
        Index = index,
    };

    /// <summary>UsbBuildVendorRequest: a CLASS_ or VENDOR_ request (the name covers both, as in usbdlib.h).</summary>
    /// <param name="function">CLASS_DEVICE, CLASS_INTERFACE, CLASS_OTHER, VENDOR_DEVICE ...</param>
    /// <param name="transferFlags">Direction and short-transfer flags.</param>
    /// <param name="request">bRequest.</param>
    /// <param name="value">wValue.</param>
    /// <param name="index">wIndex.</param>
    /// <param name="transferBuffer">A nonpaged system address, or 0.</param>
    /// <param name="transferBufferMdl">The buffer's MDL, or null.</param>
    /// <param name="transferBufferLength">The data stage's length.</param>
    /// <returns>The URB.</returns>
    public static UrbControlVendorOrClassRequest UsbBuildVendorRequest(UrbFunction function, UsbdTransferFlags transferFlags, byte request, ushort value, ushort index,
        ulong transferBuffer, Mdl? transferBufferMdl, uint transferBufferLength) => new(function)
    {
        TransferFlags = transferFlags,
        Request = request,
        Value = value,
        Index = index,
        TransferBuffer = transferBuffer,
        TransferBufferMdl = transferBufferMdl,
        TransferBufferLength = transferBufferLength,
    };

    /// <summary>
    /// USBD_CreateConfigurationRequestEx: a SELECT_CONFIGURATION for <paramref name="configuration"/>
    /// with one USBD_INTERFACE_INFORMATION per interface (alternate setting 0) the configuration lists.
    /// </summary>
    /// <param name="configuration">The whole configuration (wTotalLength bytes).</param>
    /// <returns>The URB.</returns>
    public static UrbSelectConfiguration CreateConfigurationRequestEx(byte[] configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var interfaces = new List<UsbdInterfaceInformation>();
        foreach (var (descriptor, _) in UsbConfiguration.Parse(configuration))
        {
            if (descriptor.AlternateSetting == 0)
            {
                interfaces.Add(new UsbdInterfaceInformation { InterfaceNumber = descriptor.InterfaceNumber });
            }
        }
        return new UrbSelectConfiguration { ConfigurationDescriptor = configuration, Interfaces = interfaces };
    }
}
