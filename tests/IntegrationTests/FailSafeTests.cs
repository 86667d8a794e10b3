using System.Text.Json;
using CacheWarmer.Contracts.Keys;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;

namespace CacheWarmer.IntegrationTests;

/// <summary>Invariant 4: while a source is down the last value stays readable up to MaxStale, with bounded retries.</summary>
public sealed class FailSafeTests(RedisFixture redis, PostgresFixture postgres)
{
    [Fact]
    public async Task Old_value_stays_readable_while_the_source_is_down_and_refreshes_resume_when_it_is_back()
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("fail_safe"), 1, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:Refresh:FailSafe:Extension", "00:00:02")
            .With("CacheWarmer:Refresh:FailSafe:MaxStale", "00:00:30")
            .With("CacheWarmer:Refresh:CircuitBreaker:FailureThreshold", "3")
            .With("CacheWarmer:Refresh:CircuitBreaker:BreakDuration", "00:00:02");
        var db = redis.Connection.GetDatabase();
        var key = config.Key(1);
        await using var watch = await ExpiryWatch.StartAsync(redis.Configuration, config.Prefix + "product:");
        await using var worker = await WorkerHost.StartAsync(config);
        await db.StringSetAsync(key, "written by the app", TimeSpan.FromSeconds(6));
        // The database records the load before the worker's write lands, so wait for the value itself.
        await Eventually.UntilAsync(
            async () => ((string?)await db.StringGetAsync(key))?.StartsWith("{\"id\":1,", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(15),
            "the worker should refresh the key");
        var good = (string?)await db.StringGetAsync(key);
        Assert.Single(await catalog.LoadsAsync());

        await catalog.SetFailingAsync(true);
        var attemptsAtOutage = await catalog.AttemptsAsync();
        var outage = TimeSpan.FromSeconds(14);
        var outageEnds = DateTime.UtcNow + outage;
        while (DateTime.UtcNow < outageEnds)
        {
            // The last good value is served for the whole outage, well past the 6 s TTL it was written with.
            Assert.Equal(good, (string?)await db.StringGetAsync(key));
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        var attempts = await catalog.AttemptsAsync() - attemptsAtOutage;
        Assert.True(await db.KeyExistsAsync(WorkerKeys.Stale(config.Prefix + "cw:", key)), "the fail-safe marker should record the first expiry");
        // Three failures open the breaker; then one probe per break of 2 to 3 s: at most 3 + 14 / 2 + 1 loads.
        Assert.InRange(attempts, 3, 11);

        await catalog.SetPriceAsync(1, 99.5m);
        await catalog.SetFailingAsync(false);
        await Eventually.UntilAsync(
            async () => ((string?)await db.StringGetAsync(key))?.Contains("99.5", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(15),
            "refreshes should resume with the new price once the source is back");
        Assert.False(await db.KeyExistsAsync(WorkerKeys.Stale(config.Prefix + "cw:", key)), "a good refresh clears the fail-safe marker");
        Assert.Empty(watch.Expired);
        using var json = JsonDocument.Parse((string)(await db.StringGetAsync(key))!);
        Assert.Equal(99.5m, json.RootElement.GetProperty("price").GetDecimal());
    }

    [Fact]
    public async Task Old_value_is_not_kept_past_MaxStale()
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("max_stale"), 1, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:Refresh:FailSafe:Extension", "00:00:02")
            .With("CacheWarmer:Refresh:FailSafe:MaxStale", "00:00:03");
        var db = redis.Connection.GetDatabase();
        var key = config.Key(1);
        await catalog.SetFailingAsync(true);
        await using var worker = await WorkerHost.StartAsync(config);
        var written = DateTime.UtcNow;
        await db.StringSetAsync(key, "written by the app", TimeSpan.FromSeconds(6));

        await Eventually.UntilAsync(async () => !await db.KeyExistsAsync(key), TimeSpan.FromSeconds(20), "the value should expire once MaxStale is spent");
        var lived = DateTime.UtcNow - written;
        // First expiry at 6 s, kept at most 3 s more (plus polling slack).
        Assert.InRange(lived, TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(9.5));
    }
}
