using System.Diagnostics;
using System.Text.Json;
using CacheWarmer.TestUtils;
using StackExchange.Redis;

namespace CacheWarmer.RefreshBench;

/// <summary>
/// The run: private Redis and PostgreSQL, a counting catalog, R worker hosts, the app's first write of every key,
/// then <see cref="BenchOptions.Cycles"/> TTLs of watching what readers and the database see.
/// </summary>
internal static class Scenario
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);

    public static async Task<BenchReport> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var loadBefore = RunEnvironment.LoadAverage();
        Console.WriteLine($"Starting Redis and PostgreSQL ({options.Replicas} replicas, {options.Keys} keys, ttl {options.Ttl.TotalSeconds:0.###} s, {options.Cycles} cycles, load {options.LoadMilliseconds} ms)");
        RedisServer? redis = null;
        PostgresServer? postgres = null;
        BenchReport report;
        try
        {
            var redisStart = RedisServer.StartAsync(cancellationToken);
            var postgresStart = PostgresServer.StartAsync(cancellationToken);
            try
            {
                await Task.WhenAll(redisStart, postgresStart);
            }
            finally
            {
                redis = redisStart.IsCompletedSuccessfully ? redisStart.Result : null;
                postgres = postgresStart.IsCompletedSuccessfully ? postgresStart.Result : null;
            }

            report = await MeasureAsync(options, redis!, postgres!, loadBefore, cancellationToken);
        }
        finally
        {
            // Stop the servers whatever happened; the report's total includes this clean-up.
            if (redis is not null)
            {
                await redis.DisposeAsync();
            }

            if (postgres is not null)
            {
                await postgres.DisposeAsync();
            }

            Console.WriteLine($"Servers stopped after {total.Elapsed.TotalSeconds:0.0} s.");
        }

        return report with { Total = total.Elapsed };
    }

    private static async Task<BenchReport> MeasureAsync(BenchOptions options, RedisServer redis, PostgresServer postgres, string loadBefore, CancellationToken cancellationToken)
    {
        var catalog = await PostgresCatalog.CreateAsync(await postgres.CreateDatabaseAsync("refresh_bench", cancellationToken), options.Keys, cancellationToken);
        await using var admin = await redis.ConnectAsync();
        foreach (var server in admin.GetServers())
        {
            await server.ConfigSetAsync("notify-keyspace-events", "KEA");
        }

        var prefix = "bench-" + Guid.NewGuid().ToString("N")[..8] + ":";
        var keys = Enumerable.Range(1, options.Keys).Select(id => (RedisKey)(prefix + "product:" + id)).ToArray();
        var db = admin.GetDatabase();
        var window = new Stopwatch();
        using var metrics = new RefreshMetrics(window);
        await using var observer = await CacheObserver.StartAsync(redis.Configuration, db, prefix + "product:", keys, window);

        var replicas = new List<WorkerReplica>();
        try
        {
            for (var i = 0; i < options.Replicas; i++)
            {
                replicas.Add(await WorkerReplica.StartAsync(WorkerReplica.Settings(options, i + 1, redis.Configuration, prefix, catalog.ConnectionString), cancellationToken));
            }

            Console.WriteLine($"{options.Replicas} worker hosts started; the app writes {options.Keys} keys (SET PX {options.Ttl.TotalMilliseconds:0}).");
            var windowStart = DateTime.UtcNow;
            window.Start();
            await WriteAsAppAsync(db, keys, options.Ttl);
            observer.StartPolling(options.PollInterval);

            while (window.Elapsed < options.Duration)
            {
                var wait = options.Duration - window.Elapsed;
                await Task.Delay(wait < ProgressEvery ? wait : ProgressEvery, cancellationToken);
                await PrintProgressAsync(window.Elapsed, catalog, metrics, observer);
            }

            await observer.StopPollingAsync();
            // Stopping drains the refreshes in flight, so their loads are in the database before it is read.
            await Task.WhenAll(replicas.Select(r => r.StopAsync()));
            var measured = window.Elapsed;

            var loads = await catalog.LoadsByReplicaAsync();
            var info = await admin.GetServers()[0].InfoAsync("server");
            var expired = observer.Expired;
            return new BenchReport
            {
                Options = options,
                Machine = RunEnvironment.Read(),
                RedisVersion = info.SelectMany(g => g).FirstOrDefault(p => p.Key == "redis_version").Value ?? "?",
                PostgresVersion = await catalog.ServerVersionAsync(),
                LoadAverageBefore = loadBefore,
                LoadAverageAfter = RunEnvironment.LoadAverage(),
                Loads = LoadAnalysis.From(loads, windowStart, measured, options),
                LoadAttempts = await catalog.AttemptsAsync(),
                Outcomes = metrics.Outcomes,
                LeaseContended = metrics.LeaseContendedCount,
                HotKeyExpirations = metrics.HotKeyExpirationCount,
                Leads = metrics.Leads(),
                LoadDurations = metrics.LoadDurations(),
                ExpiredEvents = expired.Count,
                ExpiredKeys = expired.Select(e => e.Key).Distinct(StringComparer.Ordinal).Count(),
                FirstExpired = expired.Count == 0 ? null : expired.Min(e => e.At),
                Misses = observer.Misses,
                MissingKeys = observer.MissingKeys,
                FirstMiss = observer.FirstMiss,
                Polls = observer.Polls,
                SlowestPoll = observer.SlowestPoll,
                Measured = measured,
                Total = TimeSpan.Zero, // set by the caller once the servers are stopped
            };
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    /// <summary>The app's cache-aside write of every key: the row as JSON, SET PX ttl, pipelined.</summary>
    private static async Task WriteAsAppAsync(IDatabase db, RedisKey[] keys, TimeSpan ttl)
    {
        var writes = new List<Task>(keys.Length);
        for (var id = 1; id <= keys.Length; id++)
        {
            var value = JsonSerializer.Serialize(new { id, name = "Product " + id, price = id * 1.25m });
            writes.Add(db.StringSetAsync(keys[id - 1], value, ttl));
        }

        await Task.WhenAll(writes);
    }

    private static async Task PrintProgressAsync(TimeSpan at, PostgresCatalog catalog, RefreshMetrics metrics, CacheObserver observer)
    {
        var outcomes = string.Join("  ", metrics.Outcomes.Select(o => $"{o.Key} {o.Value}"));
        Console.WriteLine(
            $"{at.TotalSeconds,6:0.0} s  loads {await catalog.LoadCountAsync(),6}  {outcomes}  contended {metrics.LeaseContendedCount}  " +
            $"expired {observer.Expired.Count}  misses {observer.Misses}  load avg {RunEnvironment.LoadAverage()}");
    }
}
