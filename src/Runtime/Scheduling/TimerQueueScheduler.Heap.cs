namespace ActorKernel.Runtime;

public abstract partial class TimerQueueScheduler
{
    /// <summary>
    /// The timers, ordered by (due, sequence): a binary min-heap of small keys that point into a slab of
    /// entries. The heap moves 24-byte nodes with no references (no GC write barriers); an entry is
    /// written once when set and cleared once when taken, and its slot is reused, so a steady stream of
    /// timers (a hop's Continue on the deterministic dispatcher, three per IRP) allocates nothing.
    /// </summary>
    /// <remarks>Not thread-safe: the scheduler calls it under its gate when it is synchronized.</remarks>
    private sealed class TimerHeap
    {
        private Node[] _nodes = new Node[16];
        private TimerEntry[] _entries = new TimerEntry[16];
        private int[] _freeSlots = new int[16];
        private int _freeCount;
        private int _slotsUsed;

        /// <summary>Timers queued (cancelled ones included until taken or compacted away).</summary>
        public int Count { get; private set; }

        public void Enqueue(in TimerEntry entry, long due, long sequence)
        {
            int slot;
            if (_freeCount > 0)
            {
                slot = _freeSlots[--_freeCount];
            }
            else
            {
                if (_slotsUsed == _entries.Length)
                {
                    Array.Resize(ref _entries, _entries.Length * 2);
                }
                slot = _slotsUsed++;
            }
            _entries[slot] = entry;
            if (Count == _nodes.Length)
            {
                Array.Resize(ref _nodes, _nodes.Length * 2);
            }
            SiftUp(Count++, new Node(due, sequence, slot));
        }

        /// <summary>The earliest timer's due time, or <see cref="long.MaxValue"/> when none.</summary>
        public long HeadDue => Count == 0 ? long.MaxValue : _nodes[0].Due;

        /// <summary>The earliest entry's cancellation handle (null when none or when it has none).</summary>
        public ICancelable? HeadHandle => Count == 0 ? null : _entries[_nodes[0].Slot].Handle;

        /// <summary>Takes the earliest timer (the heap must not be empty).</summary>
        public TimerEntry Dequeue()
        {
            var head = _nodes[0];
            var entry = _entries[head.Slot];
            Release(head.Slot);
            var last = _nodes[--Count];
            if (Count > 0)
            {
                SiftDown(0, last);
            }
            return entry;
        }

        /// <summary>Drops every entry whose handle is cancelled; the others keep their (due, sequence) keys, so the order is unchanged.</summary>
        public void RemoveCancelled()
        {
            var kept = 0;
            for (var i = 0; i < Count; i++)
            {
                var node = _nodes[i];
                if (_entries[node.Slot].Handle is { IsCancellationRequested: true })
                {
                    Release(node.Slot);
                }
                else
                {
                    _nodes[kept++] = node;
                }
            }
            Count = kept;
            for (var i = (Count >> 1) - 1; i >= 0; i--)
            {
                SiftDown(i, _nodes[i]);
            }
        }

        private void Release(int slot)
        {
            _entries[slot] = default; // keeps nothing alive
            if (_freeCount == _freeSlots.Length)
            {
                Array.Resize(ref _freeSlots, _freeSlots.Length * 2);
            }
            _freeSlots[_freeCount++] = slot;
        }

        private void SiftUp(int index, Node node)
        {
            var nodes = _nodes;
            while (index > 0)
            {
                var parent = (index - 1) >> 1;
                if (!node.Before(nodes[parent]))
                {
                    break;
                }
                nodes[index] = nodes[parent];
                index = parent;
            }
            nodes[index] = node;
        }

        private void SiftDown(int index, Node node)
        {
            var nodes = _nodes;
            var count = Count;
            while (true)
            {
                var child = (index << 1) + 1;
                if (child >= count)
                {
                    break;
                }
                if (child + 1 < count && nodes[child + 1].Before(nodes[child]))
                {
                    child++;
                }
                if (!nodes[child].Before(node))
                {
                    break;
                }
                nodes[index] = nodes[child];
                index = child;
            }
            nodes[index] = node;
        }

        private readonly record struct Node(long Due, long Sequence, int Slot)
        {
            public bool Before(in Node other) => Due < other.Due || (Due == other.Due && Sequence < other.Sequence);
        }
    }
}
