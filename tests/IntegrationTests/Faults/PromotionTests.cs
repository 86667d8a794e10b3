using System.Globalization;
using System.Net;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Keys;
using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests.Faults;

/// <summary>
/// A replica promoted in place while the worker's connections stay up (REPLICAOF swapped on both nodes, as an
/// operator or a managed service's failover does without Sentinel's client kill): nothing reconnects, so nothing but
/// the worker's own checks can notice that the new primary has no notify-keyspace-events.
/// </summary>
public sealed class PromotionTests(PostgresFixture postgres)
{
    private const int Keys = 5;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task After_a_replica_is_promoted_without_a_reconnect_notifications_are_turned_on_there_and_a_deleted_key_is_rewarmed()
    {
        await using var primary = await RedisServer.StartAsync(TestContext.Current.CancellationToken);
        await using var replica = await RedisServer.StartAsync(["--replicaof", "127.0.0.1", primary.Port.ToString(CultureInfo.InvariantCulture)], TestContext.Current.CancellationToken);
        await using var oldPrimary = await primary.ConnectAsync();
        await using var newPrimary = await replica.ConnectAsync();
        await Eventually.UntilAsync(async () => (await NodeState.ReplicationAsync(newPrimary)).Contains("master_link_status:up", StringComparison.Ordinal), Patience, "the replica should sync");
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("promotion"), Keys, TestContext.Current.CancellationToken);
        var config = new WorkerConfig($"{primary.Configuration},{replica.Configuration}", RedisFixture.UniquePrefix("promotion"))
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:Loaders:product:Ttl", "00:05:00");
        await using var worker = await WorkerHost.StartAsync(config);
        using var client = worker.CreateClient();
        var managed = worker.Get<ManagedKeyIndex>();
        for (var id = 1; id <= Keys; id++)
        {
            await oldPrimary.GetDatabase().StringSetAsync(config.Key(id), "written by the app", TimeSpan.FromMinutes(5));
        }

        await Eventually.UntilAsync(() => Enumerable.Range(1, Keys).All(id => managed.TryGetNextRefresh(config.Key(id), out _)), Patience, "every key should become managed");
        await Eventually.UntilAsync(async () => (await Readyz.GetAsync(client)).Status == HttpStatusCode.OK, Patience, "the worker should be ready before the promotion");
        Assert.DoesNotContain('K', await NodeState.FlagsAsync(newPrimary));

        await newPrimary.GetServers()[0].ExecuteAsync("REPLICAOF", "NO", "ONE");
        await oldPrimary.GetServers()[0].ExecuteAsync("REPLICAOF", "127.0.0.1", replica.Port.ToString(CultureInfo.InvariantCulture));
        await Eventually.UntilAsync(async () => (await NodeState.ReplicationAsync(oldPrimary)).Contains("master_link_status:up", StringComparison.Ordinal), Patience, "the old primary should follow the new one");
        await newPrimary.ConfigureAsync(); // the test's own client learns the new role, as an app's would

        await Eventually.UntilAsync(async () => (await NodeState.FlagsAsync(newPrimary)).Contains('K', StringComparison.Ordinal), Patience, "the worker should turn notifications on at the new primary");
        await Eventually.UntilAsync(
            async () => await Readyz.GetAsync(client) is { Status: HttpStatusCode.OK } r && r.NotificationsDetail.Contains(replica.Configuration, StringComparison.Ordinal),
            Patience,
            "readiness should rest on the new primary's events");

        var loadsBefore = (await catalog.LoadsAsync()).GetValueOrDefault(1)?.Count ?? 0;
        await newPrimary.GetDatabase().KeyDeleteAsync(config.Key(1));
        await Eventually.UntilAsync(
            async () => ((string?)await newPrimary.GetDatabase().StringGetAsync(config.Key(1)))?.StartsWith("{\"id\":1,", StringComparison.Ordinal) == true,
            Patience,
            "a managed key deleted on the new primary should be re-warmed");
        Assert.Equal(loadsBefore + 1, (await catalog.LoadsAsync())[1].Count);
    }
}
