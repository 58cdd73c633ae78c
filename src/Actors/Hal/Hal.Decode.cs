using ActorKernel.Hardware;

namespace ActorKernel.Actors;

// Decoding a driver's access and checking it against the resources its driver was given.
public sealed partial class Hal
{
    /// <summary>
    /// The range answering an access of <paramref name="width"/> at <paramref name="address"/>, or
    /// null when nothing decodes all of it. Reports an access outside the calling driver's resources
    /// (the access still happens, as on hardware) and an unclaimed one.
    /// </summary>
    internal DecodedRange? HalpDecode(Processor processor, BusAddressSpace space, ulong address, AccessWidth width, string routine)
    {
        var range = Platform.Decoder.Decode(space, address);
        var what = space == BusAddressSpace.Port ? "port" : "register";
        if (range is null || !range.Contains(address, (ulong)width))
        {
            HalpReport(processor, HalViolation.UnclaimedAddress, address,
                FormattableString.Invariant($"{routine} of {(int)width} byte(s) at {what} 0x{address:X}: no device decodes it (reads all-ones, writes are lost)"));
            return null;
        }
        var module = processor.Top?.Module ?? KernelModule.Kernel;
        if (range.Device is { } device && !IsGranted(device, module))
        {
            HalpReport(processor, space == BusAddressSpace.Port ? HalViolation.PortOutsideResources : HalViolation.RegisterOutsideResources, address,
                FormattableString.Invariant($"{routine} at {what} 0x{address:X} of device {device.Name}, whose resources {module.Name} was not given"));
        }
        return range;
    }
}
