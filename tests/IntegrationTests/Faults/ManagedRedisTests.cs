using System.Net;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;

namespace CacheWarmer.IntegrationTests.Faults;

/// <summary>
/// A managed Redis (ElastiCache, Azure Cache, Memorystore) renames or forbids CONFIG: the worker still scans and
/// refreshes the keys that exist, and readiness says how it knows notifications arrive, or which flags to set.
/// </summary>
public sealed class ManagedRedisTests(PostgresFixture postgres)
{
    private const int Keys = 5;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task With_CONFIG_renamed_and_the_flags_set_by_the_operator_existing_keys_are_refreshed_and_readyz_names_the_beacon_event()
    {
        await using var server = await RedisServer.StartAsync(["--rename-command", "CONFIG", "", "--notify-keyspace-events", "Kg$xe"], TestContext.Current.CancellationToken);
        var (catalog, config) = await ArrangeAsync(server, "managed_flags_on");

        await using var worker = await WorkerHost.StartAsync(config);
        using var client = worker.CreateClient();

        // Written before the worker started: only the SCAN of the first resync finds them.
        await Eventually.UntilAsync(async () => (await catalog.LoadsAsync()).Count == Keys, Patience, "every key that existed before the worker started should be refreshed");
        Readyz ready = null!;
        await Eventually.UntilAsync(async () => (ready = await Readyz.GetAsync(client)).Status == HttpStatusCode.OK, Patience, "the worker should become ready");
        Assert.True(ready.NotificationsReady);
        Assert.Contains("keyspace event of a beacon write", ready.NotificationsDetail, StringComparison.Ordinal);
        Assert.Contains("arrived at", ready.NotificationsDetail, StringComparison.Ordinal);
        Assert.Contains("CONFIG is refused", ready.NotificationsDetail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_CONFIG_renamed_and_no_flags_SCAN_still_finds_the_keys_and_readyz_is_503_naming_the_flags_to_set()
    {
        await using var server = await RedisServer.StartAsync(["--rename-command", "CONFIG", ""], TestContext.Current.CancellationToken);
        var (catalog, config) = await ArrangeAsync(server, "managed_flags_off");

        await using var worker = await WorkerHost.StartAsync(config);
        using var client = worker.CreateClient();

        // No event ever arrives here: the keys are known from the SCAN alone, and refreshed against the TTLs it read.
        await Eventually.UntilAsync(async () => (await catalog.LoadsAsync()).Count == Keys, Patience, "the SCAN should find every key, and each should be refreshed");
        Readyz notReady = null!;
        await Eventually.UntilAsync(
            async () => (notReady = await Readyz.GetAsync(client)).NotificationsDetail.Contains("Kg$xe", StringComparison.Ordinal),
            Patience,
            "readiness should name the flags to set");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.Status);
        Assert.False(notReady.NotificationsReady);
        Assert.Contains("notify-keyspace-events", notReady.NotificationsDetail, StringComparison.Ordinal);
        Assert.Contains("no keyspace event arrived for the beacon write", notReady.NotificationsDetail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("healthz", TestContext.Current.CancellationToken)).StatusCode);
    }

    // A catalog, and keys an app wrote before the worker started, expiring in 5 s; the worker may not CONFIG.
    private async Task<(PostgresCatalog Catalog, WorkerConfig Config)> ArrangeAsync(RedisServer server, string name)
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync(name), Keys, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(server.Configuration, RedisFixture.UniquePrefix(name))
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:Redis:ConfigureKeyspaceEvents", "false")
            .With("CacheWarmer:Loaders:product:Ttl", "00:00:30");
        await using var connection = await server.ConnectAsync();
        var db = connection.GetDatabase();
        for (var id = 1; id <= Keys; id++)
        {
            await db.StringSetAsync(config.Key(id), "written by the app", TimeSpan.FromSeconds(5));
        }

        return (catalog, config);
    }
}
