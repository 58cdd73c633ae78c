namespace ActorKernel.Actors;

/// <summary>
/// The object manager's namespace: a tree of directories from <c>\</c>, with <c>\Device</c>,
/// <c>\Driver</c> and <c>\GLOBAL??</c> made at boot. <c>\??</c> and <c>\DosDevices</c> resolve to
/// <c>\GLOBAL??</c> (this machine has one session). Names are case-insensitive; symbolic links are
/// followed on lookup. Thread-safe: processors look names up concurrently.
/// </summary>
public sealed class ObjectNamespace
{
    /// <summary>How many links a lookup follows before giving up, as a guard against loops.</summary>
    public const int MaximumLinkDepth = 32;

    private readonly Lock _gate = new();
    private readonly ObjectDirectory _root = new() { Name = "\\" };

    /// <summary>Creates the namespace with its boot-time directories.</summary>
    public ObjectNamespace()
    {
        foreach (var directory in new[] { "\\Device", "\\Driver", "\\GLOBAL??", "\\ObjectTypes" })
        {
            Insert(directory, new ObjectDirectory());
        }
    }

    /// <summary>
    /// Inserts <paramref name="obj"/> under <paramref name="path"/> (ObInsertObject). The parent directory
    /// must exist; links are followed in the parent part of the path, not in the last element.
    /// </summary>
    /// <returns>STATUS_SUCCESS, STATUS_OBJECT_NAME_INVALID, STATUS_OBJECT_PATH_NOT_FOUND or STATUS_OBJECT_NAME_COLLISION.</returns>
    public NtStatus Insert(string path, KernelObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (!TrySplit(path, out var parentPath, out var leaf))
        {
            return NtStatus.ObjectNameInvalid;
        }
        lock (_gate)
        {
            var status = ResolveDirectory(parentPath, out var parent);
            if (status != NtStatus.Success)
            {
                return status;
            }
            if (!parent!.Entries.TryAdd(leaf, obj))
            {
                return NtStatus.ObjectNameCollision;
            }
            obj.Name = Combine(parent.Name!, leaf);
            return NtStatus.Success;
        }
    }

    /// <summary>Removes the entry at <paramref name="path"/> (the object itself lives on while referenced).</summary>
    /// <returns>STATUS_SUCCESS or STATUS_OBJECT_NAME_NOT_FOUND / STATUS_OBJECT_PATH_NOT_FOUND / STATUS_OBJECT_NAME_INVALID.</returns>
    public NtStatus Remove(string path)
    {
        if (!TrySplit(path, out var parentPath, out var leaf))
        {
            return NtStatus.ObjectNameInvalid;
        }
        lock (_gate)
        {
            var status = ResolveDirectory(parentPath, out var parent);
            if (status != NtStatus.Success)
            {
                return status;
            }
            return parent!.Entries.Remove(leaf) ? NtStatus.Success : NtStatus.ObjectNameNotFound;
        }
    }

    /// <summary>Looks <paramref name="path"/> up, following symbolic links (ObReferenceObjectByName without the reference).</summary>
    /// <returns>STATUS_SUCCESS with the object, or STATUS_OBJECT_NAME_NOT_FOUND, STATUS_OBJECT_PATH_NOT_FOUND, STATUS_OBJECT_NAME_INVALID.</returns>
    public NtStatus Lookup(string path, out KernelObject? obj)
    {
        lock (_gate)
        {
            return Resolve(path, followFinalLink: true, depth: 0, out obj);
        }
    }

    /// <summary>
    /// ObpLookupObjectName as the I/O manager's parse sees it: follows <paramref name="path"/> until it
    /// reaches an object that is not a directory (a device), and returns that object with the rest of
    /// the name (<c>\dir\file.txt</c>; <c>\</c> for a trailing backslash; empty when the name ends at
    /// the object), which IopParseDevice hands to the device's driver as FILE_OBJECT.FileName.
    /// </summary>
    /// <param name="path">The name, e.g. <c>\??\StripeVolume0\dir\file.txt</c>.</param>
    /// <param name="obj">The object the name reaches.</param>
    /// <param name="remainingName">The part of the name past it.</param>
    /// <returns>STATUS_SUCCESS, or the lookup's failure (a missing element before a device: STATUS_OBJECT_NAME_NOT_FOUND / STATUS_OBJECT_PATH_NOT_FOUND).</returns>
    public NtStatus LookupForParse(string path, out KernelObject? obj, out string remainingName)
    {
        remainingName = "";
        obj = null;
        if (path is not { Length: > 1 } || path[0] != '\\' || path.Contains("\\\\", StringComparison.Ordinal))
        {
            return Lookup(path!, out obj);
        }
        lock (_gate)
        {
            return ResolveForParse(path, 0, out obj, out remainingName);
        }
    }

    private NtStatus ResolveForParse(string path, int depth, out KernelObject? obj, out string remainingName)
    {
        obj = null;
        remainingName = "";
        if (depth > MaximumLinkDepth)
        {
            return NtStatus.ObjectNameNotFound;
        }
        var trailing = path.Length > 1 && path[^1] == '\\';
        var elements = Canonicalize(trailing ? path[..^1] : path).Split('\\', StringSplitOptions.RemoveEmptyEntries);
        KernelObject current = _root;
        for (var i = 0; i < elements.Length; i++)
        {
            if (current is not ObjectDirectory directory)
            {
                // The parse procedure of the object reached (IopParseDevice) takes the rest of the name.
                obj = current;
                remainingName = "\\" + string.Join('\\', elements, i, elements.Length - i) + (trailing ? "\\" : "");
                return NtStatus.Success;
            }
            if (!directory.Entries.TryGetValue(elements[i], out var next))
            {
                return i == elements.Length - 1 ? NtStatus.ObjectNameNotFound : NtStatus.ObjectPathNotFound;
            }
            if (next is SymbolicLink link)
            {
                var rest = string.Join('\\', elements, i + 1, elements.Length - i - 1);
                var target = rest.Length == 0 ? link.Target : link.Target.TrimEnd('\\') + "\\" + rest;
                return ResolveForParse(trailing ? target + "\\" : target, depth + 1, out obj, out remainingName);
            }
            current = next;
        }
        obj = current;
        remainingName = trailing && current is not ObjectDirectory ? "\\" : "";
        return NtStatus.Success;
    }

    /// <summary>Looks up an object of type <typeparamref name="T"/>; another type is STATUS_OBJECT_TYPE_MISMATCH.</summary>
    public NtStatus Lookup<T>(string path, out T? obj) where T : KernelObject
    {
        var status = Lookup(path, out var found);
        obj = found as T;
        return status != NtStatus.Success ? status : obj is null ? NtStatus.ObjectTypeMismatch : NtStatus.Success;
    }

    /// <summary>IoCreateSymbolicLink: makes <paramref name="linkName"/> point to <paramref name="targetName"/>.</summary>
    /// <remarks>IRQL = PASSIVE_LEVEL. The target need not exist yet; it is resolved at each lookup.</remarks>
    /// <returns>STATUS_SUCCESS, or STATUS_OBJECT_NAME_COLLISION when the name is taken, or a path status.</returns>
    public NtStatus IoCreateSymbolicLink(string linkName, string targetName)
    {
        ArgumentNullException.ThrowIfNull(targetName);
        return IsValidPath(targetName) ? Insert(linkName, new SymbolicLink(targetName)) : NtStatus.ObjectNameInvalid;
    }

    /// <summary>IoDeleteSymbolicLink: removes the link <paramref name="linkName"/>.</summary>
    /// <remarks>IRQL = PASSIVE_LEVEL.</remarks>
    public NtStatus IoDeleteSymbolicLink(string linkName)
    {
        lock (_gate)
        {
            var status = Resolve(linkName, followFinalLink: false, depth: 0, out var obj);
            if (status != NtStatus.Success)
            {
                return status;
            }
            if (obj is not SymbolicLink)
            {
                return NtStatus.ObjectTypeMismatch;
            }
        }
        return Remove(linkName);
    }

    /// <summary>The entries of a directory in name order, like WinObj or <c>!object \Device</c>.</summary>
    public IReadOnlyList<KernelObject> List(string directoryPath)
    {
        lock (_gate)
        {
            return ResolveDirectory(directoryPath, out var directory) == NtStatus.Success ? [.. directory!.Entries.Values] : [];
        }
    }

    private NtStatus ResolveDirectory(string path, out ObjectDirectory? directory)
    {
        var status = Resolve(path, followFinalLink: true, depth: 0, out var obj);
        directory = obj as ObjectDirectory;
        return status != NtStatus.Success ? NtStatus.ObjectPathNotFound : directory is null ? NtStatus.ObjectPathNotFound : NtStatus.Success;
    }

    private NtStatus Resolve(string path, bool followFinalLink, int depth, out KernelObject? obj)
    {
        obj = null;
        if (!IsValidPath(path))
        {
            return NtStatus.ObjectNameInvalid;
        }
        if (depth > MaximumLinkDepth)
        {
            return NtStatus.ObjectNameNotFound;
        }
        var elements = Canonicalize(path).Split('\\', StringSplitOptions.RemoveEmptyEntries);
        KernelObject current = _root;
        for (var i = 0; i < elements.Length; i++)
        {
            if (current is not ObjectDirectory directory)
            {
                return NtStatus.ObjectPathNotFound;
            }
            if (!directory.Entries.TryGetValue(elements[i], out var next))
            {
                return i == elements.Length - 1 ? NtStatus.ObjectNameNotFound : NtStatus.ObjectPathNotFound;
            }
            var last = i == elements.Length - 1;
            if (next is SymbolicLink link && (!last || followFinalLink))
            {
                var rest = string.Join('\\', elements, i + 1, elements.Length - i - 1);
                var target = rest.Length == 0 ? link.Target : link.Target.TrimEnd('\\') + "\\" + rest;
                return Resolve(target, followFinalLink, depth + 1, out obj);
            }
            current = next;
        }
        obj = current;
        return NtStatus.Success;
    }

    /// <summary><c>\??</c> and <c>\DosDevices</c> are the one session's view of <c>\GLOBAL??</c>.</summary>
    private static string Canonicalize(string path)
    {
        foreach (var alias in new[] { "\\??", "\\DosDevices" })
        {
            if (path.Equals(alias, StringComparison.OrdinalIgnoreCase))
            {
                return "\\GLOBAL??";
            }
            if (path.StartsWith(alias + "\\", StringComparison.OrdinalIgnoreCase))
            {
                return "\\GLOBAL??" + path[alias.Length..];
            }
        }
        return path;
    }

    private static bool IsValidPath(string? path) =>
        path is { Length: > 0 } && path[0] == '\\' && !path.Contains("\\\\", StringComparison.Ordinal) && (path.Length == 1 || path[^1] != '\\');

    private static bool TrySplit(string path, out string parent, out string leaf)
    {
        parent = leaf = "";
        if (!IsValidPath(path) || path.Length == 1)
        {
            return false;
        }
        path = Canonicalize(path);
        var cut = path.LastIndexOf('\\');
        parent = cut == 0 ? "\\" : path[..cut];
        leaf = path[(cut + 1)..];
        return leaf.Length > 0;
    }

    private static string Combine(string directory, string leaf) => directory == "\\" ? "\\" + leaf : directory + "\\" + leaf;
}
