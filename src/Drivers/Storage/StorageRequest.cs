/*++

Module Name:

    StorageRequest.cs

Abstract:

    The port's per-tag request block (an SRB in spirit): one is made per tag when the adapter
    starts and reused for every request that tag carries, so the I/O path allocates nothing.

Environment:

    Kernel mode.

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.Storage;

/// <summary>What a request asks the disk to do.</summary>
public enum StorageOperation
{
    /// <summary>Sectors from the disk into the requester's pages.</summary>
    Read,

    /// <summary>Sectors from the requester's pages to the disk.</summary>
    Write,

    /// <summary>The controller's write-back cache to the medium.</summary>
    Flush,
}

/// <summary>A request block: the IRP a tag carries, what it asks, its scatter/gather list and, once done, its status.</summary>
public sealed class StorageRequest
{
    internal StorageRequest(StorageAdapter adapter, int tag)
    {
        Adapter = adapter;
        Tag = tag;
    }

    /// <summary>The adapter.</summary>
    public StorageAdapter Adapter { get; }

    /// <summary>The tag: the command id the controller echoes in its completion.</summary>
    public int Tag { get; }

    /// <summary>The IRP this tag carries now, or null while free.</summary>
    public Irp? Irp { get; internal set; }

    /// <summary>Read, write or flush.</summary>
    public StorageOperation Operation { get; internal set; }

    /// <summary>The first sector.</summary>
    public long Lba { get; internal set; }

    /// <summary>Sectors to transfer (0 for a flush).</summary>
    public uint SectorCount { get; internal set; }

    /// <summary>Bytes to transfer.</summary>
    public uint Length { get; internal set; }

    /// <summary>The scatter/gather list GetScatterGatherList built over the IRP's MDL (null for a flush).</summary>
    public ScatterGatherList? ScatterGather { get; internal set; }

    /// <summary>The result the miniport reports (the controller's status mapped to an NTSTATUS).</summary>
    public NtStatus Status { get; set; }

    /// <summary>The controller's own status code (for diagnostics).</summary>
    public ushort ControllerStatus { get; set; }

    /// <summary>
    /// Whole ticks of the port's one-second timer the request may still stay at the adapter; 0 once
    /// the miniport reported it (or while the tag is free). Read and counted down in sync with the
    /// ISR (KeSynchronizeExecution), as ScsiPort's timer does.
    /// </summary>
    internal int TimeoutRemaining;

    /// <summary>The timeout the request started with, in seconds.</summary>
    internal uint TimeoutSeconds { get; set; }

    /// <summary>The SRB status the port itself gave the request (a bus reset), or <see cref="SrbStatus.Pending"/> when the miniport's status stands.</summary>
    internal SrbStatus PortSrbStatus { get; set; }

    // The ISR's list of finished requests, taken by the DPC (linked, so taking it allocates nothing).
    internal StorageRequest? NextCompleted { get; set; }
}
