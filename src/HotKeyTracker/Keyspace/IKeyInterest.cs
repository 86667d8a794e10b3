namespace CacheWarmer.HotKeyTracker.Keyspace;

/// <summary>
/// Which loader keys the consumer of the observations follows. The listener reads the TTLs of those a SCAN finds and
/// reports them, and a resync probes the followed keys it did not find, so the consumer hears they are gone; a SCAN
/// only samples the others, so a million cold keys cost a resync its SCAN pages, not a TTL read each. The consumer
/// holds the followed keys; the listener keeps no copy. Without an interest, the listener follows every key up to
/// <see cref="KeyspaceOptions.KnownKeyBudget"/>. Called from the listener's threads.
/// </summary>
public interface IKeyInterest
{
    /// <summary>True when observations of <paramref name="key"/> matter to the consumer.</summary>
    bool Wants(string key);

    /// <summary>The keys the consumer follows now, enumerated while it changes them.</summary>
    IEnumerable<string> Followed { get; }
}
