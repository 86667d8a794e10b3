namespace CacheWarmer.HotKeyTracker.Hotness;

// The counters in an indexed 4-ary min-heap: the minimum, which Space-Saving replaces, at its root. Counters only
// grow, so an update only ever sifts its node down. Four children side by side make the heap half as deep as a
// binary one: a replaced minimum, which nearly always sinks to the bottom, moves through 8 levels instead of 15 at
// Capacity 100,000.
public sealed partial class DecayedSpaceSaving
{
    /// <summary>Gives a new key the next slot; the caller has added it to the index and made room.</summary>
    private int Insert(string key, double weight)
    {
        var slot = Count++;
        _keys[slot] = key;
        _errors[slot] = 0;
        _counters[slot] = weight;
        _slots[slot] = slot;
        _positions[slot] = slot;
        SiftUp(slot);
        return slot;
    }

    /// <summary>Gives a new key the smallest counter's slot; the caller has already added it to the index.</summary>
    private int ReplaceMinimum(string key, double weight)
    {
        var slot = _slots[0];
        _index.Remove(_keys[slot]);
        _keys[slot] = key;
        _errors[slot] = _counters[0];
        _counters[0] += weight;
        SiftDown(0);
        return slot;
    }

    private void RemoveSlot(int slot)
    {
        // The heap's last node fills the hole, then goes up or down to its place.
        var position = _positions[slot];
        var last = --Count;
        if (position < last)
        {
            Place(_counters[last], _slots[last], position);
            SiftUp(position);
            SiftDown(_positions[_slots[last]]);
        }

        // Slots stay dense: the last one moves into the freed one.
        if (slot != last)
        {
            _keys[slot] = _keys[last];
            _errors[slot] = _errors[last];
            _positions[slot] = _positions[last];
            _slots[_positions[slot]] = slot;
            _index[_keys[slot]] = slot;
        }

        _keys[last] = null!;
    }

    private void Grow()
    {
        // Grown by doubling up to Capacity, so a large Capacity costs memory only once keys fill it.
        var size = (int)Math.Min(Capacity, Math.Max(16L, 2L * _keys.Length));
        Array.Resize(ref _keys, size);
        Array.Resize(ref _errors, size);
        Array.Resize(ref _positions, size);
        Array.Resize(ref _counters, size);
        Array.Resize(ref _slots, size);
        _index.EnsureCapacity(size + 1);
    }

    private void SiftUp(int position)
    {
        var counter = _counters[position];
        var slot = _slots[position];
        while (position > 0)
        {
            var parent = (position - 1) >> 2;
            if (_counters[parent] <= counter)
            {
                break;
            }

            Place(_counters[parent], _slots[parent], position);
            position = parent;
        }

        Place(counter, slot, position);
    }

    private void SiftDown(int position)
    {
        var counter = _counters[position];
        var slot = _slots[position];
        var count = Count;
        while (true)
        {
            var first = (position << 2) + 1;
            if (first >= count)
            {
                break;
            }

            var child = first;
            var smallest = _counters[first];
            var end = Math.Min(first + 4, count);
            for (var next = first + 1; next < end; next++)
            {
                if (_counters[next] < smallest)
                {
                    smallest = _counters[next];
                    child = next;
                }
            }

            if (smallest >= counter)
            {
                break;
            }

            Place(smallest, _slots[child], position);
            position = child;
        }

        Place(counter, slot, position);
    }

    private void Place(double counter, int slot, int position)
    {
        _counters[position] = counter;
        _slots[position] = slot;
        _positions[slot] = position;
    }
}
