using System.Globalization;

namespace ActorKernel.Actors;

/// <summary>WMI's registry of providers (IoWMIRegistrationControl), in registration order.</summary>
public sealed partial class IoManager
{
    private readonly List<WmiProvider> _wmiProviders = [];

    /// <summary>The WMI providers registered, in registration order (the kernel debugger's !wmiprov).</summary>
    public IReadOnlyList<WmiProvider> WmiProviders
    {
        get
        {
            lock (_wmiProviders)
            {
                return [.. _wmiProviders];
            }
        }
    }

    internal void WmipRegister(WmiProvider provider)
    {
        lock (_wmiProviders)
        {
            // Re-registration (WMIREG_ACTION_REREGISTER, UPDATE_GUIDS) replaces the blocks in place.
            var index = _wmiProviders.FindIndex(p => ReferenceEquals(p.Device, provider.Device));
            if (index >= 0)
            {
                _wmiProviders[index] = provider;
            }
            else
            {
                _wmiProviders.Add(provider);
            }
        }
    }

    internal void WmipDeregister(DeviceObject device)
    {
        lock (_wmiProviders)
        {
            _wmiProviders.RemoveAll(p => ReferenceEquals(p.Device, device));
        }
    }

    /// <summary>Every (provider, block) that registered the class, in registration order.</summary>
    internal List<(WmiProvider Provider, WmiGuidRegInfo Block)> WmipProvidersOf(string className)
    {
        var found = new List<(WmiProvider, WmiGuidRegInfo)>();
        foreach (var provider in WmiProviders)
        {
            foreach (var block in provider.Blocks)
            {
                if (string.Equals(block.ClassName, className, StringComparison.OrdinalIgnoreCase))
                {
                    found.Add((provider, block));
                }
            }
        }
        return found;
    }

    /// <summary>The index N of instance BASE_N of <paramref name="device"/>'s registration; -1 when the name is not one of its.</summary>
    internal int WmipInstanceIndex(DeviceObject device, string? instanceName)
    {
        var provider = WmiProviders.FirstOrDefault(p => ReferenceEquals(p.Device, device));
        var prefix = (provider?.InstanceBaseName ?? "") + "_";
        return instanceName is not null && instanceName.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(instanceName.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : -1;
    }
}
