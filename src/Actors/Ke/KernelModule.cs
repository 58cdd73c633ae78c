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

    /// <summary>
    /// Whether the image is unloaded (its DriverUnload ran and nothing holds the image any more): a
    /// DPC of it that runs now bugchecks DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS (0xCE).
    /// </summary>
    public bool Unloaded { get; internal set; }

    // The driver was unloaded (DriverUnload ran); the image goes once ImageReferences (queued IoQueueWorkItem items,
    // each holding its device object and so the driver) drops to 0. Both under Machine.DispatcherLock.
    internal bool UnloadPending;
    internal int ImageReferences;

    /// <inheritdoc />
    public override string ToString() => Name;
}
