using CacheWarmer.HotKeyTracker.Hotness;

namespace CacheWarmer.Worker.Configuration;

/// <summary>The <c>CacheWarmer</c> configuration section.</summary>
public sealed class CacheWarmerOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "CacheWarmer";

    /// <summary>The Redis the cached keys live in.</summary>
    public RedisOptions Redis { get; set; } = new();

    /// <summary>Named database connections.</summary>
    public SourcesOptions Sources { get; set; } = new();

    /// <summary>Named rules mapping a key pattern to a query.</summary>
    public LoadersOptions Loaders { get; set; } = new();

    /// <summary>Refresh timing, coordination and fail-safe.</summary>
    public RefreshOptions Refresh { get; set; } = new();

    /// <summary>Which keys are hot enough to keep warm.</summary>
    public HotKeysOptions HotKeys { get; set; } = new();

    /// <summary>The ops HTTP API: warm on demand, hot keys, probes and metrics.</summary>
    public HttpOptions Http { get; set; } = new();

    /// <summary>Named warms on cron schedules, ahead of known traffic spikes.</summary>
    public WarmupsOptions Warmups { get; set; } = new();
}

/// <summary>The <c>CacheWarmer:Http</c> section.</summary>
public sealed class HttpOptions
{
    /// <summary>The default of <see cref="Urls"/>: loopback only.</summary>
    public const string DefaultUrls = "http://127.0.0.1:8080";

    /// <summary>
    /// Where the API listens, separated by <c>;</c>. Default <c>http://127.0.0.1:8080</c>. A URL beyond loopback (such as
    /// <c>http://0.0.0.0:8080</c>) needs an <see cref="ApiKey"/>.
    /// </summary>
    public string Urls { get; set; } = DefaultUrls;

    /// <summary>
    /// When set, every endpoint but <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c> requires it in the
    /// <c>X-Api-Key</c> header. Never logged. Default empty.
    /// </summary>
    public string ApiKey { get; set; } = string.Empty;

    /// <summary>The most keys one warm request may name or find. Default 10,000.</summary>
    public int MaxKeysPerRequest { get; set; } = 10_000;

    /// <summary>
    /// The most <c>POST /warm</c> pattern scans (SCAN MATCH over every primary) running at once on this replica; one
    /// more gets 429 with Retry-After. Default 2.
    /// </summary>
    public int MaxConcurrentScans { get; set; } = 2;

    /// <summary>The largest request body accepted, in bytes. Default 1 MiB.</summary>
    public long MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>How long a warmed key stays managed, whatever its read rate. Default 10 minutes.</summary>
    public TimeSpan WarmPin { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How fast warms run on this replica.</summary>
    public WarmOptions Warm { get; set; } = new();
}

/// <summary>The <c>CacheWarmer:Http:Warm</c> section: the pace of warms on one replica, all jobs together.</summary>
public sealed class WarmOptions
{
    /// <summary>Keys started per second, at most. Default 200.</summary>
    public double MaxPerSecond { get; set; } = 200;

    /// <summary>Keys warming at once, at most. Default 8.</summary>
    public int MaxConcurrency { get; set; } = 8;
}

/// <summary>
/// The <c>CacheWarmer:HotKeys</c> section: the tracker's <see cref="HotKeyOptions"/> (<c>Capacity</c>, <c>HalfLife</c>,
/// <c>Replay</c>, <c>AppWriteWeight</c>, <c>LfuMaxKeys</c>), which the tracker binds from this section too, and which
/// keys the worker keeps warm.
/// </summary>
public sealed class HotKeysOptions : HotKeyOptions
{
    /// <summary>
    /// Reads per minute at which a loader key becomes managed. A managed key stays managed until its rate has been
    /// under half of this for <see cref="CoolDown"/>. 0 manages every loader key that has a TTL. Default 1.
    /// </summary>
    public double MinRatePerMinute { get; set; } = 1;

    /// <summary>How long a managed key's rate must stay low before the worker lets it expire. Default 5 minutes.</summary>
    public TimeSpan CoolDown { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Keys kept warm whatever their rate (each must match a loader).</summary>
    public List<string> Pinned { get; set; } = [];

    /// <summary>
    /// How many keys pins (<see cref="Pinned"/>, warms, warmups) may manage beyond <see cref="HotKeyOptions.Capacity"/>:
    /// managed keys never exceed the sum, and a warmup's <c>Ids</c> query is read up to this many ids. Default 100,000.
    /// </summary>
    public int PinnedCapacity { get; set; } = 100_000;

    /// <summary>
    /// With <see cref="MinRatePerMinute"/> 0 the model decides nothing (every key with a TTL is managed, up to
    /// <see cref="HotKeyOptions.Capacity"/>); it only ranks keys (re-warms hottest first, GET /hotkeys, the warmup
    /// history), so it tracks the hottest <see cref="RankingCapacity"/> at most: tracking a million keys would hold
    /// about 90 MB a replica, most of it the text of keys other replicas own.
    /// </summary>
    public override int ModelCapacity => MinRatePerMinute == 0 ? Math.Min(Capacity, RankingCapacity) : Capacity;

    /// <summary>The most keys the model tracks when it only ranks them.</summary>
    public const int RankingCapacity = 100_000;
}

/// <summary>The <c>CacheWarmer:Redis</c> section.</summary>
public sealed class RedisOptions
{
    /// <summary>A StackExchange.Redis configuration string. Default <c>127.0.0.1:6379</c>.</summary>
    public string Configuration { get; set; } = "127.0.0.1:6379";

    /// <summary>The database of the cached keys. Default 0.</summary>
    public int Database { get; set; }

    /// <summary>The prefix of every key the worker owns (leases, fail-safe markers). Default <c>cw:</c>.</summary>
    public string KeyPrefix { get; set; } = "cw:";

    /// <summary>Whether the worker may turn keyspace notifications on with CONFIG SET. Default true.</summary>
    public bool ConfigureKeyspaceEvents { get; set; } = true;

    /// <summary>
    /// How often the worker rewrites its beacon key (<c>{prefix}beacon:{replicaId}</c>) and checks its keyspace event:
    /// how fast a FLUSHALL, FLUSHDB or failover is noticed, and how readiness knows notifications arrive where CONFIG is
    /// refused. Default 1 s; zero turns it off.
    /// </summary>
    public TimeSpan BeaconInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>The <c>CacheWarmer:Refresh</c> section.</summary>
public sealed class RefreshOptions
{
    /// <summary>The largest <see cref="MaxBatchSize"/>: bounds the parameters one statement binds (SQLite's and MySQL's limits are far above it).</summary>
    public const int MaxBatchSizeLimit = 1000;

    /// <summary>The least time before expiry at which a refresh lands. Default 5 seconds.</summary>
    public TimeSpan Buffer { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>XFetch's beta: how far ahead, in load times, refreshes spread. Default 1.</summary>
    public double Beta { get; set; } = 1.0;

    /// <summary>How long a replica's refresh lease lasts; a long load extends it. Default 30 seconds.</summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Refreshes running at once in one replica. Default 32.</summary>
    public int MaxConcurrency { get; set; } = 32;

    /// <summary>
    /// The most keys one batch query loads (loaders with a <c>BatchQuery</c>); 1 loads every key on its own. Default 128.
    /// </summary>
    public int MaxBatchSize { get; set; } = 128;

    /// <summary>
    /// How far ahead of its planned time a key may join a batch of its loader that is due now: the batch gathers the
    /// keys due within this window, so no key is loaded further ahead of its plan. Default 50 ms.
    /// </summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>A load that takes longer fails (and the fail-safe keeps the old value). Default 10 seconds.</summary>
    public TimeSpan LoadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The largest value a load may write, in bytes; a bigger one is refused (logged and counted) and the old value is
    /// kept as for a failed load. Default 1 MiB; at most 512 MiB (Redis's own limit).
    /// </summary>
    public int MaxValueBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Shares the keys among the live replicas: each key has one owner, which refreshes it at its planned time, and one
    /// standby, which tracks it and refreshes it only nine tenths of <see cref="Buffer"/> before expiry (after any plan
    /// of the owner), should the owner not have; the other replicas neither track nor try it. Off, every replica tracks
    /// and tries every key and the lease lets one load it. Default on.
    /// </summary>
    public bool Partition { get; set; } = true;

    /// <summary>What happens when a load fails.</summary>
    public FailSafeOptions FailSafe { get; set; } = new();

    /// <summary>When a source counts as down.</summary>
    public CircuitBreakerOptions CircuitBreaker { get; set; } = new();
}

/// <summary>The <c>CacheWarmer:Refresh:FailSafe</c> section.</summary>
public sealed class FailSafeOptions
{
    /// <summary>How much a failed refresh extends the old value's TTL. Default 1 minute.</summary>
    public TimeSpan Extension { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How far past its first expiry an old value may be kept. Default 1 hour.</summary>
    public TimeSpan MaxStale { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The first retry delay after a failure; doubles per failure, jittered. Default 1 second.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>The <c>CacheWarmer:Refresh:CircuitBreaker</c> section: one breaker per source.</summary>
public sealed class CircuitBreakerOptions
{
    /// <summary>Consecutive failed loads that open the breaker. Default 5.</summary>
    public int FailureThreshold { get; set; } = 5;

    /// <summary>How long an open breaker refuses loads before it lets one probe through (jittered). Default 30 seconds.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}
