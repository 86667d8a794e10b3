using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using CacheWarmer.HotKeyTracker.Keyspace;
using CacheWarmer.Worker.Coordination;

namespace CacheWarmer.Worker.Keys;

/// <summary>
/// The managed keys and their state: the <see cref="ManagedKeys"/> loop's own map, which it alone writes, and which
/// readers on other threads see as it changes: GET /hotkeys (each key's next fire time), and the keyspace listener,
/// which follows only these (and, while every key with a TTL is managed and there is room, every key this replica owns
/// or stands by for). One map for both, so a managed key costs one entry.
/// </summary>
internal sealed class ManagedKeyIndex(HotKeyPolicy policy, ReplicaMembership membership) : IKeyInterest
{
    private readonly ConcurrentDictionary<string, ManagedKey> _keys = new(StringComparer.Ordinal);

    // ConcurrentDictionary.Count takes every lock; this is read after each input of the loop and on each event.
    private int _count;

    /// <summary>How many keys are managed.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The managed keys' state, for the loop that writes it.</summary>
    internal IReadOnlyDictionary<string, ManagedKey> States => _keys;

    /// <summary>True when <paramref name="key"/> is managed and planned; <paramref name="nextRefresh"/> is then when its next refresh fires.</summary>
    public bool TryGetNextRefresh(string key, out DateTimeOffset nextRefresh)
    {
        nextRefresh = _keys.TryGetValue(key, out var state) ? state.FireAt : default;
        return nextRefresh != default;
    }

    /// <summary>The managed keys, enumerated without a copy.</summary>
    public IEnumerable<string> Names() => _keys.Select(p => p.Key);

    /// <inheritdoc />
    public IEnumerable<string> Followed => Names();

    /// <inheritdoc />
    public bool Wants(string key) =>
        _keys.ContainsKey(key) ||
        (policy.ManagesEveryKey && policy.HasRoom(Count) && membership.RoleOf(key) != KeyRole.None);

    internal bool TryGet(string key, [MaybeNullWhen(false)] out ManagedKey state) => _keys.TryGetValue(key, out state);

    internal void Add(ManagedKey state)
    {
        if (_keys.TryAdd(state.Name, state))
        {
            Interlocked.Increment(ref _count);
        }
        else
        {
            _keys[state.Name] = state;
        }
    }

    internal bool Remove(string key)
    {
        if (!_keys.TryRemove(key, out _))
        {
            return false;
        }

        Interlocked.Decrement(ref _count);
        return true;
    }
}
