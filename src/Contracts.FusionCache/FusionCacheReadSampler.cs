using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Events;

namespace CacheWarmer.Contracts.Sampling;

/// <summary>
/// Reports every read of a FusionCache to an <see cref="AccessSampler"/>, under the Redis key of its distributed
/// entry (<see cref="FusionCacheRedisKeys"/>), so the worker sees what the app reads: hits from the memory level,
/// which never reach Redis, as much as distributed hits and misses. It listens to the cache's <c>Events.Hit</c> and
/// <c>Events.Miss</c>, raised once per read whichever level answered. Dispose it to stop listening.
/// </summary>
public sealed class FusionCacheReadSampler : IDisposable
{
    private readonly IFusionCache _cache;
    private readonly AccessSampler _sampler;
    private readonly FusionCacheRedisKeys _keys;
    private int _disposed;

    /// <param name="cache">The app's cache.</param>
    /// <param name="sampler">Where reads are counted.</param>
    /// <param name="instanceName">The <c>InstanceName</c> of the cache's distributed level (RedisCache).</param>
    /// <param name="options">The options <paramref name="cache"/> was built with; null for FusionCache's defaults.</param>
    public FusionCacheReadSampler(IFusionCache cache, AccessSampler sampler, string instanceName = "", FusionCacheOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(sampler);
        _cache = cache;
        _sampler = sampler;
        _keys = new FusionCacheRedisKeys(instanceName, options);
        cache.Events.Hit += OnHit;
        cache.Events.Miss += OnMiss;
    }

    /// <summary>Stops reporting the cache's reads.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _cache.Events.Hit -= OnHit;
            _cache.Events.Miss -= OnMiss;
        }
    }

    private void OnHit(object? sender, FusionCacheEntryHitEventArgs e) => Record(e.Key);

    private void OnMiss(object? sender, FusionCacheEntryEventArgs e) => Record(e.Key);

    private void Record(string key)
    {
        if (!_keys.IsInternal(key))
        {
            _sampler.Record(_keys.Of(key));
        }
    }
}
