using System.Text;

namespace ActorKernel.Host.Debugger;

/// <summary>!process 0 0, !thread and !handle, from the kernel's Ps and Ob state.</summary>
internal sealed partial class KdSession
{
    private void ProcessCommand(string[] args, StringBuilder o)
    {
        // !process 0 0 lists every process briefly; !process ADDR|CID [flags] shows one with its threads.
        var all = args.Length == 0 || (KdFormat.TryParseNumber(args[0], out var first) && first == 0);
        var selected = all ? _machine.Processes : FindProcess(args[0]) is { } one ? [one] : [];
        if (selected.Count == 0)
        {
            o.Append(F($"Couldn't resolve error at '{args[0]}'\n"));
            return;
        }
        if (all)
        {
            o.Append("**** NT ACTIVE PROCESS DUMP ****\n");
        }
        foreach (var process in selected)
        {
            ProcessHeader(process, o);
            if (!all)
            {
                o.Append('\n');
                foreach (var thread in process.Threads)
                {
                    ThreadText(thread, process, "        ", o);
                }
            }
            o.Append('\n');
        }
    }

    private static void ProcessHeader(KdProcess process, StringBuilder o)
    {
        var system = process.Cid == 4;
        o.Append(F($"PROCESS {KdFormat.Address(process.Address)}\n"));
        o.Append(F($"    SessionId: {(system ? "none" : "0")}  Cid: {process.Cid:x4}    Peb: 00000000  ParentCid: {(system ? 0 : 4):x4}\n"));
        o.Append(F($"    ObjectTable: {KdFormat.Address(process.ObjectTable)}  HandleCount: {process.Handles.Count}.  Threads: {process.Threads.Count}.\n"));
        o.Append(F($"    Image: {process.Image}\n"));
    }

    private void ThreadCommand(string[] args, StringBuilder o)
    {
        KdThread? thread;
        if (args.Length == 0)
        {
            // The thread running on the current processor, as !thread with no argument shows.
            thread = _machine.Processes.SelectMany(p => p.Threads).FirstOrDefault(t => t.Running && t.Processor == CurrentProcessor);
            if (thread is null)
            {
                o.Append(F($"Processor {CurrentProcessor} runs no thread (idle, or a DPC or ISR above no thread)\n"));
                return;
            }
        }
        else if (!KdFormat.TryParseNumber(args[0], out var address)
            || (thread = _machine.Processes.SelectMany(p => p.Threads).FirstOrDefault(t => t.Address == address || t.Cid == address)) is null)
        {
            o.Append(F($"Couldn't resolve error at '{args[0]}'\n"));
            return;
        }
        ThreadText(thread, _machine.Processes.First(p => p.Threads.Contains(thread)), "", o);
        if (thread.Running)
        {
            o.Append(" # Call Site                                          Kind      IRQL            State\n");
            WriteFrames(thread.Processor, o);
        }
    }

    private static void ThreadText(KdThread thread, KdProcess process, string indent, StringBuilder o)
    {
        var state = thread.State switch
        {
            "Running" when thread.Running => F($"RUNNING on processor {thread.Processor}"),
            "Ready" => F($"READY on processor {thread.Processor}"),
            "Waiting" => "WAIT",
            _ => thread.State.ToUpperInvariant(),
        };
        o.Append(F($"{indent}THREAD {KdFormat.Address(thread.Address)}  Cid {process.Cid:x4}.{thread.Cid:x4}  Teb: {(process.Cid == 4 ? "00000000`00000000" : "000000ff`fffde000")} Win32Thread: 00000000`00000000 {state}\n"));
        o.Append(F($"{indent}Owning Process            {KdFormat.Address(process.Address)}       Image:         {process.Image}\n"));
        o.Append(F($"{indent}Start Address {KdFormat.ModuleShortName(thread.Module)}!{thread.Name}\n"));
        o.Append(F($"{indent}Priority {thread.Priority}  BasePriority {thread.Priority}  Affinity processor {thread.Processor}\n"));
    }

    private void HandleCommand(string[] args, StringBuilder o)
    {
        // !handle [HANDLE [FLAGS [PROCESS]]]: handle 0 means every handle; no process means every user process.
        ulong handle = 0;
        if (args.Length > 0 && !KdFormat.TryParseNumber(args[0], out handle))
        {
            o.Append(F($"Couldn't resolve error at '{args[0]}'\n"));
            return;
        }
        IReadOnlyList<KdProcess> processes = _machine.Processes.Where(p => p.Cid != 4).ToList();
        if (args.Length > 2)
        {
            if (FindProcess(args[2]) is not { } one)
            {
                o.Append(F($"Couldn't resolve error at '{args[2]}'\n"));
                return;
            }
            processes = [one];
        }
        if (processes.Count == 0)
        {
            o.Append("No user process: the machine runs system threads only\n");
            return;
        }
        foreach (var process in processes)
        {
            ProcessHeader(process, o);
            o.Append('\n');
            var entries = process.Handles.Where(h => handle == 0 || h.Handle == handle).ToList();
            o.Append(F($"Handle table at {KdFormat.Address(process.ObjectTable)} with {process.Handles.Count} entries in use\n\n"));
            foreach (var h in entries)
            {
                o.Append(F($"{h.Handle:x4}: Object: {KdFormat.Address(h.Object)}  GrantedAccess: {h.GrantedAccess:x8}\n"));
                o.Append(F($"Object: {KdFormat.Address(h.Object)}  Type: {h.Type}\n"));
                o.Append(F($"    ObjectHeader: {KdFormat.Address(h.Object - 0x30)}\n"));
                o.Append(F($"        PointerCount: {h.PointerCount}\n"));
                o.Append(F($"        Name: {h.Name ?? "(unnamed)"}\n\n"));
            }
            if (handle != 0 && entries.Count == 0)
            {
                o.Append(F($"Handle {handle:x} not found in process {process.Cid:x4}\n\n"));
            }
        }
    }

    private KdProcess? FindProcess(string text) =>
        KdFormat.TryParseNumber(text, out var value) ? _machine.Processes.FirstOrDefault(p => p.Address == value || p.Cid == value) : null;
}
