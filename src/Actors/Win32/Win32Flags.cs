namespace ActorKernel.Actors;

/// <summary>The generic rights of CreateFile's dwDesiredAccess (<c>winnt.h</c>).</summary>
[Flags]
public enum GenericAccess : uint
{
    /// <summary>No access (query only).</summary>
    None = 0,

    /// <summary>GENERIC_ALL (0x10000000).</summary>
    GenericAll = 0x1000_0000,

    /// <summary>GENERIC_EXECUTE (0x20000000).</summary>
    GenericExecute = 0x2000_0000,

    /// <summary>GENERIC_WRITE (0x40000000).</summary>
    GenericWrite = 0x4000_0000,

    /// <summary>GENERIC_READ (0x80000000).</summary>
    GenericRead = 0x8000_0000,
}

/// <summary>CreateFile's dwShareMode: FILE_SHARE_* (the same values NtCreateFile's ShareAccess takes).</summary>
[Flags]
public enum FileShareMode : uint
{
    /// <summary>0: no sharing.</summary>
    None = 0,

    /// <summary>FILE_SHARE_READ (0x1).</summary>
    Read = 1,

    /// <summary>FILE_SHARE_WRITE (0x2).</summary>
    Write = 2,

    /// <summary>FILE_SHARE_DELETE (0x4).</summary>
    Delete = 4,
}

/// <summary>CreateFile's dwCreationDisposition. Devices exist or not: every value opens an existing device.</summary>
public enum CreationDisposition : uint
{
    /// <summary>CREATE_NEW (1).</summary>
    CreateNew = 1,

    /// <summary>CREATE_ALWAYS (2).</summary>
    CreateAlways = 2,

    /// <summary>OPEN_EXISTING (3): what device opens use.</summary>
    OpenExisting = 3,

    /// <summary>OPEN_ALWAYS (4).</summary>
    OpenAlways = 4,

    /// <summary>TRUNCATE_EXISTING (5).</summary>
    TruncateExisting = 5,
}

/// <summary>CreateFile's dwFlagsAndAttributes (the flags the simulator honours).</summary>
[Flags]
public enum FileFlagsAndAttributes : uint
{
    /// <summary>No flag: a synchronous open.</summary>
    None = 0,

    /// <summary>FILE_ATTRIBUTE_NORMAL (0x80).</summary>
    Normal = 0x80,

    /// <summary>FILE_FLAG_NO_BUFFERING (0x20000000): FILE_NO_INTERMEDIATE_BUFFERING.</summary>
    NoBuffering = 0x2000_0000,

    /// <summary>FILE_FLAG_OVERLAPPED (0x40000000): the open is for overlapped I/O (no FILE_SYNCHRONOUS_IO_NONALERT).</summary>
    Overlapped = 0x4000_0000,

    /// <summary>FILE_FLAG_WRITE_THROUGH (0x80000000): FILE_WRITE_THROUGH.</summary>
    WriteThrough = 0x8000_0000,
}
