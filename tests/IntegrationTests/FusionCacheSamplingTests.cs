using CacheWarmer.Contracts.Sampling;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Keys;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace CacheWarmer.IntegrationTests;

/// <summary>
/// An app on the real FusionCache 2.9 that reports its reads through <see cref="FusionCacheReadSampler"/>: keys it
/// serves from its memory level, which never reach Redis, become hot for the worker under their Redis keys.
/// </summary>
public sealed class FusionCacheSamplingTests(RedisFixture redis, PostgresFixture postgres)
{
    [Fact]
    public async Task A_key_a_FusionCache_app_reads_from_its_memory_level_becomes_managed_and_one_read_once_does_not()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("fusion_sampling"), 3, cancellation);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres(catalog.ConnectionString, """SELECT id AS "Id", name AS "Name", price AS "Price" FROM load_product(@id)""")
            .With("CacheWarmer:HotKeys:MinRatePerMinute", "60")
            .With("CacheWarmer:HotKeys:HalfLife", "00:00:01")
            .With("CacheWarmer:HotKeys:Replay", "00:00:00");
        var instance = config.Prefix + "app:";
        config.With("CacheWarmer:Loaders:product:Key", instance + "v2:product:{id}").With("CacheWarmer:Loaders:product:Format", "FusionCache");
        await using var worker = await WorkerHost.StartAsync(config);

        var options = new FusionCacheOptions { CacheName = "shop" };
        using var cache = new ZiggyCreatures.Caching.Fusion.FusionCache(options);
        cache.SetupDistributedCache(new RedisCache(new RedisCacheOptions { Configuration = redis.Configuration, InstanceName = instance }), new FusionCacheSystemTextJsonSerializer());
        await using var sampler = new AccessSampler(redis.Connection, new AccessSamplerOptions { KeyPrefix = config.Prefix + "cw:", FlushInterval = TimeSpan.FromMilliseconds(100) });
        using var reads = new FusionCacheReadSampler(cache, sampler, instance, options);

        // The app keeps what it reads in memory for a minute, so after the first miss no read reaches Redis.
        var entry = new FusionCacheEntryOptions { Duration = TimeSpan.FromSeconds(2), MemoryCacheDuration = TimeSpan.FromMinutes(1) };
        Task<Product> ReadAsync(int id) => cache.GetOrSetAsync<Product>($"product:{id}", _ => Task.FromResult(new Product(id, "from the app's factory", 0m)), entry, cancellation).AsTask();
        await ReadAsync(2);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var app = Task.Run(
            async () =>
            {
                using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
                do
                {
                    await ReadAsync(1);
                }
                while (await tick.WaitForNextTickAsync(CancellationToken.None) && !stop.IsCancellationRequested);
            },
            CancellationToken.None);

        var managed = worker.Get<ManagedKeyIndex>();
        await Eventually.UntilAsync(
            async () => managed.TryGetNextRefresh(instance + "v2:product:1", out _) && (await catalog.LoadsAsync()).ContainsKey(1),
            TimeSpan.FromSeconds(20),
            "the key the app reads from memory should be managed and loaded by the worker");
        await stop.CancelAsync();
        await app;

        Assert.False(managed.TryGetNextRefresh(instance + "v2:product:2", out _));
        Assert.False((await catalog.LoadsAsync()).ContainsKey(2));
    }

    private sealed record Product(int Id, string Name, decimal Price);
}
