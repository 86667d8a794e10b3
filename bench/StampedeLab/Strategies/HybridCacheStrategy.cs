using System.Diagnostics;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace CacheWarmer.StampedeLab.Strategies;

/// <summary>
/// Microsoft HybridCache 10.11 (one factory per key per process) over RedisCache as its IDistributedCache; local and
/// distributed expiration both the TTL. It has no eager refresh: an entry is reloaded only after it expired.
/// </summary>
internal sealed class HybridCacheStrategy : IReadStrategy
{
    private readonly StrategyContext _context;
    private readonly ServiceProvider _services;
    private readonly HybridCache _cache;
    private readonly FactoryLog _factories = new();

    public HybridCacheStrategy(StrategyContext context)
    {
        _context = context;
        var services = new ServiceCollection();
        services.AddSingleton<IDistributedCache>(_ => RedisDistributedCache.Create(context));
        services.AddHybridCache(o => o.DefaultEntryOptions = new HybridCacheEntryOptions
        {
            Expiration = context.Spec.Ttl,
            LocalCacheExpiration = context.Spec.Ttl,
        });
        _services = services.BuildServiceProvider();
        _cache = _services.GetRequiredService<HybridCache>();
    }

    public async Task<ReadOutcome> ReadAsync(int id, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var value = await _cache.GetOrCreateAsync<string?>(
            "product:" + id,
            async ct => await _factories.RunAsync(id, () => _context.Backend.LoadAsync(id, ct)),
            cancellationToken: cancellationToken);
        return new ReadOutcome(value, Miss: _factories.FinishedBetween(id, start, Stopwatch.GetTimestamp()));
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
