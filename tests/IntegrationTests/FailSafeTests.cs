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
        var outageStart = await RedisClock.NowAsync(db);
        var firstExpiry = (await RedisClock.ExpiryAsync(db, key))!.Value;
        var marker = WorkerKeys.Stale(config.Prefix + "cw:", key);
        // Judged on Redis's clock, not the test's: the outage lasts until the value has outlived the TTL it was
        // written with by four fail-safe extensions, however slowly this machine gets there.
        while (await RedisClock.NowAsync(db) < firstExpiry + 8_000)
        {
            Assert.Equal(good, (string?)await db.StringGetAsync(key));
            var expiry = await RedisClock.ExpiryAsync(db, key);
            Assert.True(expiry <= firstExpiry + 30_000 + 2, $"the value is kept past MaxStale: expiry {expiry}, first {firstExpiry}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        var attempts = await catalog.AttemptsAsync() - attemptsAtOutage;
        var outageMs = await RedisClock.NowAsync(db) - outageStart;
        // The marker remembers the value's first expiry, on Redis's clock (2 ms for the PTTL roundings).
        Assert.InRange((long)await db.StringGetAsync(marker), firstExpiry - 2, firstExpiry + 2);
        // Three failures open the breaker; then one probe per break of at least 2 s, over the outage as Redis timed it.
        Assert.InRange(attempts, 3, 3 + (outageMs / 2_000) + 1);

        await catalog.SetPriceAsync(1, 99.5m);
        await catalog.SetFailingAsync(false);
        await Eventually.UntilAsync(
            async () => ((string?)await db.StringGetAsync(key))?.Contains("99.5", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(15),
            "refreshes should resume with the new price once the source is back");
        Assert.False(await db.KeyExistsAsync(marker), "a good refresh clears the fail-safe marker");
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
        await db.StringSetAsync(key, "written by the app", TimeSpan.FromSeconds(6));
        var firstExpiry = (await RedisClock.ExpiryAsync(db, key))!.Value;

        // Every expiry the value gets, read with Redis's time in one script, until Redis lets it go.
        var latest = firstExpiry;
        await Eventually.UntilAsync(
            async () =>
            {
                var expiry = await RedisClock.ExpiryAsync(db, key);
                latest = Math.Max(latest, expiry ?? latest);
                return expiry is null;
            },
            TimeSpan.FromSeconds(30),
            "the value should expire once MaxStale is spent");

        // Kept past its first expiry by the fail-safe, but never past first expiry + MaxStale (3 s; 2 ms for roundings).
        Assert.InRange(latest, firstExpiry + 1, firstExpiry + 3_000 + 2);
    }
}
