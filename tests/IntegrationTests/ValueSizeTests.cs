using System.Diagnostics.Metrics;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace CacheWarmer.IntegrationTests;

/// <summary>A loaded value over <c>Refresh:MaxValueBytes</c> is refused, counted, and the old value is kept.</summary>
public sealed class ValueSizeTests(RedisFixture redis, PostgresFixture postgres)
{
    [Fact]
    public async Task A_value_over_the_cap_is_not_written_and_the_old_value_stays()
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("value_size"), 1, TestContext.Current.CancellationToken);
        // Product 1's row is {"id":1,"name":"Product 1","price":1.25}: 40 bytes, over a 30-byte cap.
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:Refresh:MaxValueBytes", "30");
        var db = redis.Connection.GetDatabase();
        await using var worker = await WorkerHost.StartAsync(config);
        using var refused = new MetricCollector<long>(worker.Get<IMeterFactory>(), "CacheWarmer", "cachewarmer.values_refused");

        await db.StringSetAsync(config.Key(1), "old value", TimeSpan.FromSeconds(1));
        await Eventually.UntilAsync(() => refused.GetMeasurementSnapshot().Count > 0, TimeSpan.FromSeconds(10), "the oversized value should be refused");

        Assert.Equal("product", refused.GetMeasurementSnapshot()[0].Tags["loader"]);
        Assert.Equal("old value", (string?)await db.StringGetAsync(config.Key(1)));
        // The fail-safe extended the old value past the 1 s the app gave it.
        Assert.True((await db.KeyTimeToLiveAsync(config.Key(1)))!.Value > TimeSpan.FromSeconds(5), "the old value's TTL should be extended");
    }
}
