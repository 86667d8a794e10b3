using CacheWarmer.Contracts.Keys;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Coordination;

namespace CacheWarmer.IntegrationTests;

/// <summary>
/// A lease this replica took but never heard back about (the reply to its acquire was lost, or its release failed)
/// does not keep the key from being refreshed until the lease runs out: the next attempt takes it over.
/// </summary>
public sealed class OrphanedLeaseTests(RedisFixture redis, PostgresFixture postgres)
{
    [Fact]
    public async Task A_lease_left_by_an_earlier_attempt_of_this_replica_is_taken_over_at_once()
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("orphaned_lease"), 1, TestContext.Current.CancellationToken);
        var config = new WorkerConfig(redis.Configuration, redis.Prefix())
            .WithPostgres(catalog.ConnectionString)
            .With("CacheWarmer:Loaders:product:Ttl", "00:01:00")
            .With("CacheWarmer:Refresh:LeaseTtl", "00:00:50");
        var db = redis.Connection.GetDatabase();
        await using var worker = await WorkerHost.StartAsync(config);
        var key = config.Key(1);
        var prefix = config.Prefix + "cw:";

        // What a lost acquire reply leaves: this replica's lease on the key, held by no running attempt, for 50 s.
        await db.StringSetAsync(WorkerKeys.Lease(prefix, key), worker.Get<ReplicaIdentity>().Id + ":0123456789abcdef", TimeSpan.FromSeconds(50));
        await db.StringSetAsync(key, "app placeholder", TimeSpan.FromSeconds(1));

        await Eventually.UntilAsync(
            async () => ((string?)await db.StringGetAsync(key))?.StartsWith("{\"id\":1,", StringComparison.Ordinal) == true,
            TimeSpan.FromSeconds(15),
            "the worker should take its own orphaned lease over and refresh the key long before the lease's 50 s are up");
        Assert.False(await db.KeyExistsAsync(WorkerKeys.Lease(prefix, key)), "the take-over's write releases the lease");
    }
}
