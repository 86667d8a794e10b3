using System.Collections.Concurrent;

namespace CacheWarmer.HotKeyTracker.Keyspace;

public sealed partial class KeyspaceListener
{
    // Keys last seen to exist that the consumer follows, at most KnownKeyBudget: a resync probes the ones its SCAN no
    // longer finds, so the consumer hears they are gone.
    private readonly ConcurrentDictionary<string, byte> _known = new(StringComparer.Ordinal);
    private int _knownCount;
    private int _budgetReported;

    // A uniform sample of the other keys the last SCAN found (and of keys written since), for LFU counter reads.
    private volatile KeySample _sample;

    /// <summary>The loader keys last seen to exist that the consumer follows (all of them without an <see cref="IKeyInterest"/>), at most <see cref="KeyspaceOptions.KnownKeyBudget"/>.</summary>
    public IEnumerable<string> KnownKeys => _known.Keys;

    /// <summary>
    /// Keys whose server counters are worth reading: the known keys, then a uniform sample of the others from the last
    /// SCAN, at most <see cref="Hotness.HotKeyOptions.LfuMaxKeys"/> in all.
    /// </summary>
    public IEnumerable<string> CounterCandidates => _known.Keys.Concat(_sample.Snapshot().Where(k => !_known.ContainsKey(k)));

    /// <summary>How many keys the listener remembers now.</summary>
    public int KnownKeyCount => Volatile.Read(ref _knownCount);

    // Whether a key the SCAN found, or an event named, is followed: its TTL is read and it is remembered.
    private bool Follows(string key) =>
        _known.ContainsKey(key) || (_interest?.Wants(key) ?? KnownKeyCount < _options.KnownKeyBudget);

    // A probe found the key: remembered when followed and within budget; sampled either way.
    private void Found(string key)
    {
        _sample.Offer(key);
        if (_known.ContainsKey(key) || !(_interest?.Wants(key) ?? true))
        {
            return;
        }

        if (KnownKeyCount >= _options.KnownKeyBudget)
        {
            if (Interlocked.Exchange(ref _budgetReported, 1) == 0)
            {
                Log.KnownKeysFull(_logger, _options.KnownKeyBudget);
            }

            return;
        }

        if (_known.TryAdd(key, 0))
        {
            Interlocked.Increment(ref _knownCount);
        }
    }

    private void Gone(string key)
    {
        _sample.Remove(key);
        if (_known.TryRemove(key, out _))
        {
            Interlocked.Decrement(ref _knownCount);
        }
    }

    // At a resync: keys the consumer stopped following are forgotten (with their own-write times), so the set stays
    // the size of what is followed now.
    private void ForgetUnfollowed()
    {
        if (_interest is null)
        {
            return;
        }

        foreach (var key in _known.Keys)
        {
            if (!_interest.Wants(key) && _known.TryRemove(key, out _))
            {
                Interlocked.Decrement(ref _knownCount);
                _ownWrites.TryRemove(key, out _);
            }
        }

        Volatile.Write(ref _budgetReported, 0);
    }
}
