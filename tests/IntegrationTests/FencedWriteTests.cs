using CacheWarmer.Contracts.Keys;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Refresh;

namespace CacheWarmer.IntegrationTests;

/// <summary>Invariant 2: a refresh never overwrites a newer value.</summary>
public sealed class FencedWriteTests(RedisFixture redis)
{
    [Fact]
    public async Task A_holder_that_stalled_past_its_lease_cannot_overwrite_the_next_holders_value()
    {
        var prefix = redis.Prefix();
        var key = prefix + "product:1";
        var db = redis.Connection.GetDatabase();
        await db.StringSetAsync(key, "v1", TimeSpan.FromSeconds(30));

        var stalled = new RefreshLease(db, prefix, "replica-a", key);
        Assert.True((await stalled.TryAcquireAsync(TimeSpan.FromMilliseconds(300))).Won);

        // The first holder stalls (a GC pause, a partition) until its lease runs out; the next one takes over.
        await Eventually.UntilAsync(async () => !await db.KeyExistsAsync(WorkerKeys.Lease(prefix, key)), TimeSpan.FromSeconds(5), "the stalled lease should expire");
        var next = new RefreshLease(db, prefix, "replica-b", key);
        var (won, pttl, _) = await next.TryAcquireAsync(TimeSpan.FromSeconds(3));
        Assert.True(won);
        Assert.InRange(pttl, 1, 30_000);
        Assert.True(await next.WriteAsync("v3 (newer)"u8.ToArray(), TimeSpan.FromSeconds(30)) > 0);

        // The stalled holder wakes up with its older load and tries every write path it has.
        Assert.Equal(-3, await stalled.WriteAsync("v2 (older)"u8.ToArray(), TimeSpan.FromSeconds(30)));
        Assert.False(await stalled.ExtendAsync(TimeSpan.FromSeconds(3)));
        Assert.Equal(-3, await stalled.KeepOldValueAsync(TimeSpan.FromMinutes(1), TimeSpan.FromHours(1)));

        Assert.Equal("v3 (newer)", (string?)await db.StringGetAsync(key));
        Assert.InRange((await db.KeyTimeToLiveAsync(key))!.Value, TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Releasing_a_lease_that_was_taken_over_leaves_the_new_holders_lease_alone()
    {
        var prefix = redis.Prefix();
        var key = prefix + "product:2";
        var db = redis.Connection.GetDatabase();
        var first = new RefreshLease(db, prefix, "replica-a", key);
        Assert.True((await first.TryAcquireAsync(TimeSpan.FromMilliseconds(200))).Won);
        await Eventually.UntilAsync(async () => !await db.KeyExistsAsync(WorkerKeys.Lease(prefix, key)), TimeSpan.FromSeconds(5), "the first lease should expire");
        var second = new RefreshLease(db, prefix, "replica-b", key);
        Assert.True((await second.TryAcquireAsync(TimeSpan.FromSeconds(10))).Won);

        await first.ReleaseAsync();

        Assert.Equal(second.Token, (string?)await db.StringGetAsync(WorkerKeys.Lease(prefix, key)));
        var third = new RefreshLease(db, prefix, "replica-c", key);
        var (won, leasePttl, holder) = await third.TryAcquireAsync(TimeSpan.FromSeconds(10));
        Assert.False(won);
        Assert.InRange(leasePttl, 1, 10_000);
        Assert.Equal(second.Token, holder);
    }

    [Fact]
    public async Task Only_one_survivor_takes_over_a_dead_replicas_lease_and_the_dead_holder_can_no_longer_write()
    {
        var prefix = redis.Prefix();
        var key = prefix + "product:3";
        var db = redis.Connection.GetDatabase();
        await db.StringSetAsync(key, "v1", TimeSpan.FromSeconds(30));
        var dead = new RefreshLease(db, prefix, "replica-dead", key);
        Assert.True((await dead.TryAcquireAsync(TimeSpan.FromSeconds(30))).Won);

        var b = new RefreshLease(db, prefix, "replica-b", key);
        var c = new RefreshLease(db, prefix, "replica-c", key);
        var (_, _, seenByB) = await b.TryAcquireAsync(TimeSpan.FromSeconds(30));
        var (_, _, seenByC) = await c.TryAcquireAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("replica-dead", RefreshLease.ReplicaOf(seenByB!));

        var takenByB = await b.TryTakeOverAsync(TimeSpan.FromSeconds(30), seenByB!);
        var takenByC = await c.TryTakeOverAsync(TimeSpan.FromSeconds(30), seenByC!);

        Assert.True(takenByB.Won);
        Assert.InRange(takenByB.Pttl, 1, 30_000);
        Assert.False(takenByC.Won);
        Assert.Equal(b.Token, takenByC.Holder);
        Assert.Equal(-3, await dead.WriteAsync("stale"u8.ToArray(), TimeSpan.FromSeconds(30)));
        Assert.True(await b.WriteAsync("v2"u8.ToArray(), TimeSpan.FromSeconds(30)) > 0);
        Assert.Equal("v2", (string?)await db.StringGetAsync(key));
    }

    [Fact]
    public void Lease_key_shares_the_data_keys_cluster_slot()
    {
        foreach (var key in new[] { "product:1", "user:{42}:profile", "price:eu:7" })
        {
            var lease = WorkerKeys.Lease("cw:", key);
            Assert.Equal(redis.Connection.HashSlot(key), redis.Connection.HashSlot(lease));
            Assert.Equal(redis.Connection.HashSlot(key), redis.Connection.HashSlot(WorkerKeys.Stale("cw:", key)));
        }
    }
}
