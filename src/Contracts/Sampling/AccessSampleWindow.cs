using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace CacheWarmer.Contracts.Sampling;

/// <summary>The read counts of one flush interval, holding at most <c>maxKeys</c> distinct keys.</summary>
internal sealed class AccessSampleWindow(int maxKeys)
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _counts = new(StringComparer.Ordinal);

    // Keys turned away, remembered (up to maxKeys of them) only so each counts once as a dropped pair.
    private readonly ConcurrentDictionary<string, byte> _overflow = new(StringComparer.Ordinal);
    private int _reserved;
    private long _overflowReserved;
    private long _overflowUntracked;

    public void Add(string key)
    {
        if (_counts.TryGetValue(key, out var box))
        {
            Interlocked.Increment(ref box.Value);
            return;
        }

        // A slot is reserved before the key is added, so concurrent first reads cannot push the dictionary past the bound.
        if (Interlocked.Increment(ref _reserved) > maxKeys)
        {
            Interlocked.Decrement(ref _reserved);
            Overflow(key);
            return;
        }

        var added = new StrongBox<long>();
        box = _counts.GetOrAdd(key, added);
        if (!ReferenceEquals(box, added))
        {
            // Another thread added the same key first; its slot covers this key.
            Interlocked.Decrement(ref _reserved);
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

        if (Interlocked.Increment(ref _overflowReserved) > maxKeys)
        {
            Interlocked.Increment(ref _overflowUntracked);
            return;
        }

        if (!_overflow.TryAdd(key, 0))
        {
            Interlocked.Decrement(ref _overflowReserved);
        }
    }
}
