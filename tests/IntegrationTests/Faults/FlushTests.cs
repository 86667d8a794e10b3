using System.Diagnostics;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Keys;

namespace CacheWarmer.IntegrationTests.Faults;

/// <summary>
/// Redis sends no keyspace event for FLUSHALL or FLUSHDB, and the connection stays up, so nothing but the worker's
/// beacon (gone after the flush) tells it that its managed keys are gone.
/// </summary>
public sealed class FlushTests(PostgresFixture postgres)
{
    private const int Keys = 20;

    [Theory]
    [InlineData("FLUSHALL")]
    [InlineData("FLUSHDB")]
    public async Task After_a_flush_every_managed_key_of_a_5_minute_TTL_is_back_from_the_database_loaded_once(string flush)
    {
        // A server of its own: a flush of the shared one would disturb the other tests.
        await using var server = await RedisServer.StartAsync(TestContext.Current.CancellationToken);
        await using var connection = await server.ConnectAsync();
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("flush_" + flush.ToLowerInvariant()), Keys, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(server.Configuration, RedisFixture.UniquePrefix("flush"))
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:Loaders:product:Ttl", "00:05:00")
            // The issue asks for the keys back within 2 s; the default interval (1 s) plus the re-warm meets it. The
            // beacon is beaten every 200 ms here so detection is a small part of the time this test waits for.
            .With("CacheWarmer:Redis:BeaconInterval", "00:00:00.200");
        await using var worker = await WorkerHost.StartAsync(config);
        var managed = worker.Get<ManagedKeyIndex>();
        var db = connection.GetDatabase();
        for (var id = 1; id <= Keys; id++)
        {
            await db.StringSetAsync(config.Key(id), "written by the app", TimeSpan.FromMinutes(5));
        }

        await Eventually.UntilAsync(
            () => Enumerable.Range(1, Keys).All(id => managed.TryGetNextRefresh(config.Key(id), out _)),
            TimeSpan.FromSeconds(15),
            "every key the app wrote should become managed");
        Assert.Empty(await catalog.LoadsAsync());

        await connection.GetServers()[0].ExecuteAsync(flush);
        var clock = Stopwatch.StartNew();
        Assert.False(await db.KeyExistsAsync(config.Key(1)), "the flush should have emptied Redis");

        // Generous on a loaded machine; without detection the keys would stay gone for their whole 5-minute cycle.
        await Eventually.UntilAsync(
            async () => (await Task.WhenAll(Enumerable.Range(1, Keys).Select(id => db.StringGetAsync(config.Key(id))))).All(v => v.HasValue),
            TimeSpan.FromSeconds(10),
            "every managed key should be warmed again after the " + flush);
        TestContext.Current.TestOutputHelper?.WriteLine($"all {Keys} keys back {clock.ElapsedMilliseconds} ms after {flush}");

        var values = await Task.WhenAll(Enumerable.Range(1, Keys).Select(id => db.StringGetAsync(config.Key(id))));
        Assert.All(values, v => Assert.StartsWith("{\"id\":", (string?)v, StringComparison.Ordinal));
        var ttl = await db.KeyTimeToLiveAsync(config.Key(1));
        Assert.True(ttl > TimeSpan.FromMinutes(4), $"a re-warmed key should carry the loader's TTL, not {ttl}");
        var loads = await catalog.LoadsAsync();
        Assert.Equal(Keys, loads.Count);
        Assert.All(loads, l => Assert.Single(l.Value));
    }
}
