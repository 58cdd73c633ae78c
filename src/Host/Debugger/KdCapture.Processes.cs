using ActorKernel.Actors;

namespace ActorKernel.Host.Debugger;

/// <summary>
/// The Ps and Ob state for !process, !thread and !handle: the System process with the system threads
/// the processors hold (running or ready: the kernel keeps no list of waiting system threads), then
/// every user process with its threads and handle table. Nothing is allocated while capturing (an
/// object with no address yet gets a simulated one), so a capture never changes the run.
/// </summary>
internal static partial class KdCapture
{
    private const ulong SystemProcessAddress = 0xffffe00000001000;
    private const ulong ObjectTableBase = 0xffffc00000100000;
    private const ulong UnassignedThreadBase = 0xffffe00000800000;
    private const ulong UnassignedObjectBase = 0xffffe00001000000;

    private static List<KdProcess> Processes(Machine machine)
    {
        var cid = 0u;
        var processes = new List<KdProcess>();
        var userThreads = new HashSet<KThread>();
        var users = machine.Memory.KdProcesses().Select(a => a.Process).OfType<UserProcess>().ToList();
        foreach (var user in users)
        {
            userThreads.UnionWith(user.Threads);
        }
        var system = new List<KdThread>();
        foreach (var processor in machine.Processors)
        {
            foreach (var thread in processor.KdThreads())
            {
                if (userThreads.Add(thread))
                {
                    system.Add(Thread(thread, cid += 4, processor));
                }
            }
        }
        processes.Add(new KdProcess(SystemProcessAddress, 4, "System", ObjectTableBase, system, []));
        var index = 1ul;
        foreach (var user in users)
        {
            var threads = user.Threads.Select(t => Thread(t, cid += 4, machine.Processors[t.ProcessorNumber])).ToList();
            var handles = user.KdHandles().Select(h => new KdHandle(h.Handle.Value,
                h.Entry.Object.Address != 0 ? h.Entry.Object.Address : UnassignedObjectBase + ((ulong)user.ProcessId << 16) + h.Handle.Value * 0x40,
                h.Entry.Object.ObjectTypeName,
                h.Entry.Object is FileObject file ? file.DeviceObject.Name ?? file.DeviceObject.ToString() : h.Entry.Object.Name,
                h.Entry.GrantedAccess, h.Entry.Object.PointerCount)).ToList();
            processes.Add(new KdProcess(user.Address, user.ProcessId, user.ImageName, ObjectTableBase + index++ * 0x1000, threads, handles));
        }
        return processes;
    }

    private static KdThread Thread(KThread thread, uint cid, Processor processor) =>
        new(thread.Address != 0 ? thread.Address : UnassignedThreadBase + cid * 0x100, cid, RoutineName(thread.Name), thread.Module.Name, thread.State.ToString(),
            thread.Priority, thread.ProcessorNumber, ReferenceEquals(processor.KiCurrentThread, thread));
}
