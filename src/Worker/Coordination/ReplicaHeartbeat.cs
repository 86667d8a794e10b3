using CacheWarmer.Contracts.Keys;
using CacheWarmer.Worker.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Coordination;

/// <summary>
/// Keeps <c>{prefix}replica:{id}</c> alive while this replica runs. When a replica dies holding a lease, the others
/// see its heartbeat gone within <see cref="Ttl"/> and take the lease over instead of waiting out LeaseTtl, so a crash
/// during a refresh does not cost a miss. A replica that only stalled is harmless: its fenced write fails.
/// </summary>
internal sealed class ReplicaHeartbeat(
    IConnectionMultiplexer redis,
    IOptions<RedisOptions> redisOptions,
    ReplicaIdentity replica,
    TimeProvider time,
    ILogger<ReplicaHeartbeat> logger) : BackgroundService
{
    /// <summary>How long a heartbeat outlives its replica.</summary>
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(2);

    // Three beats per TTL: one late beat (a GC pause, a slow round trip) does not make a live replica look dead.
    private static readonly TimeSpan Interval = Ttl / 4;

    private readonly RedisKey _key = WorkerKeys.Replica(redisOptions.Value.KeyPrefix, replica.Id);
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
                await _db.StringSetAsync(_key, "1", Ttl).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Others may take this replica's leases meanwhile; its fenced writes then fail, which is safe.
                Log.HeartbeatFailed(logger, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _db.KeyDeleteAsync(_key).ConfigureAwait(false);
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
