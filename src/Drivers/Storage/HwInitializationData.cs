/*++

Module Name:

    HwInitializationData.cs

Abstract:

    What a storage miniport hands the port driver in its DriverEntry (the HW_INITIALIZATION_DATA
    of ScsiPortInitialize / StorPortInitialize): its hardware routines and its limits. The port
    calls HwFindAdapter and HwInitialize while it starts the device, HwStartIo for each request
    it has a tag and a scatter/gather list for, and HwInterrupt as the ISR it connects.

Environment:

    Kernel mode.

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.Storage;

/// <summary>HwFindAdapter: claims the translated resources of IRP_MN_START_DEVICE, maps the registers, reads the geometry into <see cref="StorageAdapter"/>.</summary>
/// <param name="adapter">The adapter (the port's device extension).</param>
/// <param name="translatedResources">AllocatedResourcesTranslated.</param>
/// <returns>STATUS_SUCCESS, or why the adapter cannot be used.</returns>
/// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
public delegate ValueTask<NtStatus> HwStorFindAdapter(StorageAdapter adapter, CmResourceList translatedResources);

/// <summary>HwInitialize: brings the controller up (rings, interrupt enable) once the port has connected the interrupt and allocated the common buffer.</summary>
/// <param name="adapter">The adapter.</param>
/// <returns>STATUS_SUCCESS, or why the controller did not come up.</returns>
/// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
public delegate ValueTask<NtStatus> HwStorInitialize(StorageAdapter adapter);

/// <summary>HwStartIo: programs the controller to start <paramref name="request"/> (its scatter/gather list is ready).</summary>
/// <param name="adapter">The adapter.</param>
/// <param name="request">The request.</param>
/// <returns>A task that ends when the command is handed to the controller.</returns>
/// <remarks>IRQL = DISPATCH_LEVEL.</remarks>
public delegate ValueTask HwStorStartIo(StorageAdapter adapter, StorageRequest request);

/// <summary>HwInterrupt: the ISR. Acknowledges the controller, reports finished requests with <see cref="StoragePort.StoragePortNotification"/> and queues the port's DPC.</summary>
/// <param name="adapter">The adapter.</param>
/// <returns>Whether the interrupt was the controller's.</returns>
/// <remarks>IRQL = DIRQL, holding the interrupt spin lock.</remarks>
public delegate ValueTask<bool> HwStorInterrupt(StorageAdapter adapter);

/// <summary>HwAdapterControl(ScsiStopAdapter): quiesces the controller (no more DMA, no more interrupts) and unmaps its registers before the port frees what the controller used.</summary>
/// <param name="adapter">The adapter.</param>
/// <returns>A task that ends when the controller is stopped.</returns>
/// <remarks>IRQL = PASSIVE_LEVEL, in IRP_MN_REMOVE_DEVICE.</remarks>
public delegate ValueTask HwStorStopAdapter(StorageAdapter adapter);

/// <summary>
/// HwResetBus: a request ran out of time at the adapter. The miniport resets the controller (what it
/// held is abandoned) and completes every outstanding request with
/// <see cref="StoragePort.StoragePortCompleteRequest"/>(SRB_STATUS_BUS_RESET).
/// </summary>
/// <param name="adapter">The adapter.</param>
/// <param name="pathId">The bus to reset (0: the controllers here have one).</param>
/// <returns>A task giving whether the reset succeeded (the controller is ready again).</returns>
/// <remarks>IRQL = DIRQL, holding the interrupt spin lock (the port calls it through KeSynchronizeExecution).</remarks>
public delegate ValueTask<bool> HwStorResetBus(StorageAdapter adapter, uint pathId);

/// <summary>HW_INITIALIZATION_DATA: the miniport's routines and limits.</summary>
public sealed record HwInitializationData
{
    /// <summary>HwFindAdapter.</summary>
    public required HwStorFindAdapter HwFindAdapter { get; init; }

    /// <summary>HwInitialize.</summary>
    public required HwStorInitialize HwInitialize { get; init; }

    /// <summary>HwStartIo.</summary>
    public required HwStorStartIo HwStartIo { get; init; }

    /// <summary>HwInterrupt.</summary>
    public required HwStorInterrupt HwInterrupt { get; init; }

    /// <summary>HwAdapterControl(ScsiStopAdapter).</summary>
    public required HwStorStopAdapter HwStopAdapter { get; init; }

    /// <summary>HwResetBus (called when a request times out).</summary>
    public required HwStorResetBus HwResetBus { get; init; }

    /// <summary>Requests the port keeps at the controller at once (tags).</summary>
    public int QueueDepth { get; init; } = 32;

    /// <summary>NumberOfPhysicalBreaks + 1: the most scatter/gather elements one request may have.</summary>
    public int MaximumSegments { get; init; } = 17;

    /// <summary>Bytes of common buffer the miniport needs (rings and per-tag segment lists).</summary>
    public int CommonBufferLength { get; init; }

    /// <summary>The device name's stem: <c>\Device\{stem}N</c> and <c>\??\{stem}N</c>.</summary>
    public string DeviceNameStem { get; init; } = "BlkDisk";
}
