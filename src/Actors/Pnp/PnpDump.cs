using System.Globalization;
using System.Text;

namespace ActorKernel.Actors;

// The device tree as text, in the spirit of the kernel debugger's `!devnode 0 1` and devcon's
// `stack`/`resources`: one block per node, children indented under their parent, in tree order.
public sealed partial class PnpManager
{
    /// <summary>
    /// The device tree as text: for each node its instance path, then indented State (with the
    /// PNP_DEVNODE_STATE name and value), ServiceName, the problem (cfg.h name and Device Manager's
    /// code), the driver stack (top first), the assigned raw resources and a resource conflict.
    /// Deterministic: the order is the tree's, addresses are left out.
    /// </summary>
    /// <returns>The text (lines end in '\n').</returns>
    public string DumpDeviceTree()
    {
        var text = new StringBuilder();
        lock (_treeLock)
        {
            Dump(RootDeviceNode, text);
        }
        return text.ToString();
    }

    private static void Dump(DeviceNode node, StringBuilder text)
    {
        var indent = new string(' ', 2 * node.Level);
        text.Append(indent).Append("DevNode ").Append(node.InstancePath.Length > 0 ? node.InstancePath : "(no instance path)").Append('\n');
        indent += "  ";
        text.Append(indent).Append(CultureInfo.InvariantCulture, $"State = {node.State.Name()} (0x{(int)node.State:X})").Append('\n');
        if (node.ServiceName is { } service)
        {
            text.Append(indent).Append("Service = ").Append(service).Append(node.ClassName is { } c ? " (Class " + c + ")" : "").Append('\n');
        }
        if (node.Problem != CmProblem.None)
        {
            text.Append(indent).Append(CultureInfo.InvariantCulture, $"Problem = {node.Problem.Name()} (Code {(int)node.Problem}), {node.ProblemStatus.ToDisplayString()}").Append('\n');
        }
        text.Append(indent).Append("Stack = ").Append(string.Join(" > ", node.DriverStack)).Append('\n');
        if (node.ResourceList is { } resources)
        {
            foreach (var d in resources.Descriptors)
            {
                text.Append(indent).Append("Resource = ").Append(d.Type switch
                {
                    CmResourceType.Interrupt => string.Create(CultureInfo.InvariantCulture, $"IRQ {d.u.Interrupt.Level}"),
                    CmResourceType.Dma => string.Create(CultureInfo.InvariantCulture, $"DMA {d.u.Dma.Channel}"),
                    CmResourceType.Port => string.Create(CultureInfo.InvariantCulture, $"Port 0x{d.u.Port.Start:X}-0x{d.u.Port.Start + d.u.Port.Length - 1:X}"),
                    _ => string.Create(CultureInfo.InvariantCulture, $"Memory 0x{d.u.Memory.Start:X}-0x{d.u.Memory.Start + d.u.Memory.Length - 1:X}"),
                }).Append(d.ShareDisposition == CmShareDisposition.Shared ? " shared" : " exclusive").Append('\n');
            }
        }
        if (node.Conflict is { } conflict)
        {
            text.Append(indent).Append("Conflict = ").Append(conflict).Append('\n');
        }
        foreach (var child in node.Children)
        {
            Dump(child, text);
        }
    }
}
