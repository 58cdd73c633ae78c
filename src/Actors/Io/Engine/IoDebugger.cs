using System.Globalization;
using System.Text;

namespace ActorKernel.Actors;

/// <summary>
/// Text views of I/O objects in the spirit of the kernel debugger's extensions (<c>!devstack</c>,
/// <c>!drvobj</c>, <c>!irp</c>), for crash analyses and the inspection shell.
/// </summary>
public static class IoDebugger
{
    /// <summary><c>!devstack</c>: the stack of <paramref name="device"/>, top first, the given device marked with <c>&gt;</c>.</summary>
    /// <param name="device">Any device of the stack.</param>
    /// <returns>One line per device: address, driver, name, StackSize, flags.</returns>
    public static string DevStack(DeviceObject device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var text = new StringBuilder();
        text.AppendLine("  !DevObj           !DrvObj            !DevExt           ObjectName");
        for (var current = Wdm.IoGetAttachedDevice(device); current is not null; current = current.AttachedTo)
        {
            text.Append(ReferenceEquals(current, device) ? "> " : "  ")
                .Append(CultureInfo.InvariantCulture, $"{current.Address:x16}  {current.DriverObject.Name ?? current.DriverObject.ServiceName,-18} ")
                .Append(current.DeviceExtension?.GetType().Name ?? "-")
                .Append("  ")
                .Append(current.Name ?? "(unnamed)")
                .Append(CultureInfo.InvariantCulture, $"  StackSize {current.StackSize}  {current.Flags}")
                .AppendLine();
        }
        return text.ToString();
    }

    /// <summary><c>!drvobj 7</c>: the driver, its devices, and its dispatch table (entries left to IopInvalidDeviceRequest marked so).</summary>
    /// <param name="driver">The driver.</param>
    /// <returns>The description.</returns>
    public static string DrvObj(DriverObject driver)
    {
        ArgumentNullException.ThrowIfNull(driver);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Driver object ({driver.Address:x16}) is for: {driver.Name} ({driver.ImageName}){(driver.VerifierEnabled ? ", verified" : "")}");
        text.AppendLine("Device Object list:");
        foreach (var device in driver.DeviceObjects)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {device.Address:x16}  {device.Name ?? "(unnamed)"}");
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"AddDevice  {driver.DriverExtension.AddDevice?.Method.Name ?? "-"}");
        text.AppendLine(CultureInfo.InvariantCulture, $"DriverStartIo  {driver.DriverStartIo?.Method.Name ?? "-"}");
        text.AppendLine(CultureInfo.InvariantCulture, $"DriverUnload  {driver.DriverUnload?.Method.Name ?? "-"}");
        text.AppendLine("Dispatch routines:");
        for (var major = 0; major < DriverObject.MajorFunctionCount; major++)
        {
            var routine = driver.MajorFunction[major];
            var name = ReferenceEquals(routine, IoManager.IopInvalidDeviceRequest) ? "nt!IopInvalidDeviceRequest" : driver.ImageName + "!" + routine.Method.Name;
            text.AppendLine(CultureInfo.InvariantCulture, $"[{major:x2}] {((IrpMajorFunction)major).ToDisplayString(),-33} {name}");
        }
        if (driver.FastIoDispatch is { } fastIo)
        {
            // !drvobj 7 of a file system: its FAST_IO_DISPATCH and how often the I/O manager's fast path was taken.
            text.AppendLine("Fast I/O routines:");
            text.AppendLine(CultureInfo.InvariantCulture, $"FastIoCheckIfPossible  {fastIo.FastIoCheckIfPossible?.Method.Name ?? "-"}");
            text.AppendLine(CultureInfo.InvariantCulture, $"FastIoRead  {fastIo.FastIoRead?.Method.Name ?? "-"}");
            text.AppendLine(CultureInfo.InvariantCulture, $"FastIoWrite  {fastIo.FastIoWrite?.Method.Name ?? "-"}");
            text.AppendLine(CultureInfo.InvariantCulture, $"FastIoQueryBasicInfo  {fastIo.FastIoQueryBasicInfo?.Method.Name ?? "-"}");
            text.AppendLine(CultureInfo.InvariantCulture, $"FastIoQueryStandardInfo  {fastIo.FastIoQueryStandardInfo?.Method.Name ?? "-"}");
            text.AppendLine(driver.FastIoStatistics.ToString());
        }
        return text.ToString();
    }

    /// <summary><c>!vpb</c>: a volume parameter block: flags, the real device, the file system's volume device, label, serial number, references.</summary>
    /// <param name="vpb">The VPB (DeviceObject-&gt;Vpb).</param>
    /// <returns>The description.</returns>
    public static string Vpb(Vpb vpb)
    {
        ArgumentNullException.ThrowIfNull(vpb);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Vpb  Flags {(ushort)vpb.Flags:x4} ({vpb.Flags})");
        text.AppendLine(CultureInfo.InvariantCulture, $"     RealDevice    {vpb.RealDevice.Address:x16}  {vpb.RealDevice.Name ?? "(unnamed)"} ({vpb.RealDevice.DriverObject.ImageName})");
        text.AppendLine(vpb.DeviceObject is { } volume
            ? string.Create(CultureInfo.InvariantCulture, $"     DeviceObject  {volume.Address:x16}  ({volume.DriverObject.ImageName})  StackSize {volume.StackSize}")
            : "     DeviceObject  (not mounted)");
        text.AppendLine(CultureInfo.InvariantCulture, $"     VolumeLabel '{vpb.VolumeLabel}'  SerialNumber {vpb.SerialNumber:x8}  ReferenceCount {vpb.ReferenceCount}");
        return text.ToString();
    }

    /// <summary><c>!irp</c>: the IRP and its stack locations (see <see cref="Irp.Describe"/>).</summary>
    /// <param name="irp">The IRP.</param>
    /// <returns>The description.</returns>
    public static string Irp(Irp irp)
    {
        ArgumentNullException.ThrowIfNull(irp);
        return irp.Describe();
    }
}
