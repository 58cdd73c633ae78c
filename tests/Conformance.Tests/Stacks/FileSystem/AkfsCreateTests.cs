using ActorKernel.Actors;

namespace ActorKernel.Conformance.Tests.Stacks.FileSystem;

/// <summary>
/// IRP_MJ_CREATE on akfs, through NtCreateFile from a user thread: dispositions and what they report
/// (IoStatus.Information), the directory options, the status of each missing piece of a path, and
/// share access between opens of one file.
/// </summary>
[Trait("Area", "Stacks")]
public sealed class AkfsCreateTests
{
    private const FileCreateOptions Sync = FileCreateOptions.SynchronousIoNonalert;

    [Fact]
    public void Each_disposition_opens_creates_or_truncates_and_reports_FILE_OPENED_FILE_CREATED_FILE_OVERWRITTEN_or_FILE_SUPERSEDED()
    {
        using var bed = new AkfsBed();
        var results = new List<(string Step, NtStatus Status, ulong Information)>();
        long sizeAfterOverwrite = -1;
        bed.RunUser(async process =>
        {
            async ValueTask Step(string step, string path, CreateDisposition disposition, bool write = false)
            {
                var (status, file, information) = await AkfsBed.Open(process, path, disposition, Sync | FileCreateOptions.NonDirectoryFile);
                results.Add((step, status, information));
                if (file is not null)
                {
                    if (write)
                    {
                        await AkfsBed.Write(process, file, 0, AkfsBed.Pattern(3000, 1));
                    }
                    if (step == "overwrite")
                    {
                        var (_, standard) = await AkfsBed.Query(process, file, FileInformationClass.FileStandardInformation);
                        sizeAfterOverwrite = FileStandardInformation.Read(standard).EndOfFile;
                    }
                    await Wdm.NtClose(file);
                }
            }
            await Step("open missing", @"\f", CreateDisposition.Open);
            await Step("overwrite missing", @"\f", CreateDisposition.Overwrite);
            await Step("create", @"\f", CreateDisposition.Create, write: true);
            await Step("create existing", @"\f", CreateDisposition.Create);
            await Step("open", @"\f", CreateDisposition.Open);
            await Step("open-if existing", @"\f", CreateDisposition.OpenIf);
            await Step("open-if missing", @"\g", CreateDisposition.OpenIf);
            await Step("overwrite", @"\f", CreateDisposition.Overwrite);
            await Step("overwrite-if missing", @"\h", CreateDisposition.OverwriteIf);
            await Step("supersede", @"\f", CreateDisposition.Supersede);
        });

        Assert.Equal(
        [
            ("open missing", NtStatus.ObjectNameNotFound, 0UL),
            ("overwrite missing", NtStatus.ObjectNameNotFound, 0UL),
            ("create", NtStatus.Success, (ulong)CreateResult.Created),
            ("create existing", NtStatus.ObjectNameCollision, 0UL),
            ("open", NtStatus.Success, (ulong)CreateResult.Opened),
            ("open-if existing", NtStatus.Success, (ulong)CreateResult.Opened),
            ("open-if missing", NtStatus.Success, (ulong)CreateResult.Created),
            ("overwrite", NtStatus.Success, (ulong)CreateResult.Overwritten),
            ("overwrite-if missing", NtStatus.Success, (ulong)CreateResult.Created),
            ("supersede", NtStatus.Success, (ulong)CreateResult.Superseded),
        ], results);
        Assert.Equal(0, sizeAfterOverwrite);
        Assert.Equal(unchecked((int)0xC0000034), (int)NtStatus.ObjectNameNotFound);
        Assert.Equal(unchecked((int)0xC0000035), (int)NtStatus.ObjectNameCollision);
    }

    [Fact]
    public void A_missing_or_file_component_of_the_path_is_STATUS_OBJECT_PATH_NOT_FOUND_and_the_directory_options_are_checked()
    {
        using var bed = new AkfsBed();
        var statuses = new Dictionary<string, NtStatus>();
        bed.RunUser(async process =>
        {
            async ValueTask Try(string step, string path, CreateDisposition disposition, FileCreateOptions options)
            {
                var (status, file, _) = await AkfsBed.Open(process, path, disposition, Sync | options);
                statuses[step] = status;
                if (file is not null)
                {
                    await Wdm.NtClose(file);
                }
            }
            await Try("mkdir", @"\dir", CreateDisposition.Create, FileCreateOptions.DirectoryFile);
            await Try("file", @"\dir\file", CreateDisposition.Create, FileCreateOptions.NonDirectoryFile);
            await Try("missing dir", @"\nodir\file", CreateDisposition.OpenIf, 0);
            await Try("file as dir", @"\dir\file\x", CreateDisposition.OpenIf, 0);
            await Try("dir as file", @"\dir", CreateDisposition.Open, FileCreateOptions.NonDirectoryFile);
            await Try("file as dir option", @"\dir\file", CreateDisposition.Open, FileCreateOptions.DirectoryFile);
            await Try("dir overwrite-if", @"\newdir", CreateDisposition.OverwriteIf, FileCreateOptions.DirectoryFile);
            await Try("bad name", @"\dir\a*b", CreateDisposition.Create, 0);
        });

        Assert.Equal(NtStatus.Success, statuses["mkdir"]);
        Assert.Equal(NtStatus.Success, statuses["file"]);
        Assert.Equal(NtStatus.ObjectPathNotFound, statuses["missing dir"]);
        Assert.Equal(unchecked((int)0xC000003A), (int)statuses["missing dir"]);
        Assert.Equal(NtStatus.ObjectPathNotFound, statuses["file as dir"]);
        Assert.Equal(NtStatus.FileIsADirectory, statuses["dir as file"]);
        Assert.Equal(NtStatus.NotADirectory, statuses["file as dir option"]);
        Assert.Equal(NtStatus.InvalidParameter, statuses["dir overwrite-if"]);
        Assert.Equal(NtStatus.ObjectNameInvalid, statuses["bad name"]);
    }

    [Fact]
    public void A_second_open_whose_access_or_sharing_conflicts_with_the_first_is_STATUS_SHARING_VIOLATION_until_the_first_closes()
    {
        using var bed = new AkfsBed();
        NtStatus first = default, writerDenied = default, readerAllowed = default, afterClose = default;
        bed.RunUser(async process =>
        {
            var (s1, f1, _) = await AkfsBed.Open(process, @"\shared", CreateDisposition.Create, Sync, FileAccessMask.GenericRead | FileAccessMask.GenericWrite, FileShareMode.Read);
            first = s1;
            var (s2, f2, _) = await AkfsBed.Open(process, @"\shared", CreateDisposition.Open, Sync, FileAccessMask.GenericWrite, FileShareMode.Read | FileShareMode.Write);
            writerDenied = s2;
            var (s3, f3, _) = await AkfsBed.Open(process, @"\shared", CreateDisposition.Open, Sync, FileAccessMask.GenericRead, FileShareMode.Read | FileShareMode.Write);
            readerAllowed = s3;
            await Wdm.NtClose(f1!);
            if (f3 is not null)
            {
                await Wdm.NtClose(f3);
            }
            var (s4, f4, _) = await AkfsBed.Open(process, @"\shared", CreateDisposition.Open, Sync, FileAccessMask.GenericWrite, FileShareMode.Read | FileShareMode.Write);
            afterClose = s4;
            if (f4 is not null)
            {
                await Wdm.NtClose(f4);
            }
            _ = f2;
        });

        Assert.Equal(NtStatus.Success, first);
        Assert.Equal(NtStatus.SharingViolation, writerDenied); // the first open lets others only read
        Assert.Equal(NtStatus.Success, readerAllowed);
        Assert.Equal(NtStatus.Success, afterClose);
    }
}
