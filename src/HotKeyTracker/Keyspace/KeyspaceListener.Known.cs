using System.Collections.Concurrent;

namespace CacheWarmer.HotKeyTracker.Keyspace;

public sealed partial class KeyspaceListener
{
    // Without an interest, the keys last seen to exist, at most KnownKeyBudget: a resync probes the ones its SCAN no
    // longer finds, so the consumer hears they are gone. With one, the consumer's followed keys play that part, so a
    // followed key is held once, by the consumer.
    private readonly ConcurrentDictionary<string, byte> _known = new(StringComparer.Ordinal);
    private int _knownCount;
    private int _budgetReported;

    // A uniform sample of the other keys the last SCAN found (and of keys written since), for LFU counter reads.
    private volatile KeySample _sample;

    /// <summary>
    /// The loader keys followed: those the <see cref="IKeyInterest"/> follows, or without one the keys last seen to
    /// exist, at most <see cref="KeyspaceOptions.KnownKeyBudget"/>.
    /// </summary>
    public IEnumerable<string> KnownKeys => _interest?.Followed ?? _known.Keys;

    /// <summary>
    /// Keys whose server counters are worth reading: the known keys, then a uniform sample of the others from the last
    /// SCAN, each once; the reader takes at most <see cref="Hotness.HotKeyOptions.LfuMaxKeys"/>.
    /// </summary>
    public IEnumerable<string> CounterCandidates => KnownKeys.Concat(_sample.Snapshot()).Distinct(StringComparer.Ordinal);

    // Whether a key the SCAN found, or an event named, is followed: its TTL is read and it is reported.
    private bool Follows(string key) =>
        _interest?.Wants(key) ?? (_known.ContainsKey(key) || Volatile.Read(ref _knownCount) < _options.KnownKeyBudget);

    // A probe found the key: sampled, and without an interest remembered within the budget.
    private void Found(string key)
    {
        _sample.Offer(key);
        if (_interest is not null || _known.ContainsKey(key))
        {
            return;
        }

        if (Volatile.Read(ref _knownCount) >= _options.KnownKeyBudget)
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

    // At a resync: the own-write times of keys the consumer no longer follows are dropped, so that map stays the size of
    // what is followed now.
    private void ForgetUnfollowed()
    {
        if (_interest is null)
        {
            return;
        }

        foreach (var (key, _) in _ownWrites)
        {
            if (!_interest.Wants(key))
            {
                _ownWrites.TryRemove(key, out _);
            }
        }
    }
}
