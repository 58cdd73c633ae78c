namespace ActorKernel.Drivers.FileSystem;

/// <summary>The FILE_ATTRIBUTE_* values akfs keeps in its inodes (<c>winnt.h</c>).</summary>
internal static class AkfsFileAttributes
{
    /// <summary>FILE_ATTRIBUTE_READONLY (0x1).</summary>
    public const uint ReadOnly = 0x1;

    /// <summary>FILE_ATTRIBUTE_DIRECTORY (0x10).</summary>
    public const uint Directory = 0x10;

    /// <summary>FILE_ATTRIBUTE_ARCHIVE (0x20): set on a file created or written.</summary>
    public const uint Archive = 0x20;

    /// <summary>FILE_ATTRIBUTE_NORMAL (0x80): reported when no other attribute is set.</summary>
    public const uint Normal = 0x80;
}
