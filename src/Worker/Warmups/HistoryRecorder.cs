using CacheWarmer.HotKeyTracker.Hotness;
using CacheWarmer.Worker.Configuration;
using CacheWarmer.Worker.Coordination;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace CacheWarmer.Worker.Warmups;

/// <summary>
/// Records the access history predictions read: at the end of every 5-minute slot (UTC), the hot-key model's top N
/// (N the largest <c>Predict:Top</c> configured) with at least <c>HotKeys:MinRatePerMinute</c> reads a minute, into the
/// slot's sorted set, scored by reads per minute. Every replica tries; the one that sets the slot's lease NX writes it,
/// so each slot is written once and history survives restarts and is shared. Runs only when some warmup has
/// <c>Predict</c>.
/// </summary>
internal sealed class HistoryRecorder(
    IConnectionMultiplexer redis,
    IOptions<WarmupsOptions> warmups,
    IOptions<RedisOptions> redisOptions,
    IOptions<HotKeysOptions> hotKeys,
    HotKeyModel model,
    ReplicaIdentity replica,
    TimeProvider time,
    ILogger<HistoryRecorder> logger) : BackgroundService
{
    /// <summary>How long a slot's history is kept: the weeks a prediction reads, plus its longest lead and window.</summary>
    public static readonly TimeSpan Keep = TimeSpan.FromDays((7 * WarmupPrediction.Weeks) + 2);

    /// <summary>How long a slot's lease is kept: long past the moment every replica tries that slot.</summary>
    public static readonly TimeSpan LeaseLife = TimeSpan.FromHours(1);

    /// <summary>The N recorded per slot: the largest <c>Predict:Top</c>, or 0 when no warmup predicts.</summary>
    public int Top => warmups.Value.Values.Select(w => w.Predict?.Top ?? 0).DefaultIfEmpty(0).Max();

    /// <summary>
    /// Writes <paramref name="slot"/>'s history from the model now, if no replica has; true when this one wrote it.
    /// </summary>
    public async Task<bool> RecordAsync(HistorySlot slot)
    {
        var prefix = redisOptions.Value.KeyPrefix;
        var db = redis.GetDatabase(redisOptions.Value.Database);
        if (!await db.StringSetAsync(slot.LeaseKey(prefix), replica.Id, LeaseLife, When.NotExists).ConfigureAwait(false))
        {
            return false;
        }

        var min = Math.Max(hotKeys.Value.MinRatePerMinute, double.Epsilon);
        var entries = model.Top(Math.Max(Top, 1))
            .Where(e => e.RatePerMinute >= min && !double.IsInfinity(e.RatePerMinute))
            .Select(e => new SortedSetEntry(e.Key, e.RatePerMinute))
            .ToArray();
        if (entries.Length > 0)
        {
            var key = slot.Key(prefix);
            var write = db.CreateTransaction();
            _ = write.SortedSetAddAsync(key, entries);
            _ = write.KeyExpireAsync(key, Keep);
            await write.ExecuteAsync().ConfigureAwait(false);
        }

        Log.HistoryRecorded(logger, slot.Start, entries.Length);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Top == 0)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var end = HistorySlot.Containing(now).Next.Start;
            try
            {
                await Task.Delay(end - now, time, stoppingToken).ConfigureAwait(false);
                // The slot that just ended: the model's rates now are those of its last minutes.
                await RecordAsync(HistorySlot.Containing(end - TimeSpan.FromTicks(1))).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // That slot stays empty (predictions leave it out of their mean); the next one is tried as usual.
                Log.HistoryFailed(logger, end, ex);
            }
        }
    }
}
