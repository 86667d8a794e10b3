using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;

namespace CacheWarmer.IntegrationTests;

/// <summary>Invariant 6, first half: shutdown drains in-flight refreshes and releases their leases.</summary>
public sealed class ShutdownTests(RedisFixture redis, PostgresFixture postgres)
{
    [Fact]
    public async Task Stopping_mid_load_lets_the_load_land_and_leaves_no_lease_behind()
    {
        var database = await postgres.CreateDatabaseAsync("shutdown_drain");
        var catalog = await PostgresCatalog.CreateAsync(database, 3, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres($"{database};Application Name=draining", "SELECT id, name, price FROM load_product(@id, 1.0)");
        var db = redis.Connection.GetDatabase();
        var worker = await WorkerHost.StartAsync(config);
        for (var id = 1; id <= 3; id++)
        {
            await db.StringSetAsync(config.Key(id), "written by the app", TimeSpan.FromSeconds(3));
        }

        await Eventually.UntilAsync(async () => await catalog.ActiveQueriesAsync("draining") > 0, TimeSpan.FromSeconds(10), "a load should be running");
        await worker.DisposeAsync();

        var loaded = await catalog.LoadsAsync();
        Assert.NotEmpty(loaded);
        foreach (var id in loaded.Keys)
        {
            Assert.StartsWith("{\"id\":" + id + ",", (string?)await db.StringGetAsync(config.Key(id)), StringComparison.Ordinal);
        }

        var leases = redis.Connection.GetServers()[0].KeysAsync(pattern: config.Prefix + "cw:lease:*");
        Assert.Empty(await leases.ToListAsync(TestContext.Current.CancellationToken));
    }
}
