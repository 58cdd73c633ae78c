using System.Collections;

namespace ActorKernel.Actors;

/// <summary>
/// The MDLs whose pages are locked, in locking order: linked through the MDLs themselves, so that
/// locking and unlocking (twice per direct-I/O request) cost O(1) and allocate nothing, however
/// many requests are in flight. Guarded by the memory manager's lock.
/// </summary>
internal sealed class MiLockedMdlList : IEnumerable<Mdl>
{
    private Mdl? _head;
    private Mdl? _tail;

    public void Add(Mdl mdl)
    {
        if (Contains(mdl))
        {
            return;
        }
        mdl.LockedPrevious = _tail;
        mdl.LockedNext = null;
        if (_tail is null)
        {
            _head = mdl;
        }
        else
        {
            _tail.LockedNext = mdl;
        }
        _tail = mdl;
    }

    public void Remove(Mdl mdl)
    {
        if (!Contains(mdl))
        {
            return;
        }
        if (mdl.LockedPrevious is { } previous)
        {
            previous.LockedNext = mdl.LockedNext;
        }
        else
        {
            _head = mdl.LockedNext;
        }
        if (mdl.LockedNext is { } next)
        {
            next.LockedPrevious = mdl.LockedPrevious;
        }
        else
        {
            _tail = mdl.LockedPrevious;
        }
        mdl.LockedPrevious = mdl.LockedNext = null;
    }

    private bool Contains(Mdl mdl) => mdl.LockedPrevious is not null || _head == mdl;

    public IEnumerator<Mdl> GetEnumerator()
    {
        for (var mdl = _head; mdl is not null; mdl = mdl.LockedNext)
        {
            yield return mdl;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
