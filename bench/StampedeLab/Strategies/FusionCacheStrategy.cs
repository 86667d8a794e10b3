using System.Diagnostics;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace CacheWarmer.StampedeLab.Strategies;

/// <summary>
/// FusionCache 2.9 with its defaults' stampede protection (one factory per key per process), eager refresh at
/// <see cref="EagerRefreshThreshold"/> of the duration, RedisCache as its distributed level and the System.Text.Json
/// serializer. No backplane and no distributed locker (strategy "fusioncache-full" has both): processes coordinate
/// only through the values in Redis.
/// </summary>
internal sealed class FusionCacheStrategy : IReadStrategy
{
    /// <summary>Refresh in the background on the first read after 80 % of the TTL (leaves 3 s of a 15 s TTL for a 2 s load).</summary>
    public const float EagerRefreshThreshold = 0.8f;

    private readonly StrategyContext _context;
    private readonly RedisCache _redis;
    private readonly FusionCache _cache;
    private readonly FactoryLog _factories = new();

    public FusionCacheStrategy(StrategyContext context)
    {
        _context = context;
        _redis = RedisDistributedCache.Create(context);
        _cache = new FusionCache(new FusionCacheOptions
        {
            DefaultEntryOptions = new FusionCacheEntryOptions
            {
                Duration = context.Spec.Ttl,
                EagerRefreshThreshold = EagerRefreshThreshold,
                IsFailSafeEnabled = false,
            },
        });
        _cache.SetupDistributedCache(_redis, new FusionCacheSystemTextJsonSerializer());
    }

    public async Task<ReadOutcome> ReadAsync(int id, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var value = await _cache.GetOrSetAsync<string?>(
            "product:" + id,
            (_, ct) => _factories.RunAsync(id, () => _context.Backend.LoadAsync(id, ct)),
            token: cancellationToken);
        return new ReadOutcome(value, Miss: _factories.FinishedBetween(id, start, Stopwatch.GetTimestamp()));
    }

    public ValueTask DisposeAsync()
    {
        _cache.Dispose();
        _redis.Dispose();
        return ValueTask.CompletedTask;
    }
}
