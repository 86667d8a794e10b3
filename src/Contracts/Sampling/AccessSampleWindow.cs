using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace CacheWarmer.Contracts.Sampling;

/// <summary>The read counts of one flush interval, holding at most <c>maxKeys</c> distinct keys.</summary>
internal sealed class AccessSampleWindow(int maxKeys)
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _counts = new(StringComparer.Ordinal);

    // Keys turned away, remembered (up to maxKeys of them) only so each counts once as a dropped pair.
    private readonly ConcurrentDictionary<string, byte> _overflow = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _size;
    private volatile bool _full;
    private int _overflowSize;
    private volatile bool _overflowFull;
    private long _overflowUntracked;

    public void Add(string key)
    {
        if (_counts.TryGetValue(key, out var box))
        {
            Interlocked.Increment(ref box.Value);
            return;
        }

        // A key's first read in the interval adds it under a short lock (as ConcurrentDictionary's own writes lock), so
        // two first reads of one key cannot both take a slot, nor one of them be turned away while the other is counted.
        if (!_full)
        {
            lock (_gate)
            {
                if (!_counts.TryGetValue(key, out box) && _size < maxKeys)
                {
                    box = new StrongBox<long>();
                    _counts[key] = box;
                    _size++;
                }

                // Written after the last insert, so a reader that sees it sees every key in the window.
                _full = _size >= maxKeys;
            }
        }
        else
        {
            _counts.TryGetValue(key, out box);
        }

        if (box is null)
        {
            Overflow(key);
            return;
        }

        Interlocked.Increment(ref box.Value);
    }

    /// <summary>
    /// Distinct keys turned away. Exact up to <c>maxKeys</c> of them; past that each further read counts as one, an
    /// upper bound that keeps the memory of counting drops as bounded as the counts themselves.
    /// </summary>
    public long Dropped => _overflow.Count + Interlocked.Read(ref _overflowUntracked);

    public IEnumerable<KeyValuePair<string, long>> Counts()
    {
        foreach (var (key, box) in _counts)
        {
            yield return new(key, Interlocked.Read(ref box.Value));
        }
    }

    private void Overflow(string key)
    {
        if (_overflow.ContainsKey(key))
        {
            return;
        }

        // The same short lock as a first read: a key turned away twice at once is remembered once.
        if (!_overflowFull)
        {
            lock (_gate)
            {
                if (_overflow.ContainsKey(key))
                {
                    return;
                }

                if (_overflowSize < maxKeys)
                {
                    _overflow[key] = 0;
                    _overflowSize++;
                    _overflowFull = _overflowSize >= maxKeys;
                    return;
                }
            }
        }
        else if (_overflow.ContainsKey(key))
        {
            return;
        }

        Interlocked.Increment(ref _overflowUntracked);
    }
}
