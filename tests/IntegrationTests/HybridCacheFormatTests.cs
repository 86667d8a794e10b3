using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace CacheWarmer.IntegrationTests;

/// <summary>
/// <c>Format: HybridCache</c>: an app on the real HybridCache (Microsoft.Extensions.Caching.Hybrid, RedisCache as its
/// distributed level, its default System.Text.Json serializer) reads the payloads the worker refreshes: after its
/// first miss, every read over several TTLs is a hit without calling its factory, and a change of the row reaches it.
/// </summary>
public sealed class HybridCacheFormatTests(RedisFixture redis, PostgresFixture postgres)
{
    [Fact]
    public async Task A_HybridCache_app_reads_the_workers_payloads_over_several_TTLs_without_calling_its_factory()
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("hybrid_cache"), 3, TestContext.Current.CancellationToken);
        // The row's columns named as the app's type's properties: the serializer binds them by name.
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres(catalog.ConnectionString, """SELECT id AS "Id", name AS "Name", price AS "Price" FROM load_product(@id)""");
        var instance = config.Prefix + "app:";
        config.With("CacheWarmer:Loaders:product:Key", instance + "product:{id}")
            .With("CacheWarmer:Loaders:product:Format", "HybridCache")
            .With("CacheWarmer:Loaders:product:InstanceName", instance);
        await using var worker = await WorkerHost.StartAsync(config);

        var services = new ServiceCollection();
        services.AddStackExchangeRedisCache(o => { o.Configuration = redis.Configuration; o.InstanceName = instance; });
        services.AddHybridCache();
        await using var provider = services.BuildServiceProvider();
        var cache = provider.GetRequiredService<HybridCache>();
        var factoryCalls = 0;
        var entry = new HybridCacheEntryOptions { Expiration = TimeSpan.FromSeconds(2), LocalCacheExpiration = TimeSpan.FromSeconds(1) };

        // The app's read: on a miss its factory loads the product, cached for 2 s in Redis and 1 s in memory.
        async Task<Product> ReadAsync(int id) => await cache.GetOrCreateAsync(
            $"product:{id}",
            _ =>
            {
                Interlocked.Increment(ref factoryCalls);
                return ValueTask.FromResult(new Product(id, "from the app's factory", 0m));
            },
            entry,
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("from the app's factory", (await ReadAsync(1)).Name);
        await Eventually.UntilAsync(
            async () => (await ReadAsync(1)).Name == "Product 1",
            TimeSpan.FromSeconds(15),
            "the app should read the worker's payload once its own has expired from memory");
        Assert.Equal(new Product(1, "Product 1", 1.25m), await ReadAsync(1));

        // Three TTLs (the loader's is 6 s) of reads every 50 ms: all hits, and the price change arrives.
        await catalog.SetPriceAsync(1, 4.5m);
        var sawNewPrice = await AppReads.ReadForAsync(TimeSpan.FromSeconds(18), async () => (await ReadAsync(1)).Price == 4.5m);

        Assert.Equal(1, factoryCalls);
        Assert.True(sawNewPrice, "a refresh after the price change should reach the app");
    }

    private sealed record Product(int Id, string Name, decimal Price);
}
