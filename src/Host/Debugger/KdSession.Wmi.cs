using System.Text;

namespace ActorKernel.Host.Debugger;

/// <summary>!wmiprov: the WMI providers and their data blocks.</summary>
internal sealed partial class KdSession
{
    private void WmiProv(StringBuilder o)
    {
        o.Append("WMI data providers (IoWMIRegistrationControl, WMIREG_ACTION_REGISTER):\n\n");
        foreach (var provider in _machine.WmiProviders)
        {
            o.Append(F($"Provider {KdFormat.Address(provider.Device)} {provider.DeviceName ?? "(unnamed)"} ({provider.Driver})  InstanceName base: {provider.InstanceBaseName}\n"));
            foreach (var block in provider.Blocks)
            {
                o.Append(F($"    {{{block.Guid}}}  {block.ClassName,-34} {block.InstanceCount} instance(s)\n"));
            }
        }
        o.Append(F($"\n{_machine.WmiProviders.Count} provider(s), {_machine.WmiProviders.Sum(p => p.Blocks.Count)} data block(s)\n"));
    }
}
