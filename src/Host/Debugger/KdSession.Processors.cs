using System.Globalization;
using System.Text;
using ActorKernel.Actors;

namespace ActorKernel.Host.Debugger;

// The bugcheck, the target and the processors: !analyze -v, .bugcheck, vertarget, lm, k, !pcr, !prcb, !irql, !dpcs, !locks.
internal sealed partial class KdSession
{
    // Simulated KPCR bases: one page per processor above the kernel's PCR area.
    private const ulong PcrBase = 0xfffff78000100000;
    private const ulong PcrStride = 0x1000;
    private const ulong PrcbOffset = 0x180;

    private void Analyze(StringBuilder o)
    {
        o.Append("*******************************************************************************\n");
        o.Append("*                                                                             *\n");
        o.Append("*                        Bugcheck Analysis                                    *\n");
        o.Append("*                                                                             *\n");
        o.Append("*******************************************************************************\n\n");
        if (_machine.BugCheck is not { } bug)
        {
            o.Append("The machine did not bugcheck: it was stopped by the debugger.\n");
            return;
        }
        o.Append(F($"{bug.Name} ({bug.Code:x})\n{bug.Summary}\nArguments:\n"));
        for (var i = 0; i < bug.Parameters.Count; i++)
        {
            o.Append(F($"Arg{i + 1}: {KdFormat.Address(bug.Parameters[i].Value)}, {bug.Parameters[i].Meaning}\n"));
        }
        o.Append("\nDebugging Details:\n------------------\n\n");
        o.Append(F($"BUGCHECK_CODE:  {bug.Code:x}\n\n"));
        for (var i = 0; i < bug.Parameters.Count; i++)
        {
            o.Append(F($"BUGCHECK_P{i + 1}: {bug.Parameters[i].Value:x}\n\n"));
        }
        var processor = _machine.Processors.FirstOrDefault(p => p.Number == bug.Processor);
        if (processor is not null)
        {
            o.Append(F($"CURRENT_IRQL:  {processor.IrqlValue:x}\n\n"));
        }
        if (bug.Note is { } note)
        {
            o.Append(F($"KERNEL_NOTE:  {note}\n\n"));
        }
        if (InvolvedIrp(bug) is { } irp)
        {
            o.Append(F($"IRP_ADDRESS:  {KdFormat.Address(irp)}\n\n"));
            if (_machine.Irps.FirstOrDefault(i => i.Address == irp) is { } known)
            {
                WriteIrp(known, o);
                o.Append('\n');
            }
        }
        if (_machine.Devices.FirstOrDefault(d => d.Driver == DriverOf(bug.Module)?.Name) is { } device)
        {
            o.Append(F($"DEVICE_OBJECT: {KdFormat.Address(device.Address)}\n\n"));
            o.Append(F($"DRIVER_OBJECT: {KdFormat.Address(DriverOf(bug.Module)!.Address)}\n\n"));
        }
        o.Append(F($"BUGCHECK_PROCESSOR:  {bug.Processor}\n\n"));
        o.Append("STACK_TEXT:  \n");
        WriteFrames(bug.Processor, o);
        var module = KdFormat.ModuleShortName(bug.Module);
        o.Append(F($"\nSYMBOL_NAME:  {module}!{bug.Routine}\n\n"));
        o.Append(F($"MODULE_NAME: {module}\n\n"));
        o.Append(F($"IMAGE_NAME:  {bug.Module}\n\n"));
        o.Append(F($"FAILURE_BUCKET_ID:  0x{bug.Code:X}_{module}!{bug.Routine}\n\n"));
        o.Append(F($"Probably caused by : {bug.Module} ( {module}!{bug.Routine} )\n\n"));
        o.Append("Followup:     MachineOwner\n---------\n");
    }

    // The IRP a bugcheck names: a parameter that is an IRP the I/O manager knows, else one whose meaning says it is an IRP.
    private ulong? InvolvedIrp(KdBugCheck bug)
    {
        foreach (var p in bug.Parameters)
        {
            if (p.Value != 0 && _machine.Irps.Any(i => i.Address == p.Value))
            {
                return p.Value;
            }
        }
        var named = bug.Parameters.FirstOrDefault(p => p.Value != 0 && p.Meaning.Contains("IRP", StringComparison.Ordinal) && !p.Meaning.Contains("IRQL", StringComparison.Ordinal));
        if (named is not null)
        {
            return named.Value;
        }
        // No parameter names one: the IRP whose completion or cancel routine is the faulting routine (a completion routine that crashed).
        var symbol = KdFormat.ModuleShortName(bug.Module) + "!" + bug.Routine;
        return _machine.Irps.FirstOrDefault(i => i.CancelRoutine == symbol || i.Locations.Any(l => l.CompletionRoutine == symbol))?.Address;
    }

    private KdDriver? DriverOf(string image) =>
        _machine.Drivers.FirstOrDefault(d => string.Equals(d.ImageName, image, StringComparison.OrdinalIgnoreCase));

    private void BugCheck(StringBuilder o)
    {
        if (_machine.BugCheck is not { } bug)
        {
            o.Append("No bugcheck information available: the machine was stopped by the debugger.\n");
            return;
        }
        o.Append(F($"Bugcheck code {bug.Code:X8}\nArguments {string.Join(' ', bug.Parameters.Select(p => KdFormat.Address(p.Value)))}\n"));
    }

    private void VerTarget(StringBuilder o)
    {
        var n = _machine.Processors.Count;
        o.Append(F($"ActorKernel simulated NT kernel {(n > 1 ? "MP" : "UP")} ({n} procs) Free x64\n"));
        o.Append(F($"Dispatcher: {_machine.Dispatcher} (virtual time{(_machine.Dispatcher == "Deterministic" ? ", replayable" : "")})\n"));
        o.Append(F($"Kernel base = {KdFormat.Address(_machine.Modules[0].Start)} PsLoadedModuleList = {KdFormat.Address(_machine.Modules[0].Start + 0x2a0)}\n"));
        o.Append(F($"Seed: 0x{_machine.Seed:x16}\n"));
        var t = TimeSpan.FromTicks(_machine.TimeNs / 100);
        o.Append(F($"System Uptime: {t.Days} days {t.Hours}:{t.Minutes:D2}:{t.Seconds:D2}.{_machine.TimeNs % 1_000_000_000:D9} (simulated)\n"));
    }

    private void Lm(StringBuilder o)
    {
        o.Append("start             end                 module name\n");
        foreach (var m in _machine.Modules)
        {
            o.Append(F($"{KdFormat.Address(m.Start)} {KdFormat.Address(m.End)}   {KdFormat.ModuleShortName(m.Name),-10} ({(m.Unloaded ? "unloaded" : "deferred")})  {m.Name}\n"));
        }
    }

    private void Stack(int processor, StringBuilder o)
    {
        o.Append(" # Call Site                                          Kind      IRQL            State\n");
        WriteFrames(processor, o);
    }

    // The frames of a processor, running routine first; the bugcheck's processor shows KeBugCheckEx on top, as on NT.
    private void WriteFrames(int processor, StringBuilder o)
    {
        var p = _machine.Processors.FirstOrDefault(x => x.Number == processor);
        var n = 0;
        if (_machine.BugCheck is { } bug && bug.Processor == processor)
        {
            o.Append(F($"{n++:x2} {"nt!KeBugCheckEx",-50} {"-",-9} {p?.Irql ?? "-",-15} Running\n"));
        }
        foreach (var frame in p?.Frames ?? [])
        {
            var site = KdFormat.ModuleShortName(frame.Module) + "!" + frame.Routine;
            o.Append(F($"{n++:x2} {site,-50} {frame.Kind,-9} {frame.Irql,-15} {frame.State}{(frame.SpinningOn is { } l ? " on " + l : "")}\n"));
        }
        if (n == 0)
        {
            o.Append("   (idle: no routine running)\n");
        }
    }

    private void Pcr(string[] args, StringBuilder o)
    {
        if (ProcessorArgument(args, o) is not { } n)
        {
            return;
        }
        var p = _machine.Processors[n];
        var pcr = PcrBase + (ulong)n * PcrStride;
        o.Append(F($"KPCR for Processor {n} at {KdFormat.Address(pcr)}:\n"));
        o.Append(F($"                 Prcb: {KdFormat.Address(pcr + PrcbOffset)}\n"));
        o.Append(F($"                 Irql: {p.IrqlValue:x8} ({p.Irql})\n"));
        o.Append(F($"        CurrentThread: {(p.Frames.LastOrDefault(f => f.Kind == "Thread") is { } t ? KdFormat.ModuleShortName(t.Module) + "!" + t.Routine : "(idle)")}\n"));
        o.Append(F($"          DpcQueue:  {p.DpcQueue.Count} queued\n"));
        o.Append(F($"  PendingInterrupts:  {p.PendingInterrupts.Count}\n"));
    }

    private void Prcb(string[] args, StringBuilder o)
    {
        if (ProcessorArgument(args, o) is not { } n)
        {
            return;
        }
        var p = _machine.Processors[n];
        o.Append(F($"PRCB for Processor {n} at {KdFormat.Address(PcrBase + (ulong)n * PcrStride + PrcbOffset)}:\n"));
        o.Append(F($"Current IRQL -- {p.IrqlValue}\n"));
        var running = p.Frames.Count > 0 ? KdFormat.ModuleShortName(p.Frames[0].Module) + "!" + p.Frames[0].Routine : "(idle)";
        o.Append(F($"Running routine -- {running}\n"));
        o.Append(F($"Processor Index {n} Number (0, {n}) GroupSetMember {1UL << n:x}\n"));
        o.Append(F($"DPC Queue -- {p.DpcQueue.Count} entries\n"));
        foreach (var dpc in p.DpcQueue)
        {
            o.Append(F($"    {dpc.Address}  {KdFormat.ModuleShortName(dpc.Module)}!{dpc.Routine}  ({dpc.Importance})\n"));
        }
        o.Append(F($"Spin locks held -- {p.HeldSpinLocks.Count}\n"));
        foreach (var l in p.HeldSpinLocks)
        {
            o.Append(F($"    {l.Address}  {l.Name}\n"));
        }
        foreach (var i in p.PendingInterrupts)
        {
            o.Append(F($"Pending interrupt -- line {i.Line} vector {i.Vector:x} at {i.Irql}\n"));
        }
    }

    private void IrqlCommand(string[] args, StringBuilder o)
    {
        if (ProcessorArgument(args, o) is not { } n)
        {
            return;
        }
        var p = _machine.Processors[n];
        o.Append(F($"Debugger saved IRQL for processor 0x{n:x} -- {p.IrqlValue} ({p.Irql})\n"));
    }

    private void Dpcs(StringBuilder o)
    {
        o.Append("CPU Type              KDPC               Function\n");
        var any = false;
        foreach (var p in _machine.Processors)
        {
            foreach (var dpc in p.DpcQueue)
            {
                any = true;
                o.Append(F($"{p.Number,2}: {dpc.Importance,-16} {dpc.Address,-18} {KdFormat.ModuleShortName(dpc.Module)}!{dpc.Routine}\n"));
            }
        }
        if (!any)
        {
            o.Append("No DPCs queued on any processor.\n");
        }
    }

    // !timer: the set timers by due time, in interrupt time (100 ns units) as kd shows it.
    private void Timer(StringBuilder o)
    {
        o.Append("Dump system timers\n\n");
        o.Append(F($"Interrupt time: {_machine.TimeNs / 100:x8} 00000000 [simulated {_machine.TimeNs} ns]\n\n"));
        o.Append("     Timer              Interrupt Low/High  Period(ms)  Type                 DPC/routine\n");
        foreach (var t in _machine.Timers)
        {
            var due = t.DueNs / 100;
            o.Append(F($"  {KdFormat.Address(t.Address)}  {due & 0xffffffff:x8} {due >> 32:x8}  {t.PeriodNs / 1_000_000,10}  {t.Type,-20} {(t.Dpc is { } d ? KdFormat.Address(d) + " " + t.DpcRoutine : "(no DPC)")}\n"));
        }
        o.Append(F($"\nTotal Timers: {_machine.Timers.Count}\n"));
    }

    private void Locks(StringBuilder o)
    {
        o.Append("**** DUMP OF ALL SPIN LOCKS HELD OR AWAITED ****\n\n");
        var any = false;
        foreach (var p in _machine.Processors)
        {
            foreach (var l in p.HeldSpinLocks)
            {
                any = true;
                o.Append(F($"Lock {l.Address} ({l.Name})  held by processor {p.Number} at {p.Irql}\n"));
            }
            foreach (var f in p.Frames.Where(f => f.SpinningOn is not null))
            {
                any = true;
                o.Append(F($"Processor {p.Number} spins on {f.SpinningOn} in {KdFormat.ModuleShortName(f.Module)}!{f.Routine}\n"));
            }
        }
        o.Append(any ? "\n" : "No spin locks held or awaited.\n\n");
        o.Append(F($"{_machine.Processors.Sum(p => p.HeldSpinLocks.Count)} total locks held\n"));
    }
}
