using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Backplane.StackExchangeRedis;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace CacheWarmer.IntegrationTests;

/// <summary>
/// <c>Format: FusionCache</c>: an app on the real FusionCache 2.9 (memory level, RedisCache as its distributed level,
/// the System.Text.Json serializer) reads the entries the worker refreshes: after its first miss, every read over
/// several TTLs is a hit without calling its factory, and a change of the row reaches it.
/// </summary>
public sealed class FusionCacheFormatTests(RedisFixture redis, PostgresFixture postgres)
{
    [Fact]
    public async Task A_FusionCache_app_reads_the_workers_entries_over_several_TTLs_without_calling_its_factory()
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("fusion_cache"), 3, TestContext.Current.CancellationToken);
        // The row's columns named as the app's type's properties: FusionCache's serializer binds them by name.
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres(catalog.ConnectionString, """SELECT id AS "Id", name AS "Name", price AS "Price" FROM load_product(@id)""");
        var instance = config.Prefix + "app:";
        config.With("CacheWarmer:Loaders:product:Key", instance + "v2:product:{id}").With("CacheWarmer:Loaders:product:Format", "FusionCache");
        await using var worker = await WorkerHost.StartAsync(config);

        using var cache = new FusionCache(new FusionCacheOptions { CacheName = "shop" });
        cache.SetupDistributedCache(new RedisCache(new RedisCacheOptions { Configuration = redis.Configuration, InstanceName = instance }), new FusionCacheSystemTextJsonSerializer());
        var factoryCalls = 0;

        // The app's read: on a miss its factory loads the product, cached for 2 s in memory and in Redis.
        async Task<Product> ReadAsync(int id) => await cache.GetOrSetAsync<Product>(
            $"product:{id}",
            _ =>
            {
                Interlocked.Increment(ref factoryCalls);
                return Task.FromResult(new Product(id, "from the app's factory", 0m));
            },
            new FusionCacheEntryOptions { Duration = TimeSpan.FromSeconds(2) },
            TestContext.Current.CancellationToken);

        Assert.Equal("from the app's factory", (await ReadAsync(1)).Name);
        await Eventually.UntilAsync(
            async () => (await ReadAsync(1)).Name == "Product 1",
            TimeSpan.FromSeconds(15),
            "the app should read the worker's entry once its own has expired from memory");
        Assert.Equal(new Product(1, "Product 1", 1.25m), await ReadAsync(1));

        // Three TTLs (the loader's is 6 s) of reads every 50 ms: all hits, and the price change arrives.
        await catalog.SetPriceAsync(1, 4.5m);
        var sawNewPrice = await AppReads.ReadForAsync(TimeSpan.FromSeconds(18), async () => (await ReadAsync(1)).Price == 4.5m);

        Assert.Equal(1, factoryCalls);
        Assert.True(sawNewPrice, "a refresh after the price change should reach the app");
    }

    [Fact]
    public async Task With_the_backplane_named_an_app_node_drops_its_memory_copy_when_the_worker_writes()
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("fusion_backplane"), 3, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres(catalog.ConnectionString, """SELECT id AS "Id", name AS "Name", price AS "Price" FROM load_product(@id)""");
        var instance = config.Prefix + "app:";
        var cacheName = config.Prefix + "shop";
        config.With("CacheWarmer:Loaders:product:Key", instance + "v2:product:{id}")
            .With("CacheWarmer:Loaders:product:Format", "FusionCache")
            .With("CacheWarmer:Loaders:product:InstanceName", instance)
            .With("CacheWarmer:Loaders:product:CacheName", cacheName);
        await using var worker = await WorkerHost.StartAsync(config);

        using var cache = new FusionCache(new FusionCacheOptions { CacheName = cacheName });
        cache.SetupDistributedCache(new RedisCache(new RedisCacheOptions { Configuration = redis.Configuration, InstanceName = instance }), new FusionCacheSystemTextJsonSerializer());
        cache.SetupBackplane(new RedisBackplane(new RedisBackplaneOptions { Configuration = redis.Configuration }));
        var factoryCalls = 0;

        // The node keeps what it reads in memory for a minute; Redis keeps its entry for 2 s, so the worker manages it.
        async Task<Product> ReadAsync() => await cache.GetOrSetAsync<Product>(
            "product:1",
            _ =>
            {
                Interlocked.Increment(ref factoryCalls);
                return Task.FromResult(new Product(1, "from the app's factory", 0m));
            },
            new FusionCacheEntryOptions { Duration = TimeSpan.FromSeconds(2), MemoryCacheDuration = TimeSpan.FromMinutes(1) },
            TestContext.Current.CancellationToken);

        Assert.Equal("from the app's factory", (await ReadAsync()).Name);

        // Without the backplane's message the node would serve its own copy for the whole minute.
        await Eventually.UntilAsync(async () => (await ReadAsync()).Name == "Product 1", TimeSpan.FromSeconds(15), "the worker's write should reach the node's memory level");
        await catalog.SetPriceAsync(1, 4.5m);
        await Eventually.UntilAsync(async () => (await ReadAsync()).Price == 4.5m, TimeSpan.FromSeconds(15), "the next refresh should reach the node's memory level too");
        Assert.Equal(1, factoryCalls);
    }

    private sealed record Product(int Id, string Name, decimal Price);
}
