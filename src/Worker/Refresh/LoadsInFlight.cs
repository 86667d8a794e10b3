using System.Collections.Concurrent;

namespace CacheWarmer.Worker.Refresh;

/// <summary>
/// The refresh attempts running in this process, by key, so an app's delete of a key can reach the attempt loading
/// it: <c>ManagedKeys</c> tells of the delete (from its keyspace event), the <see cref="Refresher"/> registers
/// and reads the attempts. Data between the two rooms, so neither calls the other.
/// </summary>
internal sealed class LoadsInFlight
{
    private readonly ConcurrentDictionary<string, RefreshLease> _leases = new(StringComparer.Ordinal);

    /// <summary>An attempt on <paramref name="key"/> holds or tries for <paramref name="lease"/>.</summary>
    public void Started(string key, RefreshLease lease) => _leases[key] = lease;

    /// <summary>The attempt under <paramref name="lease"/> is over (a later attempt's entry stays).</summary>
    public void Ended(string key, RefreshLease lease) => _leases.TryRemove(new KeyValuePair<string, RefreshLease>(key, lease));

    /// <summary>
    /// An app deleted <paramref name="key"/> (an invalidation). A load in flight for it may have read the row before
    /// the app's change, so its write is dropped; the fenced write catches a delete by itself only while the key's
    /// old expiry has not come, and this covers a load that outlasts it.
    /// </summary>
    public void Invalidate(string key)
    {
        if (_leases.TryGetValue(key, out var lease))
        {
            lease.Invalidate();
        }
    }
}
