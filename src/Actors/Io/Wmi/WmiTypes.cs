namespace ActorKernel.Actors;

/// <summary>The IRP_MN_* codes of IRP_MJ_SYSTEM_CONTROL (wdm.h).</summary>
public enum WmiMinorFunction : byte
{
    /// <summary>IRP_MN_QUERY_ALL_DATA (0x00): every instance of a data block.</summary>
    QueryAllData = 0x00,

    /// <summary>IRP_MN_QUERY_SINGLE_INSTANCE (0x01): one instance of a data block.</summary>
    QuerySingleInstance = 0x01,

    /// <summary>IRP_MN_CHANGE_SINGLE_INSTANCE (0x02): set every item of one instance.</summary>
    ChangeSingleInstance = 0x02,

    /// <summary>IRP_MN_CHANGE_SINGLE_ITEM (0x03): set one item of one instance.</summary>
    ChangeSingleItem = 0x03,

    /// <summary>IRP_MN_ENABLE_EVENTS (0x04).</summary>
    EnableEvents = 0x04,

    /// <summary>IRP_MN_DISABLE_EVENTS (0x05).</summary>
    DisableEvents = 0x05,

    /// <summary>IRP_MN_ENABLE_COLLECTION (0x06).</summary>
    EnableCollection = 0x06,

    /// <summary>IRP_MN_DISABLE_COLLECTION (0x07).</summary>
    DisableCollection = 0x07,

    /// <summary>IRP_MN_REGINFO (0x08): the provider's data blocks, asked at registration.</summary>
    RegInfo = 0x08,

    /// <summary>IRP_MN_EXECUTE_METHOD (0x09).</summary>
    ExecuteMethod = 0x09,

    /// <summary>IRP_MN_REGINFO_EX (0x0B).</summary>
    RegInfoEx = 0x0B,
}

/// <summary>WMIREG_ACTION_* of IoWMIRegistrationControl (wdm.h).</summary>
public enum WmiRegistrationAction : uint
{
    /// <summary>WMIREG_ACTION_REGISTER (1).</summary>
    Register = 1,

    /// <summary>WMIREG_ACTION_DEREGISTER (2).</summary>
    Deregister = 2,

    /// <summary>WMIREG_ACTION_REREGISTER (3).</summary>
    Reregister = 3,

    /// <summary>WMIREG_ACTION_UPDATE_GUIDS (4).</summary>
    UpdateGuids = 4,
}

/// <summary>SYSCTL_IRP_DISPOSITION: what WmiSystemControl did with the IRP, and what the driver must still do.</summary>
public enum SysctlIrpDisposition
{
    /// <summary>IrpProcessed: the library handled (and completed, through the driver's callback) the IRP.</summary>
    IrpProcessed,

    /// <summary>IrpNotCompleted: handled, not completed; the driver completes it.</summary>
    IrpNotCompleted,

    /// <summary>IrpNotWmi: not a WMI minor function; the driver handles it as it would any other IRP_MJ_SYSTEM_CONTROL.</summary>
    IrpNotWmi,

    /// <summary>IrpForward: meant for another device (ProviderId is not this device); the driver passes it down.</summary>
    IrpForward,
}

/// <summary>WMIGUIDREGINFO: a data block a provider registers (its GUID, how many instances), with the MOF class name that binds to it.</summary>
/// <param name="Guid">The data block's GUID.</param>
/// <param name="ClassName">The MOF class (MSSerial_PerformanceInformation...).</param>
/// <param name="InstanceCount">Its instance count.</param>
/// <param name="Flags">WMIREG_FLAG_*.</param>
public sealed record WmiGuidRegInfo(Guid Guid, string ClassName, uint InstanceCount, uint Flags = 0);

/// <summary>One property (a MOF data item) of a data block instance, with its WmiDataId.</summary>
/// <param name="DataId">The item's WmiDataId (1-based, in MOF order).</param>
/// <param name="Name">The property name.</param>
/// <param name="Value">Its value.</param>
public sealed record WmiDataItem(uint DataId, string Name, long Value);

/// <summary>An instance of a data block: its name and items (the WNODE_SINGLE_INSTANCE a query returns).</summary>
/// <param name="InstanceName">The instance name (the provider's base name and index).</param>
/// <param name="Items">Its items.</param>
public sealed record WmiInstance(string InstanceName, IReadOnlyList<WmiDataItem> Items);

/// <summary>
/// Parameters.WMI of an IRP_MJ_SYSTEM_CONTROL stack location: ProviderId, DataPath (the block's GUID)
/// and the buffer. The WNODE buffer is modelled as typed items (in: the values to set; out: the
/// instances or the registration) rather than bytes.
/// </summary>
public sealed class WmiRequest
{
    /// <summary>ProviderId: the device object the request is for.</summary>
    public required DeviceObject ProviderId { get; init; }

    /// <summary>DataPath: the data block's GUID (empty for IRP_MN_REGINFO).</summary>
    public Guid DataPath { get; init; }

    /// <summary>The instance a single-instance request names.</summary>
    public string? InstanceName { get; init; }

    /// <summary>The item IRP_MN_CHANGE_SINGLE_ITEM sets.</summary>
    public uint DataItemId { get; init; }

    /// <summary>The new values of a change request.</summary>
    public IReadOnlyList<WmiDataItem> Input { get; init; } = [];

    /// <summary>The provider's instance name base (the instances are BASE_0, BASE_1...).</summary>
    public string InstanceBaseName { get; init; } = "";

    /// <summary>What a query returned: the instances, named from the base name.</summary>
    public IReadOnlyList<WmiInstance> Output =>
        [.. Items.Select((items, i) => new WmiInstance(Wdm.WmiInstanceName(InstanceBaseName, FirstInstance + i), items))];

    /// <summary>The index of the first instance a query returned.</summary>
    internal int FirstInstance { get; set; }

    /// <summary>The items of each instance the driver's DpWmiQueryDataBlock returned.</summary>
    internal List<IReadOnlyList<WmiDataItem>> Items { get; } = [];

    /// <summary>What IRP_MN_REGINFO returned: the instance name base and the data blocks.</summary>
    public (string InstanceBaseName, IReadOnlyList<WmiGuidRegInfo> Blocks)? RegInfo { get; internal set; }
}

/// <summary>DpWmiQueryReginfo: the provider's instance name base (WMIREG_FLAG_INSTANCE_BASENAME); the library adds the GUID list.</summary>
/// <param name="deviceObject">The provider.</param>
/// <returns>STATUS_SUCCESS and the instance base name.</returns>
public delegate ValueTask<(NtStatus Status, string InstanceBaseName)> WmiQueryRegInfo(DeviceObject deviceObject);

/// <summary>DpWmiQueryDataBlock: returns the instances asked for; completes the IRP with WmiCompleteRequest.</summary>
/// <param name="deviceObject">The provider.</param>
/// <param name="irp">The request.</param>
/// <param name="guidIndex">The block's index in the GuidList.</param>
/// <param name="instanceIndex">The first instance asked for.</param>
/// <param name="instanceCount">How many.</param>
/// <param name="output">Where the instances' items go (one list per instance).</param>
/// <returns>The status WmiCompleteRequest returned.</returns>
public delegate ValueTask<NtStatus> WmiQueryDataBlock(DeviceObject deviceObject, Irp irp, int guidIndex, int instanceIndex, int instanceCount, List<IReadOnlyList<WmiDataItem>> output);

/// <summary>DpWmiSetDataBlock: sets every item of one instance; completes the IRP with WmiCompleteRequest.</summary>
/// <param name="deviceObject">The provider.</param>
/// <param name="irp">The request.</param>
/// <param name="guidIndex">The block's index.</param>
/// <param name="instanceIndex">The instance.</param>
/// <param name="values">The new values.</param>
/// <returns>The status WmiCompleteRequest returned.</returns>
public delegate ValueTask<NtStatus> WmiSetDataBlock(DeviceObject deviceObject, Irp irp, int guidIndex, int instanceIndex, IReadOnlyList<WmiDataItem> values);

/// <summary>DpWmiSetDataItem: sets one item; completes the IRP with WmiCompleteRequest.</summary>
/// <param name="deviceObject">The provider.</param>
/// <param name="irp">The request.</param>
/// <param name="guidIndex">The block's index.</param>
/// <param name="instanceIndex">The instance.</param>
/// <param name="dataItemId">The item.</param>
/// <param name="value">The new value.</param>
/// <returns>The status WmiCompleteRequest returned.</returns>
public delegate ValueTask<NtStatus> WmiSetDataItem(DeviceObject deviceObject, Irp irp, int guidIndex, int instanceIndex, uint dataItemId, WmiDataItem value);

/// <summary>DpWmiExecuteMethod: runs a method of a data block; completes the IRP with WmiCompleteRequest.</summary>
/// <param name="deviceObject">The provider.</param>
/// <param name="irp">The request.</param>
/// <param name="guidIndex">The block's index.</param>
/// <param name="instanceIndex">The instance.</param>
/// <returns>The status WmiCompleteRequest returned.</returns>
public delegate ValueTask<NtStatus> WmiExecuteMethod(DeviceObject deviceObject, Irp irp, int guidIndex, int instanceIndex);

/// <summary>
/// WMILIB_CONTEXT: a driver's data blocks and its WMI library callbacks. QueryWmiRegInfo and
/// QueryWmiDataBlock are required; a null SetWmiDataBlock or SetWmiDataItem makes the library answer
/// STATUS_WMI_READ_ONLY, a null ExecuteWmiMethod STATUS_INVALID_DEVICE_REQUEST (WMILIB_CONTEXT, wmilib.h).
/// </summary>
public sealed class WmiLibContext
{
    /// <summary>GuidList (GuidCount is its length).</summary>
    public required IReadOnlyList<WmiGuidRegInfo> GuidList { get; init; }

    /// <summary>QueryWmiRegInfo (required).</summary>
    public required WmiQueryRegInfo QueryWmiRegInfo { get; init; }

    /// <summary>QueryWmiDataBlock (required).</summary>
    public required WmiQueryDataBlock QueryWmiDataBlock { get; init; }

    /// <summary>SetWmiDataBlock, or null: the block is read-only.</summary>
    public WmiSetDataBlock? SetWmiDataBlock { get; init; }

    /// <summary>SetWmiDataItem, or null: the items are read-only.</summary>
    public WmiSetDataItem? SetWmiDataItem { get; init; }

    /// <summary>ExecuteWmiMethod, or null: no methods.</summary>
    public WmiExecuteMethod? ExecuteWmiMethod { get; init; }
}

/// <summary>A provider WMI knows of: the device that registered and the blocks its IRP_MN_REGINFO returned.</summary>
/// <param name="Device">The device object (ProviderId).</param>
/// <param name="InstanceBaseName">The instance name base.</param>
/// <param name="Blocks">Its data blocks.</param>
public sealed record WmiProvider(DeviceObject Device, string InstanceBaseName, IReadOnlyList<WmiGuidRegInfo> Blocks);
