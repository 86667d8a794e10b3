using System.Collections.Concurrent;

namespace CacheWarmer.HotKeyTracker.Keyspace;

public sealed partial class KeyspaceListener
{
    // When each key was last written by a worker (any replica: the own-write marker tells), for readers of Redis's own
    // access counters, which count the worker's writes as accesses.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _ownWrites = new(StringComparer.Ordinal);

    /// <summary>When a worker last wrote <paramref name="key"/>, as heard from its keyspace event; null if not heard lately.</summary>
    public DateTimeOffset? LastOwnWrite(string key) => _ownWrites.TryGetValue(key, out var at) ? at : null;

    /// <summary>Forgets own writes older than <paramref name="before"/>; a reader that no longer needs them calls this.</summary>
    public void ForgetOwnWritesBefore(DateTimeOffset before)
    {
        foreach (var (key, at) in _ownWrites)
        {
            if (at < before)
            {
                _ownWrites.TryRemove(new KeyValuePair<string, DateTimeOffset>(key, at));
            }
        }
    }

    private void RecordOwnWrite(string key, DateTimeOffset at) => _ownWrites[key] = at;
}
