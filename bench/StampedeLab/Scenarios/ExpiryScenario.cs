using System.Globalization;
using System.Text.Json;
using CacheWarmer.RefreshBench;
using CacheWarmer.StampedeLab.Reader;
using StackExchange.Redis;

namespace CacheWarmer.StampedeLab.Scenarios;

/// <summary>
/// The classic stampede, one strategy at a time: R reader processes start a light steady load on a cold key (their
/// first reads load it); once the warm-up loads are done the lab reads the key's PTTL, publishes the instant it
/// expires, and every process's share of the N readers arrives at that instant.
/// </summary>
internal static class ExpiryScenario
{
    /// <summary>Readers arrive this long after the key's expiry instant, so every cache level has expired.</summary>
    public static readonly TimeSpan AfterExpiry = TimeSpan.FromMilliseconds(50);

    public static async Task<ExpiryOutcome> RunAsync(LabServers servers, LabOptions options, string strategy, string workDirectory, CancellationToken cancellationToken)
    {
        var ns = ReaderSpecs.Namespace(strategy);
        WorkerReplica? worker = LabOptions.RunsWorker(strategy) ? await LabWorker.StartAsync(servers, options, strategy, cancellationToken) : null;
        try
        {
            var specs = Enumerable.Range(1, options.Replicas).Select(p => ReaderSpecs.For(LabScenario.Expiry, servers, options, strategy, p, workDirectory) with
            {
                Requests = (options.Requests / options.Replicas) + (p <= options.Requests % options.Replicas ? 1 : 0),
            }).ToList();

            var readers = ReaderProcesses.RunAsync(specs, workDirectory, options.Ttl * 3 + TimeSpan.FromMinutes(5), cancellationToken);
            var start = await StartLine.ReleaseAsync(servers.Admin.GetDatabase(), ns, options.Replicas, readers, cancellationToken);
            var (cutoff, expiry) = await PublishBurstAsync(servers, options, strategy, ns, start, readers, cancellationToken);
            var results = await readers;
            if (worker is not null)
            {
                await worker.StopAsync();
            }

            var loads = await servers.LoadsOfAsync(strategy);
            // The expiry's window: from the end of the warm-up to the last burst read (a reader's load ends before its
            // read does, so every reader query of the burst is inside; a worker's next-cycle refresh is not). Readers
            // report whole milliseconds, truncated, while the database stamps microseconds: the last load can land in
            // the same millisecond as the burst's end, after its truncated value, so the window closes one ms later.
            var end = DateTimeOffset.FromUnixTimeMilliseconds(results.Max(r => r.BurstEndUnixMs) + 1).UtcDateTime;
            var window = loads.Where(l => l.At >= cutoff.UtcDateTime && l.At <= end).ToList();
            var burst = results.SelectMany(r => r.Burst).ToList();
            var burstStart = DateTimeOffset.FromUnixTimeMilliseconds(results.Min(r => r.BurstUnixMs)).UtcDateTime;
            return new ExpiryOutcome
            {
                Strategy = strategy,
                Requests = burst.Count,
                Processes = results.Length,
                Queries = window.Count,
                QueriesByWorker = window.Count(l => l.Replica.EndsWith("-worker", StringComparison.Ordinal)),
                ReaderQueriesInBurst = loads.Count(l => l.At >= burstStart && l.At <= end && !l.Replica.EndsWith("-worker", StringComparison.Ordinal)),
                QueriesTotal = loads.Count,
                Latencies = burst.Select(b => b.LatencyMs).Order().ToArray(),
                Misses = burst.Count(b => b.Miss),
                Timeouts = burst.Count(b => b.TimedOut),
                Errors = (int)results.Sum(r => r.Errors),
                Wrong = results.Sum(r => r.Wrong),
                SteadyReads = results.Sum(r => r.SteadyReads),
                LateSteadyMisses = results.Sum(r => r.LateSteadyMisses),
                LateSteadyTimeouts = results.Sum(r => r.LateSteadyTimeouts),
                BurstSpreadMs = results.Max(r => r.BurstUnixMs) - results.Min(r => r.BurstUnixMs),
                BurstLateMs = results.Min(r => r.BurstUnixMs) - (expiry + (long)AfterExpiry.TotalMilliseconds),
                FirstError = results.Select(r => r.FirstError).FirstOrDefault(e => e is not null),
                WarmupEndMs = cutoff.ToUnixTimeMilliseconds() - expiry,
                Timeline = loads.Select(l => (new DateTimeOffset(l.At, TimeSpan.Zero).ToUnixTimeMilliseconds() - expiry, l.Replica["lab-".Length..])).ToList(),
            };
        }
        finally
        {
            if (worker is not null)
            {
                await worker.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Waits until the readers' warm-up wrote the key and its loads are over, reads when it expires and publishes the
    /// burst instant. Returns the end of the warm-up (loads after it count for the expiry) and the expiry (Unix ms).
    /// </summary>
    private static async Task<(DateTimeOffset Cutoff, long Expiry)> PublishBurstAsync(
        LabServers servers, LabOptions options, string strategy, string ns, DateTimeOffset start, Task readers, CancellationToken cancellationToken)
    {
        var db = servers.Admin.GetDatabase();
        var deadline = start + options.Ttl + TimeSpan.FromSeconds(60);
        RedisKey? key;
        while ((key = await FindDataKeyAsync(servers, strategy, ns)) is null)
        {
            if (readers.IsCompleted)
            {
                await readers; // a reader process failed: surface its error
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"{strategy}: the readers' warm-up never wrote the key under {ns}.");
            }

            await Task.Delay(50, cancellationToken);
        }

        // Loads that started while the key was missing (cache-aside's warm-up) end about one backend delay later;
        // then wait until the database runs none of the readers' queries, so later loads are the expiry's only.
        await Task.Delay(options.BackendDelay + TimeSpan.FromMilliseconds(500), cancellationToken);
        while (await ActiveReaderQueriesAsync(servers, strategy, options.Replicas) > 0)
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"{strategy}: the readers' warm-up queries never ended.");
            }

            await Task.Delay(50, cancellationToken);
        }

        var cutoff = DateTimeOffset.UtcNow;
        var expiry = await ExpiryAsync(db, key.Value, options.BackendDelay + TimeSpan.FromMilliseconds(100))
            ?? throw new InvalidOperationException($"{strategy}: {key} has no TTL or vanished during the warm-up.");
        var ttl = TimeSpan.FromMilliseconds(expiry - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var burstAt = expiry + (long)AfterExpiry.TotalMilliseconds;
        await db.StringSetAsync(ReaderSpec.BurstKey(ns), burstAt, options.Ttl * 4);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{strategy}: warm-up done; {key} expires in {ttl.TotalSeconds:0.000} s; {options.Requests} readers arrive then"));
        return (cutoff, expiry);
    }

    private static async Task<int> ActiveReaderQueriesAsync(LabServers servers, string strategy, int processes)
    {
        var active = 0;
        for (var p = 1; p <= processes; p++)
        {
            active += await servers.Catalog.ActiveQueriesAsync(LabServers.AppName(strategy, $"p{p}"));
        }

        return active;
    }

    /// <summary>
    /// When the key expires for its readers (Unix ms). RedisCache (the libraries' second level) keeps the entry's
    /// absolute expiration in the hash field <c>absexp</c> (UTC ticks) and gives the Redis key a TTL in whole seconds,
    /// rounded down, so the Redis key can vanish up to a second before the entry expires in the processes' memory:
    /// the field is the instant that counts. With FusionCache's fail-safe the hash lives far longer
    /// (FailSafeMaxDuration), so its entry's own logical expiration counts instead; FusionCache stamps it from the
    /// factory's start while the memory copy lives from its end, so <paramref name="load"/> (about one load) is added.
    /// Plain keys: PTTL.
    /// </summary>
    public static async Task<long?> ExpiryAsync(IDatabase db, RedisKey key, TimeSpan load)
    {
        if (await db.KeyTypeAsync(key) == RedisType.Hash)
        {
            var fields = await db.HashGetAsync(key, ["absexp", "data"]);
            long? absolute = (long?)fields[0] is { } ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero).ToUnixTimeMilliseconds() : null;
            if (FusionCacheLogicalExpiry(fields[1]) is { } logical && (absolute is null || absolute - logical > 60_000))
            {
                return logical + (long)load.TotalMilliseconds;
            }

            if (absolute is not null)
            {
                return absolute;
            }
        }

        return await db.KeyTimeToLiveAsync(key) is { } ttl ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + (long)ttl.TotalMilliseconds : null;
    }

    private static long? FusionCacheLogicalExpiry(RedisValue data)
    {
        if (data.IsNull || ((byte[])data!) is not [(byte)'{', ..] bytes)
        {
            return null;
        }

        using var entry = JsonDocument.Parse(bytes);
        return entry.RootElement.TryGetProperty("LogicalExpirationTimestamp", out var at) && at.TryGetInt64(out var ticks) && ticks > 0
            ? new DateTimeOffset(ticks, TimeSpan.Zero).ToUnixTimeMilliseconds()
            : null;
    }

    /// <summary>The key's Redis key: the plain key, or the libraries' entry (RedisCache prefixes it with the namespace).</summary>
    public static async Task<RedisKey?> FindDataKeyAsync(LabServers servers, string strategy, string ns)
    {
        var db = servers.Admin.GetDatabase();
        if (!LabOptions.UsesLibrary(strategy))
        {
            var plain = (RedisKey)(ns + "product:1");
            return await db.KeyExistsAsync(plain) ? plain : (RedisKey?)null;
        }

        await foreach (var found in servers.Admin.GetServers()[0].KeysAsync(pattern: ns + "*product:1"))
        {
            return (RedisKey?)found;
        }

        return null;
    }
}
