using CacheWarmer.HotKeyTracker;
using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.IntegrationTests.Http;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Keys;
using Microsoft.Extensions.DependencyInjection;

namespace CacheWarmer.IntegrationTests;

/// <summary>Under an LFU policy Redis counts the worker's own writes as accesses; they must not make a key hot.</summary>
public sealed class LfuOwnWritesTests(PostgresFixture postgres)
{
    [Fact]
    public async Task A_key_only_the_worker_refreshes_never_becomes_hot_from_its_LFU_counter()
    {
        var cancellation = TestContext.Current.CancellationToken;
        await using var server = await RedisServer.StartAsync(cancellation);
        await using var connection = await server.ConnectAsync();
        await connection.GetServers()[0].ConfigSetAsync("maxmemory-policy", "allkeys-lfu");
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("lfu_own_writes"), 1, cancellation);
        // Only hot keys are managed; the warm pins product:1 for 10 s, and no app ever reads it.
        var config = new WorkerConfig(server.Configuration, RedisFixture.UniquePrefix("lfu"))
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:HotKeys:MinRatePerMinute", "1")
            .With("CacheWarmer:HotKeys:HalfLife", "00:00:02")
            .With("CacheWarmer:HotKeys:CoolDown", "00:00:02")
            .With("CacheWarmer:Http:WarmPin", "00:00:10");
        await using var worker = await WorkerHost.StartAsync(config, services =>
            services.Configure<HotKeyInputOptions>(o => o.LfuPollInterval = TimeSpan.FromMilliseconds(500)));
        var key = config.Key(1);
        var db = connection.GetDatabase();
        using var client = worker.CreateClient();
        Assert.True((await client.PostWarmAsync($"{{\"keys\": [\"{key}\"]}}", "?wait=true")).IsSuccessStatusCode);

        // The worker refreshes it while the pin lasts; from its second write on, Redis's counter stands above the 5 a
        // new key gets, which read as a steady rate is 11 reads a minute.
        await Eventually.UntilAsync(
            async () => (long)await db.ExecuteAsync("OBJECT", "FREQ", key) > 5,
            TimeSpan.FromSeconds(20),
            "the worker's own writes should raise the key's LFU counter");

        // The pin ends 10 s after the warm; with no reads the key cools down 2 s later and is let go.
        var managed = worker.Get<ManagedKeyIndex>();
        await Eventually.UntilAsync(
            () => !managed.TryGetNextRefresh(key, out _),
            TimeSpan.FromSeconds(30),
            "a key only the worker writes should cool down once its pin ends");
        Assert.Equal(0, worker.Get<HotKeyModel>().Estimate(key).RatePerMinute, 1);
    }
}
