/*++

Module Name:

    NdisTypes.cs

Abstract:

    What a miniport and the NDIS library share (ndis.h, NDIS 6 names): NDIS_STATUS values (NTSTATUS
    values, as in ndis.h), the OIDs the protocol edge queries, NET_BUFFER and NET_BUFFER_LIST, the
    miniport driver characteristics with its handlers (MINIPORT_INITIALIZE, MINIPORT_HALT,
    MINIPORT_SEND_NET_BUFFER_LISTS, MINIPORT_RETURN_NET_BUFFER_LISTS, ...), the interrupt
    characteristics (MINIPORT_ISR, MINIPORT_INTERRUPT_DPC), the initialization parameters and the
    attributes a miniport sets.

    Left out: the NDIS_OBJECT_HEADER revision checks, pools (NBLs are objects the allocator hands out),
    more than one NET_BUFFER per NET_BUFFER_LIST, OID set requests, MSI, offloads, ports.

Environment:

    Kernel mode.

--*/

using ActorKernel.Actors;

namespace ActorKernel.Drivers.Ndis;

/// <summary>NDIS_STATUS: NTSTATUS values (ndis.h maps each to its STATUS_ code).</summary>
public enum NdisStatus
{
    /// <summary>NDIS_STATUS_SUCCESS.</summary>
    Success = 0x00000000,

    /// <summary>NDIS_STATUS_PENDING (STATUS_PENDING).</summary>
    Pending = 0x00000103,

    /// <summary>NDIS_STATUS_FAILURE (STATUS_UNSUCCESSFUL).</summary>
    Failure = unchecked((int)0xC0000001),

    /// <summary>NDIS_STATUS_INVALID_PARAMETER (STATUS_INVALID_PARAMETER).</summary>
    InvalidParameter = unchecked((int)0xC000000D),

    /// <summary>NDIS_STATUS_RESOURCES (STATUS_INSUFFICIENT_RESOURCES).</summary>
    Resources = unchecked((int)0xC000009A),

    /// <summary>NDIS_STATUS_NOT_SUPPORTED (STATUS_NOT_SUPPORTED).</summary>
    NotSupported = unchecked((int)0xC00000BB),

    /// <summary>NDIS_STATUS_BAD_CHARACTERISTICS.</summary>
    BadCharacteristics = unchecked((int)0xC0010005),

    /// <summary>NDIS_STATUS_ADAPTER_NOT_FOUND.</summary>
    AdapterNotFound = unchecked((int)0xC0010006),

    /// <summary>NDIS_STATUS_INVALID_LENGTH.</summary>
    InvalidLength = unchecked((int)0xC0010014),

    /// <summary>NDIS_STATUS_BUFFER_TOO_SHORT.</summary>
    BufferTooShort = unchecked((int)0xC0010016),

    /// <summary>NDIS_STATUS_INVALID_OID.</summary>
    InvalidOid = unchecked((int)0xC0010017),

    /// <summary>NDIS_STATUS_PAUSED (STATUS_NDIS_PAUSED): the miniport is not running.</summary>
    Paused = unchecked((int)0xC023002A),
}

/// <summary>OIDs (ntddndis.h) the protocol edge can query.</summary>
public static class NdisOid
{
    /// <summary>OID_GEN_XMIT_OK: frames sent without error (ULONG64).</summary>
    public const uint GenXmitOk = 0x00020101;

    /// <summary>OID_GEN_RCV_OK: frames received without error (ULONG64).</summary>
    public const uint GenRcvOk = 0x00020102;

    /// <summary>OID_802_3_PERMANENT_ADDRESS: the burned-in MAC address (6 bytes).</summary>
    public const uint Ieee8023PermanentAddress = 0x01010101;

    /// <summary>OID_802_3_CURRENT_ADDRESS: the MAC address in use (6 bytes).</summary>
    public const uint Ieee8023CurrentAddress = 0x01010102;
}

/// <summary>NET_BUFFER: one frame's data (here one contiguous buffer stands for the MDL chain).</summary>
public sealed class NetBuffer
{
    /// <summary>Creates a NET_BUFFER over <paramref name="buffer"/>.</summary>
    /// <param name="buffer">The memory the MDL chain describes.</param>
    public NetBuffer(byte[] buffer) => Buffer = buffer;

    /// <summary>The memory (MDL chain) of the NET_BUFFER.</summary>
    public byte[] Buffer { get; }

    /// <summary>DataOffset: where the used data starts in <see cref="Buffer"/>.</summary>
    public int DataOffset { get; set; }

    /// <summary>DataLength: bytes of used data.</summary>
    public int DataLength { get; set; }

    /// <summary>The used data.</summary>
    public Span<byte> Data => Buffer.AsSpan(DataOffset, DataLength);
}

/// <summary>NET_BUFFER_LIST: a frame on its way through NDIS, chained with others through <see cref="Next"/>.</summary>
public sealed class NetBufferList
{
    /// <summary>Creates a NET_BUFFER_LIST with its one NET_BUFFER.</summary>
    /// <param name="netBuffer">FirstNetBuffer.</param>
    public NetBufferList(NetBuffer netBuffer) => FirstNetBuffer = netBuffer;

    /// <summary>NET_BUFFER_LIST_NEXT_NBL.</summary>
    public NetBufferList? Next { get; set; }

    /// <summary>NET_BUFFER_LIST_FIRST_NB.</summary>
    public NetBuffer FirstNetBuffer { get; }

    /// <summary>NET_BUFFER_LIST_STATUS: the miniport's result of a send.</summary>
    public NdisStatus Status { get; set; }

    /// <summary>SourceHandle: the adapter that sent it (NDIS routes the completion by it).</summary>
    public object? SourceHandle { get; set; }

    /// <summary>MiniportReserved: the miniport's own context while it owns the NBL.</summary>
    public object? MiniportReserved { get; set; }

    /// <summary>ProtocolReserved: the protocol side's context (here the IRP of the write).</summary>
    public object? ProtocolReserved { get; set; }

    /// <summary>The NBLs of a chain starting at <paramref name="first"/>.</summary>
    /// <param name="first">The first NBL, or null.</param>
    /// <returns>The chain in order.</returns>
    public static IEnumerable<NetBufferList> Chain(NetBufferList? first)
    {
        for (var nbl = first; nbl is not null; nbl = nbl.Next)
        {
            yield return nbl;
        }
    }
}

/// <summary>NDIS_HALT_ACTION: why MiniportHaltEx is called.</summary>
public enum NdisHaltAction
{
    /// <summary>NdisHaltDeviceDisabled.</summary>
    DeviceDisabled = 0,

    /// <summary>NdisHaltDeviceInstanceDeInstalled.</summary>
    DeviceInstanceDeInstalled = 1,

    /// <summary>NdisHaltDevicePoweredDown.</summary>
    DevicePoweredDown = 2,

    /// <summary>NdisHaltDeviceSurpriseRemoved.</summary>
    DeviceSurpriseRemoved = 3,

    /// <summary>NdisHaltDeviceFailed.</summary>
    DeviceFailed = 4,

    /// <summary>NdisHaltDeviceInitializationFailed.</summary>
    DeviceInitializationFailed = 5,

    /// <summary>NdisHaltDeviceStopped.</summary>
    DeviceStopped = 6,
}

/// <summary>Send and receive flags (ndis.h).</summary>
public static class NdisFlags
{
    /// <summary>NDIS_SEND_FLAGS_DISPATCH_LEVEL: MiniportSendNetBufferLists is called at DISPATCH_LEVEL.</summary>
    public const uint SendFlagsDispatchLevel = 0x00000001;

    /// <summary>NDIS_SEND_COMPLETE_FLAGS_DISPATCH_LEVEL: NdisMSendNetBufferListsComplete is called at DISPATCH_LEVEL.</summary>
    public const uint SendCompleteFlagsDispatchLevel = 0x00000001;

    /// <summary>NDIS_RECEIVE_FLAGS_DISPATCH_LEVEL: the indication runs at DISPATCH_LEVEL.</summary>
    public const uint ReceiveFlagsDispatchLevel = 0x00000001;

    /// <summary>NDIS_RECEIVE_FLAGS_RESOURCES: the miniport takes the NBLs back when the indication returns (no MiniportReturnNetBufferLists).</summary>
    public const uint ReceiveFlagsResources = 0x00000002;

    /// <summary>NDIS_DEFAULT_PORT_NUMBER.</summary>
    public const uint DefaultPortNumber = 0;
}

/// <summary>NDIS_OID_REQUEST (a query): the OID, the buffer the miniport fills and what it wrote or needs.</summary>
public sealed class NdisOidRequest
{
    /// <summary>DATA.QUERY_INFORMATION.Oid.</summary>
    public required uint Oid { get; init; }

    /// <summary>InformationBuffer (its length is InformationBufferLength).</summary>
    public required byte[] InformationBuffer { get; init; }

    /// <summary>BytesWritten.</summary>
    public uint BytesWritten { get; set; }

    /// <summary>BytesNeeded (with NDIS_STATUS_BUFFER_TOO_SHORT).</summary>
    public uint BytesNeeded { get; set; }
}

/// <summary>NDIS_MINIPORT_INIT_PARAMETERS: what MiniportInitializeEx gets.</summary>
public sealed class NdisMiniportInitParameters
{
    /// <summary>AllocatedResources: the translated resources of IRP_MN_START_DEVICE.</summary>
    public required CmResourceList AllocatedResources { get; init; }

    /// <summary>AllocatedResources as the bus sees them (raw).</summary>
    public required CmResourceList? AllocatedResourcesRaw { get; init; }

    /// <summary>IfIndex: the interface index NDIS gave the adapter (1, 2, ... in start order).</summary>
    public required uint IfIndex { get; init; }
}

/// <summary>MINIPORT_INITIALIZE (MiniportInitializeEx).</summary>
/// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
public delegate ValueTask<NdisStatus> MiniportInitialize(NdisMiniportBlock miniportAdapterHandle, object? miniportDriverContext, NdisMiniportInitParameters miniportInitParameters);

/// <summary>MINIPORT_HALT (MiniportHaltEx).</summary>
/// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
public delegate ValueTask MiniportHalt(object miniportAdapterContext, NdisHaltAction haltAction);

/// <summary>MINIPORT_UNLOAD (MiniportDriverUnload).</summary>
/// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
public delegate ValueTask MiniportDriverUnload(DriverObject driverObject);

/// <summary>MINIPORT_PAUSE (MiniportPause): every send the miniport holds must be completed before it returns success.</summary>
/// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
public delegate ValueTask<NdisStatus> MiniportPause(object miniportAdapterContext);

/// <summary>MINIPORT_RESTART (MiniportRestart).</summary>
/// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
public delegate ValueTask<NdisStatus> MiniportRestart(object miniportAdapterContext);

/// <summary>MINIPORT_OID_REQUEST (MiniportOidRequest), queries only.</summary>
/// <remarks>IRQL = PASSIVE_LEVEL here (NDIS may call it at DISPATCH_LEVEL).</remarks>
public delegate ValueTask<NdisStatus> MiniportOidRequest(object miniportAdapterContext, NdisOidRequest oidRequest);

/// <summary>MINIPORT_SEND_NET_BUFFER_LISTS: the miniport owns the chain until it calls NdisMSendNetBufferListsComplete.</summary>
/// <remarks>IRQL &lt;= DISPATCH_LEVEL (<see cref="NdisFlags.SendFlagsDispatchLevel"/> says which).</remarks>
public delegate ValueTask MiniportSendNetBufferLists(object miniportAdapterContext, NetBufferList netBufferList, uint portNumber, uint sendFlags);

/// <summary>MINIPORT_RETURN_NET_BUFFER_LISTS: received NBLs come back to the miniport.</summary>
/// <remarks>IRQL &lt;= DISPATCH_LEVEL.</remarks>
public delegate ValueTask MiniportReturnNetBufferLists(object miniportAdapterContext, NetBufferList netBufferLists, uint returnFlags);

/// <summary>MINIPORT_ISR (MiniportInterrupt): whether the interrupt is the adapter's, and whether NDIS queues the DPC.</summary>
/// <remarks>IRQL = DIRQL.</remarks>
public delegate ValueTask<(bool Recognized, bool QueueDefaultInterruptDpc)> MiniportIsr(object miniportInterruptContext);

/// <summary>MINIPORT_INTERRUPT_DPC (MiniportInterruptDPC).</summary>
/// <remarks>IRQL = DISPATCH_LEVEL.</remarks>
public delegate ValueTask MiniportInterruptDpc(object miniportInterruptContext, object? miniportDpcContext);

/// <summary>NDIS_MINIPORT_DRIVER_CHARACTERISTICS: the handlers a miniport registers from DriverEntry.</summary>
public sealed record NdisMiniportDriverCharacteristics
{
    /// <summary>MajorNdisVersion (6).</summary>
    public byte MajorNdisVersion { get; init; } = 6;

    /// <summary>MinorNdisVersion.</summary>
    public byte MinorNdisVersion { get; init; }

    /// <summary>InitializeHandlerEx.</summary>
    public required MiniportInitialize InitializeHandlerEx { get; init; }

    /// <summary>HaltHandlerEx.</summary>
    public required MiniportHalt HaltHandlerEx { get; init; }

    /// <summary>UnloadHandler.</summary>
    public MiniportDriverUnload? UnloadHandler { get; init; }

    /// <summary>PauseHandler.</summary>
    public required MiniportPause PauseHandler { get; init; }

    /// <summary>RestartHandler.</summary>
    public required MiniportRestart RestartHandler { get; init; }

    /// <summary>OidRequestHandler.</summary>
    public required MiniportOidRequest OidRequestHandler { get; init; }

    /// <summary>SendNetBufferListsHandler.</summary>
    public required MiniportSendNetBufferLists SendNetBufferListsHandler { get; init; }

    /// <summary>ReturnNetBufferListsHandler.</summary>
    public required MiniportReturnNetBufferLists ReturnNetBufferListsHandler { get; init; }
}

/// <summary>NDIS_MINIPORT_INTERRUPT_CHARACTERISTICS (line-based interrupts).</summary>
public sealed record NdisMiniportInterruptCharacteristics
{
    /// <summary>InterruptHandler (MiniportInterrupt).</summary>
    public required MiniportIsr InterruptHandler { get; init; }

    /// <summary>InterruptDpcHandler (MiniportInterruptDPC).</summary>
    public required MiniportInterruptDpc InterruptDpcHandler { get; init; }
}

/// <summary>NDIS_SG_DMA_DESCRIPTION.</summary>
public sealed record NdisSgDmaDescription
{
    /// <summary>NDIS_SG_DMA_64_BIT_ADDRESS in Flags (false: 32-bit addresses).</summary>
    public bool Dma64BitAddresses { get; init; }

    /// <summary>MaximumPhysicalMapping: the largest transfer.</summary>
    public uint MaximumPhysicalMapping { get; init; }
}

/// <summary>The attributes a miniport sets in MiniportInitializeEx with NdisMSetMiniportAttributes.</summary>
public sealed record NdisMiniportAttributes
{
    /// <summary>NDIS_MINIPORT_ADAPTER_REGISTRATION_ATTRIBUTES.MiniportAdapterContext: what NDIS passes every handler.</summary>
    public required object MiniportAdapterContext { get; init; }

    /// <summary>NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES.CurrentMacAddress.</summary>
    public byte[] CurrentMacAddress { get; init; } = [];

    /// <summary>NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES.MtuSize (1500 for Ethernet).</summary>
    public uint MtuSize { get; init; } = 1500;

    /// <summary>NDIS_MINIPORT_ADAPTER_GENERAL_ATTRIBUTES.MaxXmitLinkSpeed in bits per second.</summary>
    public ulong MaxXmitLinkSpeed { get; init; }
}
