namespace CacheWarmer.HotKeyTracker.Keyspace;

/// <summary>
/// A uniform sample of at most <see cref="Capacity"/> keys out of a stream of any length (reservoir sampling): each
/// resync's SCAN fills a new sample with every key it finds, so readers of per-key server
/// counters see a fresh, bounded cross-section of a keyspace too large to list. Thread-safe.
/// </summary>
internal sealed class KeySample(int capacity)
{
    private readonly object _gate = new();
    private readonly List<string> _keys = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private long _offered;

    /// <summary>The most keys kept.</summary>
    public int Capacity { get; } = Math.Max(0, capacity);

    /// <summary>How many keys are kept now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _keys.Count;
            }
        }
    }

    /// <summary>Offers one key: kept while there is room, afterwards in place of a random one with probability Capacity / offered.</summary>
    public void Offer(string key)
    {
        lock (_gate)
        {
            if (Capacity == 0 || _index.ContainsKey(key))
            {
                return;
            }

            _offered++;
            if (_keys.Count < Capacity)
            {
                _index[key] = _keys.Count;
                _keys.Add(key);
                return;
            }

            var slot = Random.Shared.NextInt64(_offered);
            if (slot < Capacity)
            {
                _index.Remove(_keys[(int)slot]);
                _keys[(int)slot] = key;
                _index[key] = (int)slot;
            }
        }
    }

    /// <summary>Drops <paramref name="key"/> (it is gone).</summary>
    public void Remove(string key)
    {
        lock (_gate)
        {
            if (!_index.Remove(key, out var slot))
            {
                return;
            }

            var last = _keys.Count - 1;
            if (slot != last)
            {
                _keys[slot] = _keys[last];
                _index[_keys[slot]] = slot;
            }

            _keys.RemoveAt(last);
        }
    }

    /// <summary>A copy of the keys kept now.</summary>
    public IReadOnlyList<string> Snapshot()
    {
        lock (_gate)
        {
            return [.. _keys];
        }
    }
}
