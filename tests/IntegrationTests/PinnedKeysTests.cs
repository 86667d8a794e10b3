using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Keys;

namespace CacheWarmer.IntegrationTests;

/// <summary>A pinned key (HotKeys:Pinned) stays pinned through a missing row, a PERSIST or a failed load.</summary>
public sealed class PinnedKeysTests(RedisFixture redis, PostgresFixture postgres)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_pinned_key_whose_row_is_missing_is_warmed_once_its_row_is_inserted()
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("pinned_no_row"), 1, TestContext.Current.CancellationToken);
        var config = PinnedConfig(catalog, 2);
        await using var worker = await WorkerHost.StartAsync(config);

        // The source has no row for product:2: the worker finds nothing, and looks again, further apart each time.
        await Eventually.UntilAsync(
            async () => (await catalog.LoadsAsync()).GetValueOrDefault(2)?.Count >= 4,
            Deadline,
            "the worker should keep looking for the pinned key's row");
        var looks = (await catalog.LoadsAsync())[2];
        var db = redis.Connection.GetDatabase();
        Assert.False(await db.KeyExistsAsync(config.Key(2)));
        // Backoff from RetryDelay 200 ms, doubling, jittered x0.5 to x1.5: the n-th gap is at least 100 ms x 2^(n-1).
        for (var n = 1; n < 4; n++)
        {
            var gap = looks[n] - looks[n - 1];
            Assert.True(gap >= TimeSpan.FromMilliseconds(100 * Math.Pow(2, n - 1)), $"look {n + 1} came {gap.TotalMilliseconds:F0} ms after the one before");
        }

        await catalog.AddProductAsync(2, "Product 2", 2.5m);

        await Eventually.UntilAsync(
            async () => ((string?)await db.StringGetAsync(config.Key(2)))?.StartsWith("{\"id\":2,", StringComparison.Ordinal) == true,
            Deadline,
            "the pinned key should be warmed once its row exists");
        Assert.True(worker.Get<ManagedKeyIndex>().TryGetNextRefresh(config.Key(2), out _), "the key should still be managed");
    }

    [Fact]
    public async Task A_pinned_key_an_app_made_permanent_is_refreshed_again_once_it_has_a_TTL_again()
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("pinned_persist"), 1, TestContext.Current.CancellationToken);
        var config = PinnedConfig(catalog, 1);
        var key = config.Key(1);
        var db = redis.Connection.GetDatabase();
        await using var worker = await WorkerHost.StartAsync(config);
        await Eventually.UntilAsync(async () => await db.KeyExistsAsync(key), Deadline, "the worker should warm the pinned key");
        var managed = worker.Get<ManagedKeyIndex>();
        Assert.True(managed.TryGetNextRefresh(key, out var planned));

        // The app makes the key permanent; the worker sees it (the key's next look is no longer the one planned).
        Assert.True(await db.KeyPersistAsync(key));
        await Eventually.UntilAsync(
            () => !managed.TryGetNextRefresh(key, out var next) || next != planned,
            Deadline,
            "the worker should notice the PERSIST");

        // It gives the key a TTL again: the worker refreshes it before it expires (a new value with the loader's TTL).
        await using var watch = await ExpiryWatch.StartAsync(redis.Configuration, config.Prefix + "product:");
        Assert.True(await db.KeyExpireAsync(key, TimeSpan.FromSeconds(3)));
        await Eventually.UntilAsync(
            async () => await db.KeyTimeToLiveAsync(key) > TimeSpan.FromSeconds(3),
            Deadline,
            "the pinned key should be refreshed (with the loader's 6 s TTL) once it has a TTL again");
        Assert.Empty(watch.Expired);
    }

    [Fact]
    public async Task A_pinned_key_whose_load_failed_is_warmed_once_its_source_is_back()
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("pinned_failed"), 1, TestContext.Current.CancellationToken);
        var config = PinnedConfig(catalog, 1);
        await catalog.SetFailingAsync(true);
        await using var worker = await WorkerHost.StartAsync(config);
        await Eventually.UntilAsync(async () => await catalog.AttemptsAsync() >= 2, Deadline, "the worker should try to load the pinned key");

        await catalog.SetFailingAsync(false);

        var db = redis.Connection.GetDatabase();
        await Eventually.UntilAsync(
            async () => ((string?)await db.StringGetAsync(config.Key(1)))?.StartsWith("{\"id\":1,", StringComparison.Ordinal) == true,
            Deadline,
            "the pinned key should be warmed once its source is back");
    }

    // Only the pin is managed: with a rate threshold no other loader key becomes managed on its own.
    private WorkerConfig PinnedConfig(PostgresCatalog catalog, int id)
    {
        var config = new WorkerConfig(redis.Configuration, redis.Prefix("pinned"))
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:HotKeys:MinRatePerMinute", "60");
        return config.With("CacheWarmer:HotKeys:Pinned:0", config.Key(id));
    }
}
