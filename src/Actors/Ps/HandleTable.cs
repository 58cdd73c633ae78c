namespace ActorKernel.Actors;

/// <summary>One entry of a handle table (HANDLE_TABLE_ENTRY): the object and the access the handle grants.</summary>
/// <param name="Object">The object the handle refers to.</param>
/// <param name="GrantedAccess">The access granted when the handle was made.</param>
public readonly record struct HandleTableEntry(KernelObject Object, uint GrantedAccess);

/// <summary>
/// A process's handle table (HANDLE_TABLE, ExCreateHandle / ExDestroyHandle / ExMapHandleToPointer):
/// handle values 4, 8, 12, ...; a freed value is reused, the most recently freed first, as NT's
/// free list does. Each handle holds one reference to its object (taken by whoever inserts it).
/// </summary>
internal sealed class HandleTable
{
    private readonly Lock _gate = new();
    private readonly List<HandleTableEntry?> _entries = [];
    private readonly Stack<int> _free = new();

    // Set by Kill (ObKillProcess): no handle is created after the sweep.
    private bool _killed;

    /// <summary>Handles in use.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count - _free.Count;
            }
        }
    }

    /// <summary>
    /// ExCreateHandle, under ObReferenceProcessHandleTable: a new handle value for <paramref name="entry"/>,
    /// or false once <see cref="Kill"/> ran (the process's ObjectTable is gone; ObpCreateHandle then fails
    /// with STATUS_PROCESS_IS_TERMINATING). The check and the insertion hold the table's lock, so an entry
    /// is either in the sweep's list or refused, never left behind it.
    /// </summary>
    public bool TryCreate(HandleTableEntry entry, out Handle handle)
    {
        lock (_gate)
        {
            if (_killed)
            {
                handle = Handle.Null;
                return false;
            }
            int index;
            if (_free.Count > 0)
            {
                index = _free.Pop();
                _entries[index] = entry;
            }
            else
            {
                index = _entries.Count;
                _entries.Add(entry);
            }
            handle = new Handle((ulong)(index + 1) * 4);
            return true;
        }
    }

    /// <summary>
    /// ObKillProcess's first step: the table refuses new handles from now on (Process->ObjectTable is
    /// cleared after the process's rundown protection is waited for) and returns the handles to sweep.
    /// </summary>
    public List<(Handle Handle, HandleTableEntry Entry)> Kill()
    {
        lock (_gate)
        {
            _killed = true;
            return Snapshot();
        }
    }

    /// <summary>ExMapHandleToPointer: the entry of <paramref name="handle"/>, if it is in use.</summary>
    public bool TryGet(Handle handle, out HandleTableEntry entry)
    {
        lock (_gate)
        {
            if (TryIndex(handle, out var index) && _entries[index] is { } found)
            {
                entry = found;
                return true;
            }
            entry = default;
            return false;
        }
    }

    /// <summary>ExMapHandleToPointer and ObReferenceObject in one step: the entry of <paramref name="handle"/>, its object referenced, if the handle is in use.</summary>
    public bool TryGetReferenced(Handle handle, out HandleTableEntry entry)
    {
        lock (_gate)
        {
            if (TryIndex(handle, out var index) && _entries[index] is { } found)
            {
                found.Object.ObReferenceObject();
                entry = found;
                return true;
            }
            entry = default;
            return false;
        }
    }

    /// <summary>ExDestroyHandle: frees the value and returns what it referred to.</summary>
    public bool TryRemove(Handle handle, out HandleTableEntry entry)
    {
        lock (_gate)
        {
            if (TryIndex(handle, out var index) && _entries[index] is { } found)
            {
                _entries[index] = null;
                _free.Push(index);
                entry = found;
                return true;
            }
            entry = default;
            return false;
        }
    }

    /// <summary>Every entry in use, by handle value (for process teardown and inspection).</summary>
    public List<(Handle Handle, HandleTableEntry Entry)> Snapshot()
    {
        lock (_gate)
        {
            var list = new List<(Handle, HandleTableEntry)>();
            for (var i = 0; i < _entries.Count; i++)
            {
                if (_entries[i] is { } entry)
                {
                    list.Add((new Handle((ulong)(i + 1) * 4), entry));
                }
            }
            return list;
        }
    }

    private bool TryIndex(Handle handle, out int index)
    {
        // Handle values are multiples of 4; the low two bits are ignored by NT (OBJ_HANDLE_TAGBITS).
        var value = handle.Value & ~3UL;
        index = (int)Math.Min(value / 4, int.MaxValue) - 1;
        return value != 0 && index >= 0 && index < _entries.Count;
    }
}
