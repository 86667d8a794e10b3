using CacheWarmer.Contracts.Sampling;
using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Warmups;
using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests.Warmups;

/// <summary>Access history on real Redis: written once per slot across replicas, and read back by a Predict firing.</summary>
public sealed class WarmupPredictionTests(RedisFixture redis, PostgresFixture postgres)
{
    private const string Name = "rush";

    [Fact]
    public async Task Two_replicas_record_a_slot_once_with_its_top_keys_and_an_expiry()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("history_once"), 10, cancellation);
        var config = Config(catalog);
        await using var a = await WorkerHost.StartAsync(config);
        await using var b = await WorkerHost.StartAsync(config);
        var now = TimeProvider.System.GetUtcNow();
        foreach (var host in new[] { a, b })
        {
            host.Get<HotKeyModel>().AddSamples([new AccessSample(config.Key(1), 600), new AccessSample(config.Key(2), 300)], now);
        }

        // A slot long past, so the recorders' own timers never write it.
        var slot = HistorySlot.Containing(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));

        var wrote = await Task.WhenAll(a.Get<HistoryRecorder>().RecordAsync(slot), b.Get<HistoryRecorder>().RecordAsync(slot));

        Assert.Single(wrote, w => w);
        var db = redis.Connection.GetDatabase();
        var key = slot.Key(config.Prefix + "cw:");
        Assert.Equal(config.Prefix + "cw:history:1:108:20260105", key);
        var entries = await db.SortedSetRangeByRankWithScoresAsync(key, order: Order.Descending);
        Assert.Equal([config.Key(1), config.Key(2)], entries.Select(e => e.Element.ToString()));
        Assert.True(entries[0].Score > entries[1].Score);
        Assert.True(await db.KeyTimeToLiveAsync(key) is { } ttl && ttl > TimeSpan.FromDays(29) && ttl <= HistoryRecorder.Keep);
        Assert.True(await db.KeyExistsAsync(slot.LeaseKey(config.Prefix + "cw:")));

        // A later try (a replica restarted) leaves the slot as written.
        Assert.False(await a.Get<HistoryRecorder>().RecordAsync(slot));
    }

    [Fact]
    public async Task A_predict_firing_warms_the_loader_keys_history_says_are_hot_in_its_window()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("history_predict"), 100, cancellation);
        var config = Config(catalog);
        var prefix = config.Prefix + "cw:";
        var fire = DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds());
        var db = redis.Connection.GetDatabase();
        // The same 10 minutes of the last four weeks: products 1-20 hot, 90-99 read once a minute (below the top 20),
        // and a key no loader owns, hottest of all.
        foreach (var past in WarmupPrediction.SlotsFor(fire, TimeSpan.Zero, TimeSpan.FromMinutes(10), TimeZoneInfo.Utc))
        {
            var entries = Enumerable.Range(1, 20).Select(id => new SortedSetEntry(config.Key(id), 100 + id))
                .Concat(Enumerable.Range(90, 10).Select(id => new SortedSetEntry(config.Key(id), 1)))
                .Append(new SortedSetEntry(config.Prefix + "session:1", 10_000))
                .ToArray();
            await db.SortedSetAddAsync(past.Slot.Key(prefix), entries);
            await db.KeyExpireAsync(past.Slot.Key(prefix), TimeSpan.FromMinutes(5));
        }

        await using var host = await WorkerHost.StartAsync(config);

        var outcome = await host.Get<WarmupRunner>().RunAsync(Name, fire, cancellation);

        Assert.Equal(WarmupFiringOutcome.Warmed, outcome);
        var loads = await catalog.LoadsAsync();
        Assert.Equal(Enumerable.Range(1, 20), loads.Keys.Order());
    }

    private WorkerConfig Config(PostgresCatalog catalog, [System.Runtime.CompilerServices.CallerMemberName] string test = "") =>
        new WorkerConfig(redis.Configuration, RedisFixture.UniquePrefix(test))
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:Loaders:product:Ttl", "00:05:00")
            .With($"CacheWarmer:Warmups:{Name}:Cron", "0 0 0 1 1 ? 2099")
            .With($"CacheWarmer:Warmups:{Name}:Loader", "product")
            .With($"CacheWarmer:Warmups:{Name}:Predict:Window", "00:10:00")
            .With($"CacheWarmer:Warmups:{Name}:Predict:Top", "20")
            .With($"CacheWarmer:Warmups:{Name}:MaxPerSecond", "2000");
}
