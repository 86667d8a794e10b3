using System.Diagnostics;
using System.Text.Json;
using CacheWarmer.Contracts.Sampling;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Backplane.StackExchangeRedis;
using ZiggyCreatures.Caching.Fusion.Locking.Distributed.Redis;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace CacheWarmer.StampedeLab.Strategies;

/// <summary>
/// FusionCache 2.9 as a careful team runs it across several app nodes (strategies "fusioncache-full" and
/// "fusioncache+cachewarmer"): the app caches a typed <see cref="LabProduct"/>, RedisCache is the distributed level
/// with the System.Text.Json serializer, the Redis backplane keeps the nodes' memory levels in step, and the Redis
/// distributed locker lets one node in the whole cluster run a key's factory. Its options are in
/// <see cref="FusionCacheFullOptions"/>. With a sampler (beside the worker) each read is reported to the worker.
/// </summary>
internal sealed class FusionCacheFullStrategy : IReadStrategy
{
    private readonly StrategyContext _context;
    private readonly AccessSampler? _sampler;
    private readonly RedisCache _redis;
    private readonly RedisBackplane _backplane;
    private readonly RedisDistributedLocker _locker;
    private readonly FusionCache _cache;
    private readonly FactoryLog _factories = new();
    private readonly FactoryLog _staleServed = new();

    public FusionCacheFullStrategy(StrategyContext context, AccessSampler? sampler)
    {
        _context = context;
        _sampler = sampler;
        _redis = RedisDistributedCache.Create(context);
        var multiplexer = () => Task.FromResult(context.Redis);
        _backplane = new RedisBackplane(Options.Create(new RedisBackplaneOptions { ConnectionMultiplexerFactory = multiplexer }), NullLogger<RedisBackplane>.Instance);
        _locker = new RedisDistributedLocker(Options.Create(new RedisDistributedLockerOptions { ConnectionMultiplexerFactory = multiplexer }), NullLogger<RedisDistributedLocker>.Instance);
        _cache = new FusionCache(FusionCacheFullOptions.Cache(context.Spec, withWorker: sampler is not null));
        _cache.SetupDistributedCache(_redis, new FusionCacheSystemTextJsonSerializer());
        _cache.SetupBackplane(_backplane);
        _cache.SetupDistributedLocker(_locker);
        // Fail-safe answered with the old value (the factory timed out or failed): the read did not get a fresh one.
        _cache.Events.FailSafeActivate += (_, e) => Mark(_staleServed, e.Key);
    }

    public async Task<ReadOutcome> ReadAsync(int id, CancellationToken cancellationToken)
    {
        _sampler?.Record(_context.Spec.FusionCacheDataKey(id));
        var start = Stopwatch.GetTimestamp();
        var product = await _cache.GetOrSetAsync<LabProduct?>(
            FusionCacheFullOptions.CacheKey(id),
            (_, ct) => _factories.RunAsync(id, async () => LabProduct.FromRow(await _context.Backend.LoadAsync(id, ct))),
            token: cancellationToken);
        var end = Stopwatch.GetTimestamp();
        var stale = _staleServed.FinishedBetween(id, start, end);
        // As for "fusioncache", a miss is inferred in this process: a read that waited for another node's factory
        // (behind the distributed lock) and then found its value in Redis is not seen as one; its latency shows it.
        var miss = stale || _factories.FinishedBetween(id, start, end);
        return new ReadOutcome(product?.ToRow(), miss, Stale: stale);
    }

    private static void Mark(FactoryLog log, string? key)
    {
        if (FusionCacheFullOptions.IdOf(key) is { } id)
        {
            log.Mark(id);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _cache.Dispose();
        _locker.Dispose();
        _redis.Dispose();
        if (_sampler is not null)
        {
            await _sampler.DisposeAsync();
        }
    }
}

/// <summary>
/// The app's cached type. Its properties are what FusionCache's serializer writes (case-sensitive names), so the
/// worker's loader names its columns "Id", "Name", "Price". The lab checks reads against the row JSON the worker's
/// value writer makes (lower-case names), so a product is compared through <see cref="ToRow"/>.
/// </summary>
internal sealed record LabProduct(int Id, string Name, decimal Price)
{
    private static readonly JsonSerializerOptions Row = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static LabProduct? FromRow(string? row) => row is null ? null : JsonSerializer.Deserialize<LabProduct>(row, Row);

    public string ToRow() => JsonSerializer.Serialize(this, Row);
}
