using System.Diagnostics.Metrics;
using CacheWarmer.Contracts.Keys;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests;

/// <summary>
/// The worker on a real Redis Cluster (3 primaries, 3 replicas): it hears the keyspace events of every primary, its
/// leases and fenced writes run in the data key's slot, and keys spread over every primary stay warm with no miss.
/// </summary>
public sealed class ClusterTests(RedisClusterFixture fixture, PostgresFixture postgres) : IClassFixture<RedisClusterFixture>
{
    [Fact]
    public async Task Keys_on_every_primary_are_found_by_their_events_and_stay_warm_with_no_miss()
    {
        var cluster = fixture.Cluster;
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("cluster"), 30, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(cluster.Configuration, RedisFixture.UniquePrefix("cluster")).WithPostgres(catalog.ConnectionString);
        await using var redis = await cluster.ConnectAsync();
        await ExpiryWatch.EnableAllNotificationsAsync(redis);
        await using var expiries = await ExpiryWatch.StartAsync(cluster.Configuration, config.Prefix + "product:");
        var db = redis.GetDatabase();
        var keys = Enumerable.Range(1, 30).Select(id => config.Key(id)).ToList();
        var slots = redis.GetServers()[0].ClusterConfiguration!;
        var primaries = keys.Select(k => slots.GetBySlot(redis.HashSlot(k))?.EndPoint?.ToString()).Distinct().Count();
        Assert.True(primaries == 3, $"the 30 keys should spread over the 3 primaries, not {primaries}");

        await using var worker = await WorkerHost.StartAsync(config);
        using var misses = new MetricCollector<long>(worker.Get<IMeterFactory>(), "CacheWarmer", "cachewarmer.hot_key.expirations");
        // The app writes each key once, with 3 s to live; only the set events on each key's primary tell the worker.
        foreach (var key in keys)
        {
            await db.StringSetAsync(key, "app placeholder", TimeSpan.FromSeconds(3));
        }

        await Eventually.UntilAsync(
            async () => (await Task.WhenAll(keys.Select(async k => ((string?)await db.StringGetAsync(k))?.StartsWith("{\"id\":", StringComparison.Ordinal) == true))).All(x => x),
            TimeSpan.FromSeconds(20),
            "every key, on every primary, should be refreshed by the worker");

        // Two more cycles (loader Ttl 6 s): every key refreshed again before it expires, none lost.
        var firstLoads = (await catalog.LoadsAsync()).ToDictionary(l => l.Key, l => l.Value.Count);
        await Eventually.UntilAsync(
            async () => (await catalog.LoadsAsync()).All(l => l.Value.Count >= firstLoads[l.Key] + 2) && (await catalog.LoadsAsync()).Count == 30,
            TimeSpan.FromSeconds(30),
            "every key should be refreshed two more times");

        Assert.Empty(expiries.Expired);
        Assert.Empty(misses.GetMeasurementSnapshot());
        foreach (var key in keys)
        {
            Assert.False(await db.KeyExistsAsync(WorkerKeys.Lease(config.Prefix + "cw:", key)), $"no lease of {key} should be left");
        }
    }
}
