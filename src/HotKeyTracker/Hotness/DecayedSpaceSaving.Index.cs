namespace CacheWarmer.HotKeyTracker.Hotness;

// The index from key to counter: open addressing with linear probing in a power-of-two table kept at most half full.
// One probe usually finds the key together with its heap position, where Dictionary<string, int> took a bucket and
// an entry and then the slot's own data (three cache misses at Capacity 100,000 instead of one). A cell's index is
// the key's identity for the heap; deletion shifts the cells after it back (no tombstones), updating the heap's
// reference to each cell it moves. Hashes are string.GetHashCode(), randomized per process, so keys chosen by
// clients cannot be made to collide.
public sealed partial class DecayedSpaceSaving
{
    // Cells can be at most 2^30, and at most half of them used.
    private const int MaxCapacity = 1 << 28;

    // Keys tracked before the first growth.
    private const int InitialSize = 16;

    private Cell[] _cells = [];
    private double[] _errors = [];
    private int _mask;

    /// <summary>The cell holding <paramref name="key"/>, or the complement of the empty cell where it would go.</summary>
    private int Find(string key, int hash)
    {
        var cells = _cells;
        var mask = _mask;
        var i = hash & mask;
        while (true)
        {
            ref var cell = ref cells[i];
            if (cell.Key is null)
            {
                return ~i;
            }

            if (cell.Hash == hash && string.Equals(cell.Key, key))
            {
                return i;
            }

            i = (i + 1) & mask;
        }
    }

    /// <summary>Tracks a new key in the empty <paramref name="cell"/>, making room first if the arrays are full.</summary>
    private void Insert(string key, int hash, int cell, double weight)
    {
        if (Count == _counters.Length)
        {
            Allocate((int)Math.Min(Capacity, 2L * _counters.Length));
            cell = ~Find(key, hash);
        }

        var position = Count++;
        _cells[cell] = new Cell { Key = key, Hash = hash, Position = position };
        _errors[cell] = 0;
        _counters[position] = weight;
        _cellAt[position] = cell;
        SiftUp(position);
    }

    /// <summary>Gives a new key the smallest counter: Space-Saving's replacement, the old counter becoming its error.</summary>
    private void ReplaceMinimum(string key, int hash, double weight)
    {
        var minimum = _counters[0];
        Vacate(_cellAt[0]);
        var cell = ~Find(key, hash);
        _cells[cell] = new Cell { Key = key, Hash = hash, Position = 0 };
        _errors[cell] = minimum;
        _cellAt[0] = cell;
        _counters[0] = minimum + weight;
        SiftDown(0);
    }

    /// <summary>Empties <paramref name="cell"/>, shifting back the cells of its probe run that may move.</summary>
    private void Vacate(int cell)
    {
        var cells = _cells;
        var mask = _mask;
        var next = cell;
        while (true)
        {
            next = (next + 1) & mask;
            ref var candidate = ref cells[next];
            if (candidate.Key is null)
            {
                break;
            }

            // A cell may fill the hole if the hole lies between its home and where it is now.
            var home = candidate.Hash & mask;
            if (((next - home) & mask) >= ((next - cell) & mask))
            {
                cells[cell] = candidate;
                _errors[cell] = _errors[next];
                _cellAt[candidate.Position] = cell;
                cell = next;
            }
        }

        cells[cell] = default;
        _errors[cell] = 0;
    }

    /// <summary>Sizes the heap for <paramref name="size"/> keys and the table for twice as many, moving what is there.</summary>
    private void Allocate(int size)
    {
        // Grown by doubling up to Capacity, so a large Capacity costs memory only once keys fill it.
        Array.Resize(ref _counters, size);
        Array.Resize(ref _cellAt, size);
        var oldCells = _cells;
        var oldErrors = _errors;
        var cells = (int)Math.Max(4, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)size * 2));
        _cells = new Cell[cells];
        _errors = new double[cells];
        _mask = cells - 1;
        for (var i = 0; i < oldCells.Length; i++)
        {
            if (oldCells[i].Key is { } key)
            {
                var cell = ~Find(key, oldCells[i].Hash);
                _cells[cell] = oldCells[i];
                _errors[cell] = oldErrors[i];
                _cellAt[oldCells[i].Position] = cell;
            }
        }
    }

    /// <summary>A tracked key (null in an empty cell), its hash and where its counter is in the heap.</summary>
    private struct Cell
    {
        public string? Key;
        public int Hash;
        public int Position;
    }
}
