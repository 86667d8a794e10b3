namespace CacheWarmer.HotKeyTracker.Hotness;

// The counters in an indexed 4-ary min-heap: the minimum, which Space-Saving replaces, at its root. Counters only
// grow, so an update only ever sifts its node down. Four children side by side make the heap half as deep as a
// binary one: a replaced minimum, which nearly always sinks to the bottom, moves through 8 levels instead of 15 at
// Capacity 100,000.
public sealed partial class DecayedSpaceSaving
{
    // By heap position: the counter, and the index cell of its key.
    private double[] _counters = [];
    private int[] _cellAt = [];

    private void SiftUp(int position)
    {
        var counter = _counters[position];
        var cell = _cellAt[position];
        while (position > 0)
        {
            var parent = (position - 1) >> 2;
            if (_counters[parent] <= counter)
            {
                break;
            }

            Place(_counters[parent], _cellAt[parent], position);
            position = parent;
        }

        Place(counter, cell, position);
    }

    private void SiftDown(int position)
    {
        var counter = _counters[position];
        var cell = _cellAt[position];
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

            Place(smallest, _cellAt[child], position);
            position = child;
        }

        Place(counter, cell, position);
    }

    private void Place(double counter, int cell, int position)
    {
        _counters[position] = counter;
        _cellAt[position] = cell;
        _cells[cell].Position = position;
    }
}
