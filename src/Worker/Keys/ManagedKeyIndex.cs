using System.Collections.Concurrent;
using CacheWarmer.HotKeyTracker.Keyspace;
using CacheWarmer.Worker.Coordination;
using CacheWarmer.Worker.Refresh;

namespace CacheWarmer.Worker.Keys;

/// <summary>
/// The managed keys and each one's next fire time, for readers on other threads: GET /hotkeys, and the keyspace
/// listener, which follows only these (and, while every key with a TTL is managed and there is room, every key this
/// replica owns or stands by for).
/// Written only by the <see cref="ManagedKeys"/> loop, next to every change of its own state; may lag it by one step.
/// </summary>
internal sealed class ManagedKeyIndex(HotKeyPolicy policy, ReplicaMembership membership) : IKeyInterest
{
    // Fire times as UTC ticks: a long is replaced in place, where a DateTimeOffset value costs a new node at every plan.
    private readonly ConcurrentDictionary<string, long> _keys = new(StringComparer.Ordinal);
    private int _count;

    /// <summary>True when <paramref name="key"/> is managed; <paramref name="nextRefresh"/> is then when its next refresh fires.</summary>
    public bool TryGetNextRefresh(string key, out DateTimeOffset nextRefresh)
    {
        var found = _keys.TryGetValue(key, out var ticks);
        nextRefresh = found ? UtcTicks.At(ticks) : default;
        return found;
    }

    /// <summary>The managed keys, enumerated without a copy.</summary>
    public IEnumerable<string> Names() => _keys.Select(p => p.Key);

    /// <inheritdoc />
    public bool Wants(string key) =>
        _keys.ContainsKey(key) ||
        (policy.ManagesEveryKey && policy.HasRoom(Volatile.Read(ref _count)) && membership.RoleOf(key) != KeyRole.None);

    internal void Publish(string key, DateTimeOffset fireAt)
    {
        if (_keys.TryAdd(key, fireAt.UtcTicks))
        {
            Interlocked.Increment(ref _count);
        }
        else
        {
            _keys[key] = fireAt.UtcTicks;
        }
    }

    internal void Unpublish(string key)
    {
        if (_keys.TryRemove(key, out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }
}
