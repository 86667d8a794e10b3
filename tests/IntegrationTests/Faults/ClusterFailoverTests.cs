using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Keys;
using StackExchange.Redis;

namespace CacheWarmer.IntegrationTests.Faults;

/// <summary>
/// A primary of a real Redis Cluster killed with SIGKILL: its replica, which was never given notify-keyspace-events,
/// is promoted. The worker must turn notifications on there, hear its keys again and keep every managed key warm,
/// hash-tagged keys included, with no reader ever finding one missing.
/// </summary>
public sealed class ClusterFailoverTests(PostgresFixture postgres)
{
    private const int Products = 20;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task After_a_primary_is_killed_its_promoted_replica_gets_notifications_and_no_managed_key_is_lost()
    {
        await using var cluster = await RedisCluster.StartAsync(TestContext.Current.CancellationToken);
        await using var redis = await cluster.ConnectAsync();
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("clusterfailover"), Products, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(cluster.Configuration, RedisFixture.UniquePrefix("failover"))
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:Loaders:product:Ttl", "00:00:10")
            .With("CacheWarmer:Refresh:Buffer", "00:00:05");
        // A second loader whose keys carry a hash tag: price:{7}:eu lives in the slot of "7".
        var prefix = config.Prefix;
        config.With("CacheWarmer:Loaders:price:Key", prefix + "price:{{{id}}}:eu")
            .With("CacheWarmer:Loaders:price:Source", "catalog")
            .With("CacheWarmer:Loaders:price:Query", "SELECT id, price FROM load_product(@id)")
            .With("CacheWarmer:Loaders:price:Result", "Row")
            .With("CacheWarmer:Loaders:price:Ttl", "00:00:10")
            .With("CacheWarmer:Loaders:price:TtlJitter", "00:00:00.500");
        var keys = Enumerable.Range(1, Products).SelectMany(id => new[] { config.Key(id), $"{prefix}price:{{{id}}}:eu" }).ToList();

        // Only the primaries get the flags; the replicas keep the server default (none), as after a fresh deployment.
        foreach (var port in cluster.Ports)
        {
            if ((await ReplicationAsync(redis, port)).Contains("role:master", StringComparison.Ordinal))
            {
                await redis.GetServer("127.0.0.1", port).ConfigSetAsync("notify-keyspace-events", "KEA");
            }
        }

        await using var worker = await WorkerHost.StartAsync(config);
        var managed = worker.Get<ManagedKeyIndex>();
        var db = redis.GetDatabase();
        foreach (var key in keys)
        {
            await db.StringSetAsync(key, "written by the app", TimeSpan.FromSeconds(10));
        }

        await Eventually.UntilAsync(() => keys.All(k => managed.TryGetNextRefresh(k, out _)), Patience, "every key should become managed");
        await Eventually.UntilAsync(
            async () => (await catalog.LoadsAsync()).Count(l => l.Value.Count >= 2) == Products,
            Patience,
            "every key of both loaders should be refreshed once before the failover");
        await using var readers = MissWatch.Start(db, keys);

        // The primary serving the most keys dies; its replica is promoted.
        var slots = redis.GetServers()[0].ClusterConfiguration!;
        var victim = keys.GroupBy(k => slots.GetBySlot(redis.HashSlot(k))!).OrderByDescending(g => g.Count()).First().Key;
        var heir = await ReplicaOfAsync(redis, cluster, ((IPEndPoint)victim.EndPoint!).Port);
        var victimKeys = keys.Where(k => slots.GetBySlot(redis.HashSlot(k))!.NodeId == victim.NodeId).ToList();
        Assert.DoesNotContain("K", await FlagsAsync(redis, heir), StringComparison.Ordinal);
        var loadsBefore = await catalog.LoadsAsync();
        await cluster.KillNodeAsync(((IPEndPoint)victim.EndPoint!).Port);

        await Eventually.UntilAsync(
            async () => (await ReplicationAsync(redis, heir)).Contains("role:master", StringComparison.Ordinal),
            Patience,
            "the replica should be promoted");
        await Eventually.UntilAsync(
            async () => (await FlagsAsync(redis, heir)).Contains('K', StringComparison.Ordinal),
            Patience,
            "the worker should turn keyspace notifications on at the promoted replica");

        // Its keys are heard there again: an app's delete of one is answered by a warm from the catalog.
        var deleted = victimKeys[0];
        await db.KeyDeleteAsync(deleted);
        await Eventually.UntilAsync(async () => await db.KeyExistsAsync(deleted), Patience, "the deleted key should be warmed again");

        // Two more refresh cycles of every key, the killed primary's included.
        await Eventually.UntilAsync(
            async () => (await catalog.LoadsAsync()).All(l => l.Value.Count >= loadsBefore.GetValueOrDefault(l.Key, []).Count + 4),
            TimeSpan.FromSeconds(40),
            "every key of both loaders should be refreshed two more times after the failover");
        Assert.All(keys, k => Assert.True(managed.TryGetNextRefresh(k, out _), $"{k} should still be managed"));
        Assert.Empty(readers.MissingOtherThan(deleted));
        Assert.True(readers.Reads > keys.Count * 10, $"the readers should have read throughout, not {readers.Reads} times");
    }

    // The port of the node that replicates the primary on port, as that node reports it.
    private static async Task<int> ReplicaOfAsync(IConnectionMultiplexer redis, RedisCluster cluster, int port)
    {
        foreach (var candidate in cluster.Ports.Where(p => p != port))
        {
            var lines = (await ReplicationAsync(redis, candidate)).Split('\n').Select(l => l.Trim()).ToHashSet(StringComparer.Ordinal);
            if (lines.Contains("role:slave") && lines.Contains("master_port:" + port.ToString(CultureInfo.InvariantCulture)))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"No node reports replicating the primary on port {port}.");
    }

    private static Task<string> ReplicationAsync(IConnectionMultiplexer redis, int port) => NodeState.ReplicationAsync(redis.GetServer("127.0.0.1", port));

    private static Task<string> FlagsAsync(IConnectionMultiplexer redis, int port) => NodeState.FlagsAsync(redis.GetServer("127.0.0.1", port));

    /// <summary>
    /// Reads every key every 100 ms, as the app's readers would: a key the server answers is missing is a miss. Reads
    /// that fail (the killed node, before the client learns the new primary) tell nothing and are not counted.
    /// </summary>
    private sealed class MissWatch : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentDictionary<string, int> _missing = new(StringComparer.Ordinal);
        private Task _loop = Task.CompletedTask;
        private long _reads;

        public long Reads => Interlocked.Read(ref _reads);

        public static MissWatch Start(IDatabase db, IReadOnlyList<string> keys)
        {
            var watch = new MissWatch();
            watch._loop = watch.RunAsync(db, keys);
            return watch;
        }

        public IEnumerable<string> MissingOtherThan(string key) => _missing.Keys.Where(k => k != key);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _loop;
            _stop.Dispose();
        }

        private async Task RunAsync(IDatabase db, IReadOnlyList<string> keys)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    var reads = keys.Select(k => (Key: k, Exists: db.KeyExistsAsync(k))).ToList();
                    foreach (var (key, exists) in reads)
                    {
                        try
                        {
                            if (!await exists)
                            {
                                _missing.AddOrUpdate(key, 1, (_, n) => n + 1);
                            }

                            Interlocked.Increment(ref _reads);
                        }
                        catch (Exception ex) when (ex is RedisException or TimeoutException)
                        {
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
