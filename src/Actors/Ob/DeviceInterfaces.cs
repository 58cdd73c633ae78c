using System.Globalization;

namespace ActorKernel.Actors;

/// <summary>
/// Device interface classes (IoRegisterDeviceInterface, IoSetDeviceInterfaceState,
/// IoGetDeviceInterfaces): a registered instance gets a symbolic link name built from the device
/// instance ID and the class GUID, <c>\??\ROOT#RAMDISK#0000#{guid}</c>; enabling it creates that link
/// to the PDO's name, so applications can open the device by interface.
/// </summary>
public sealed class DeviceInterfaces(ObjectNamespace objects)
{
    private readonly Lock _gate = new();

    // Registration order, so IoGetDeviceInterfaces lists the same way in every run.
    private readonly List<Registration> _registrations = [];

    /// <summary>IoRegisterDeviceInterface: registers an instance of <paramref name="interfaceClass"/> for the device.</summary>
    /// <param name="deviceInstanceId">The PDO's device instance ID, e.g. <c>ROOT\RAMDISK\0000</c>.</param>
    /// <param name="physicalDeviceObjectName">The PDO's name in the namespace, which the link will point to.</param>
    /// <param name="interfaceClass">The interface class GUID.</param>
    /// <param name="referenceString">Optional reference string (no path separators), appended as a path element.</param>
    /// <param name="symbolicLinkName">The instance's link name, to pass to IoSetDeviceInterfaceState.</param>
    /// <remarks>IRQL = PASSIVE_LEVEL. Registering the same instance twice returns the same name.</remarks>
    /// <returns>STATUS_SUCCESS, or STATUS_INVALID_PARAMETER for a reference string with a separator or an empty instance ID.</returns>
    public NtStatus IoRegisterDeviceInterface(string deviceInstanceId, string physicalDeviceObjectName, Guid interfaceClass, string? referenceString, out string symbolicLinkName)
    {
        symbolicLinkName = "";
        if (string.IsNullOrEmpty(deviceInstanceId) || referenceString is not null && (referenceString.Contains('\\', StringComparison.Ordinal) || referenceString.Contains('/', StringComparison.Ordinal)))
        {
            return NtStatus.InvalidParameter;
        }
        var name = "\\??\\" + deviceInstanceId.Replace('\\', '#').ToUpperInvariant() + "#{" + interfaceClass.ToString("D", CultureInfo.InvariantCulture) + "}";
        if (referenceString is { Length: > 0 })
        {
            name += "\\" + referenceString;
        }
        lock (_gate)
        {
            if (!_registrations.Exists(r => r.LinkName.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                _registrations.Add(new Registration(name, physicalDeviceObjectName, interfaceClass));
            }
        }
        symbolicLinkName = name;
        return NtStatus.Success;
    }

    /// <summary>IoSetDeviceInterfaceState: enables or disables a registered instance.</summary>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    /// <returns>
    /// STATUS_SUCCESS; STATUS_OBJECT_NAME_EXISTS (informational) when enabling an enabled instance;
    /// STATUS_OBJECT_NAME_NOT_FOUND when disabling one that is not enabled or was never registered.
    /// </returns>
    public NtStatus IoSetDeviceInterfaceState(string symbolicLinkName, bool enable)
    {
        lock (_gate)
        {
            var registration = _registrations.Find(r => r.LinkName.Equals(symbolicLinkName, StringComparison.OrdinalIgnoreCase));
            if (registration is null)
            {
                return NtStatus.ObjectNameNotFound;
            }
            if (enable == registration.Enabled)
            {
                return enable ? NtStatus.ObjectNameExists : NtStatus.ObjectNameNotFound;
            }
            // A reference string is a path element below the link, not part of the link's own name.
            var linkPath = LinkPath(registration.LinkName);
            var status = enable ? objects.IoCreateSymbolicLink(linkPath, registration.Target) : objects.IoDeleteSymbolicLink(linkPath);
            if (status == NtStatus.Success)
            {
                registration.Enabled = enable;
            }
            return status;
        }
    }

    /// <summary>IoGetDeviceInterfaces: the link names of the enabled instances of <paramref name="interfaceClass"/>, in registration order.</summary>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public IReadOnlyList<string> IoGetDeviceInterfaces(Guid interfaceClass)
    {
        lock (_gate)
        {
            return [.. _registrations.Where(r => r.Enabled && r.InterfaceClass == interfaceClass).Select(r => r.LinkName)];
        }
    }

    /// <summary>The interface class of a registered instance, or null.</summary>
    internal Guid? ClassOf(string symbolicLinkName)
    {
        lock (_gate)
        {
            return _registrations.Find(r => r.LinkName.Equals(symbolicLinkName, StringComparison.OrdinalIgnoreCase))?.InterfaceClass;
        }
    }

    /// <summary>The enabled instances whose link points to <paramref name="physicalDeviceObjectName"/>, in registration order.</summary>
    internal IReadOnlyList<string> EnabledLinksTo(string physicalDeviceObjectName)
    {
        lock (_gate)
        {
            return [.. _registrations.Where(r => r.Enabled && r.Target == physicalDeviceObjectName).Select(r => r.LinkName)];
        }
    }

    /// <summary>Every enabled instance (class and link), in registration order.</summary>
    internal IReadOnlyList<(Guid InterfaceClass, string LinkName)> EnabledInterfaces()
    {
        lock (_gate)
        {
            return [.. _registrations.Where(r => r.Enabled).Select(r => (r.InterfaceClass, r.LinkName))];
        }
    }

    private static string LinkPath(string linkName)
    {
        var brace = linkName.IndexOf('}', StringComparison.Ordinal);
        return brace < 0 ? linkName : linkName[..(brace + 1)];
    }

    private sealed class Registration(string linkName, string target, Guid interfaceClass)
    {
        public string LinkName { get; } = linkName;
        public string Target { get; } = target;
        public Guid InterfaceClass { get; } = interfaceClass;
        public bool Enabled { get; set; }
    }
}
