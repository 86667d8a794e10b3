using CacheWarmer.Contracts.Keys;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Coordination;
using CacheWarmer.Worker.Refresh;
using StackExchange.Redis;

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

        var stalled = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-a"), key);
        Assert.True((await stalled.TryAcquireAsync(TimeSpan.FromMilliseconds(300))).Won);

        // The first holder stalls (a GC pause, a partition) until its lease runs out; the next one takes over.
        await Eventually.UntilAsync(async () => !await db.KeyExistsAsync(WorkerKeys.Lease(prefix, key)), TimeSpan.FromSeconds(5), "the stalled lease should expire");
        var next = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-b"), key);
        var (won, pttl, _) = await next.TryAcquireAsync(TimeSpan.FromSeconds(3));
        Assert.True(won);
        Assert.InRange(pttl, 1, 30_000);
        Assert.Equal(FencedWriteOutcome.Written, (await next.WriteAsync("v3 (newer)"u8.ToArray(), TimeSpan.FromSeconds(30))).Outcome);

        // The stalled holder wakes up with its older load and tries every write path it has.
        Assert.Equal(FencedWriteOutcome.LeaseLost, (await stalled.WriteAsync("v2 (older)"u8.ToArray(), TimeSpan.FromSeconds(30))).Outcome);
        Assert.False(await stalled.ExtendAsync(TimeSpan.FromSeconds(3)));
        Assert.Equal(FailSafeOutcome.LeaseLost, (await stalled.KeepOldValueAsync(TimeSpan.FromMinutes(1), TimeSpan.FromHours(1))).Outcome);

        Assert.Equal("v3 (newer)", (string?)await db.StringGetAsync(key));
        Assert.InRange((await db.KeyTimeToLiveAsync(key))!.Value, TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Releasing_a_lease_that_was_taken_over_leaves_the_new_holders_lease_alone()
    {
        var prefix = redis.Prefix();
        var key = prefix + "product:2";
        var db = redis.Connection.GetDatabase();
        var first = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-a"), key);
        Assert.True((await first.TryAcquireAsync(TimeSpan.FromMilliseconds(200))).Won);
        await Eventually.UntilAsync(async () => !await db.KeyExistsAsync(WorkerKeys.Lease(prefix, key)), TimeSpan.FromSeconds(5), "the first lease should expire");
        var second = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-b"), key);
        Assert.True((await second.TryAcquireAsync(TimeSpan.FromSeconds(10))).Won);

        await first.ReleaseAsync();

        Assert.Equal(second.Token, (string?)await db.StringGetAsync(WorkerKeys.Lease(prefix, key)));
        var third = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-c"), key);
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
        var dead = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-dead"), key);
        Assert.True((await dead.TryAcquireAsync(TimeSpan.FromSeconds(30))).Won);

        var b = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-b"), key);
        var c = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-c"), key);
        var (_, _, seenByB) = await b.TryAcquireAsync(TimeSpan.FromSeconds(30));
        var (_, _, seenByC) = await c.TryAcquireAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("replica-dead", LeaseHolders.ReplicaOf(seenByB!));

        var takenByB = await b.TryTakeOverAsync(TimeSpan.FromSeconds(30), seenByB!);
        var takenByC = await c.TryTakeOverAsync(TimeSpan.FromSeconds(30), seenByC!);

        Assert.True(takenByB.Won);
        Assert.InRange(takenByB.Pttl, 1, 30_000);
        Assert.False(takenByC.Won);
        Assert.Equal(b.Token, takenByC.Holder);
        Assert.Equal(FencedWriteOutcome.LeaseLost, (await dead.WriteAsync("stale"u8.ToArray(), TimeSpan.FromSeconds(30))).Outcome);
        var written = await b.WriteAsync("v2"u8.ToArray(), TimeSpan.FromSeconds(30));
        Assert.Equal(FencedWriteOutcome.Written, written.Outcome);
        Assert.InRange(written.PttlBefore, 1, 30_000);
        Assert.Equal("v2", (string?)await db.StringGetAsync(key));
    }

    [Fact]
    public async Task An_app_write_during_the_load_supersedes_the_refresh_whatever_its_ttl()
    {
        var prefix = redis.Prefix();
        var db = redis.Connection.GetDatabase();
        string[] cases = ["with a new TTL", "KEEPTTL", "without a TTL", "PERSIST"];
        foreach (var write in cases)
        {
            var key = prefix + "product:" + write;
            await db.StringSetAsync(key, "old row", TimeSpan.FromSeconds(30));
            var lease = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-a"), key);
            Assert.True((await lease.TryAcquireAsync(TimeSpan.FromSeconds(10))).Won);

            // The app commits a change and writes the new row while the refresh's query (which read the old row) runs.
            await (write switch
            {
                "with a new TTL" => db.StringSetAsync(key, "new row", TimeSpan.FromSeconds(60)),
                "KEEPTTL" => db.StringSetAsync(key, "new row", expiry: null, keepTtl: true),
                "PERSIST" => db.KeyPersistAsync(key),
                _ => db.StringSetAsync(key, "new row"),
            });
            var result = await lease.WriteAsync("old row, loaded before the app's commit"u8.ToArray(), TimeSpan.FromSeconds(30));

            Assert.True(result.Outcome == FencedWriteOutcome.Superseded, $"app write {write}: {result.Outcome}");
            Assert.Equal(write == "PERSIST" ? "old row" : "new row", (string?)await db.StringGetAsync(key));
            Assert.False(await db.KeyExistsAsync(WorkerKeys.Lease(prefix, key)), "a superseded write releases the lease");
        }
    }

    [Fact]
    public async Task An_app_rewriting_the_same_bytes_does_not_stop_the_refresh()
    {
        var prefix = redis.Prefix();
        var key = prefix + "product:same-bytes";
        var db = redis.Connection.GetDatabase();
        await db.StringSetAsync(key, "row", TimeSpan.FromSeconds(30));
        var lease = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-a"), key);
        Assert.True((await lease.TryAcquireAsync(TimeSpan.FromSeconds(10))).Won);
        await db.StringSetAsync(key, "row", TimeSpan.FromSeconds(20));

        Assert.Equal(FencedWriteOutcome.Written, (await lease.WriteAsync("newer row"u8.ToArray(), TimeSpan.FromSeconds(30))).Outcome);
        Assert.Equal("newer row", (string?)await db.StringGetAsync(key));
    }

    [Fact]
    public async Task An_app_delete_during_the_load_supersedes_the_refresh_and_a_natural_expiry_does_not()
    {
        var prefix = redis.Prefix();
        var db = redis.Connection.GetDatabase();
        var deleted = prefix + "product:deleted";
        var expired = prefix + "product:expired";
        await db.StringSetAsync(deleted, "old row", TimeSpan.FromSeconds(30));
        await db.StringSetAsync(expired, "old row", TimeSpan.FromMilliseconds(300));
        var deleting = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-a"), deleted);
        var expiring = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-a"), expired);
        Assert.True((await deleting.TryAcquireAsync(TimeSpan.FromSeconds(10))).Won);
        Assert.True((await expiring.TryAcquireAsync(TimeSpan.FromSeconds(10))).Won);

        // An invalidation: the app deletes the key after its commit, long before the key would have expired.
        await db.KeyDeleteAsync(deleted);
        await Eventually.UntilAsync(async () => !await db.KeyExistsAsync(expired), TimeSpan.FromSeconds(5), "the short-lived key should expire");

        var afterDelete = await deleting.WriteAsync("old row"u8.ToArray(), TimeSpan.FromSeconds(30));
        var afterExpiry = await expiring.WriteAsync("fresh row"u8.ToArray(), TimeSpan.FromSeconds(30));

        Assert.Equal(new FencedWrite(FencedWriteOutcome.Superseded, -2), afterDelete);
        Assert.False(await db.KeyExistsAsync(deleted), "the app's delete must stand");
        Assert.Equal(new FencedWrite(FencedWriteOutcome.Written, -2), afterExpiry);
        Assert.Equal("fresh row", (string?)await db.StringGetAsync(expired));
    }

    [Fact]
    public async Task A_key_missing_when_the_lease_was_taken_is_warmed_unless_the_app_wrote_it_meanwhile()
    {
        var prefix = redis.Prefix();
        var db = redis.Connection.GetDatabase();
        var untouched = prefix + "product:untouched";
        var written = prefix + "product:written-by-app";
        var warming = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-a"), untouched);
        var racing = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-a"), written);
        Assert.Equal(-2, (await warming.TryAcquireAsync(TimeSpan.FromSeconds(10))).Pttl);
        Assert.Equal(-2, (await racing.TryAcquireAsync(TimeSpan.FromSeconds(10))).Pttl);
        await db.StringSetAsync(written, "app row", TimeSpan.FromSeconds(60));

        Assert.Equal(FencedWriteOutcome.Written, (await warming.WriteAsync("row"u8.ToArray(), TimeSpan.FromSeconds(30))).Outcome);
        var raced = await racing.WriteAsync("row"u8.ToArray(), TimeSpan.FromSeconds(30));

        Assert.Equal(FencedWriteOutcome.Superseded, raced.Outcome);
        Assert.InRange(raced.PttlBefore, 50_000, 60_000);
        Assert.Equal("app row", (string?)await db.StringGetAsync(written));
        Assert.Equal("row", (string?)await db.StringGetAsync(untouched));
    }

    [Fact]
    public async Task An_untouched_key_is_written_however_long_the_load_took()
    {
        var prefix = redis.Prefix();
        var key = prefix + "product:untouched-long";
        var db = redis.Connection.GetDatabase();
        await db.StringSetAsync(key, "old row", TimeSpan.FromSeconds(30));
        var lease = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-a"), key);
        Assert.True((await lease.TryAcquireAsync(TimeSpan.FromSeconds(10))).Won);
        // Time passes on Redis's clock between the acquire and the write; the expiry it computes stays the same.
        await Eventually.UntilAsync(async () => (await db.KeyTimeToLiveAsync(key))!.Value < TimeSpan.FromSeconds(29.7), TimeSpan.FromSeconds(5), "some time should pass");

        var result = await lease.WriteAsync("new row"u8.ToArray(), TimeSpan.FromSeconds(30));

        Assert.Equal(FencedWriteOutcome.Written, result.Outcome);
        Assert.Equal("new row", (string?)await db.StringGetAsync(key));
    }

    [Fact]
    public async Task A_key_holding_another_type_is_reported_and_never_overwritten()
    {
        var prefix = redis.Prefix();
        var db = redis.Connection.GetDatabase();
        var hash = prefix + "product:hash";
        var raced = prefix + "product:raced";
        await db.HashSetAsync(hash, [new HashEntry("data", "app's entry")]);
        await db.KeyExpireAsync(hash, TimeSpan.FromSeconds(30));
        var onHash = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-a"), hash);
        var beforeRace = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-a"), raced);
        Assert.True((await onHash.TryAcquireAsync(TimeSpan.FromSeconds(10))).Won);
        Assert.True((await beforeRace.TryAcquireAsync(TimeSpan.FromSeconds(10))).Won);
        // The app puts a hash where the lease found nothing.
        await db.HashSetAsync(raced, [new HashEntry("data", "app's entry")]);

        Assert.Equal("hash", onHash.ForeignType);
        Assert.Null(beforeRace.ForeignType);
        Assert.Equal(FencedWriteOutcome.Superseded, (await beforeRace.WriteAsync("row"u8.ToArray(), TimeSpan.FromSeconds(30))).Outcome);
        Assert.Equal("app's entry", (string?)await db.HashGetAsync(raced, "data"));
        Assert.Equal("app's entry", (string?)await db.HashGetAsync(hash, "data"));
    }

    [Fact]
    public async Task A_fail_safe_extension_is_marked_as_the_workers_own_write()
    {
        var prefix = redis.Prefix();
        var key = prefix + "product:kept";
        var db = redis.Connection.GetDatabase();
        await db.StringSetAsync(key, "old row", TimeSpan.FromSeconds(1));
        var lease = new RefreshLease(db, prefix, LeaseHolders.NewValue("replica-a"), key);
        Assert.True((await lease.TryAcquireAsync(TimeSpan.FromSeconds(10))).Won);

        var kept = await lease.KeepOldValueAsync(TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));

        Assert.Equal(FailSafeOutcome.Kept, kept.Outcome);
        Assert.InRange(kept.TtlMs, 59_000, 60_000);
        // The extension's expire event must not be taken for an app's write (nor, under LFU, its touch for a read).
        Assert.True(await db.KeyExistsAsync(WorkerKeys.Wrote(prefix, key)), "the own-write marker should be set");
        Assert.Equal("old row", (string?)await db.StringGetAsync(key));
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
