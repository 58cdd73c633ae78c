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
