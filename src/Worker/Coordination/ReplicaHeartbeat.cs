using CacheWarmer.Contracts.Keys;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Coordination;

/// <summary>
/// Keeps <c>{prefix}replica:{id}</c> alive while this replica runs, and its entry in <c>{prefix}replicas</c>, whose
/// members it reads back into <see cref="ReplicaMembership"/> on every beat. When a replica dies holding a lease, the
/// others see its heartbeat gone within <see cref="Ttl"/> and take the lease over instead of waiting out LeaseTtl, and
/// its keys pass to their standbys: a crash costs no miss. A replica that only stalled is harmless: its fenced write fails.
/// </summary>
internal sealed class ReplicaHeartbeat(
    IConnectionMultiplexer redis,
    IOptions<RedisOptions> redisOptions,
    ReplicaIdentity replica,
    ReplicaMembership membership,
    CacheWarmerMetrics metrics,
    TimeProvider time,
    ILogger<ReplicaHeartbeat> logger) : BackgroundService
{
    /// <summary>How long a heartbeat outlives its replica.</summary>
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(2);

    // Three beats per TTL: one late beat (a GC pause, a slow round trip) does not make a live replica look dead.
    private static readonly TimeSpan Interval = Ttl / 4;

    // On Redis's clock, so replicas whose clocks differ agree on who is alive. The set itself expires a while after the
    // last replica stopped beating.
    // KEYS[1] the set of live replicas; ARGV[1] this replica's id, ARGV[2] the heartbeat's TTL in ms.
    private const string BeatScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 30)
        return redis.call('ZRANGE', KEYS[1], 0, -1)
        """;

    private readonly RedisKey _key = WorkerKeys.Replica(redisOptions.Value.KeyPrefix, replica.Id);
    private readonly RedisKey _members = WorkerKeys.Replicas(redisOptions.Value.KeyPrefix);
    private readonly IDatabase _db = redis.GetDatabase(redisOptions.Value.Database);

    /// <summary>True when the replica named <paramref name="replicaId"/> has a live heartbeat.</summary>
    public Task<bool> IsAliveAsync(string replicaId) =>
        _db.KeyExistsAsync(WorkerKeys.Replica(redisOptions.Value.KeyPrefix, replicaId));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                var alive = _db.StringSetAsync(_key, "1", Ttl);
                var members = _db.ScriptEvaluateAsync(BeatScript, [_members], [replica.Id, (long)Ttl.TotalMilliseconds]);
                await alive.ConfigureAwait(false);
                membership.Update(((RedisResult[])(await members.ConfigureAwait(false))!).Select(m => (string)m!));
                metrics.Replicas(membership.Current.Ids.Count);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Others may take this replica's leases and keys meanwhile; its fenced writes then fail, which is safe.
                Log.HeartbeatFailed(logger, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Stopped after the refreshes drained (hosted services stop in reverse order): the others take this
        // replica's keys at their next beat.
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_db.KeyDeleteAsync(_key), _db.SortedSetRemoveAsync(_members, replica.Id)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.HeartbeatFailed(logger, ex);
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
