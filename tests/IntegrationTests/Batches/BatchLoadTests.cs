using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Refresh;
using CacheWarmer.Worker.Sources;
using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests.Batches;

/// <summary>
/// A loader's BatchQuery on PostgreSQL (<c>= ANY(@ids)</c>): due keys load in one query, each key keeps every guarantee
/// of a single-key refresh (NoValue, fail-safe, breaker, key faults, lease keep-alive, superseded). The catalog counts
/// batch queries (<c>batch_query()</c>) and single loads (<c>load_product</c>) in the database.
/// </summary>
public sealed class BatchLoadTests(RedisFixture redis, PostgresFixture postgres)
{
    private const string BatchQuery = "SELECT p.id, p.name, p.price FROM batch_query() q, products p WHERE p.id = ANY(@ids) ORDER BY p.id";
    private static readonly TimeSpan AppTtl = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_batch_loads_every_due_key_in_one_query_with_its_current_row()
    {
        var (catalog, config) = await SetUpAsync("batch_one_query", 12);
        await catalog.SetPriceAsync(7, 70.5m);
        var db = redis.Connection.GetDatabase();
        await using var worker = await WorkerHost.StartAsync(config);
        var ids = Enumerable.Range(1, 12).Cast<object>().ToArray();
        var expiry = await BatchRefreshes.WriteAppValuesAsync(db, config, ids, AppTtl);

        var outcomes = await BatchRefreshes.RefreshAsync(worker, config, ids, expiry);

        Assert.All(outcomes.Values, o => Assert.Equal(RefreshOutcome.Refreshed, o));
        Assert.Equal(1, await catalog.BatchQueriesAsync());
        Assert.Equal(0, await catalog.AttemptsAsync());
        for (var id = 1; id <= 12; id++)
        {
            var price = id == 7 ? "70.50" : (id * 1.25m).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(BatchRefreshes.Row(id, price), (string?)await db.StringGetAsync(config.Key(id)));
            Assert.InRange((await db.KeyTimeToLiveAsync(config.Key(id)))!.Value, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(7));
        }
    }

    [Fact]
    public async Task A_key_without_a_row_is_NoValue_and_its_neighbours_are_written()
    {
        var (catalog, config) = await SetUpAsync("batch_no_row", 3);
        var db = redis.Connection.GetDatabase();
        await using var worker = await WorkerHost.StartAsync(config);
        object[] ids = [1, 999, 3];
        var expiry = await BatchRefreshes.WriteAppValuesAsync(db, config, ids, AppTtl);

        var outcomes = await BatchRefreshes.RefreshAsync(worker, config, ids, expiry);

        Assert.Equal(RefreshOutcome.Refreshed, outcomes["1"]);
        Assert.Equal(RefreshOutcome.NoValue, outcomes["999"]);
        Assert.Equal(RefreshOutcome.Refreshed, outcomes["3"]);
        Assert.Equal(1, await catalog.BatchQueriesAsync());
        Assert.Equal("app value", (string?)await db.StringGetAsync(config.Key(999)));
        Assert.Equal(BatchRefreshes.Row(3, "3.75"), (string?)await db.StringGetAsync(config.Key(3)));
    }

    [Fact]
    public async Task A_failing_batch_keeps_every_old_value_and_is_one_failure_of_the_breaker()
    {
        var (catalog, config) = await SetUpAsync("batch_failing", 5);
        config.With("CacheWarmer:Refresh:CircuitBreaker:FailureThreshold", "2");
        var db = redis.Connection.GetDatabase();
        await using var worker = await WorkerHost.StartAsync(config);
        var ids = Enumerable.Range(1, 5).Cast<object>().ToArray();
        var expiry = await BatchRefreshes.WriteAppValuesAsync(db, config, ids, TimeSpan.FromSeconds(3));
        await catalog.SetFailingAsync(true);

        var outcomes = await BatchRefreshes.RefreshAsync(worker, config, ids, expiry);

        Assert.All(outcomes.Values, o => Assert.Equal(RefreshOutcome.FailSafe, o));
        for (var id = 1; id <= 5; id++)
        {
            Assert.Equal("app value", (string?)await db.StringGetAsync(config.Key(id)));
            Assert.True((await db.KeyTimeToLiveAsync(config.Key(id)))!.Value > TimeSpan.FromSeconds(30), $"key {id}'s old value should be extended by FailSafe:Extension");
        }

        // Five keys failed in one query: one failure, under the threshold of two. The next batch is planned past the
        // extended expiry, so its keys are due again rather than found refreshed.
        var breakers = worker.Get<SourceCircuitBreakers>();
        Assert.Empty(breakers.OpenSources());
        Assert.Equal(1, await catalog.BatchQueriesAsync());
        var again = await BatchRefreshes.RefreshAsync(worker, config, ids, DateTimeOffset.UtcNow + TimeSpan.FromMinutes(10));
        Assert.All(again.Values, o => Assert.Equal(RefreshOutcome.FailSafe, o));
        Assert.Equal(2, await catalog.BatchQueriesAsync());
        Assert.Equal(["catalog"], breakers.OpenSources());
        Assert.Equal(0, await catalog.AttemptsAsync());
    }

    [Fact]
    public async Task A_value_over_MaxValueBytes_is_refused_for_its_key_alone()
    {
        var (catalog, config) = await SetUpAsync("batch_value_size", 3);
        await catalog.AddProductAsync(4, new string('x', 200), 1m);
        config.With("CacheWarmer:Refresh:MaxValueBytes", "100");
        var db = redis.Connection.GetDatabase();
        await using var worker = await WorkerHost.StartAsync(config);
        var ids = Enumerable.Range(1, 4).Cast<object>().ToArray();
        var expiry = await BatchRefreshes.WriteAppValuesAsync(db, config, ids, AppTtl);

        var outcomes = await BatchRefreshes.RefreshAsync(worker, config, ids, expiry);

        Assert.Equal(RefreshOutcome.FailSafe, outcomes["4"]);
        Assert.Equal("app value", (string?)await db.StringGetAsync(config.Key(4)));
        Assert.All(ids.Take(3), id => Assert.Equal(RefreshOutcome.Refreshed, outcomes[id.ToString()!]));
        Assert.Equal(BatchRefreshes.Row(3, "3.75"), (string?)await db.StringGetAsync(config.Key(3)));
        Assert.Equal(1, await catalog.BatchQueriesAsync());
    }

    [Fact]
    public async Task A_key_the_database_refuses_falls_back_to_single_loads_so_only_that_key_is_rejected()
    {
        var (catalog, config) = await SetUpAsync("batch_key_fault", 3);
        var db = redis.Connection.GetDatabase();
        await using var worker = await WorkerHost.StartAsync(config);
        object[] ids = [1, "abc", 2];
        var expiry = await BatchRefreshes.WriteAppValuesAsync(db, config, ids, AppTtl);

        var outcomes = await BatchRefreshes.RefreshAsync(worker, config, ids, expiry);

        Assert.Equal(RefreshOutcome.Refreshed, outcomes["1"]);
        Assert.Equal(RefreshOutcome.KeyRejected, outcomes["abc"]);
        Assert.Equal(RefreshOutcome.Refreshed, outcomes["2"]);
        // 'abc' is refused as the array is read, before the batch query's first row; then 1 and 2 load on their own.
        Assert.Equal(0, await catalog.BatchQueriesAsync());
        Assert.Equal(2, await catalog.LoadCountAsync());
        Assert.Equal(BatchRefreshes.Row(2, "2.50"), (string?)await db.StringGetAsync(config.Key(2)));
        Assert.Empty(worker.Get<SourceCircuitBreakers>().OpenSources());
    }

    [Fact]
    public async Task A_batch_query_longer_than_the_lease_keeps_every_lease_and_an_app_write_supersedes_only_its_key()
    {
        // The query sleeps 1.5 s, LeaseTtl is 1 s: without the keep-alive every lease would expire under the load.
        var (catalog, config) = await SetUpAsync("batch_long_query", 4, BatchQuery.Replace("batch_query()", "batch_query(1.5)", StringComparison.Ordinal));
        config.With("CacheWarmer:Refresh:LeaseTtl", "00:00:01").With("CacheWarmer:Refresh:LoadTimeout", "00:00:05");
        var db = redis.Connection.GetDatabase();
        await using var worker = await WorkerHost.StartAsync(config);
        var ids = Enumerable.Range(1, 4).Cast<object>().ToArray();
        var expiry = await BatchRefreshes.WriteAppValuesAsync(db, config, ids, AppTtl);

        var refreshing = BatchRefreshes.RefreshAsync(worker, config, ids, expiry);
        await Eventually.UntilAsync(async () => await catalog.BatchQueriesAsync() == 1, TimeSpan.FromSeconds(10), "the batch query should start");
        await db.StringSetAsync(config.Key(2), "the app's newer row", TimeSpan.FromSeconds(60));
        var outcomes = await refreshing;

        Assert.Equal(RefreshOutcome.Superseded, outcomes["2"]);
        Assert.Equal("the app's newer row", (string?)await db.StringGetAsync(config.Key(2)));
        foreach (var id in (int[])[1, 3, 4])
        {
            Assert.Equal(RefreshOutcome.Refreshed, outcomes[id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            Assert.Equal(BatchRefreshes.Row(id, (id * 1.25m).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)), (string?)await db.StringGetAsync(config.Key(id)));
        }

        Assert.Equal(1, await catalog.BatchQueriesAsync());
    }

    [Fact]
    public async Task Managed_keys_due_together_are_refreshed_by_batch_queries()
    {
        const int Keys = 20;
        var (catalog, config) = await SetUpAsync("batch_dispatch", Keys);
        // Managed keys (threshold 0), and a window wide enough to gather keys whose plans XFetch spread apart.
        config.With("CacheWarmer:HotKeys:MinRatePerMinute", "0").With("CacheWarmer:Refresh:BatchWindow", "00:00:01");
        var db = redis.Connection.GetDatabase();
        await using var worker = await WorkerHost.StartAsync(config);
        var ids = Enumerable.Range(1, Keys).Cast<object>().ToArray();
        await BatchRefreshes.WriteAppValuesAsync(db, config, ids, TimeSpan.FromSeconds(4));

        await Eventually.UntilAsync(
            async () =>
            {
                var values = await Task.WhenAll(ids.Select(id => db.StringGetAsync(config.Key(id))));
                return values.All(v => ((string?)v)?.StartsWith("{\"id\":", StringComparison.Ordinal) == true);
            },
            TimeSpan.FromSeconds(20),
            "every managed key should be refreshed");

        var queries = await catalog.BatchQueriesAsync() + await catalog.AttemptsAsync();
        Assert.True(queries <= Keys / 4, $"{Keys} keys due within a second took {queries} queries ({await catalog.BatchQueriesAsync()} batches)");
    }

    private async Task<(PostgresCatalog Catalog, WorkerConfig Config)> SetUpAsync(string database, int products, string batchQuery = BatchQuery)
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync(database), products, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:Loaders:product:BatchQuery", batchQuery)
            .Unmanaged();
        return (catalog, config);
    }
}
