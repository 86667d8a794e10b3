using CacheWarmer.Contracts.Sampling;
using CacheWarmer.DemoApp.Catalog;
using Microsoft.Data.Sqlite;
using StackExchange.Redis;

namespace CacheWarmer.DemoApp.Traffic;

/// <summary>
/// One request loop of the simulated app, caching the way most apps do: GET; on a miss, load from the database and
/// SET with a TTL. No locks, no early refresh: keeping hot keys from expiring is left to the worker.
/// </summary>
internal sealed class CacheAsideReader(
    IDatabase redis,
    ProductLoader loader,
    ZipfKeyChooser chooser,
    TrafficStats stats,
    AccessSampler? samples,
    StatusPrinter printer,
    TrafficOptions options,
    TimeProvider time)
{
    // Verifying every hit would double the database load; one in 50 still checks hundreds of values per run.
    private const int CheckEveryNthHit = 50;

    public async Task RunAsync(TimeSpan pause, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await ReadAsync(chooser.Next());
            try
            {
                await Task.Delay(pause, time, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ReadAsync(int id)
    {
        var key = TrafficOptions.Key(id);
        var wasWarm = stats.IsWarm(id);
        samples?.Record(key);
        try
        {
            var cached = await redis.StringGetAsync(key);
            if (cached.HasValue)
            {
                if (stats.RecordHit(id) % CheckEveryNthHit == 0)
                {
                    await CheckAsync(id, (byte[])cached!);
                }

                return;
            }

            var missesAfterWarmup = stats.RecordMiss(id, wasWarm);
            if (missesAfterWarmup > 0)
            {
                printer.KeyExpired(key, missesAfterWarmup);
            }

            var value = await loader.LoadAsync(id);
            stats.RecordDatabaseLoad();
            if (value is not null)
            {
                // Exactly what the worker writes: SET key value PX ttl.
                await redis.StringSetAsync(key, value, options.Ttl);
                stats.MarkWarm(id);
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException or SqliteException)
        {
            stats.RecordError();
            printer.ReadFailed(key, e);
        }
    }

    private async Task CheckAsync(int id, byte[] cached)
    {
        var expected = await loader.LoadAsync(id);
        var matched = expected is not null && cached.AsSpan().SequenceEqual(expected);
        stats.RecordCheck(matched);
        if (!matched)
        {
            printer.Mismatch(TrafficOptions.Key(id), cached, expected);
        }
    }
}
