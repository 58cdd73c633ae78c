namespace ActorKernel.Actors;

/// <summary>
/// SHARE_ACCESS: what the opens of one file (a file system keeps it in the FCB) asked for and allow:
/// how many read, write and delete, and how many let others read, write and delete.
/// IoCheckShareAccess checks a new open against it; IoRemoveShareAccess takes an open out at cleanup.
/// </summary>
public sealed class ShareAccess
{
    /// <summary>OpenCount: opens counted (those that asked for read, write or delete access).</summary>
    public uint OpenCount { get; internal set; }

    /// <summary>Readers: opens with FILE_READ_DATA or FILE_EXECUTE.</summary>
    public uint Readers { get; internal set; }

    /// <summary>Writers: opens with FILE_WRITE_DATA or FILE_APPEND_DATA.</summary>
    public uint Writers { get; internal set; }

    /// <summary>Deleters: opens with DELETE.</summary>
    public uint Deleters { get; internal set; }

    /// <summary>SharedRead: opens that allow FILE_SHARE_READ.</summary>
    public uint SharedRead { get; internal set; }

    /// <summary>SharedWrite: opens that allow FILE_SHARE_WRITE.</summary>
    public uint SharedWrite { get; internal set; }

    /// <summary>SharedDelete: opens that allow FILE_SHARE_DELETE.</summary>
    public uint SharedDelete { get; internal set; }

    /// <inheritdoc />
    public override string ToString() =>
        $"opens {OpenCount}: readers {Readers} writers {Writers} deleters {Deleters}; shared read {SharedRead} write {SharedWrite} delete {SharedDelete}";
}

/// <summary>
/// IO_SECURITY_CONTEXT (Parameters.Create.SecurityContext): what the open asked for. A file system
/// passes <see cref="DesiredAccess"/> to IoCheckShareAccess.
/// </summary>
/// <param name="DesiredAccess">DesiredAccess: the access asked for, generic rights mapped.</param>
/// <param name="FullCreateOptions">FullCreateOptions: the create options as the caller gave them.</param>
public sealed record IoSecurityContext(FileAccessMask DesiredAccess, uint FullCreateOptions);
