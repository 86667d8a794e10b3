namespace CacheWarmer.Worker.Configuration;

/// <summary>
/// How a loader's value is kept in Redis: the layout the apps that read the key expect (a loader's <c>Format</c>, read
/// by <see cref="EnumSetting"/>).
/// </summary>
internal enum ValueFormat
{
    /// <summary>A Redis string holding the value's bytes (<c>SET key value PX ttl</c>).</summary>
    String,

    /// <summary>
    /// The entry of <c>RedisCache</c> (Microsoft.Extensions.Caching.StackExchangeRedis, behind <c>IDistributedCache</c>):
    /// a hash with <c>absexp</c> (the absolute expiry, UTC ticks), <c>sldexp</c> (-1: no sliding expiration) and
    /// <c>data</c> (the value's bytes), and the same expiry as the key's TTL. The loader's key includes the cache's
    /// <c>InstanceName</c> prefix.
    /// </summary>
    DistributedCache,

    /// <summary>
    /// FusionCache's distributed entry (FusionCache 2.x with its System.Text.Json serializer, over RedisCache): the
    /// <see cref="DistributedCache"/> hash, its <c>data</c> holding <c>{"Value": the value, "Timestamp", "LogicalExpirationTimestamp",
    /// "Tags": null, "Metadata": null}</c>. The loader's key includes the InstanceName and FusionCache's
    /// <see cref="LoaderOptions.FusionCacheKeyPrefix"/>.
    /// </summary>
    FusionCache,

    /// <summary>
    /// HybridCache's distributed entry (Microsoft.Extensions.Caching.Hybrid over RedisCache): the
    /// <see cref="DistributedCache"/> hash, its <c>data</c> holding HybridCache's payload around the value. HybridCache's
    /// key is the Redis key without the loader's <c>InstanceName</c>.
    /// </summary>
    HybridCache,

    /// <summary>
    /// A plain Redis hash of the row: one field per column, its value the column's JSON text (strings unquoted, NULL
    /// columns absent), written with <c>HSET</c> and the TTL. <c>Result</c> must be <c>Row</c>.
    /// </summary>
    Hash,
}
