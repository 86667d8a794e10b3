using System.Globalization;
using CacheWarmer.StampedeLab.Reader;
using ZiggyCreatures.Caching.Fusion;

namespace CacheWarmer.StampedeLab.Strategies;

/// <summary>
/// How the "fusioncache-full" apps configure FusionCache, as a team that read its docs would: fail-safe with soft and
/// hard factory timeouts (a slow database answers with the last value instead of making users wait), eager refresh,
/// distributed-cache timeouts and circuit breakers (a slow Redis does not stall reads), and lock timeouts no longer
/// than a factory may run. The lab's numbers (TTL, backend delay) set the durations; no jitter, as for every strategy.
/// </summary>
internal static class FusionCacheFullOptions
{
    /// <summary>Refresh in the background on the first read after 80 % of the duration, as <c>fusioncache</c> does.</summary>
    public const float EagerRefreshThreshold = 0.8f;

    /// <summary>How long a read waits for a factory before it gets the stale value (the factory goes on in the background).</summary>
    public static readonly TimeSpan FactorySoftTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>How long an expired value may still be served when the database is slow or down.</summary>
    public static readonly TimeSpan FailSafeMaxDuration = TimeSpan.FromHours(1);

    public static readonly TimeSpan DistributedCacheSoftTimeout = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan DistributedCacheHardTimeout = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan CircuitBreakerDuration = TimeSpan.FromSeconds(2);

    /// <summary>FusionCache puts it before every key the app names: it asks named caches with a distributed locker for one.</summary>
    public const string CacheKeyPrefix = "app:";

    /// <summary>
    /// The longest a factory may run even with nothing stale to serve: the backend's delay plus 3 s, room for a slow
    /// query on a busy machine (its p99 here is well over the delay). Locks wait no longer than that either.
    /// </summary>
    public static TimeSpan FactoryHardTimeout(TimeSpan backendDelay) => backendDelay + TimeSpan.FromSeconds(3);

    /// <summary>The apps' CacheName, shared by their nodes (and told to the worker): the backplane channel is named after it.</summary>
    public static string CacheName(string ns) => ns + "app";

    /// <summary>The key the app names (FusionCache prefixes it with <see cref="CacheKeyPrefix"/>).</summary>
    public static string CacheKey(int id) => "product:" + id.ToString(CultureInfo.InvariantCulture);

    /// <summary>The product id of a FusionCache key, as the cache's events name it.</summary>
    public static int? IdOf(string? key) =>
        key is not null && key.LastIndexOf(':') is var at and >= 0 && int.TryParse(key.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    /// <summary>
    /// The options. Beside the worker one more: the Redis entry lives the duration, not <see cref="FailSafeMaxDuration"/>,
    /// because the worker plans its refresh from the key's Redis TTL (and keeps its own fail-safe in Redis).
    /// </summary>
    public static FusionCacheOptions Cache(ReaderSpec spec, bool withWorker)
    {
        var hard = FactoryHardTimeout(spec.BackendDelay);
        return new FusionCacheOptions
        {
            CacheName = CacheName(spec.Namespace),
            CacheKeyPrefix = CacheKeyPrefix,
            DistributedCacheCircuitBreakerDuration = CircuitBreakerDuration,
            BackplaneCircuitBreakerDuration = CircuitBreakerDuration,
            DefaultEntryOptions = new FusionCacheEntryOptions
            {
                Duration = spec.Ttl,
                EagerRefreshThreshold = EagerRefreshThreshold,
                IsFailSafeEnabled = true,
                FailSafeMaxDuration = FailSafeMaxDuration,
                DistributedCacheFailSafeMaxDuration = withWorker ? spec.Ttl : null,
                FactorySoftTimeout = FactorySoftTimeout,
                FactoryHardTimeout = hard,
                LockTimeout = hard,
                DistributedCacheSoftTimeout = DistributedCacheSoftTimeout,
                DistributedCacheHardTimeout = DistributedCacheHardTimeout,
            },
        };
    }
}
