using System.Collections.Concurrent;
using System.Net;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Keys;
using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests.Faults;

/// <summary>
/// A failover behind Sentinel: the promoted replica never had notify-keyspace-events (CONFIG SET is not replicated),
/// and the worker's connection goes through the sentinel. The worker must notice, turn notifications on there, keep
/// managing its keys, and /readyz must never say ready on the strength of a primary whose events do not arrive.
/// </summary>
public sealed class SentinelFailoverTests(PostgresFixture postgres)
{
    private const int Keys = 5;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task After_SENTINEL_FAILOVER_notifications_work_on_the_new_primary_a_deleted_key_is_rewarmed_and_readyz_stays_truthful()
    {
        await using var set = await RedisSentinelSet.StartAsync(TestContext.Current.CancellationToken);
        await using var direct = await set.Primary.ConnectAsync();
        await using var promoted = await set.Replica.ConnectAsync();
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("sentinel_failover"), Keys, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(set.Configuration, RedisFixture.UniquePrefix("sentinel"))
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:Loaders:product:Ttl", "00:05:00");
        await using var worker = await WorkerHost.StartAsync(config);
        using var client = worker.CreateClient();
        var managed = worker.Get<ManagedKeyIndex>();
        for (var id = 1; id <= Keys; id++)
        {
            await direct.GetDatabase().StringSetAsync(config.Key(id), "written by the app", TimeSpan.FromMinutes(5));
        }

        await Eventually.UntilAsync(() => Enumerable.Range(1, Keys).All(id => managed.TryGetNextRefresh(config.Key(id), out _)), Patience, "every key should become managed");
        await Eventually.UntilAsync(async () => (await Readyz.GetAsync(client)).Status == HttpStatusCode.OK, Patience, "the worker should be ready before the failover");
        Assert.DoesNotContain('K', await NodeState.FlagsAsync(promoted));

        // Sampled all along: readiness first, then the new primary's flags. The flags only ever grow, so a ready answer
        // that names the new primary while a later read still finds its flags off was a lie.
        var samples = new ConcurrentQueue<(Readyz Ready, string Flags)>();
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var ready = await Readyz.GetAsync(client);
                samples.Enqueue((ready, await NodeState.FlagsAsync(promoted)));
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }
        }, TestContext.Current.CancellationToken);

        await set.FailoverAsync();
        var newPrimary = $"127.0.0.1:{set.Replica.Port}";
        await Eventually.UntilAsync(
            async () => await Readyz.GetAsync(client) is { Status: HttpStatusCode.OK } r && r.NotificationsDetail.Contains(newPrimary, StringComparison.Ordinal),
            Patience,
            "readiness should come back on the strength of the new primary's events");
        Assert.Contains('K', await NodeState.FlagsAsync(promoted));

        // A managed key deleted on the new primary is warmed again: its del event reached the worker.
        var loadsBefore = (await catalog.LoadsAsync()).GetValueOrDefault(1)?.Count ?? 0;
        await promoted.GetDatabase().KeyDeleteAsync(config.Key(1));
        await Eventually.UntilAsync(
            async () => ((string?)await promoted.GetDatabase().StringGetAsync(config.Key(1)))?.StartsWith("{\"id\":1,", StringComparison.Ordinal) == true,
            Patience,
            "a managed key deleted after the failover should be re-warmed");
        Assert.Equal(loadsBefore + 1, (await catalog.LoadsAsync())[1].Count);

        await stop.CancelAsync();
        await sampler;
        var lies = samples.Where(s => s.Ready.Status == HttpStatusCode.OK && s.Ready.NotificationsDetail.Contains(newPrimary, StringComparison.Ordinal) && !s.Flags.Contains('K', StringComparison.Ordinal)).ToList();
        Assert.True(lies.Count == 0, $"readiness said ready while the new primary had no notifications: {string.Join(" | ", lies.Select(l => l.Ready))}");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{samples.Count} samples, {samples.Count(s => s.Ready.Status != HttpStatusCode.OK)} not ready: " +
            string.Join(" | ", samples.Where(s => s.Ready.Status != HttpStatusCode.OK).Select(s => s.Ready).Distinct().Take(5)));
    }

    [Fact]
    public async Task When_the_promoted_replica_has_no_flags_and_the_worker_may_not_set_them_readyz_is_503_naming_them_until_an_operator_does()
    {
        // The operator set the flags on the primary only (as a parameter group applied to one node might).
        await using var set = await RedisSentinelSet.StartAsync(["--notify-keyspace-events", "Kg$xe"], [], TestContext.Current.CancellationToken);
        await using var promoted = await set.Replica.ConnectAsync();
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("sentinel_flags_off"), Keys, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(set.Configuration, RedisFixture.UniquePrefix("sentinel-off"))
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:Redis:ConfigureKeyspaceEvents", "false")
            .With("CacheWarmer:Loaders:product:Ttl", "00:05:00");
        await using var worker = await WorkerHost.StartAsync(config);
        using var client = worker.CreateClient();
        await Eventually.UntilAsync(async () => (await Readyz.GetAsync(client)).Status == HttpStatusCode.OK, Patience, "the worker should be ready before the failover");

        await set.FailoverAsync();
        var newPrimary = $"127.0.0.1:{set.Replica.Port}";
        Readyz notReady = null!;
        await Eventually.UntilAsync(
            async () => (notReady = await Readyz.GetAsync(client)) is { Status: HttpStatusCode.ServiceUnavailable } r && r.NotificationsDetail.Contains(newPrimary, StringComparison.Ordinal),
            Patience,
            "readiness should fail, naming the new primary, while its notifications are off");
        Assert.Contains("Kg$xe", notReady.NotificationsDetail, StringComparison.Ordinal);
        Assert.DoesNotContain('K', await NodeState.FlagsAsync(promoted));

        // The operator fixes the new primary: the next beacon's event arrives, and readiness follows.
        await promoted.GetServers()[0].ConfigSetAsync("notify-keyspace-events", "Kg$xe");
        await Eventually.UntilAsync(
            async () => await Readyz.GetAsync(client) is { Status: HttpStatusCode.OK } r && r.NotificationsDetail.Contains(newPrimary, StringComparison.Ordinal),
            Patience,
            "readiness should come back once the new primary sends events");
    }
}
