using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests;

/// <summary>Invariants 1 and 3: three replicas share the work, load each key once per cycle, and let none expire.</summary>
public sealed class OneLoadPerCycleTests(RedisFixture redis, PostgresFixture postgres)
{
    private const int Keys = 20;

    [Fact]
    public async Task Three_replicas_load_each_key_at_most_once_per_cycle_and_refresh_every_key()
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("one_load_per_cycle"), Keys, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix()).WithPostgres(catalog.ConnectionString);
        var db = redis.Connection.GetDatabase();
        await using var watch = await ExpiryWatch.StartAsync(redis.Configuration, config.Prefix + "product:");
        await using var a = await WorkerHost.StartAsync(config);
        await using var b = await WorkerHost.StartAsync(config);
        await using var c = await WorkerHost.StartAsync(config);

        // The app caches each product with the loader's TTL, as cache-aside code would.
        for (var id = 1; id <= Keys; id++)
        {
            await db.StringSetAsync(config.Key(id), "written by the app", TimeSpan.FromSeconds(6));
        }

        var started = DateTime.UtcNow;
        var cycles = 5;
        await Eventually.UntilAsync(
            async () => (await catalog.LoadsAsync()).Values.Sum(l => l.Count) >= Keys * cycles,
            TimeSpan.FromSeconds(60),
            $"every key should be refreshed {cycles} times");

        var loads = await catalog.LoadsAsync();
        Assert.Equal(Keys, loads.Count);
        Assert.All(loads, l => Assert.True(l.Value.Count >= cycles - 1, $"key {l.Key} was refreshed only {l.Value.Count} times"));
        foreach (var (id, times) in loads)
        {
            // A cycle lasts about Ttl - Buffer (6 s - 1.5 s); two loads of one key closer than half of that would be
            // two loads in one cycle.
            var gaps = times.Zip(times.Skip(1), (x, y) => y - x).ToList();
            Assert.All(gaps, gap => Assert.True(gap > TimeSpan.FromSeconds(2.25), $"key {id} was loaded twice {gap.TotalMilliseconds:F0} ms apart"));
            var elapsed = DateTime.UtcNow - started;
            Assert.True(times.Count <= (elapsed / TimeSpan.FromSeconds(4)) + 1, $"key {id} was loaded {times.Count} times in {elapsed}");
        }

        Assert.Empty(watch.Expired);
        for (var id = 1; id <= Keys; id++)
        {
            Assert.StartsWith("{\"id\":" + id + ",", (string?)await db.StringGetAsync(config.Key(id)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Managed_keys_never_expire_while_the_source_is_healthy()
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("no_expiry"), Keys, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix()).WithPostgres(catalog.ConnectionString);
        var db = redis.Connection.GetDatabase();
        await using var watch = await ExpiryWatch.StartAsync(redis.Configuration, config.Prefix + "product:");
        await using var worker = await WorkerHost.StartAsync(config);
        for (var id = 1; id <= Keys; id++)
        {
            await db.StringSetAsync(config.Key(id), "written by the app", TimeSpan.FromSeconds(6));
        }

        // Poll every key while three TTLs pass; none may be missing at any poll, none may raise 'expired'.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var polls = 0;
        while (DateTime.UtcNow < until)
        {
            var batch = db.CreateBatch();
            var exists = Enumerable.Range(1, Keys).Select(id => batch.KeyExistsAsync(config.Key(id))).ToArray();
            batch.Execute();
            var present = await Task.WhenAll(exists);
            Assert.All(present.Select((p, i) => (p, i)), x => Assert.True(x.p, $"key {x.i + 1} was missing at poll {polls}"));
            polls++;
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Empty(watch.Expired);
        var loads = await catalog.LoadsAsync();
        Assert.All(Enumerable.Range(1, Keys), id => Assert.True(loads.GetValueOrDefault(id)?.Count >= 3, $"key {id} was refreshed {loads.GetValueOrDefault(id)?.Count ?? 0} times in 20 s"));
    }
}
