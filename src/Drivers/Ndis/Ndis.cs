/*++

Module Name:

    Ndis.cs

Abstract:

    The NDIS library (ndis.sys in spirit, NDIS 6 names). A miniport calls
    NdisMRegisterMiniportDriver from its DriverEntry with its characteristics; the library then
    owns the driver object: its dispatch table, AddDevice and DriverUnload are the library's, and
    the miniport is called only through its registered handlers. AddDevice makes the adapter's FDO
    (\Device\<Service>N, FILE_DEVICE_PHYSICAL_NETCARD) with an NDIS_MINIPORT_BLOCK as its extension;
    IRP_MN_START_DEVICE goes down first, then the library calls MiniportInitializeEx with the
    translated resources and MiniportRestart (the adapter goes Initializing, Paused, Restarting,
    Running); IRP_MN_REMOVE_DEVICE calls MiniportPause and MiniportHaltEx before the IRP goes down;
    DriverUnload calls MiniportDriverUnload.

    The upper edge here is a simple protocol in the spirit of the NDISPROT sample rather than the
    protocol binding interface: IRP_MJ_WRITE sends one frame (an NBL to
    MiniportSendNetBufferLists, the IRP completed from NdisMSendNetBufferListsComplete), IRP_MJ_READ
    takes one received frame (NdisMIndicateReceiveNetBufferLists completes waiting reads or queues
    a copy), IOCTL_NDIS_QUERY_GLOBAL_STATS queries an OID through MiniportOidRequest.
    Ndis.Pnp.cs holds start and removal, NdisData.cs the data path, NdisServices.cs the NdisM
    services for interrupts, DMA and registers.

    Left out: protocol and filter drivers and binding, the \Device\{GUID} names, OID set requests
    and NdisMOidRequestComplete (queries complete synchronously), NdisMPauseComplete (MiniportPause
    completes synchronously), status indications, check-for-hang and reset, power.

Environment:

    Kernel mode. Dispatch routines at PASSIVE_LEVEL; PnP from the PnP manager's thread.

--*/

using System.Buffers.Binary;
using ActorKernel.Actors;
using static ActorKernel.Actors.Wdm;

namespace ActorKernel.Drivers.Ndis;

/// <summary>The NDIS_HANDLE NdisMRegisterMiniportDriver gives back: the miniport driver's registration.</summary>
public sealed class NdisMiniportDriver
{
    internal NdisMiniportDriver(DriverObject driverObject, object? context, NdisMiniportDriverCharacteristics characteristics)
    {
        DriverObject = driverObject;
        Context = context;
        Characteristics = characteristics;
    }

    /// <summary>The miniport's driver object.</summary>
    public DriverObject DriverObject { get; }

    /// <summary>MiniportDriverContext.</summary>
    public object? Context { get; }

    /// <summary>The registered characteristics.</summary>
    public NdisMiniportDriverCharacteristics Characteristics { get; }

    /// <summary>The adapters started so far (the next one's IfIndex is this plus one).</summary>
    internal uint AdaptersStarted { get; set; }
}

/// <summary>The NDIS library's exports for miniports.</summary>
public static partial class Ndis
{
    /// <summary>IOCTL_NDIS_QUERY_GLOBAL_STATS: _NDIS_CONTROL_CODE(0, METHOD_OUT_DIRECT) = 0x00170002; input the OID, output its data.</summary>
    public static readonly IoControlCode IoctlNdisQueryGlobalStats =
        IoControlCode.CtlCode(DeviceType.PhysicalNetcard, 0, TransferMethod.MethodOutDirect, IoctlAccess.FileAnyAccess);

    private static readonly object DriverKey = new();

    /// <summary>
    /// NdisMRegisterMiniportDriver: called from the miniport's DriverEntry; keeps its characteristics
    /// and fills the driver object's dispatch table, AddDevice and DriverUnload with the library's.
    /// </summary>
    /// <param name="driverObject">The miniport's driver object.</param>
    /// <param name="registryPath">Its service key (unused).</param>
    /// <param name="miniportDriverContext">A context NDIS passes to MiniportInitializeEx.</param>
    /// <param name="characteristics">The handlers.</param>
    /// <param name="ndisMiniportDriverHandle">The registration.</param>
    /// <returns>NDIS_STATUS_SUCCESS, or NDIS_STATUS_BAD_CHARACTERISTICS for an NDIS version other than 6.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static NdisStatus NdisMRegisterMiniportDriver(DriverObject driverObject, string registryPath, object? miniportDriverContext,
        NdisMiniportDriverCharacteristics characteristics, out NdisMiniportDriver? ndisMiniportDriverHandle)
    {
        ArgumentNullException.ThrowIfNull(driverObject);
        ArgumentNullException.ThrowIfNull(characteristics);
        _ = registryPath;
        ndisMiniportDriverHandle = null;
        if (characteristics.MajorNdisVersion != 6)
        {
            return NdisStatus.BadCharacteristics;
        }
        var driver = new NdisMiniportDriver(driverObject, miniportDriverContext, characteristics);
        if (!driverObject.IoAllocateDriverObjectExtension(DriverKey, driver).IsSuccess())
        {
            return NdisStatus.Failure; // registered twice
        }
        driverObject.MajorFunction[(int)IrpMajorFunction.Create] = NdisCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Close] = NdisCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Cleanup] = NdisCreateClose;
        driverObject.MajorFunction[(int)IrpMajorFunction.Read] = NdisRead;
        driverObject.MajorFunction[(int)IrpMajorFunction.Write] = NdisWrite;
        driverObject.MajorFunction[(int)IrpMajorFunction.DeviceControl] = NdisDeviceControl;
        driverObject.MajorFunction[(int)IrpMajorFunction.Pnp] = NdisPnp;
        driverObject.MajorFunction[(int)IrpMajorFunction.Power] = NdisPassDown;
        driverObject.MajorFunction[(int)IrpMajorFunction.SystemControl] = NdisPassDown;
        driverObject.DriverExtension.AddDevice = NdisAddDevice;
        driverObject.DriverUnload = NdisUnload;
        ndisMiniportDriverHandle = driver;
        return NdisStatus.Success;
    }

    /// <summary>NdisMDeregisterMiniportDriver: from MiniportDriverUnload (or a DriverEntry that fails after registering).</summary>
    /// <param name="ndisMiniportDriverHandle">The registration.</param>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static void NdisMDeregisterMiniportDriver(NdisMiniportDriver ndisMiniportDriverHandle)
    {
        ArgumentNullException.ThrowIfNull(ndisMiniportDriverHandle);
        ndisMiniportDriverHandle.DriverObject.DriverExtension.AddDevice = null;
    }

    /// <summary>NdisMSetMiniportAttributes: the miniport's context and general attributes, from MiniportInitializeEx.</summary>
    /// <param name="miniportAdapterHandle">The adapter.</param>
    /// <param name="attributes">The attributes.</param>
    /// <returns>NDIS_STATUS_SUCCESS, or NDIS_STATUS_INVALID_PARAMETER outside MiniportInitializeEx.</returns>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public static NdisStatus NdisMSetMiniportAttributes(NdisMiniportBlock miniportAdapterHandle, NdisMiniportAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(miniportAdapterHandle);
        ArgumentNullException.ThrowIfNull(attributes);
        if (miniportAdapterHandle.State != NdisMiniportState.Initializing)
        {
            return NdisStatus.InvalidParameter;
        }
        miniportAdapterHandle.Attributes = attributes;
        return NdisStatus.Success;
    }

    internal static NdisMiniportDriver DriverOf(DriverObject driverObject) => (NdisMiniportDriver)driverObject.IoGetDriverObjectExtension(DriverKey)!;

    /// <summary>AddDevice: the adapter's FDO with its NDIS_MINIPORT_BLOCK, linked as \??\&lt;Service&gt;N; the miniport is not called until START.</summary>
    private static ValueTask<NtStatus> NdisAddDevice(DriverObject driverObject, DeviceObject pdo)
    {
        var driver = DriverOf(driverObject);
        var block = new NdisMiniportBlock(driver, pdo);
        var number = driverObject.DeviceObjects.Count;
        var name = $"\\Device\\{driverObject.ServiceName}{number}";
        var status = IoCreateDevice(driverObject, block, name, DeviceType.PhysicalNetcard, DeviceCharacteristics.DeviceSecureOpen, false, out var fdo);
        if (!status.IsSuccess())
        {
            return ValueTask.FromResult(status);
        }
        block.LinkName = $"\\??\\{driverObject.ServiceName}{number}";
        status = driverObject.Manager.Objects.IoCreateSymbolicLink(block.LinkName, name);
        if (!status.IsSuccess())
        {
            IoDeleteDevice(fdo!);
            return ValueTask.FromResult(status);
        }
        block.DeviceObject = fdo;
        KeInitializeSpinLock(block.ReceiveLock, "NdisMiniportBlock.ReceiveLock");
        KeInitializeSpinLock(block.ReadQueueLock, "NdisMiniportBlock.ReadQueueLock");
        NdisInitializeReadQueue(block);
        block.NextDeviceObject = IoAttachDeviceToDeviceStack(fdo!, pdo);
        fdo!.Flags |= DeviceObjectFlags.BufferedIo;
        fdo.Flags &= ~DeviceObjectFlags.DeviceInitializing;
        return ValueTask.FromResult(NtStatus.Success);
    }

    /// <summary>DriverUnload: the miniport's MiniportDriverUnload.</summary>
    private static async ValueTask NdisUnload(DriverObject driverObject)
    {
        if (DriverOf(driverObject).Characteristics.UnloadHandler is { } unload)
        {
            await unload(driverObject);
        }
    }

    private static async ValueTask<NtStatus> NdisCreateClose(DeviceObject deviceObject, Irp irp)
    {
        _ = deviceObject;
        return await Complete(irp, NtStatus.Success, 0);
    }

    /// <summary>IOCTL_NDIS_QUERY_GLOBAL_STATS: the OID in the input, the miniport's answer through the output MDL.</summary>
    private static async ValueTask<NtStatus> NdisDeviceControl(DeviceObject deviceObject, Irp irp)
    {
        var block = deviceObject.GetExtension<NdisMiniportBlock>();
        var stack = IoGetCurrentIrpStackLocation(irp);
        var inLength = (int)stack.Parameters.DeviceIoControl.InputBufferLength;
        var outLength = (int)stack.Parameters.DeviceIoControl.OutputBufferLength;
        NtStatus status;
        ulong information = 0;
        if (stack.Parameters.DeviceIoControl.IoControlCode != IoctlNdisQueryGlobalStats)
        {
            status = NtStatus.InvalidDeviceRequest;
        }
        else if (inLength < 4 || irp.MdlAddress is null)
        {
            status = NtStatus.InvalidParameter;
        }
        else if (block.MiniportAdapterContext is not { } context || block.State == NdisMiniportState.Halted)
        {
            status = NtStatus.DeviceNotReady;
        }
        else
        {
            var request = new NdisOidRequest { Oid = BinaryPrimitives.ReadUInt32LittleEndian(irp.SystemBuffer), InformationBuffer = new byte[outLength] };
            var result = await block.Driver.Characteristics.OidRequestHandler(context, request);
            status = ToNtStatus(result);
            if (result == NdisStatus.Success)
            {
                await RtlCopyMemory(MmGetSystemAddressForMdlSafe(irp.MdlAddress, NormalPagePriority), request.InformationBuffer.AsSpan(0, (int)request.BytesWritten));
                information = request.BytesWritten;
            }
        }
        return await Complete(irp, status, information);
    }

    private static async ValueTask<NtStatus> NdisPassDown(DeviceObject deviceObject, Irp irp)
    {
        IoSkipCurrentIrpStackLocation(irp);
        return await IoCallDriver(deviceObject.GetExtension<NdisMiniportBlock>().NextDeviceObject!, irp);
    }

    /// <summary>An NDIS_STATUS as the NTSTATUS of an IRP (the NDIS-only codes as their nearest NT ones).</summary>
    internal static NtStatus ToNtStatus(NdisStatus status) => status switch
    {
        NdisStatus.BufferTooShort or NdisStatus.InvalidLength => NtStatus.BufferTooSmall,
        NdisStatus.InvalidOid => NtStatus.NotSupported,
        NdisStatus.AdapterNotFound or NdisStatus.BadCharacteristics => NtStatus.Unsuccessful,
        _ => (NtStatus)(int)status,
    };

    private static async ValueTask<NtStatus> Complete(Irp irp, NtStatus status, ulong information)
    {
        irp.IoStatus.Status = status;
        irp.IoStatus.Information = information;
        await IoCompleteRequest(irp, PriorityBoost.IoNetworkIncrement);
        return status;
    }
}
