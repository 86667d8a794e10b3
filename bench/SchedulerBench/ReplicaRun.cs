using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using CacheWarmer.RefreshBench;
using CacheWarmer.TestUtils;
using Microsoft.Data.Sqlite;
using StackExchange.Redis;

namespace CacheWarmer.SchedulerBench;

/// <summary>What one replica did in the measured window (from its start when it joined inside it).</summary>
internal sealed record ReplicaFigures(
    string Name,
    string Role,
    TimeSpan? KilledAt,
    TimeSpan? JoinedAt,
    long PeakRss,
    long PeakAnon,
    (long PeakBytes, long OomKills)? Cgroup,
    double ManagedAtEnd,
    MetricsScrape Window,
    int FailedScrapes);

/// <summary>What N replicas as processes did while they kept the keys warm.</summary>
internal sealed record ReplicaResult(
    int Keys,
    int Replicas,
    TimeSpan Ttl,
    int Concurrency,
    TimeSpan CatalogTime,
    TimeSpan WriteTime,
    TimeSpan? ManagedAfter,
    double ManagedAtStart,
    TimeSpan Measured,
    IReadOnlyList<ReplicaFigures> PerReplica,
    long RedisMisses,
    long RedisMissesBefore,
    IReadOnlyList<(string Phase, long Misses)> MissesByPhase,
    TimeSpan? KillAt,
    TimeSpan? JoinAt,
    long RedisPeakMemory,
    string RedisVersion,
    bool Partition,
    bool WorkstationGc,
    int? HeapLimitMegabytes,
    int? MemoryLimitMegabytes,
    IReadOnlyDictionary<string, string> WorkerEnvironment);

/// <summary>
/// N worker replicas, each the real worker process, keeping N keys warm on a private Redis with a SQLite catalog;
/// every key the app writes is managed (MinRatePerMinute 0). Nothing here assumes how the replicas share the keys:
/// today each tracks every key and the lease picks who loads; with keys partitioned among replicas each tracks its
/// share. "All managed" is therefore read as: the replicas' managed-key gauges add up to the keys at least and have
/// stopped moving. Misses are counted twice: by the workers (the lease holder counts a managed key it finds gone) and
/// by Redis (keyspace <c>expired</c> events of the loader keys, on a connection of the bench's own).
/// </summary>
internal static class ReplicaRun
{
    // Seconds the managed-key gauges must stay put before the keys count as all managed.
    private const int SteadyPolls = 5;

    public static async Task<ReplicaResult> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var ttl = options.WorkerTtl;
        var measure = options.Measure < 2 * ttl ? 2 * ttl : options.Measure;
        var folder = Directory.CreateTempSubdirectory("cachewarmer-replicas-");
        var replicas = new List<Replica>();
        try
        {
            var clock = Stopwatch.StartNew();
            var catalog = Path.Combine(folder.FullName, "catalog.db");
            await WorkerScale.CreateCatalogAsync(catalog, options.Keys);
            var catalogTime = clock.Elapsed;
            Console.WriteLine($"  catalog of {options.Keys:N0} products written in {catalogTime.TotalSeconds:F1} s");

            await using var redis = await RedisServer.StartAsync(cancellationToken);
            using var app = await redis.ConnectAsync();
            var server = app.GetServer(app.GetEndPoints()[0]);
            var version = server.Version.ToString();
            // The bench needs expired events on the key-event channel (E, x); the workers add what they need (Kg$xe).
            // No more than that: every extra event class is work for Redis and for the replicas' subscriptions.
            await server.ConfigSetAsync("notify-keyspace-events", "Ex");
            var misses = new ConcurrentQueue<TimeSpan>();
            var keyPrefix = WorkerScale.Prefix + "product:";
            await app.GetSubscriber().SubscribeAsync(RedisChannel.Literal("__keyevent@0__:expired"), (_, key) =>
            {
                if (((string?)key)?.StartsWith(keyPrefix, StringComparison.Ordinal) == true)
                {
                    misses.Enqueue(clock.Elapsed);
                }
            });

            var settings = WorkerScale.Settings(options, redis.Configuration, catalog);
            settings["CacheWarmer:Refresh:Partition"] = options.Partition ? "true" : "false";
            if (options.WorkstationGc)
            {
                // An environment variable of the process, as a pod would set it.
                settings["DOTNET_gcServer"] = "0";
            }

            if (options.HeapLimitMegabytes is { } limit)
            {
                // What the runtime sets by itself in a container with a memory limit (75 % of it), in hex bytes.
                settings["DOTNET_GCHeapHardLimit"] = ((long)limit * 1024 * 1024).ToString("X", System.Globalization.CultureInfo.InvariantCulture);
            }

            if (options.MemoryLimitMegabytes is { } memoryLimit)
            {
                MemoryCgroup.Install(memoryLimit);
            }

            foreach (var (name, value) in options.WorkerEnvironment)
            {
                settings[name] = value;
            }
            var starts = Enumerable.Range(1, options.Replicas)
                .Select(i => Replica.StartAsync($"replica-{i}", "initial", settings, redis.Configuration, clock.Elapsed))
                .ToArray();
            try
            {
                await Task.WhenAll(starts);
            }
            finally
            {
                replicas.AddRange(starts.Where(s => s.IsCompletedSuccessfully).Select(s => s.Result));
            }

            Console.WriteLine($"  {options.Replicas} replicas listening after {clock.Elapsed.TotalSeconds:F1} s (pids {string.Join(", ", replicas.Select(r => r.Pid))})");

            var writeStart = clock.Elapsed;
            await WorkerScale.WriteKeysAsync(app.GetDatabase(), options.Keys, ttl);
            var writeTime = clock.Elapsed - writeStart;
            Console.WriteLine($"  {options.Keys:N0} keys written by the app in {writeTime.TotalSeconds:F1} s (TTLs spread over {ttl.TotalSeconds:F0}-{2 * ttl.TotalSeconds:F0} s)");

            var (managedAfter, managedAtStart) = await WaitManagedAsync(replicas, options.Keys, ttl, writeStart, clock, cancellationToken);

            // The measured window: from one scrape of every replica to the last.
            var windowStart = clock.Elapsed;
            var missesBefore = misses.Count;
            foreach (var replica in replicas)
            {
                replica.Baseline = await replica.ScrapeAsync(cancellationToken)
                    ?? throw new InvalidOperationException($"{replica.Name} did not answer /metrics at the start of the window.");
            }

            Console.WriteLine($"  measuring for {measure.TotalSeconds:F0} s" +
                (options.KillAt is { } k ? $"; SIGKILL of replica-{options.Replicas} at {k.TotalSeconds:F0} s" : "") +
                (options.JoinAt is { } j ? $"; one more replica joins at {j.TotalSeconds:F0} s" : ""));
            TimeSpan? killedAt = null;
            TimeSpan? joinedAt = null;
            var nextReport = TimeSpan.FromSeconds(5);
            while (clock.Elapsed - windowStart < measure)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                var into = clock.Elapsed - windowStart;
                if (options.KillAt is { } killAt && killedAt is null && into >= killAt)
                {
                    var victim = replicas.Last(r => r.Role == "initial");
                    await victim.ScrapeAsync(cancellationToken);
                    victim.Kill(clock.Elapsed);
                    killedAt = into;
                    Console.WriteLine($"  {into.TotalSeconds,5:F0} s: SIGKILL {victim.Name} (pid {victim.Pid})");
                }

                if (options.JoinAt is { } joinAt && joinedAt is null && into >= joinAt)
                {
                    joinedAt = into;
                    var joined = await Replica.StartAsync($"replica-{replicas.Count + 1}", "joined", settings, redis.Configuration, clock.Elapsed);
                    replicas.Add(joined);
                    Console.WriteLine($"  {into.TotalSeconds,5:F0} s: {joined.Name} (pid {joined.Pid}) started, listening after {(clock.Elapsed - windowStart - into).TotalSeconds:F1} s");
                }

                if (into >= nextReport)
                {
                    nextReport += TimeSpan.FromSeconds(5);
                    await Task.WhenAll(replicas.Select(r => r.ScrapeAsync(cancellationToken)));
                    replicas.ForEach(r => r.SampleMemory());
                    Console.WriteLine($"  {into.TotalSeconds,5:F0} s: {Progress(replicas)}; misses (Redis) {misses.Count - missesBefore:N0}; load average {RunEnvironment.LoadAverage()}");
                }
            }

            await Task.WhenAll(replicas.Select(r => r.ScrapeAsync(cancellationToken)));
            replicas.ForEach(r => r.SampleMemory());
            var measured = clock.Elapsed - windowStart;
            var windowMisses = misses.Where(m => m >= windowStart).ToArray();
            var phases = MissesByPhase(windowMisses.Select(m => m - windowStart).ToArray(), killedAt, joinedAt);
            var redisPeak = await InfoAsync(server, "memory", "used_memory_peak");
            foreach (var replica in replicas)
            {
                Console.WriteLine($"  {replica.Name}: {replica.Complaints()}");
            }

            var figures = replicas.Select(r => new ReplicaFigures(
                r.Name,
                r.Role,
                r.KilledAt is { } dead ? dead - windowStart : null,
                r.Role == "joined" ? r.StartedAt - windowStart : null,
                r.PeakRss,
                r.PeakAnon,
                r.Cgroup,
                r.Last?.Value(MetricsScrape.ManagedKeys) ?? 0,
                (r.Last ?? r.Baseline).Since(r.Baseline),
                r.FailedScrapes)).ToList();
            return new ReplicaResult(options.Keys, options.Replicas, ttl, options.Concurrency, catalogTime, writeTime, managedAfter, managedAtStart,
                measured, figures, windowMisses.Length, missesBefore, phases, killedAt, joinedAt, redisPeak, version, options.Partition, options.WorkstationGc, options.HeapLimitMegabytes, options.MemoryLimitMegabytes, options.WorkerEnvironment);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            foreach (var replica in replicas)
            {
                Console.Error.WriteLine($"--- last lines of {replica.Name} (pid {replica.Pid}):{Environment.NewLine}{replica.Tail(20)}");
            }

            throw;
        }
        finally
        {
            await Task.WhenAll(replicas.Select(r => r.DisposeAsync().AsTask()));
            SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    // Waits until the managed-key gauges add up to the keys and have not moved for SteadyPolls seconds, or one TTL
    // after the writes began (the first keys fall due then); returns when, or null and how many were managed then.
    private static async Task<(TimeSpan? After, double Managed)> WaitManagedAsync(
        List<Replica> replicas, int keys, TimeSpan ttl, TimeSpan writeStart, Stopwatch clock, CancellationToken cancellationToken)
    {
        double[]? previous = null;
        var steady = 0;
        var changed = clock.Elapsed;
        var nextReport = clock.Elapsed + TimeSpan.FromSeconds(5);
        while (true)
        {
            await Task.WhenAll(replicas.Select(r => r.ScrapeAsync(cancellationToken)));
            var managed = replicas.Select(r => r.Last?.Value(MetricsScrape.ManagedKeys) ?? 0).ToArray();
            steady = previous is not null && managed.SequenceEqual(previous) ? steady + 1 : 0;
            if (steady == 0)
            {
                changed = clock.Elapsed;
            }

            previous = managed;
            if (managed.Sum() >= keys && steady >= SteadyPolls)
            {
                // The gauges stood still for SteadyPolls scrapes: the keys were managed at the scrape that last moved.
                var after = changed - writeStart;
                Console.WriteLine($"  all keys managed {after.TotalSeconds:F1} s after the app began writing them ({Managed(managed)})");
                return (after, managed.Sum());
            }

            if (clock.Elapsed - writeStart > ttl)
            {
                Console.WriteLine($"  not all keys managed one TTL after the writes began ({Managed(managed)}); measuring anyway");
                return (null, managed.Sum());
            }

            if (clock.Elapsed >= nextReport)
            {
                nextReport += TimeSpan.FromSeconds(5);
                replicas.ForEach(r => r.SampleMemory());
                Console.WriteLine($"  {(clock.Elapsed - writeStart).TotalSeconds,5:F0} s after the writes began: {Progress(replicas)}; load average {RunEnvironment.LoadAverage()}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    // The window's misses between its events (the kill, the join): which event a miss followed.
    private static List<(string Phase, long Misses)> MissesByPhase(TimeSpan[] misses, TimeSpan? killedAt, TimeSpan? joinedAt)
    {
        var events = new List<(TimeSpan At, string Name)>();
        if (killedAt is { } kill)
        {
            events.Add((kill, $"the SIGKILL at {kill.TotalSeconds:F0} s"));
        }

        if (joinedAt is { } join)
        {
            events.Add((join, $"the join at {join.TotalSeconds:F0} s"));
        }

        events.Sort((a, b) => a.At.CompareTo(b.At));
        var phases = new List<(string Phase, long Misses)>();
        if (events.Count == 0)
        {
            return phases;
        }

        var bounds = events.Select(e => e.At).Append(TimeSpan.MaxValue).ToArray();
        phases.Add(($"before {events[0].Name}", misses.Count(m => m < bounds[0])));
        for (var i = 0; i < events.Count; i++)
        {
            phases.Add(($"after {events[i].Name}", misses.Count(m => m >= bounds[i] && m < bounds[i + 1])));
        }

        return phases;
    }

    private static string Managed(double[] managed) => "managed per replica: " + string.Join(" / ", managed.Select(m => m.ToString("N0", CultureInfo.InvariantCulture)));

    private static string Progress(List<Replica> replicas) => string.Join("; ", replicas.Select(r =>
    {
        var window = r.Last is { } last ? last.Since(r.Baseline) : MetricsScrape.Empty;
        var state = r.Alive ? "" : " (killed)";
        return $"{r.Name}{state} {r.Last?.Value(MetricsScrape.ManagedKeys) ?? 0:N0} managed, {window.Outcomes.GetValueOrDefault("refreshed"):N0} loads, {r.PeakRss / 1e6:F0} MB";
    }));

    private static async Task<long> InfoAsync(IServer server, string section, string field)
    {
        var info = await server.InfoAsync(section);
        var value = info.SelectMany(g => g).FirstOrDefault(p => p.Key == field).Value;
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
    }
}
