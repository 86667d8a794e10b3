using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;

namespace CacheWarmer.IntegrationTests;

/// <summary>Invariant 7 and reconnects: after Redis comes back empty, the managed keys are back within seconds.</summary>
public sealed class RedisRestartTests(PostgresFixture postgres)
{
    private const int Keys = 10;

    [Fact]
    public async Task After_Redis_restarts_empty_the_worker_resubscribes_and_rewarms_its_keys_once_each()
    {
        // A server of its own: restarting the shared one would disturb the other tests.
        await using var server = await RedisServer.StartAsync(TestContext.Current.CancellationToken);
        await using var connection = await server.ConnectAsync();
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("redis_restart"), Keys, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(server.Configuration, RedisFixture.UniquePrefix("restart"))
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:Loaders:product:Ttl", "00:00:30");
        await using var worker = await WorkerHost.StartAsync(config);
        var db = connection.GetDatabase();
        for (var id = 1; id <= Keys; id++)
        {
            await db.StringSetAsync(config.Key(id), "written by the app", TimeSpan.FromSeconds(5));
        }

        await Eventually.UntilAsync(async () => (await catalog.LoadsAsync()).Count == Keys, TimeSpan.FromSeconds(15), "every key should be refreshed once");

        await server.StopAsync();
        await server.StartAgainAsync(TestContext.Current.CancellationToken);
        var loadsBefore = (await catalog.LoadsAsync()).ToDictionary(l => l.Key, l => l.Value.Count);
        Assert.False(await db.KeyExistsAsync(config.Key(1)), "the restarted server should be empty");

        await Eventually.UntilAsync(
            async () => (await Task.WhenAll(Enumerable.Range(1, Keys).Select(id => db.KeyExistsAsync(config.Key(id))))).All(x => x),
            TimeSpan.FromSeconds(20),
            "every managed key should be warmed again after the restart");

        var loadsAfter = await catalog.LoadsAsync();
        Assert.All(loadsAfter, l => Assert.Equal(1, l.Value.Count - loadsBefore[l.Key]));
        var flags = (await connection.GetServers()[0].ConfigGetAsync("notify-keyspace-events")).First().Value;
        Assert.Contains('K', flags);

        // The worker subscribes again (its pattern subscription is back on the new server), and notifications work:
        // a key the app writes now is picked up and refreshed before it expires.
        await Eventually.UntilAsync(
            async () => (long)await connection.GetServers()[0].ExecuteAsync("PUBSUB", "NUMPAT") > 0,
            TimeSpan.FromSeconds(15),
            "the worker should subscribe to keyspace notifications again");
        await db.StringSetAsync(config.Key(1), "written by the app after the restart", TimeSpan.FromSeconds(5));
        await Eventually.UntilAsync(
            async () => ((string?)await db.StringGetAsync(config.Key(1)))?.StartsWith("{\"id\":1,", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(10),
            "a key written after the restart should be refreshed");
    }
}
