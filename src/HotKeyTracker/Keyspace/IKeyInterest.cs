namespace CacheWarmer.HotKeyTracker.Keyspace;

/// <summary>
/// Which loader keys the consumer of the observations wants followed. The listener remembers those (so a resync tells
/// when one is gone) and reads their TTLs when a SCAN finds them; a SCAN only samples the others, so a million cold
/// keys cost a resync its SCAN pages, not a TTL read and a remembered string each. Without one, every key is followed
/// up to <see cref="KeyspaceOptions.KnownKeyBudget"/>. Called from the listener's threads.
/// </summary>
public interface IKeyInterest
{
    /// <summary>True when observations of <paramref name="key"/> matter to the consumer.</summary>
    bool Wants(string key);
}
