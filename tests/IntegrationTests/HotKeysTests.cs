using System.Diagnostics.Metrics;
using CacheWarmer.Contracts.Sampling;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests;

/// <summary>Only keys that apps read are kept warm; a key nobody reads any more is let expire.</summary>
public sealed class HotKeysTests(RedisFixture redis, PostgresFixture postgres)
{
    private const int Keys = 5000;
    private const int Hot = 50;
    private const int Cooling = 10;

    [Fact]
    public async Task Of_5000_loader_keys_only_the_50_read_are_refreshed_and_the_ones_no_longer_read_expire()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var database = await postgres.CreateDatabaseAsync("hot_keys");
        var catalog = await PostgresCatalog.CreateAsync(database, Keys, cancellation);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres(database)
            .With("CacheWarmer:HotKeys:MinRatePerMinute", "60")
            .With("CacheWarmer:HotKeys:HalfLife", "00:00:01")
            .With("CacheWarmer:HotKeys:CoolDown", "00:00:02")
            .With("CacheWarmer:HotKeys:Replay", "00:00:00");
        await using var a = await WorkerHost.StartAsync(config);
        await using var b = await WorkerHost.StartAsync(config);
        WorkerHost[] replicas = [a, b];

        // The app has cached all 5,000 products for 6 s; it reads 50 of them, 10 times a second each.
        var db = redis.Connection.GetDatabase();
        await Task.WhenAll(Enumerable.Range(1, Keys).Select(id => db.StringSetAsync(config.Key(id), "cached by the app", TimeSpan.FromSeconds(6))));
        var hot = Enumerable.Range(1, Hot).ToList();
        var stillRead = Hot;
        await using var sampler = new AccessSampler(redis.Connection, new AccessSamplerOptions { KeyPrefix = config.Prefix + "cw:", FlushInterval = TimeSpan.FromMilliseconds(250) });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var app = Task.Run(
            async () =>
            {
                using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
                do
                {
                    foreach (var id in hot.Take(Volatile.Read(ref stillRead)))
                    {
                        sampler.Record(config.Key(id));
                    }
                }
                while (await tick.WaitForNextTickAsync(CancellationToken.None) && !stop.IsCancellationRequested);
            },
            CancellationToken.None);

        // Phase 1, two and a half TTLs: the 50 never go missing; the rest expire as the app wrote them.
        var missing = await WatchAsync(db, hot.Select(id => config.Key(id)).ToList(), TimeSpan.FromSeconds(15));
        Assert.Empty(missing);
        var cold = Enumerable.Range(Hot + 1, Keys - Hot).Select(id => (RedisKey)config.Key(id)).ToArray();
        Assert.Equal(0, await db.KeyExistsAsync(cold));
        var loads = await catalog.LoadsAsync();
        Assert.Equal(hot, loads.Keys.Order());
        Assert.All(replicas, replica => Assert.Equal(Hot, ManagedKeys(replica)));

        // Phase 2: the app stops reading 10 of them. Their rate halves every second; under 30/min and 2 s later they
        // are let go, and their last value expires. The other 40 stay warm.
        Volatile.Write(ref stillRead, Hot - Cooling);
        var stoppedAt = DateTime.UtcNow;
        var readStill = hot.Take(Hot - Cooling).Select(id => config.Key(id)).ToList();
        missing = await WatchAsync(db, readStill, TimeSpan.FromSeconds(18));
        Assert.Empty(missing);
        var cooled = hot.Skip(Hot - Cooling).ToList();
        Assert.Equal(0, await db.KeyExistsAsync([.. cooled.Select(id => (RedisKey)config.Key(id))]));
        loads = await catalog.LoadsAsync();
        var lastLoads = cooled.Select(id => loads[id].Max()).ToList();
        Assert.All(lastLoads, last => Assert.True(last < stoppedAt.AddSeconds(10), $"a key no longer read was loaded {(last - stoppedAt).TotalSeconds:F1} s after its reads stopped"));
        Assert.All(replicas, replica => Assert.Equal(Hot - Cooling, ManagedKeys(replica)));

        await stop.CancelAsync();
        await app;
    }

    [Fact]
    public async Task A_hot_key_the_source_has_no_row_for_is_not_queried_again_every_second()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("hot_no_row"), 10, cancellation);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:HotKeys:MinRatePerMinute", "60")
            .With("CacheWarmer:HotKeys:HalfLife", "00:00:01")
            .With("CacheWarmer:HotKeys:CoolDown", "00:00:02");
        await using var worker = await WorkerHost.StartAsync(config);
        await using var sampler = new AccessSampler(redis.Connection, new AccessSamplerOptions { KeyPrefix = config.Prefix + "cw:", FlushInterval = TimeSpan.FromMilliseconds(100) });

        // The app keeps reading product:404, which has no row: the worker looks once, writes nothing, and holds off.
        var until = DateTime.UtcNow.AddSeconds(8);
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        do
        {
            for (var i = 0; i < 5; i++)
            {
                sampler.Record(config.Key(404));
            }
        }
        while (DateTime.UtcNow < until && await tick.WaitForNextTickAsync(cancellation));

        var loads = await catalog.LoadsAsync();
        Assert.Equal(1, loads.GetValueOrDefault(404)?.Count);
        Assert.False(await redis.Connection.GetDatabase().KeyExistsAsync(config.Key(404)));
    }

    // Polls EXISTS of the keys every 100 ms for the given time; returns the keys ever found missing.
    private static async Task<HashSet<string>> WatchAsync(IDatabase db, List<string> keys, TimeSpan duration)
    {
        var missing = new HashSet<string>(StringComparer.Ordinal);
        var until = DateTime.UtcNow + duration;
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        do
        {
            var exists = await Task.WhenAll(keys.Select(k => db.KeyExistsAsync(k)));
            missing.UnionWith(keys.Where((_, i) => !exists[i]));
        }
        while (DateTime.UtcNow < until && await poll.WaitForNextTickAsync(TestContext.Current.CancellationToken));

        return missing;
    }

    private static int ManagedKeys(WorkerHost replica)
    {
        using var gauge = new MetricCollector<int>(replica.Get<IMeterFactory>(), "CacheWarmer", "cachewarmer.managed_keys");
        gauge.RecordObservableInstruments();
        return gauge.LastMeasurement!.Value;
    }
}
