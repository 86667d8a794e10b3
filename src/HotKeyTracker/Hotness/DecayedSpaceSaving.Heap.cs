namespace CacheWarmer.HotKeyTracker.Hotness;

// The counters in an indexed binary min-heap: the minimum, which Space-Saving replaces, at its root.
public sealed partial class DecayedSpaceSaving
{
    /// <summary>Gives a new key the next slot; the caller has added it to the index and made room.</summary>
    private int Insert(string key, double weight)
    {
        var slot = Count++;
        _entries[slot] = new Entry { Key = key, Counter = weight, HeapPosition = slot };
        _heap[slot] = slot;
        SiftUp(slot);
        return slot;
    }

    /// <summary>Gives a new key the smallest counter's slot; the caller has already added it to the index.</summary>
    private int ReplaceMinimum(string key, double weight)
    {
        var slot = _heap[0];
        ref var entry = ref _entries[slot];
        _index.Remove(entry.Key);
        entry.Key = key;
        entry.Error = entry.Counter;
        entry.Counter += weight;
        SiftDown(0);
        return slot;
    }

    private void RemoveSlot(int slot)
    {
        var position = _entries[slot].HeapPosition;
        var last = --Count;
        var moved = _heap[last];
        _heap[position] = moved;
        _entries[moved].HeapPosition = position;
        if (position < last)
        {
            SiftUp(position);
            SiftDown(_entries[moved].HeapPosition);
        }

        // Slots stay dense: the last one moves into the freed one.
        if (slot != last)
        {
            _entries[slot] = _entries[last];
            _index[_entries[slot].Key] = slot;
            _heap[_entries[slot].HeapPosition] = slot;
        }

        _entries[last] = default;
    }

    private void Grow()
    {
        // Grown by doubling up to Capacity, so a large Capacity costs memory only once keys fill it.
        var size = (int)Math.Min(Capacity, Math.Max(16L, 2L * _entries.Length));
        Array.Resize(ref _entries, size);
        Array.Resize(ref _heap, size);
        _index.EnsureCapacity(size + 1);
    }

    private void SiftUp(int position)
    {
        var slot = _heap[position];
        var counter = _entries[slot].Counter;
        while (position > 0)
        {
            var parent = (position - 1) >> 1;
            var parentSlot = _heap[parent];
            if (_entries[parentSlot].Counter <= counter)
            {
                break;
            }

            _heap[position] = parentSlot;
            _entries[parentSlot].HeapPosition = position;
            position = parent;
        }

        _heap[position] = slot;
        _entries[slot].HeapPosition = position;
    }

    private void SiftDown(int position)
    {
        var slot = _heap[position];
        var counter = _entries[slot].Counter;
        while (true)
        {
            var child = (2 * position) + 1;
            if (child >= Count)
            {
                break;
            }

            if (child + 1 < Count && _entries[_heap[child + 1]].Counter < _entries[_heap[child]].Counter)
            {
                child++;
            }

            var childSlot = _heap[child];
            if (_entries[childSlot].Counter >= counter)
            {
                break;
            }

            _heap[position] = childSlot;
            _entries[childSlot].HeapPosition = position;
            position = child;
        }

        _heap[position] = slot;
        _entries[slot].HeapPosition = position;
    }
}
