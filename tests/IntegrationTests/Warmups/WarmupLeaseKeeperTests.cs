using CacheWarmer.Contracts.Keys;
using CacheWarmer.IntegrationTests.Infrastructure;
using CacheWarmer.TestUtils;
using CacheWarmer.Worker.Warmups;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace CacheWarmer.IntegrationTests.Warmups;

/// <summary>The keep-alive of a firing's lease on real Redis, with its extensions failed on purpose and time faked.</summary>
public sealed class WarmupLeaseKeeperTests(RedisFixture redis)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Period = Ttl / 3;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task One_failed_extension_is_tried_again_at_the_next_tick_and_the_firing_keeps_its_lease()
    {
        var (faulty, lease, leaseKey) = await AcquireAsync(redis.Prefix());
        var time = new FakeTimeProvider();
        var logger = new FakeLogger();
        using var run = new CancellationTokenSource();
        var failNext = 1;
        faulty.Fails = (method, args) => IsExtension(method, args) && Interlocked.Decrement(ref failNext) >= 0;
        var keeper = WarmupLeaseKeeper.KeepAsync(lease, time.GetUtcNow() + Ttl, Ttl, run, time, logger, "rush", DateTimeOffset.UnixEpoch);
        var db = redis.Connection.GetDatabase();
        await db.KeyExpireAsync(leaseKey, Ttl - Period);

        time.Advance(Period);
        await Eventually.UntilAsync(() => logger.Collector.Count == 1, Wait, "the failed extension should be logged");
        time.Advance(Period);

        await Eventually.UntilAsync(
            async () => await db.KeyTimeToLiveAsync(leaseKey) > Ttl - Period,
            Wait,
            "the next tick should extend the lease to its full TTL");
        Assert.False(run.IsCancellationRequested);
        Assert.Equal(1, faulty.Faults);
        await run.CancelAsync();
        await keeper.WaitAsync(Wait, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_lease_that_cannot_be_extended_stops_the_firing_before_it_runs_out()
    {
        var (faulty, lease, _) = await AcquireAsync(redis.Prefix());
        var time = new FakeTimeProvider();
        var logger = new FakeLogger();
        using var run = new CancellationTokenSource();
        faulty.Fails = IsExtension;
        var keeper = WarmupLeaseKeeper.KeepAsync(lease, time.GetUtcNow() + Ttl, Ttl, run, time, logger, "rush", DateTimeOffset.UnixEpoch);

        // Two ticks fail; the firing still runs while the lease has more than a sixth of its TTL left.
        time.Advance(Period);
        await Eventually.UntilAsync(() => logger.Collector.Count == 1, Wait, "the first failed extension should be logged");
        time.Advance(Period);
        await Eventually.UntilAsync(() => logger.Collector.Count == 2, Wait, "the second failed extension should be logged");
        Assert.False(run.IsCancellationRequested, "the firing stopped while its lease still had a third of its TTL");

        time.Advance(Period / 2);

        await Eventually.UntilAsync(() => run.IsCancellationRequested, Wait, "the firing should be stopped before its lease runs out");
        await keeper.WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.Equal(2, faulty.Faults);
        Assert.Contains("stopping the firing here", logger.LatestRecord.Message, StringComparison.Ordinal);
    }

    private static bool IsExtension(System.Reflection.MethodInfo method, object?[] args) =>
        FaultyRedis.IsScript(method, args, "PEXPIRE", ":warmup:") && !FaultyRedis.IsScript(method, args, "'done'", ":warmup:");

    private async Task<(FaultyRedis Faulty, WarmupLease Lease, string LeaseKey)> AcquireAsync(string prefix)
    {
        var faulty = new FaultyRedis();
        var fire = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var lease = new WarmupLease(faulty.Wrap(redis.Connection.GetDatabase()), prefix, "rush", fire, "replica-a");
        Assert.True((await lease.TryAcquireAsync(Ttl)).Won);
        return (faulty, lease, WorkerKeys.Warmup(prefix, "rush", fire.ToUnixTimeMilliseconds()));
    }
}
