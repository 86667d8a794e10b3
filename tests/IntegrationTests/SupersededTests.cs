using System.Diagnostics.Metrics;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests;

/// <summary>
/// A refresh never overwrites a newer app write: a load that read the row before the app's commit is dropped when the
/// app writes or deletes the key while the load runs (outcome <c>superseded</c>), as a memcache lease is invalidated.
/// </summary>
public sealed class SupersededTests(RedisFixture redis, PostgresFixture postgres)
{
    // The app's TTL: 5 s leaves the refresh (Buffer 4 s) ahead of the expiry, so the fenced write sees the delete; with
    // 1 s the 2 s load outlasts the key, and only the delete's keyspace event tells it from an expiry.
    [Theory]
    [InlineData("set", 5)]
    [InlineData("del", 5)]
    [InlineData("set", 1)]
    [InlineData("del", 1)]
    public async Task An_app_change_during_a_load_is_never_overwritten_by_the_older_row(string appWrite, int appTtlSeconds)
    {
        var database = await postgres.CreateDatabaseAsync($"superseded_{appWrite}_{appTtlSeconds}");
        var catalog = await PostgresCatalog.CreateAsync(database, 1, TestContext.Current.CancellationToken);
        // Every load takes 2 s, so the app's change lands while the worker's query (which read the old row) runs.
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres(database, "SELECT id, name, price FROM load_product(@id, 2.0)")
            .With("CacheWarmer:Loaders:product:Ttl", "00:00:20")
            .With("CacheWarmer:Refresh:Buffer", "00:00:04")
            .With("CacheWarmer:Refresh:LeaseTtl", "00:00:06")
            .With("CacheWarmer:Refresh:LoadTimeout", "00:00:05");
        var db = redis.Connection.GetDatabase();
        var key = config.Key(1);
        await using var worker = await WorkerHost.StartAsync(config);
        using var refreshes = new MetricCollector<long>(worker.Get<IMeterFactory>(), "CacheWarmer", "cachewarmer.refreshes");

        // The app caches the row with less than Buffer to live: the worker starts refreshing it at once.
        await db.StringSetAsync(key, """{"id":1,"name":"Product 1","price":1.25}""", TimeSpan.FromSeconds(appTtlSeconds));
        await Eventually.UntilAsync(async () => await catalog.AttemptsAsync() >= 1, TimeSpan.FromSeconds(10), "the worker should start loading the key");

        // The app commits a new price, then writes the new row (write-through) or deletes the key (invalidation).
        await catalog.SetPriceAsync(1, 99m);
        const string AppRow = """{"id":1,"name":"Product 1","price":99,"by":"app"}""";
        if (appWrite == "set")
        {
            await db.StringSetAsync(key, AppRow, TimeSpan.FromSeconds(30));
        }
        else
        {
            await db.KeyDeleteAsync(key);
        }

        await Eventually.UntilAsync(
            () => refreshes.GetMeasurementSnapshot().Any(m => Equals(m.Tags["outcome"], "superseded")),
            TimeSpan.FromSeconds(10),
            "the load that read the old row should end superseded");
        var afterLoad = (string?)await db.StringGetAsync(key);
        Assert.False(afterLoad?.Contains("1.25", StringComparison.Ordinal) == true, $"the old row was written over the app's {appWrite}: {afterLoad}");

        if (appWrite == "set")
        {
            Assert.Equal(AppRow, afterLoad);
        }
        else
        {
            // The deleted key is hot: a new load, started after the delete, brings back the new row.
            await Eventually.UntilAsync(
                async () => ((string?)await db.StringGetAsync(key))?.Contains("\"price\":99.00", StringComparison.Ordinal) == true,
                TimeSpan.FromSeconds(10),
                "a load after the app's delete should write the new row");
        }
    }
}
