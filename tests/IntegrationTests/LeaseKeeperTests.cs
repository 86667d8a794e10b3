using CacheWarmer.Contracts.Keys;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Coordination;
using CacheWarmer.Worker.Refresh;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace CacheWarmer.IntegrationTests;

/// <summary>A long load keeps its lease; a finished one stops extending it (LeaseKeeper, on real Redis).</summary>
public sealed class LeaseKeeperTests(RedisFixture redis)
{
    private static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_load_running_past_a_third_of_the_lease_extends_it_to_a_full_lease_again()
    {
        var (db, leaseKey, lease) = await AcquireAsync(redis.Prefix());
        var time = new FakeTimeProvider();
        var keeper = new LeaseKeeper(lease, "product:1", LeaseTtl, time, new FakeLogger());
        // Most of the lease has run out while the load runs.
        await db.KeyExpireAsync(leaseKey, TimeSpan.FromSeconds(2));

        time.Advance(LeaseTtl / 3);

        await Eventually.UntilAsync(
            async () => (await db.KeyTimeToLiveAsync(leaseKey)) > TimeSpan.FromSeconds(20),
            TimeSpan.FromSeconds(10),
            "the keeper should extend the lease back to its full TTL");
        await keeper.StopAsync();
        Assert.Equal(lease.Token, (string?)await db.StringGetAsync(leaseKey));
    }

    [Fact]
    public async Task A_load_that_ended_extends_its_lease_no_more()
    {
        var prefix = redis.Prefix();
        var (db, endedKey, endedLease) = await AcquireAsync(prefix, "product:1");
        var (_, runningKey, runningLease) = await AcquireAsync(prefix, "product:2");
        var time = new FakeTimeProvider();
        var ended = new LeaseKeeper(endedLease, "product:1", LeaseTtl, time, new FakeLogger());
        var running = new LeaseKeeper(runningLease, "product:2", LeaseTtl, time, new FakeLogger());
        await db.KeyExpireAsync(endedKey, TimeSpan.FromSeconds(20));
        await db.KeyExpireAsync(runningKey, TimeSpan.FromSeconds(20));

        await ended.StopAsync();
        time.Advance(LeaseTtl / 3);

        // Both keepers were due at this instant and share one connection, so once the running load's extension has
        // landed, the ended load's would have landed before it: its lease must still be on the shorter TTL.
        await Eventually.UntilAsync(
            async () => (await db.KeyTimeToLiveAsync(runningKey)) > TimeSpan.FromSeconds(20),
            TimeSpan.FromSeconds(10),
            "the keeper of the load still running should extend its lease");
        Assert.InRange((await db.KeyTimeToLiveAsync(endedKey))!.Value, TimeSpan.Zero, TimeSpan.FromSeconds(20));
        await running.StopAsync();
    }

    private async Task<(StackExchange.Redis.IDatabase Db, string LeaseKey, RefreshLease Lease)> AcquireAsync(string prefix, string name = "product:1")
    {
        var key = prefix + name;
        var db = redis.Connection.GetDatabase();
        await db.StringSetAsync(key, "v1", TimeSpan.FromMinutes(5));
        var lease = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-a"), key);
        Assert.True((await lease.TryAcquireAsync(LeaseTtl)).Won);
        return (db, WorkerKeys.Lease(prefix, key), lease);
    }
}
