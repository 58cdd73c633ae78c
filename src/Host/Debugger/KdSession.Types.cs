using System.Text;

namespace ActorKernel.Host.Debugger;

// dt of the kernel structures the simulator models, at their x64 offsets (the fields the model holds), and !stacks.
internal sealed partial class KdSession
{
    // sizeof(IRP) on x64: the stack locations follow it, IO_STACK_LOCATION is 0x48 bytes.
    private const ulong IrpSize = 0xd0;
    private const ulong StackLocationSize = 0x48;

    private void Dt(string[] args, StringBuilder o)
    {
        if (args.Length == 0)
        {
            o.Append("Usage: dt TYPE [ADDRESS]   (types: _IRP, _IO_STACK_LOCATION, _DEVICE_OBJECT)\n");
            return;
        }
        var type = args[0].StartsWith("nt!", StringComparison.OrdinalIgnoreCase) ? args[0][3..] : args[0];
        ulong? address = null;
        if (args.Length > 1)
        {
            if (!KdFormat.TryParseNumber(args[1], out var a))
            {
                o.Append(F($"Couldn't resolve error at '{args[1]}'\n"));
                return;
            }
            address = a;
        }
        switch (type.ToUpperInvariant())
        {
            case "_IRP": DtIrp(address, o); break;
            case "_IO_STACK_LOCATION": DtStackLocation(address, o); break;
            case "_DEVICE_OBJECT": DtDevice(address, o); break;
            default: o.Append(F($"Symbol nt!{type} not found.\n")); break;
        }
    }

    private void DtIrp(ulong? address, StringBuilder o)
    {
        var irp = address is { } a ? _machine.Irps.FirstOrDefault(i => i.Address == a) : null;
        if (address is not null && irp is null)
        {
            o.Append(F($"Memory read error {KdFormat.Address(address)}: not an IRP the I/O manager tracks\n"));
            return;
        }
        o.Append("nt!_IRP\n");
        o.Append(F($"   +0x000 Type             : {(irp is null ? "Int2B" : "0n6")}\n"));
        o.Append(F($"   +0x010 Flags            : {(irp is null ? "Uint4B" : F($"0x{irp.Flags:x}"))}\n"));
        o.Append(F($"   +0x030 IoStatus         : _IO_STATUS_BLOCK{(irp is null ? "" : F($"  Status {irp.StatusName}, Information 0x{irp.Information:x}"))}\n"));
        o.Append(F($"   +0x040 RequestorMode    : {(irp is null ? "Char" : irp.RequestorMode == "UserMode" ? "1 ''" : "0 ''")}\n"));
        o.Append(F($"   +0x041 PendingReturned  : {(irp is null ? "UChar" : irp.PendingReturned ? "0x1 ''" : "0 ''")}\n"));
        o.Append(F($"   +0x042 StackCount       : {(irp is null ? "Char" : F($"{irp.StackCount} ''"))}\n"));
        o.Append(F($"   +0x043 CurrentLocation  : {(irp is null ? "Char" : F($"{irp.CurrentLocation} ''"))}\n"));
        o.Append(F($"   +0x044 Cancel           : {(irp is null ? "UChar" : irp.Cancel ? "0x1 ''" : "0 ''")}\n"));
        o.Append(F($"   +0x068 CancelRoutine    : {(irp is null ? "Ptr64     void" : irp.CancelRoutine ?? "(null)")}\n"));
        o.Append(F($"   +0x078 Tail             : <anonymous-tag>{(irp is null ? "" : F($"  CurrentStackLocation {KdFormat.Address(StackLocationAddress(irp, irp.CurrentLocation))}"))}\n"));
    }

    private static ulong StackLocationAddress(KdIrp irp, int location) => irp.Address + IrpSize + (ulong)(location - 1) * StackLocationSize;

    private void DtStackLocation(ulong? address, StringBuilder o)
    {
        KdStackLocation? location = null;
        if (address is { } a)
        {
            location = _machine.Irps.SelectMany(i => i.Locations.Select(l => (Irp: i, Location: l)))
                .Where(x => StackLocationAddress(x.Irp, x.Location.Location) == a).Select(x => x.Location).FirstOrDefault();
            if (location is null)
            {
                o.Append(F($"Memory read error {KdFormat.Address(a)}: not a stack location of an IRP the I/O manager tracks\n"));
                return;
            }
        }
        o.Append("nt!_IO_STACK_LOCATION\n");
        o.Append(F($"   +0x000 MajorFunction    : {(location is null ? "UChar" : F($"0x{location.Major:x} ''"))}\n"));
        o.Append(F($"   +0x001 MinorFunction    : {(location is null ? "UChar" : F($"0x{location.Minor:x} ''"))}\n"));
        o.Append(F($"   +0x002 Flags            : {(location is null ? "UChar" : F($"0x{location.Flags:x} ''"))}\n"));
        o.Append(F($"   +0x003 Control          : {(location is null ? "UChar" : F($"0x{location.Control:x} ''"))}\n"));
        o.Append(F($"   +0x008 Parameters       : <anonymous-tag>{(location is null ? "" : "  Others " + string.Join(' ', location.Arguments.Select(x => F($"0x{x:x}"))))}\n"));
        o.Append(F($"   +0x028 DeviceObject     : {(location is null ? "Ptr64 _DEVICE_OBJECT" : KdFormat.Address(location.Device))}\n"));
        o.Append(F($"   +0x030 FileObject       : {(location is null ? "Ptr64 _FILE_OBJECT" : KdFormat.Address(location.FileObject))}\n"));
        o.Append(F($"   +0x038 CompletionRoutine : {(location is null ? "Ptr64     long" : location.CompletionRoutine ?? "(null)")}\n"));
        o.Append(F($"   +0x040 Context          : {(location is null ? "Ptr64 Void" : location.Context ?? "(null)")}\n"));
    }

    private void DtDevice(ulong? address, StringBuilder o)
    {
        var d = address is { } a ? _machine.Devices.FirstOrDefault(x => x.Address == a) : null;
        if (address is not null && d is null)
        {
            o.Append(F($"Memory read error {KdFormat.Address(address)}: not a device object\n"));
            return;
        }
        var driver = d is null ? null : _machine.Drivers.FirstOrDefault(x => x.Name == d.Driver);
        o.Append("nt!_DEVICE_OBJECT\n");
        o.Append(F($"   +0x000 Type             : {(d is null ? "Int2B" : "0n3")}\n"));
        o.Append(F($"   +0x004 ReferenceCount   : {(d is null ? "Int4B" : F($"0n{d.OpenCount}"))}\n"));
        o.Append(F($"   +0x008 DriverObject     : {(d is null ? "Ptr64 _DRIVER_OBJECT" : KdFormat.Address(driver?.Address) + " " + d.Driver)}\n"));
        o.Append(F($"   +0x018 AttachedDevice   : {(d is null ? "Ptr64 _DEVICE_OBJECT" : KdFormat.Address(d.AttachedDevice))}\n"));
        o.Append(F($"   +0x020 CurrentIrp       : {(d is null ? "Ptr64 _IRP" : KdFormat.Address(d.CurrentIrp))}\n"));
        o.Append(F($"   +0x030 Flags            : {(d is null ? "Uint4B" : F($"0x{d.Flags:x}"))}\n"));
        o.Append(F($"   +0x034 Characteristics  : {(d is null ? "Uint4B" : F($"0x{d.Characteristics:x}"))}\n"));
        o.Append(F($"   +0x040 DeviceExtension  : {(d is null ? "Ptr64 Void" : d.Extension ?? "(null)")}\n"));
        o.Append(F($"   +0x048 DeviceType       : {(d is null ? "Uint4B" : F($"0x{d.DeviceType:x}"))}\n"));
        o.Append(F($"   +0x04c StackSize        : {(d is null ? "Char" : F($"{d.StackSize} ''"))}\n"));
    }

    // !stacks: what every processor is running, one line per frame.
    private void Stacks(StringBuilder o)
    {
        o.Append("Proc Frame Kind      IRQL            State       Routine\n");
        foreach (var p in _machine.Processors)
        {
            o.Append(F($"                            [processor {p.Number} at {p.Irql}]\n"));
            for (var i = 0; i < p.Frames.Count; i++)
            {
                var f = p.Frames[i];
                o.Append(F($"{p.Number,4} {i,5:x2} {f.Kind,-9} {f.Irql,-15} {f.State,-11} {KdFormat.ModuleShortName(f.Module)}!{f.Routine}\n"));
            }
        }
    }

    // !poolused: per tag, nonpaged then paged: allocations, frees and bytes in use.
    private void PoolUsed(StringBuilder o)
    {
        o.Append(" Sorting by Tag\n\n");
        o.Append("                  NonPaged                         Paged\n");
        o.Append(" Tag     Allocs    Frees     Used        Allocs    Frees     Used\n\n");
        foreach (var tag in _machine.PoolTags.Select(t => t.Tag).Distinct(StringComparer.Ordinal))
        {
            var np = _machine.PoolTags.FirstOrDefault(t => t.Tag == tag && !t.Paged);
            var pg = _machine.PoolTags.FirstOrDefault(t => t.Tag == tag && t.Paged);
            o.Append(F($" {tag,-4} {np?.Allocs ?? 0,9} {np?.Frees ?? 0,8} {np?.Bytes ?? 0,8}     {pg?.Allocs ?? 0,9} {pg?.Frees ?? 0,8} {pg?.Bytes ?? 0,8}\n"));
        }
        o.Append(F($"\n TOTAL {_machine.PoolTags.Where(t => !t.Paged).Sum(t => t.Allocs),8} {_machine.PoolTags.Where(t => !t.Paged).Sum(t => t.Frees),8} {_machine.PoolTags.Where(t => !t.Paged).Sum(t => t.Bytes),8}"));
        o.Append(F($"     {_machine.PoolTags.Where(t => t.Paged).Sum(t => t.Allocs),9} {_machine.PoolTags.Where(t => t.Paged).Sum(t => t.Frees),8} {_machine.PoolTags.Where(t => t.Paged).Sum(t => t.Bytes),8}\n"));
    }

    // !pool ADDR: the live allocation holding the address, with its tag, size and owner.
    private void Pool(string[] args, StringBuilder o)
    {
        if (args.Length == 0 || !KdFormat.TryParseNumber(args[0], out var address))
        {
            o.Append(args.Length == 0 ? "Usage: !pool ADDRESS\n" : F($"Couldn't resolve error at '{args[0]}'\n"));
            return;
        }
        var block = _machine.PoolAllocations.FirstOrDefault(a => address >= a.Address && address < a.Address + Math.Max(a.Size, 1));
        if (block is null)
        {
            o.Append(F($"Pool page {address:x16} region is Unknown\n{KdFormat.Address(address)} is not a valid large pool allocation, checking large session pool...\nUnable to read: no live pool allocation holds this address\n"));
            return;
        }
        var paged = block.PoolType.Contains("Paged", StringComparison.Ordinal) && !block.PoolType.StartsWith("NonPaged", StringComparison.Ordinal);
        o.Append(F($"Pool page {address:x16} region is {(paged ? "Paged pool" : "Nonpaged pool")}\n"));
        o.Append(F($"*{block.Address:x16} size: {block.Size,5:x} previous size:    0  (Allocated) *{block.Tag}\n"));
        o.Append(F($"\t\tPool type {block.PoolType}, owning component : {block.Module}\n"));
    }

    // !poolfind TAG: the live allocations with a tag.
    private void PoolFind(string[] args, StringBuilder o)
    {
        if (args.Length == 0)
        {
            o.Append("Usage: !poolfind TAG\n");
            return;
        }
        o.Append(F($"Scanning the pool tracking table for tag '{args[0]}'...\n\n"));
        var found = _machine.PoolAllocations.Where(a => string.Equals(a.Tag.TrimEnd(), args[0], StringComparison.Ordinal)).ToList();
        foreach (var a in found)
        {
            o.Append(F($"{KdFormat.Address(a.Address)} : tag {a.Tag}, size {a.Size,6:x}, {a.PoolType,-16} {a.Module}\n"));
        }
        o.Append(F($"\n{found.Count} allocation(s) found\n"));
    }

    // !verifier 3 [DRIVER]: the verifier's options per verified driver, its pool statistics and allocations, the I/O verifier's findings.
    private void Verifier(string[] args, StringBuilder o)
    {
        var flags = args.Length > 0 && KdFormat.TryParseNumber(args[0], out var f) ? f : 0;
        var only = args.Length > 1 ? args[1] : null;
        var drivers = _machine.Drivers.Where(d => d.Verified || _machine.ForceIrqlCheckingModules.Contains(d.ImageName, StringComparer.OrdinalIgnoreCase)).ToList();
        if (only is not null)
        {
            drivers = [.. drivers.Where(d => string.Equals(d.ImageName, only, StringComparison.OrdinalIgnoreCase)
                || string.Equals(KdFormat.ModuleShortName(d.ImageName), only, StringComparison.OrdinalIgnoreCase))];
        }
        var forceIrql = drivers.Any(d => _machine.ForceIrqlCheckingModules.Contains(d.ImageName, StringComparer.OrdinalIgnoreCase));
        var io = drivers.Any(d => d.Verified);
        var level = (forceIrql ? 0x2u : 0) | 0x8u | (io ? 0x10u : 0);
        o.Append(F($"Verify Flags Level 0x{level:x8}\n\n  STANDARD FLAGS:\n"));
        o.Append(F($"    [{(forceIrql ? "X" : " ")}] (0x00000002) Force IRQL checking\n"));
        o.Append("    [X] (0x00000008) Pool tracking\n");
        o.Append(F($"    [{(io ? "X" : " ")}] (0x00000010) I/O verification\n"));
        o.Append("    [ ] (0x00000001) Special pool (not modelled)\n\n");
        o.Append("Driver Verification List\n-----------------------------------------------------\n");
        if (drivers.Count == 0)
        {
            o.Append(only is null ? "No drivers are being verified.\n" : F($"{only} is not being verified.\n"));
        }
        foreach (var d in drivers)
        {
            var mine = _machine.PoolAllocations.Where(a => string.Equals(a.Module, d.ImageName, StringComparison.OrdinalIgnoreCase)).ToList();
            var paged = mine.Where(a => a.PoolType.StartsWith("Paged", StringComparison.Ordinal)).ToList();
            var nonPaged = mine.Except(paged).ToList();
            o.Append(F($"  MODULE: {d.ImageName} (load: 1 / unload: {(d.Unloaded ? 1 : 0)})\n\n"));
            o.Append("    Pool Allocation Statistics: ( NonPagedPool / PagedPool )\n\n");
            o.Append(F($"      Current Pool Allocations:  ( {nonPaged.Count} / {paged.Count} )\n"));
            o.Append(F($"      Current Pool Bytes:        ( {nonPaged.Sum(a => (long)a.Size)} / {paged.Sum(a => (long)a.Size)} )\n\n"));
            if ((flags & 1) != 0 && mine.Count > 0)
            {
                o.Append("    Pool Allocations for the module:\n      Address            Length     Tag   PoolType\n");
                foreach (var a in mine)
                {
                    o.Append(F($"      {KdFormat.Address(a.Address)}  0x{a.Size,-8:x} {a.Tag,-5} {a.PoolType}\n"));
                }
                o.Append('\n');
            }
        }
        if ((flags & 2) != 0)
        {
            o.Append(F($"I/O Verifier findings: {_machine.VerifierFindings.Count}\n"));
            foreach (var finding in _machine.VerifierFindings)
            {
                o.Append(F($"  {finding}\n"));
            }
        }
    }
}
