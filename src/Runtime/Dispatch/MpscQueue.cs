using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ActorKernel.Runtime;

/// <summary>
/// An unbounded FIFO for many producers and ONE consumer: a mailbox's user messages. It is the
/// segment design of <see cref="System.Collections.Concurrent.ConcurrentQueue{T}"/> (rings of slots
/// with sequence numbers, a producer claims a slot with one CAS on the tail, segments double up to
/// 1M slots and are frozen when full) with the consumer side made single-threaded: a dequeue is
/// plain reads and writes, no CAS. In steady state (the ring never fills) it allocates nothing.
/// </summary>
/// <remarks>
/// Callers guarantee one consumer at a time (the mailbox does: its actor's turn, or a lock once
/// it is closed). A producer that has claimed a slot but not yet published it makes the queue
/// non-empty: the consumer waits for that slot rather than report "empty", so a producer that then
/// finds the actor already scheduled can rely on the running turn to see its message.
/// </remarks>
internal sealed class MpscQueue<T>
{
    private const int InitialSegmentLength = 32;
    private const int MaxSegmentLength = 1024 * 1024;

    private readonly Lock _growGate = new();
    private Segment _head;           // the consumer's segment; only the consumer moves it
    private volatile Segment _tail;  // where producers enqueue; moved under _growGate

    public MpscQueue()
        : this(0)
    {
    }

    /// <summary>
    /// Starts positions at <paramref name="startPosition"/> instead of 0: tests use a start just below
    /// <see cref="int.MaxValue"/> to prove that positions wrap around safely (a long-lived mailbox's ring
    /// passes 2^31 messages in minutes at full speed; every comparison is on differences, never on values).
    /// </summary>
    internal MpscQueue(int startPosition)
        : this(startPosition, singleProducer: false)
    {
    }

    /// <summary>
    /// A queue whose producers never overlap (<paramref name="singleProducer"/>): the deterministic
    /// dispatcher's mailboxes, which are told from its one thread or while it is not running. A
    /// producer then claims its slot with a plain write instead of a CAS.
    /// </summary>
    internal MpscQueue(int startPosition, bool singleProducer)
    {
        _singleProducer = singleProducer;
        _head = _tail = new Segment(InitialSegmentLength, startPosition, singleProducer);
    }

    private readonly bool _singleProducer;

    /// <summary>Whether nothing is queued or being queued; exact when called by the consumer.</summary>
    public bool IsEmpty
    {
        get
        {
            for (var segment = Volatile.Read(ref _head); ; )
            {
                if (!segment.IsEmpty)
                {
                    return false;
                }
                var next = segment.Next;
                if (next is null)
                {
                    return true;
                }
                segment = next;
            }
        }
    }

    /// <summary>Any thread.</summary>
    public void Enqueue(T item)
    {
        if (!_tail.TryEnqueue(item))
        {
            EnqueueSlow(item);
        }
    }

    /// <summary>The consumer only.</summary>
    public bool TryDequeue(out T item)
    {
        while (true)
        {
            var head = _head;
            if (head.TryDequeue(out item))
            {
                return true;
            }
            var next = head.Next;
            if (next is null)
            {
                return false;
            }
            // Next is set only after the head was frozen, so nothing new lands in it; one more look
            // takes what was published between the two looks, then the head is drained for good.
            if (head.TryDequeue(out item))
            {
                return true;
            }
            Volatile.Write(ref _head, next);
        }
    }

    private void EnqueueSlow(T item)
    {
        while (true)
        {
            var tail = _tail;
            if (tail.TryEnqueue(item))
            {
                return;
            }
            lock (_growGate)
            {
                if (tail == _tail)
                {
                    tail.Freeze();
                    var next = new Segment(Math.Min(tail.Length * 2, MaxSegmentLength), 0, _singleProducer);
                    tail.Next = next;
                    _tail = next;
                }
            }
        }
    }

    [StructLayout(LayoutKind.Auto)]
    private struct Slot
    {
        public T Item;

        // Position p is free for a producer when Sequence == p, holds a published item when Sequence == p + 1.
        public int Sequence;
    }

    private sealed class Segment
    {
        private readonly Slot[] _slots;
        private readonly int _mask;
        private MpscIndexes _indexes;
        private bool _frozen;

        private readonly bool _singleProducer;

        public Segment(int length, int startPosition = 0, bool singleProducer = false)
        {
            _singleProducer = singleProducer;
            Debug.Assert(length > 0 && (length & (length - 1)) == 0, "a segment's length is a power of two");
            _slots = new Slot[length];
            _mask = length - 1;
            for (var i = 0; i < length; i++)
            {
                var position = unchecked(startPosition + i);
                _slots[position & _mask].Sequence = position;
            }
            _indexes.Head = startPosition;
            _indexes.Tail = startPosition;
        }

        public volatile Segment? Next;

        public int Length => _slots.Length;

        // Added to the tail when frozen: every producer then sees "full"; and a tail at least this far
        // ahead of the head can only be a frozen one (a live tail is at most Length ahead).
        private int FreezeOffset => _slots.Length * 2;

        public bool IsEmpty => PublishedOrClaimed(Volatile.Read(ref _indexes.Head)) <= 0;

        public bool TryEnqueue(T item)
        {
            var slots = _slots;
            while (true)
            {
                var tail = Volatile.Read(ref _indexes.Tail);
                var index = tail & _mask;
                var diff = Volatile.Read(ref slots[index].Sequence) - tail;
                if (diff == 0)
                {
                    if (_singleProducer)
                    {
                        Volatile.Write(ref _indexes.Tail, tail + 1);
                        slots[index].Item = item;
                        Volatile.Write(ref slots[index].Sequence, tail + 1);
                        return true;
                    }
                    if (Interlocked.CompareExchange(ref _indexes.Tail, tail + 1, tail) == tail)
                    {
                        slots[index].Item = item;
                        Volatile.Write(ref slots[index].Sequence, tail + 1);
                        return true;
                    }
                }
                else if (diff < 0)
                {
                    return false; // full, or frozen
                }
                // diff > 0: another producer claimed this position first; look again
            }
        }

        public bool TryDequeue(out T item)
        {
            var slots = _slots;
            var head = _indexes.Head;
            var index = head & _mask;
            var spinner = default(SpinWait);
            while (true)
            {
                if (Volatile.Read(ref slots[index].Sequence) == head + 1)
                {
                    item = slots[index].Item;
                    slots[index].Item = default!;
                    Volatile.Write(ref slots[index].Sequence, head + slots.Length);
                    Volatile.Write(ref _indexes.Head, head + 1);
                    return true;
                }
                if (PublishedOrClaimed(head) <= 0)
                {
                    item = default!;
                    return false;
                }
                // A producer claimed this slot and is about to publish it: wait for it.
                spinner.SpinOnce(sleep1Threshold: -1);
            }
        }

        public void Freeze()
        {
            if (!_frozen)
            {
                _frozen = true;
                Interlocked.Add(ref _indexes.Tail, FreezeOffset);
            }
        }

        /// <summary>How many positions from <paramref name="head"/> producers have claimed (published or not).</summary>
        private int PublishedOrClaimed(int head)
        {
            var ahead = Volatile.Read(ref _indexes.Tail) - head;
            return ahead >= FreezeOffset ? ahead - FreezeOffset : ahead;
        }
    }
}

/// <summary>
/// A queue segment's head and tail on cache lines of their own, so the consumer and the producers do
/// not share one (outside <see cref="MpscQueue{T}"/>: a generic type cannot have an explicit layout).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 3 * 64)]
internal struct MpscIndexes
{
    [FieldOffset(64)] public int Head;
    [FieldOffset(128)] public int Tail;
}
