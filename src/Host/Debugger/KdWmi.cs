using System.Globalization;
using System.Text;
using ActorKernel.Actors;

namespace ActorKernel.Host.Debugger;

/// <summary>
/// WMI consumers on a scenario's machine (the <c>wmi</c> verb): the scenario runs on the
/// deterministic dispatcher for a span of simulated time, then a system thread asks the kernel's WMI
/// (IoWMIQueryAllData, IoWMISetSingleInstance), which sends IRP_MJ_SYSTEM_CONTROL to the providers;
/// the machine runs until the request is answered.
/// </summary>
internal static class KdWmi
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Runs the machine to <paramref name="atNs"/> and queries every instance of <paramref name="className"/>.</summary>
    /// <param name="machine">The machine.</param>
    /// <param name="io">Its I/O manager.</param>
    /// <param name="atNs">Simulated time to run first.</param>
    /// <param name="className">The MOF class.</param>
    /// <returns>The status and the instances, or null when the machine bugchecked first.</returns>
    public static (NtStatus Status, IReadOnlyList<WmiInstance> Instances)? Query(Machine machine, IoManager io, long atNs, string className)
    {
        (NtStatus, IReadOnlyList<WmiInstance>)? result = null;
        RunThenAsk(machine, atNs, "WmipQueryAllData", async () => result = await Wdm.IoWMIQueryAllData(io, className));
        return result;
    }

    /// <summary>Runs the machine to <paramref name="atNs"/>, then sets items of one instance (IoWMISetSingleInstance).</summary>
    /// <param name="machine">The machine.</param>
    /// <param name="io">Its I/O manager.</param>
    /// <param name="atNs">Simulated time to run first.</param>
    /// <param name="className">The MOF class.</param>
    /// <param name="instanceName">The instance.</param>
    /// <param name="values">NAME=VALUE pairs; their data ids come from a query of the instance.</param>
    /// <returns>The status, or null when the machine bugchecked first.</returns>
    public static NtStatus? Set(Machine machine, IoManager io, long atNs, string className, string instanceName, IReadOnlyList<(string Name, long Value)> values)
    {
        NtStatus? result = null;
        RunThenAsk(machine, atNs, "WmipSetSingleInstance", async () =>
        {
            var (status, instances) = await Wdm.IoWMIQueryAllData(io, className);
            if (!status.IsSuccess())
            {
                result = status;
                return;
            }
            if (instances.FirstOrDefault(i => i.InstanceName == instanceName) is not { } instance)
            {
                result = NtStatus.WmiInstanceNotFound;
                return;
            }
            var items = new List<WmiDataItem>();
            foreach (var (name, value) in values)
            {
                if (instance.Items.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase)) is not { } item)
                {
                    result = NtStatus.WmiItemIdNotFound;
                    return;
                }
                items.Add(item with { Value = value });
            }
            result = await Wdm.IoWMISetSingleInstance(io, className, instanceName, items);
        });
        return result;
    }

    /// <summary>The instances as the <c>wmi query</c> verb prints them.</summary>
    /// <param name="className">The class.</param>
    /// <param name="atNs">When they were read.</param>
    /// <param name="status">The query's status.</param>
    /// <param name="instances">The instances.</param>
    /// <returns>The text.</returns>
    public static string Format(string className, long atNs, NtStatus status, IReadOnlyList<WmiInstance> instances)
    {
        var o = new StringBuilder();
        o.Append(CultureInfo.InvariantCulture, $"{className}: {instances.Count} instance(s) at {atNs} ns of simulated time ({status.ToDisplayString()})\n");
        foreach (var instance in instances)
        {
            o.Append(CultureInfo.InvariantCulture, $"{instance.InstanceName}\n");
            foreach (var item in instance.Items)
            {
                o.Append(CultureInfo.InvariantCulture, $"    {item.Name,-26} = {item.Value}\n");
            }
        }
        return o.ToString();
    }

    /// <summary>Runs the machine to <paramref name="atNs"/>, then runs <paramref name="ask"/> in a system thread on processor 0 until it is done.</summary>
    internal static void RunThenAsk(Machine machine, long atNs, string routine, Func<ValueTask> ask)
    {
        var left = atNs - machine.NowNanoseconds;
        if (left > 0)
        {
            machine.RunUntil(() => machine.IsBugChecked, TimeSpan.FromTicks(Math.Max(1, left / 100)));
        }
        if (machine.IsBugChecked)
        {
            return;
        }
        var done = false;
        machine.RunRoutine(0, KernelModule.Kernel, routine, async () =>
        {
            await ask();
            done = true;
        });
        machine.RunUntil(() => done || machine.IsBugChecked, AnswerTimeout);
    }
}
