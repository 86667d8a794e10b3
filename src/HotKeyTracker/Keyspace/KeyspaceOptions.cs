using CacheWarmer.Contracts.Keys;

namespace CacheWarmer.HotKeyTracker.Keyspace;

/// <summary>What the keyspace ingestion watches.</summary>
public sealed class KeyspaceOptions
{
    /// <summary>The Redis database of the cached keys.</summary>
    public int Database { get; set; }

    /// <summary>The loader key patterns; only keys matching one of them are observed.</summary>
    public IList<KeyPattern> Patterns { get; } = [];

    /// <summary>
    /// The <c>notify-keyspace-events</c> flags the observed keys need: <see cref="KeyspaceFlags.Required"/>, plus
    /// <see cref="KeyspaceFlags.HashEvents"/> when some keys are hashes (their writes are <c>hset</c> events).
    /// </summary>
    public string RequiredFlags { get; set; } = KeyspaceFlags.Required;

    /// <summary>Whether to turn keyspace notifications on with <c>CONFIG SET</c> (when the server allows it).</summary>
    public bool ConfigureKeyspaceEvents { get; set; } = true;

    /// <summary>Keys asked per SCAN call while resyncing.</summary>
    public int ScanPageSize { get; set; } = 1000;

    /// <summary>How long a written key may wait so its TTL is read in one pipelined batch with others.</summary>
    public TimeSpan TtlProbeDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// How often to resync by SCAN even without a reconnect. Pub/sub is fire-and-forget, so this bounds how long a
    /// lost notification (or a server where notifications cannot be turned on) can hide a key.
    /// </summary>
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often each process rewrites its beacon key on every primary (<see cref="WorkerKeys.Beacon"/>) and waits for
    /// the write's keyspace event: the proof that notifications arrive where CONFIG cannot be read, and the way a
    /// FLUSHALL, FLUSHDB or a failover to another node is noticed (Redis sends no event for those). Zero turns it off.
    /// </summary>
    public TimeSpan BeaconInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Names this process's beacon key; the worker sets its replica id. Unique per process.</summary>
    public string InstanceId { get; set; } = Guid.NewGuid().ToString("N")[..12];

    /// <summary>Observations buffered for the consumer; past this a resync is requested instead of growing.</summary>
    public int ObservationCapacity { get; set; } = 100_000;

    /// <summary>
    /// Without an <see cref="IKeyInterest"/>, the most keys the listener remembers as existing (the first it finds); a
    /// resync reports the remembered ones that are gone. With one, the consumer bounds what it follows.
    /// </summary>
    public int KnownKeyBudget { get; set; } = 100_000;
}
