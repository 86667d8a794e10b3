namespace CacheWarmer.HotKeyTracker.Keyspace;

/// <summary>What the tracker learned about one loader key.</summary>
/// <param name="Key">The Redis key.</param>
/// <param name="Cause">What made the tracker look at the key.</param>
/// <param name="Exists">Whether the key existed when its TTL was read.</param>
/// <param name="ExpiresAt">When the key expires; null when it does not exist or has no TTL.</param>
public readonly record struct KeyObservation(string Key, KeyObservationCause Cause, bool Exists, DateTimeOffset? ExpiresAt);

/// <summary>Why a key was observed.</summary>
public enum KeyObservationCause
{
    /// <summary>A write or TTL change (<c>set</c>, <c>expire</c>, <c>persist</c>, <c>rename_to</c>...).</summary>
    Written,

    /// <summary>Redis deleted the key because its TTL ran out.</summary>
    Expired,

    /// <summary>Redis evicted the key under <c>maxmemory</c>.</summary>
    Evicted,

    /// <summary>A client deleted the key (<c>del</c>, <c>unlink</c>, <c>rename_from</c>).</summary>
    Deleted,

    /// <summary>Found, or found missing, by the SCAN that runs at start and after every reconnect.</summary>
    Resync,
}
