using System.Text;
using ActorKernel.Actors;

namespace ActorKernel.Host.Debugger;

// The I/O objects: !irp, !irpfind, !devobj, !devstack, !drvobj, !devnode.
internal sealed partial class KdSession
{
    private const ulong DevNodeBase = 0xffffc00000010000;

    // Where !errlog says the packets are (the model keeps no addresses for them).
    private const ulong ErrorLogBase = 0xffffc00000080000;
    private const ulong DevNodeStride = 0x100;

    private void IrpCommand(string[] args, StringBuilder o)
    {
        if (args.Length == 0)
        {
            o.Append("Usage: !irp ADDRESS\n");
            return;
        }
        if (!KdFormat.TryParseNumber(args[0], out var address))
        {
            o.Append(F($"Couldn't resolve error at '{args[0]}'\n"));
            return;
        }
        if (_machine.Irps.FirstOrDefault(i => i.Address == address) is not { } irp)
        {
            o.Append(F($"IRP {KdFormat.Address(address)}: unable to read: not an IRP the I/O manager tracks (see !irpfind)\n"));
            return;
        }
        WriteIrp(irp, o);
    }

    // !irp's layout: the header, then each stack location (current one marked '>'), then the IRP's own fields.
    private void WriteIrp(KdIrp irp, StringBuilder o)
    {
        // kd calls every IRP it can read "active"; a completed one says so on the second line.
        var completed = irp.CurrentLocation > irp.StackCount + 1 || irp.Finished;
        o.Append(F($"Irp is active with {irp.StackCount} stacks {irp.CurrentLocation} is current (= 0x{irp.Address:x16})\n"));
        o.Append(F($" No Mdl: No System Buffer: Requester {irp.Requester ?? "(driver)"}:  {(completed ? "Irp is completed. " : "Irp stack trace. ")}{(irp.PendingReturned ? " Pending has been returned" : "")}\n"));
        o.Append("     cmd  flg cl Device            File              Completion-Context\n");
        foreach (var l in irp.Locations)
        {
            var marker = l.Location == irp.CurrentLocation ? ">" : " ";
            var major = l.Major == 0 && l.Device is null ? "N/A(0)" : F($"{((IrpMajorFunction)l.Major).ToDisplayString()}({l.Major:x})");
            var minor = l.Minor == 0 ? "N/A(0)" : F($"{l.Minor:x}");
            o.Append(F($"{marker}[{major}, {minor}]\n"));
            var completion = l.CompletionRoutine is null ? "00000000-00000000" : F($"{l.CompletionRoutine}-{l.Context ?? "00000000"}");
            o.Append(F($"           {l.Flags,2:x} {l.Control,2:x} {KdFormat.Address(l.Device)} {KdFormat.Address(l.FileObject)} {completion}    {InvokeFlags(l.Control)}\n"));
            o.Append(F($"\t       {l.Driver ?? ""}\n"));
            o.Append(F($"\t\t\tArgs: {string.Join(' ', l.Arguments.Select(a => a.ToString("x8", System.Globalization.CultureInfo.InvariantCulture)))}\n"));
        }
        o.Append(F($"IoStatus.Status = {irp.StatusName}  IoStatus.Information = {irp.Information:x}\n"));
        o.Append(F($"Flags = {irp.Flags:x8}  RequestorMode = {irp.RequestorMode}  PendingReturned = {(irp.PendingReturned ? "01" : "00")}  Cancel = {(irp.Cancel ? "01" : "00")}  CancelRoutine = {irp.CancelRoutine ?? "00000000"}\n"));
    }

    // The Control byte's SL_INVOKE_ON_* and SL_PENDING_RETURNED bits the way !irp spells them.
    private static string InvokeFlags(int control)
    {
        var words = new List<string>();
        if ((control & (int)StackLocationControl.InvokeOnSuccess) != 0)
        {
            words.Add("Success");
        }
        if ((control & (int)StackLocationControl.InvokeOnError) != 0)
        {
            words.Add("Error");
        }
        if ((control & (int)StackLocationControl.InvokeOnCancel) != 0)
        {
            words.Add("Cancel");
        }
        if ((control & (int)StackLocationControl.PendingReturned) != 0)
        {
            words.Add("pending");
        }
        return string.Join(' ', words);
    }

    private void IrpFind(StringBuilder o)
    {
        o.Append("Searching the I/O manager's IRP list (tag 'Irp ')...\n\n");
        o.Append("  Irp              [ Requester ]        irpStack: (Mj,Mn)   DevObj            [Driver]\n");
        foreach (var irp in _machine.Irps)
        {
            var l = irp.CurrentLocation >= 1 && irp.CurrentLocation <= irp.StackCount ? irp.Locations[irp.CurrentLocation - 1] : irp.Locations[^1];
            o.Append(F($"{KdFormat.Address(irp.Address)} [{irp.Requester ?? "driver",-20}] irpStack: ({l.Major,2:x},{l.Minor,2:x})  {KdFormat.Address(l.Device)} [{l.Driver ?? "-"}]{(irp.Cancel ? " CANCELLED" : "")}{(irp.Finished ? " completed" : "")}\n"));
        }
        o.Append(F($"\n{_machine.Irps.Count} IRPs found\n"));
    }

    // A device by address or name (with or without \Device\); null after writing kd's error.
    private KdDevice? FindDevice(string[] args, StringBuilder o)
    {
        if (args.Length == 0)
        {
            o.Append("Usage: !devobj ADDRESS|NAME\n");
            return null;
        }
        var text = args[0];
        var byName = _machine.Devices.FirstOrDefault(d => d.Name is { } n
            && (string.Equals(n, text, StringComparison.OrdinalIgnoreCase) || string.Equals(n, "\\Device\\" + text, StringComparison.OrdinalIgnoreCase)));
        if (byName is not null)
        {
            return byName;
        }
        if (KdFormat.TryParseNumber(text, out var address) && _machine.Devices.FirstOrDefault(d => d.Address == address) is { } byAddress)
        {
            return byAddress;
        }
        o.Append(KdFormat.TryParseNumber(text, out _)
            ? F($"{KdFormat.Address(address)}: is not a device object\n")
            : F($"Couldn't resolve error at '{text}'\n"));
        return null;
    }

    private KdDevice? Device(ulong? address) => address is { } a ? _machine.Devices.FirstOrDefault(d => d.Address == a) : null;

    private void DevObj(string[] args, StringBuilder o)
    {
        if (FindDevice(args, o) is not { } d)
        {
            return;
        }
        var driver = _machine.Drivers.FirstOrDefault(x => x.Name == d.Driver);
        o.Append(F($"Device object ({KdFormat.Address(d.Address)}) is for:\n {d.Name ?? "(unnamed)"} {d.Driver} DriverObject {KdFormat.Address(driver?.Address)}\n"));
        o.Append(F($"Current Irp {KdFormat.Address(d.CurrentIrp)} RefCount {d.OpenCount} Type {d.DeviceType:x8} Flags {d.Flags:x8}\n"));
        o.Append(F($"DevExt {d.Extension ?? "(none)"} StackSize {d.StackSize} Characteristics ({d.Characteristics:x8})\n"));
        o.Append(F($"Flags: {d.FlagNames}\n"));
        if (Device(d.AttachedDevice) is { } above)
        {
            o.Append(F($"AttachedDevice (Upper) {KdFormat.Address(above.Address)} {above.Driver}\n"));
        }
        if (Device(d.AttachedTo) is { } below)
        {
            o.Append(F($"AttachedTo (Lower) {KdFormat.Address(below.Address)} {below.Driver}\n"));
        }
        if (d.RemovePending || d.DeletePending)
        {
            o.Append(F($"ExtensionFlags: {(d.RemovePending ? "DOE_REMOVE_PENDING " : "")}{(d.DeletePending ? "DOE_DELETE_PENDING" : "")}\n"));
        }
        o.Append(d.QueueBusy ? "Device queue is busy.\n" : "Device queue is not busy.\n");
    }

    private void DevStack(string[] args, StringBuilder o)
    {
        if (FindDevice(args, o) is not { } d)
        {
            return;
        }
        var top = d;
        while (Device(top.AttachedDevice) is { } above)
        {
            top = above;
        }
        o.Append("  !DevObj           !DrvObj                 !DevExt              ObjectName\n");
        for (var current = top; current is not null; current = Device(current.AttachedTo))
        {
            o.Append(F($"{(current.Address == d.Address ? "> " : "  ")}{KdFormat.Address(current.Address)} {current.Driver,-23} {current.Extension ?? "-",-20} {current.Name ?? ""}\n"));
        }
    }

    private void DrvObj(string[] args, StringBuilder o)
    {
        if (args.Length == 0)
        {
            o.Append("Usage: !drvobj NAME|ADDRESS [flags]\n");
            return;
        }
        var text = args[0];
        var driver = _machine.Drivers.FirstOrDefault(x => string.Equals(x.Name, text, StringComparison.OrdinalIgnoreCase)
            || string.Equals(x.Name, "\\Driver\\" + text, StringComparison.OrdinalIgnoreCase)
            || string.Equals(KdFormat.ModuleShortName(x.ImageName), text, StringComparison.OrdinalIgnoreCase));
        if (driver is null && KdFormat.TryParseNumber(text, out var address))
        {
            driver = _machine.Drivers.FirstOrDefault(x => x.Address == address);
        }
        if (driver is null)
        {
            o.Append(F($"Driver object {text} not found\n"));
            return;
        }
        var flags = args.Length > 1 && KdFormat.TryParseNumber(args[1], out var f) ? f : 1;
        o.Append(F($"Driver object ({KdFormat.Address(driver.Address)}) is for:\n {driver.Name}{(driver.Verified ? "  (verified)" : "")}{(driver.Unloaded ? "  (unloaded)" : "")}\n\n"));
        o.Append("Driver Extension List: (id , addr)\n\nDevice Object list:\n");
        o.Append(driver.Devices.Count == 0 ? "(none)\n" : string.Join("  ", driver.Devices.Select(KdFormat.Address)) + "\n");
        if ((flags & 2) != 0)
        {
            o.Append(F($"\nDriverStartIo: {driver.StartIo ?? "00000000"}\nDriverUnload:  {driver.Unload ?? "00000000"}\nAddDevice:     {driver.AddDevice ?? "00000000"}\n"));
        }
        if ((flags & 4) != 0)
        {
            o.Append("\nDispatch routines:\n");
            for (var major = 0; major < driver.Dispatch.Count; major++)
            {
                o.Append(F($"[{major:x2}] {((IrpMajorFunction)major).ToDisplayString(),-35} {driver.Dispatch[major]}\n"));
            }
        }
    }

    // !errlog: the error log packets, one line each as WinDbg prints them, then the driver and the message.
    private void ErrLog(StringBuilder o)
    {
        o.Append("PacketAdr          DeviceObj          DriverObj          Function  ErrorCode  UniqueVal  FinalStat\n");
        var n = 0;
        foreach (var e in _machine.ErrorLog ?? [])
        {
            var driver = _machine.Drivers.FirstOrDefault(d => d.Name == e.Driver);
            o.Append(F($"{KdFormat.Address(ErrorLogBase + ((ulong)n++ * 0x100))}  {KdFormat.Address(e.Device)}  {KdFormat.Address(driver?.Address ?? 0)}  {e.MajorFunction,8}  {e.ErrorCode:x8}   {e.UniqueErrorValue:x8}   {e.FinalStatus:x8}\n"));
            o.Append(F($"        {e.Driver}  at {Duration.Format(e.TimeNs)}: {e.Message}\n"));
            if (e.DumpData.Count > 0)
            {
                o.Append("        DumpData: ").Append(string.Join(" ", e.DumpData.Select(d => F($"{d:x8}")))).Append('\n');
            }
        }
        if (n == 0)
        {
            o.Append("(no entries)\n");
        }
    }

    // The device tree: the PnP manager's own (PnpDump.cs, what the tests compare); for a machine built
    // without one (the zoo's beds), the root devnode and a devnode per PDO with its function driver as service.
    private void DevNode(StringBuilder o)
    {
        o.Append(F($"Dumping IopRootDeviceNode (= {KdFormat.Address(DevNodeBase)})\n"));
        if (_machine.DeviceTree is { Length: > 0 } tree)
        {
            o.Append(tree);
            return;
        }
        o.Append(F($"DevNode {KdFormat.Address(DevNodeBase)} for PDO {KdFormat.Address(DevNodeBase + 0x1000)}\n"));
        o.Append("  InstancePath is \"HTREE\\ROOT\\0\"\n  State = DeviceNodeStarted (0x308)\n");
        var n = 0;
        foreach (var pdo in _machine.Devices.Where(d => d.AttachedTo is null))
        {
            var function = Device(pdo.AttachedDevice);
            var service = (function ?? pdo).Driver.Replace("\\Driver\\", "", StringComparison.Ordinal);
            n++;
            o.Append(F($"  DevNode {KdFormat.Address(DevNodeBase + (ulong)n * DevNodeStride)} for PDO {KdFormat.Address(pdo.Address)}\n"));
            o.Append(F($"    InstancePath is \"ROOT\\{service.ToUpperInvariant()}\\{n - 1:D4}\"\n"));
            o.Append(F($"    ServiceName is \"{service}\"\n"));
            o.Append(pdo.RemovePending || pdo.DeletePending
                ? "    State = DeviceNodeRemovePendingCloses (0x311)\n"
                : "    State = DeviceNodeStarted (0x308)\n");
        }
    }
}
