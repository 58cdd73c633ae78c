namespace ActorKernel.Actors;

/// <summary>FILE_INFORMATION_CLASS (<c>wdm.h</c>/<c>ntifs.h</c>), with the real values.</summary>
public enum FileInformationClass : uint
{
    /// <summary>FileDirectoryInformation (1): FILE_DIRECTORY_INFORMATION entries (IRP_MN_QUERY_DIRECTORY).</summary>
    FileDirectoryInformation = 1,

    /// <summary>FileFullDirectoryInformation (2): FILE_FULL_DIR_INFORMATION entries.</summary>
    FileFullDirectoryInformation = 2,

    /// <summary>FileBothDirectoryInformation (3): FILE_BOTH_DIR_INFORMATION entries (what FindFirstFile asks for).</summary>
    FileBothDirectoryInformation = 3,

    /// <summary>FileBasicInformation (4): FILE_BASIC_INFORMATION (times and attributes), query and set.</summary>
    FileBasicInformation = 4,

    /// <summary>FileStandardInformation (5): FILE_STANDARD_INFORMATION (sizes, links, delete pending, directory).</summary>
    FileStandardInformation = 5,

    /// <summary>FileInternalInformation (6): FILE_INTERNAL_INFORMATION (the file's index number).</summary>
    FileInternalInformation = 6,

    /// <summary>FileEaInformation (7).</summary>
    FileEaInformation = 7,

    /// <summary>FileAccessInformation (8): the handle's granted access (the I/O manager answers it).</summary>
    FileAccessInformation = 8,

    /// <summary>FileNameInformation (9): FILE_NAME_INFORMATION (the path from the volume's root).</summary>
    FileNameInformation = 9,

    /// <summary>FileRenameInformation (10): FILE_RENAME_INFORMATION, set only.</summary>
    FileRenameInformation = 10,

    /// <summary>FileLinkInformation (11).</summary>
    FileLinkInformation = 11,

    /// <summary>FileNamesInformation (12): FILE_NAMES_INFORMATION entries (IRP_MN_QUERY_DIRECTORY).</summary>
    FileNamesInformation = 12,

    /// <summary>FileDispositionInformation (13): FILE_DISPOSITION_INFORMATION (delete at last close), set only.</summary>
    FileDispositionInformation = 13,

    /// <summary>FilePositionInformation (14): FILE_POSITION_INFORMATION (CurrentByteOffset; the I/O manager answers it for a synchronous file).</summary>
    FilePositionInformation = 14,

    /// <summary>FileFullEaInformation (15).</summary>
    FileFullEaInformation = 15,

    /// <summary>FileModeInformation (16): the FILE_* mode options of the open (the I/O manager answers it).</summary>
    FileModeInformation = 16,

    /// <summary>FileAlignmentInformation (17): the device's alignment requirement (the I/O manager answers it).</summary>
    FileAlignmentInformation = 17,

    /// <summary>FileAllInformation (18): FILE_ALL_INFORMATION (basic, standard, internal, EA, access, position, mode, alignment, name).</summary>
    FileAllInformation = 18,

    /// <summary>FileAllocationInformation (19): FILE_ALLOCATION_INFORMATION, set only.</summary>
    FileAllocationInformation = 19,

    /// <summary>FileEndOfFileInformation (20): FILE_END_OF_FILE_INFORMATION, set only.</summary>
    FileEndOfFileInformation = 20,

    /// <summary>FileAlternateNameInformation (21).</summary>
    FileAlternateNameInformation = 21,

    /// <summary>FileStreamInformation (22).</summary>
    FileStreamInformation = 22,

    /// <summary>FileNetworkOpenInformation (34).</summary>
    FileNetworkOpenInformation = 34,

    /// <summary>FileAttributeTagInformation (35).</summary>
    FileAttributeTagInformation = 35,

    /// <summary>FileIdBothDirectoryInformation (37).</summary>
    FileIdBothDirectoryInformation = 37,

    /// <summary>FileIdFullDirectoryInformation (38).</summary>
    FileIdFullDirectoryInformation = 38,

    /// <summary>FileValidDataLengthInformation (39), set only.</summary>
    FileValidDataLengthInformation = 39,
}

/// <summary>FILE_INFO_BY_HANDLE_CLASS of GetFileInformationByHandleEx / SetFileInformationByHandle (<c>minwinbase.h</c>).</summary>
public enum FileInfoByHandleClass : uint
{
    /// <summary>FileBasicInfo (0) → FileBasicInformation.</summary>
    FileBasicInfo = 0,

    /// <summary>FileStandardInfo (1) → FileStandardInformation.</summary>
    FileStandardInfo = 1,

    /// <summary>FileNameInfo (2) → FileNameInformation.</summary>
    FileNameInfo = 2,

    /// <summary>FileRenameInfo (3) → FileRenameInformation.</summary>
    FileRenameInfo = 3,

    /// <summary>FileDispositionInfo (4) → FileDispositionInformation.</summary>
    FileDispositionInfo = 4,

    /// <summary>FileAllocationInfo (5) → FileAllocationInformation.</summary>
    FileAllocationInfo = 5,

    /// <summary>FileEndOfFileInfo (6) → FileEndOfFileInformation.</summary>
    FileEndOfFileInfo = 6,
}
