using System.Diagnostics.Metrics;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Coordination;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace CacheWarmer.IntegrationTests;

/// <summary>cachewarmer_hot_key_expirations_total counts a miss once across replicas, so a summed dashboard is right.</summary>
public sealed class MissCountTests(RedisFixture redis, PostgresFixture postgres)
{
    [Fact]
    public async Task A_key_that_expires_under_three_replicas_is_counted_as_one_miss()
    {
        var database = await postgres.CreateDatabaseAsync("miss_count");
        var catalog = await PostgresCatalog.CreateAsync(database, 1, TestContext.Current.CancellationToken);
        // Loads take 1 s, and the app writes the key with 0.7 s to live: it expires while the refresh is loading.
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres(database, "SELECT id, name, price FROM load_product(@id, 1.0)");
        var db = redis.Connection.GetDatabase();
        await using var a = await WorkerHost.StartAsync(config);
        await using var b = await WorkerHost.StartAsync(config);
        await using var c = await WorkerHost.StartAsync(config);
        WorkerHost[] hosts = [a, b, c];
        var collectors = hosts
            .Select(h => new MetricCollector<long>(h.Get<IMeterFactory>(), "CacheWarmer", "cachewarmer.hot_key.expirations"))
            .ToList();
        var attempts = hosts
            .Select(h => new MetricCollector<long>(h.Get<IMeterFactory>(), "CacheWarmer", "cachewarmer.refreshes"))
            .ToList();

        await Eventually.UntilAsync(
            () => hosts.All(h => h.Get<ReplicaMembership>().Current.Ids.Count == 3),
            TimeSpan.FromSeconds(10),
            "every replica should see the three");
        await db.StringSetAsync(config.Key(1), "written by the app", TimeSpan.FromMilliseconds(700));
        await Eventually.UntilAsync(
            async () => ((string?)await db.StringGetAsync(config.Key(1)))?.StartsWith("{\"id\":1,", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(10),
            "the worker should write the key back");
        // The key's owner and its standby fired at once (the key had less than Buffer to live): one loaded, the other
        // found the lease busy; the third replica leaves the key to them (Refresh:Partition).
        await Eventually.UntilAsync(
            () => attempts.Count(m => m.GetMeasurementSnapshot().Count > 0) == 2,
            TimeSpan.FromSeconds(5),
            "the key's owner and standby should finish an attempt on it");

        Assert.Equal(1, collectors.Sum(m => m.GetMeasurementSnapshot().Sum(x => x.Value)));
        Assert.Single(await catalog.LoadsAsync());
        foreach (var collector in collectors.Concat(attempts))
        {
            collector.Dispose();
        }
    }
}
