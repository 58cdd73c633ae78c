namespace ActorKernel.Actors;

/// <summary>
/// A loaded kernel module (a driver image such as <c>timerdev.sys</c>, or <c>ntoskrnl.exe</c>).
/// Every routine runs on behalf of one; the processor tracks the module of the running frame so a
/// bugcheck analysis names the faulting driver and pool allocations can be charged to it.
/// </summary>
public sealed class KernelModule
{
    /// <summary>Creates a module named <paramref name="name"/>.</summary>
    /// <param name="name">Image name, e.g. <c>timerdev.sys</c>.</param>
    public KernelModule(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>The kernel itself: owner of the clock ISR, timer expiry and the idle loop.</summary>
    public static KernelModule Kernel { get; } = new("ntoskrnl.exe");

    /// <summary>The image name.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public override string ToString() => Name;
}
