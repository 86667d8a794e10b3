using CacheWarmer.Contracts.Keys;
using CacheWarmer.Worker.Coordination;
using CacheWarmer.Worker.Hosting;
using CacheWarmer.Worker.Refresh;
using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Tests.Refresh;

/// <summary>
/// The refresher's decisions, composed as the worker composes it, with Redis faked at its script calls (FakeRedis: each
/// test says what the lease, re-check, fenced write and fail-safe scripts answer, and sees every command sent) and an
/// in-memory SQLite source. The scripts themselves are tested on real Redis (FencedWriteTests, FailSafeTests).
/// </summary>
public sealed class RefresherTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Start = new(2025, 1, 6, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly FakeRedis _redis = new();
    private readonly FakeLogger<Refresher> _logger = new();
    private readonly IHost _host;
    private readonly Refresher _refresher;
    private readonly MetricCollector<long> _refreshes;
    private readonly MetricCollector<double> _loads;

    public RefresherTests()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Serilog:MinimumLevel:Default"] = "Fatal",
            ["CacheWarmer:Sources:catalog:Provider"] = "Sqlite",
            ["CacheWarmer:Sources:catalog:ConnectionString"] = "Data Source=:memory:",
            // A row for every id but "gone"; no table needed.
            ["CacheWarmer:Loaders:product:Key"] = "product:{id}",
            ["CacheWarmer:Loaders:product:Source"] = "catalog",
            ["CacheWarmer:Loaders:product:Query"] = "SELECT @id AS id, 'Widget' AS name WHERE @id <> 'gone'",
            ["CacheWarmer:Loaders:product:Ttl"] = Ttl.ToString(),
            ["CacheWarmer:Loaders:product:TtlJitter"] = "00:00:00",
            // A query that always fails as a source failure would (not the key's fault).
            ["CacheWarmer:Loaders:broken:Key"] = "broken:{id}",
            ["CacheWarmer:Loaders:broken:Source"] = "catalog",
            ["CacheWarmer:Loaders:broken:Query"] = "SELECT id FROM missing WHERE id = @id",
            ["CacheWarmer:Loaders:broken:Ttl"] = Ttl.ToString(),
            ["CacheWarmer:Refresh:LeaseTtl"] = LeaseTtl.ToString(),
        });
        // Registered before the worker's own, which it only adds when missing.
        builder.Services.AddSingleton(_redis.Multiplexer);
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddSingleton<ILogger<Refresher>>(_logger);
        builder.AddCacheWarmer();
        _host = builder.Build();
        _refresher = _host.Services.GetRequiredService<Refresher>();
        var meters = _host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        _refreshes = new MetricCollector<long>(meters, CacheWarmerMetrics.MeterName, "cachewarmer.refreshes");
        _loads = new MetricCollector<double>(meters, CacheWarmerMetrics.MeterName, "cachewarmer.load.duration");
    }

    [Fact]
    public async Task Concurrent_refreshes_of_one_key_join_the_attempt_in_flight_and_one_after_it_starts_anew()
    {
        var acquired = new TaskCompletionSource<RedisResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _redis.Reply(RefreshScripts.Acquire, (_, _) => acquired.Task);
        _redis.Reply(LeaseScripts.Release, (_, _) => Replies.Done);
        var planned = Start.AddSeconds(10);

        var first = _refresher.RefreshAsync("product:1", planned);
        var joined = _refresher.RefreshAsync("product:1", planned, missed: true, failures: 3);
        var other = _refresher.RefreshAsync("product:2", planned);

        Assert.Equal(
            new[] { WorkerKeys.Lease("cw:", "product:1"), WorkerKeys.Lease("cw:", "product:2") },
            _redis.Calls.Select(c => c.Keys[0].ToString()));
        Assert.False(joined.IsCompleted, "the joined call ended before the attempt it joined");
        // Found fresh (another replica wrote it): the cheapest way to end the attempt.
        acquired.SetResult(Replies.Won(pttl: 60_000));
        var result = await first;
        Assert.Same(result, await joined);
        Assert.NotSame(result, await other);
        Assert.Equal(2, _refreshes.GetMeasurementSnapshot().Count);

        var later = await _refresher.RefreshAsync("product:1", planned);
        Assert.NotSame(result, later);
        Assert.Equal(3, _redis.Count(RefreshScripts.Acquire));
    }

    [Fact]
    public async Task A_key_found_expiring_later_than_planned_is_skipped_fresh_without_a_load()
    {
        var planned = Start.AddSeconds(10);
        _redis.Reply(RefreshScripts.Acquire, (_, _) => Replies.Won(pttl: 10_501));
        _redis.Reply(LeaseScripts.Release, (_, _) => Replies.Done);

        var result = await _refresher.RefreshAsync("product:1", planned);

        Assert.Equal(new RefreshResult("product:1", RefreshOutcome.SkippedFresh, planned.AddMilliseconds(501)), result);
        Assert.Empty(_loads.GetMeasurementSnapshot());
        Assert.Equal(["acquire", "release"], Commands());
        Assert.Equal("skipped_fresh", Outcome(Assert.Single(_refreshes.GetMeasurementSnapshot())));
    }

    [Fact]
    public async Task A_key_expiring_later_than_planned_only_within_the_tolerance_is_loaded_and_written()
    {
        var planned = Start.AddSeconds(10);
        _redis.Reply(RefreshScripts.Acquire, (_, _) => Replies.Won(pttl: 10_500));
        RedisValue[]? written = null;
        _redis.Reply(RefreshScripts.FencedWrite, (_, args) =>
        {
            written = args;
            return Replies.Written(before: 10_500);
        });

        var result = await _refresher.RefreshAsync("product:1", planned);

        Assert.Equal(new RefreshResult("product:1", RefreshOutcome.Refreshed, Start + Ttl), result);
        Assert.Single(_loads.GetMeasurementSnapshot());
        Assert.Equal(["acquire", "fenced write"], Commands());
        Assert.Equal("""{"id":"1","name":"Widget"}""", (string?)written![1]);
        Assert.Equal((long)Ttl.TotalMilliseconds, (long)written[2]);
    }

    [Theory]
    [InlineData(400, 400)]
    [InlineData(10, 50)]
    [InlineData(20_000, 1_000)]
    public async Task A_lease_held_by_a_live_replica_is_lease_busy_and_retried_about_when_that_lease_runs_out(long leasePttl, long retryMs)
    {
        var planned = Start.AddSeconds(10);
        _redis.Reply(RefreshScripts.Acquire, (_, _) => Replies.Busy(leasePttl, LeaseHolders.NewValue("replica-b")));
        _redis.Exists = key => key == WorkerKeys.Replica("cw:", "replica-b");

        var result = await _refresher.RefreshAsync("product:1", planned, failures: 2);

        Assert.Equal(RefreshOutcome.LeaseBusy, result.Outcome);
        Assert.Equal(planned, result.ExpiresAt);
        // Looked at again when that lease would run out (from 50 ms to at most a second on), plus up to 100 ms of jitter.
        Assert.InRange(result.RetryAt!.Value, Start.AddMilliseconds(retryMs), Start.AddMilliseconds(retryMs + 100));
        Assert.Equal(2, result.Failures);
        Assert.Equal(["acquire", "exists"], Commands());
        Assert.Equal("lease_busy", Outcome(Assert.Single(_refreshes.GetMeasurementSnapshot())));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_lease_whose_attempt_is_over_is_taken_over_from_the_value_seen_and_the_key_refreshed(bool thisReplicas)
    {
        var replica = thisReplicas ? _host.Services.GetRequiredService<ReplicaIdentity>().Id : "replica-dead";
        var holder = LeaseHolders.NewValue(replica);
        var planned = Start.AddSeconds(1);
        _redis.Reply(RefreshScripts.Acquire, (_, _) => Replies.Busy(20_000, holder));
        RedisValue? takenFrom = null;
        _redis.Reply(RefreshScripts.TakeOver, (_, args) =>
        {
            takenFrom = args[2];
            return Replies.Won(pttl: 1_000);
        });
        _redis.Reply(RefreshScripts.FencedWrite, (_, _) => Replies.Written(before: 1_000));

        var result = await _refresher.RefreshAsync("product:1", planned);

        Assert.Equal(RefreshOutcome.Refreshed, result.Outcome);
        Assert.Equal(holder, (string?)takenFrom);
        // A dead replica is told by its heartbeat; this replica's own orphan needs no look.
        Assert.Equal(thisReplicas ? new[] { "acquire", "take over", "fenced write" } : ["acquire", "exists", "take over", "fenced write"], Commands());
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Id.Name == (thisReplicas ? "OwnLeaseTakenOver" : "LeaseTakenOver"));
    }

    [Fact]
    public async Task A_failed_load_keeps_the_old_value_through_the_fail_safe_and_never_writes_or_deletes_it()
    {
        _redis.Reply(RefreshScripts.Acquire, (_, _) => Replies.Won(pttl: 2_000));
        RedisValue[]? kept = null;
        _redis.Reply(RefreshScripts.FailSafeExtend, (_, args) =>
        {
            kept = args;
            return Replies.Kept(ttlMs: 60_000);
        });

        var result = await _refresher.RefreshAsync("broken:1", Start.AddSeconds(2), failures: 1);

        Assert.Equal(RefreshOutcome.FailSafe, result.Outcome);
        Assert.Equal(Start.AddMinutes(1), result.ExpiresAt);
        // The second failure in a row: RetryDelay (1 s) x 2, jittered by half either way.
        Assert.InRange(result.RetryAt!.Value, Start.AddSeconds(1), Start.AddSeconds(3));
        Assert.Equal(2, result.Failures);
        Assert.Equal(["acquire", "fail-safe"], Commands());
        // FailSafe:Extension (1 min) and MaxStale (1 h) by default.
        Assert.Equal([60_000L, 3_600_000L], kept![1..3].Select(v => (long)v));
        var logged = Assert.Single(_logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Equal("FailSafe", logged.Id.Name);
        Assert.Contains("no such table: missing", logged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_load_with_no_old_value_to_keep_fails_and_backs_off_without_a_write()
    {
        _redis.Reply(RefreshScripts.Acquire, (_, _) => Replies.Won(pttl: -2));
        _redis.Reply(RefreshScripts.FailSafeExtend, (_, _) => Replies.Kept(ttlMs: -2));

        var result = await _refresher.RefreshAsync("broken:1", plannedExpiry: null);

        Assert.Equal(RefreshOutcome.Failed, result.Outcome);
        Assert.Null(result.ExpiresAt);
        // The first failure: RetryDelay (1 s), jittered by half either way.
        Assert.InRange(result.RetryAt!.Value, Start.AddSeconds(0.5), Start.AddSeconds(1.5));
        Assert.Equal(1, result.Failures);
        Assert.Equal(["acquire", "fail-safe"], Commands());
        Assert.Equal("LoadFailed", Assert.Single(_logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning).Id.Name);
    }

    [Fact]
    public async Task A_lease_lost_during_the_load_writes_nothing_more_and_is_looked_at_again_after_a_third_of_the_lease()
    {
        var planned = Start.AddSeconds(1);
        _redis.Reply(RefreshScripts.Acquire, (_, _) => Replies.Won(pttl: 1_000));
        _redis.Reply(RefreshScripts.FencedWrite, (_, _) => Replies.LeaseLost);

        var result = await _refresher.RefreshAsync("product:1", planned, failures: 1);

        Assert.Equal(new RefreshResult("product:1", RefreshOutcome.LeaseBusy, planned, Start + (LeaseTtl / 3), Failures: 1), result);
        // The refused write is the last command: no fail-safe extension of the old value, no release of the new holder's lease.
        Assert.Equal(["acquire", "fenced write"], Commands());
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Id.Name == "LeaseLost");
        Assert.Equal("lease_busy", Outcome(Assert.Single(_refreshes.GetMeasurementSnapshot())));
    }

    [Fact]
    public async Task A_query_that_finds_no_row_writes_nothing_and_releases_the_lease_as_no_value()
    {
        var planned = Start.AddSeconds(3);
        _redis.Reply(RefreshScripts.Acquire, (_, _) => Replies.Won(pttl: 3_000));
        _redis.Reply(LeaseScripts.Release, (_, _) => Replies.Done);

        var result = await _refresher.RefreshAsync("product:gone", planned, failures: 2);

        // The app's value, if any, keeps its expiry; the failures in a row end.
        Assert.Equal(new RefreshResult("product:gone", RefreshOutcome.NoValue, planned), result);
        Assert.Single(_loads.GetMeasurementSnapshot());
        Assert.Equal(["acquire", "release"], Commands());
        Assert.Contains(_logger.Collector.GetSnapshot(), r => r.Id.Name == "NoValue");
        Assert.Empty(_refreshes.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task A_key_no_loader_owns_sends_nothing_to_Redis()
    {
        var result = await _refresher.RefreshAsync("user:1", Start.AddSeconds(3));

        Assert.Equal(new RefreshResult("user:1", RefreshOutcome.NotManaged, null), result);
        Assert.Empty(_redis.Calls);
        Assert.Empty(_refreshes.GetMeasurementSnapshot());
    }

    public async ValueTask DisposeAsync()
    {
        _refreshes.Dispose();
        _loads.Dispose();
        // The sources' connections only dispose asynchronously.
        await ((IAsyncDisposable)_host).DisposeAsync();
    }

    private static string? Outcome(CollectedMeasurement<long> measurement) => measurement.Tags["outcome"]?.ToString();

    // The commands sent, by what they are.
    private List<string> Commands() => [.. _redis.Calls.Select(c => c.Script switch
    {
        RefreshScripts.Acquire => "acquire",
        RefreshScripts.TakeOver => "take over",
        RefreshScripts.FencedWrite => "fenced write",
        RefreshScripts.FailSafeExtend => "fail-safe",
        LeaseScripts.Extend => "extend",
        LeaseScripts.Release => "release",
        null => c.Command.ToLowerInvariant(),
        _ => "another script",
    })];

    // The replies of the refresh scripts, as RefreshScripts documents them.
    private static class Replies
    {
        public static readonly RedisResult Done = RedisResult.Create(1);

        public static readonly RedisResult LeaseLost = Array(3);

        public static RedisResult Won(long pttl) => Array(1, pttl, pttl == -2 ? "" : "string:0a1b", Start.ToUnixTimeMilliseconds());

        public static RedisResult Busy(long leasePttl, string holder) => Array(0, leasePttl, holder);

        public static RedisResult Written(long before) => Array(1, before);

        public static RedisResult Kept(long ttlMs) => RedisResult.Create(ttlMs);

        private static RedisResult Array(params RedisValue[] values) => RedisResult.Create([.. values.Select(v => RedisResult.Create(v))]);
    }
}
