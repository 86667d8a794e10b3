using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using ZiggyCreatures.Caching.Fusion;
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
        var sawNewPrice = false;
        var until = DateTimeOffset.UtcNow.AddSeconds(18);
        while (DateTimeOffset.UtcNow < until)
        {
            sawNewPrice |= (await ReadAsync(1)).Price == 4.5m;
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Equal(1, factoryCalls);
        Assert.True(sawNewPrice, "a refresh after the price change should reach the app");
    }

    private sealed record Product(int Id, string Name, decimal Price);
}
