using System.Diagnostics;
using System.Globalization;
using CacheWarmer.Contracts.Keys;
using CacheWarmer.RefreshBench;
using CacheWarmer.Worker.Refresh;
using StackExchange.Redis;

namespace CacheWarmer.ThroughputBench;

/// <summary>The figures of one run: one source, one concurrency, every key refreshed once.</summary>
internal sealed record RunResult(
    SourceKind Source,
    int Concurrency,
    int Keys,
    TimeSpan Elapsed,
    long[] Outcomes,
    long Crashed,
    Verification Verified,
    RedisDelta Redis,
    long RedisSent,
    long? DbStatements,
    long AllocatedBytes,
    int Gen0Collections,
    long Exceptions,
    TimeSpan ProcessCpu,
    TimeSpan PostgresCpu,
    double MachineBusy,
    string LoadAverage,
    bool Batched)
{
    public double KeysPerSecond => Keys / Elapsed.TotalSeconds;

    public long Refreshed => Outcomes[(int)RefreshOutcome.Refreshed];
}

/// <summary>
/// One run: N keys written as the app writes them (with an absolute expiry), then each handed once to the replica's
/// <see cref="Refresher"/> with that expiry as the planned one (a due refresh), by <c>MaxConcurrency</c> loops at once,
/// as the replica's RefreshDispatcher runs them (batched: each loop hands over MaxBatchSize keys at a time to
/// <see cref="Refresher.RefreshBatchAsync"/>, as a dispatcher slot takes due keys along); then every key is read back.
/// </summary>
internal static class ThroughputRun
{
    private const int Batch = 5_000;
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(3);
    private static int s_runs;
    private static long s_exceptions;

    static ThroughputRun() =>
        // Every exception thrown in the process, caught or not: an exception on the hot path costs microseconds each.
        AppDomain.CurrentDomain.FirstChanceException += (_, _) => Interlocked.Increment(ref s_exceptions);

    public static async Task<RunResult> RunAsync(
        string redisConfiguration, IConnectionMultiplexer admin, BenchCatalog catalog, int keyCount, int concurrency, bool batched, ThroughputOptions options, CancellationToken cancellationToken)
    {
        var prefix = "tp" + Interlocked.Increment(ref s_runs).ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6] + ":";
        var keys = Enumerable.Range(1, keyCount).Select(id => prefix + "product:" + id.ToString(CultureInfo.InvariantCulture)).ToArray();
        var db = admin.GetDatabase();
        var server = admin.GetServers()[0];

        // The host starts before the app writes: its start-up resync (SCAN + PTTL of every key it finds) would otherwise
        // run during the measurement and plan all the keys in Quartz.
        var host = await WorkerHost.StartAsync(WorkerHost.Settings(redisConfiguration, prefix, catalog, concurrency, options, batched), cancellationToken);

        // The app's values: a placeholder, expiring at one absolute instant the refreshes are planned against.
        var expiry = DateTimeOffset.UtcNow + options.AppTtl;
        var expiryMs = expiry.ToUnixTimeMilliseconds();
        await ForBatchesAsync(keys, key => db.ExecuteAsync("SET", key, "app", "PXAT", expiryMs));
        var plannedExpiry = DateTimeOffset.FromUnixTimeMilliseconds(expiryMs);
        var outcomes = new long[Enum.GetValues<RefreshOutcome>().Length];
        long crashed = 0;
        long markers;
        long sent, allocated, exceptions;
        int gcs;
        RedisDelta redis;
        CpuCounters.Snapshot before, after;
        long? statementsBefore = await catalog.StatementsAsync();
        try
        {
            var refresher = host.Refresher;
            var next = -1;
            long done = 0;
            var redisBefore = await RedisStats.ReadAsync(server);
            var sentBefore = host.Redis.OperationCount;
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var gcsBefore = GC.CollectionCount(0);
            var exceptionsBefore = Interlocked.Read(ref s_exceptions);
            before = CpuCounters.Read(catalog.ServerPort);
            var clock = Stopwatch.StartNew();

            async Task LoopAsync()
            {
                // A dispatcher slot: one refresh at a time, the next as soon as one ends.
                await Task.Yield();
                int i;
                while ((i = Interlocked.Increment(ref next)) < keys.Length)
                {
                    try
                    {
                        var result = await refresher.RefreshAsync(keys[i], plannedExpiry).ConfigureAwait(false);
                        Interlocked.Increment(ref outcomes[(int)result.Outcome]);
                    }
                    catch (Exception)
                    {
                        Interlocked.Increment(ref crashed);
                    }

                    Interlocked.Increment(ref done);
                }
            }

            async Task BatchLoopAsync()
            {
                // A dispatcher slot under a backlog: the due key and up to MaxBatchSize - 1 more taken along, one batch at a time.
                await Task.Yield();
                var size = host.MaxBatchSize;
                int b;
                while ((b = Interlocked.Increment(ref next)) * size < keys.Length)
                {
                    var due = new ArraySegment<string>(keys, b * size, Math.Min(size, keys.Length - (b * size))).Select(k => new DueRefresh(k, plannedExpiry, plannedExpiry, missed: false)).ToList();
                    foreach (var refresh in refresher.RefreshBatchAsync(due))
                    {
                        try
                        {
                            Interlocked.Increment(ref outcomes[(int)(await refresh.ConfigureAwait(false)).Outcome]);
                        }
                        catch (Exception)
                        {
                            Interlocked.Increment(ref crashed);
                        }

                        Interlocked.Increment(ref done);
                    }
                }
            }

            var loops = Enumerable.Range(0, host.MaxConcurrency).Select(_ => batched ? BatchLoopAsync() : LoopAsync()).ToArray();
            var all = Task.WhenAll(loops);
            var lastDone = 0L;
            var lastAt = TimeSpan.Zero;
            while (await Task.WhenAny(all, Task.Delay(ProgressEvery, cancellationToken)) != all)
            {
                var (now, d) = (clock.Elapsed, Interlocked.Read(ref done));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {catalog.Kind,-8} c={concurrency,-4} {(batched ? "batched" : "single"),-7} {now.TotalSeconds,6:0.0} s  {d,8:N0} / {keyCount:N0}  {(d - lastDone) / (now - lastAt).TotalSeconds,8:N0} keys/s now  {d / now.TotalSeconds,8:N0} keys/s overall  load avg {RunEnvironment.LoadAverage()}"));
                (lastDone, lastAt) = (d, now);
            }

            await all;
            clock.Stop();
            after = CpuCounters.Read(catalog.ServerPort);
            sent = host.Redis.OperationCount - sentBefore;
            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            gcs = GC.CollectionCount(0) - gcsBefore;
            exceptions = Interlocked.Read(ref s_exceptions) - exceptionsBefore;
            redis = (await RedisStats.ReadAsync(server)).Since(redisBefore);

            // The own-write marker lives 5 s: count those still there, to see the fenced write set it.
            markers = await CountAsync(keys, key => db.KeyExistsAsync(WorkerKeys.Wrote(prefix + "cw:", key)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {catalog.Kind,-8} c={concurrency,-4} {(batched ? "batched" : "single"),-7} {clock.Elapsed.TotalSeconds,6:0.0} s  {keyCount:N0} keys  {keyCount / clock.Elapsed.TotalSeconds:N0} keys/s"));
            var elapsed = clock.Elapsed;

            await host.DisposeAsync();
            host = null;
            // Closed backends flush their statistics as they exit.
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            long? statementsAfter = await catalog.StatementsAsync();
            long? statements = statementsAfter - statementsBefore - 1;

            var verified = await VerifyAsync(db, server, keys, prefix, options);
            await ForBatchesAsync(keys, key => db.KeyDeleteAsync(key));
            var machineBusy = (after.Machine.Busy - before.Machine.Busy) / (after.Machine.Total - before.Machine.Total);
            return new RunResult(
                catalog.Kind, concurrency, keyCount, elapsed, outcomes, crashed, verified with { MarkersSeen = markers },
                redis, sent, statements, allocated, gcs, exceptions, after.Process - before.Process, after.Postgres - before.Postgres,
                double.IsFinite(machineBusy) ? machineBusy : 0, RunEnvironment.LoadAverage(), batched);
        }
        finally
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }
        }
    }

    /// <summary>Every key must hold the row its id loads, with the loader's TTL; no lease may be left behind.</summary>
    private static async Task<Verification> VerifyAsync(IDatabase db, IServer server, string[] keys, string prefix, ThroughputOptions options)
    {
        var values = new Task<RedisValue>[keys.Length];
        var ttls = new Task<TimeSpan?>[keys.Length];
        for (var start = 0; start < keys.Length; start += Batch)
        {
            for (var i = start; i < Math.Min(start + Batch, keys.Length); i++)
            {
                values[i] = db.StringGetAsync(keys[i]);
                ttls[i] = db.KeyTimeToLiveAsync(keys[i]);
            }

            await Task.WhenAll(values.Skip(start).Take(Batch));
            await Task.WhenAll(ttls.Skip(start).Take(Batch));
        }

        long good = 0, appValue = 0, wrongValue = 0, wrongTtl = 0;
        var minTtl = options.AppTtl + TimeSpan.FromMinutes(5);
        for (var i = 0; i < keys.Length; i++)
        {
            var value = (string?)values[i].Result;
            var ttl = ttls[i].Result;
            var valueOk = ValueCheck.IsRow(value, i + 1);
            var ttlOk = ttl is { } t && t > minTtl && t <= options.LoaderTtl + TimeSpan.FromMinutes(1);
            if (value == "app")
            {
                appValue++;
            }
            else if (!valueOk)
            {
                wrongValue++;
            }

            if (!ttlOk)
            {
                wrongTtl++;
            }

            if (valueOk && ttlOk)
            {
                good++;
            }
        }

        var leases = 0L;
        await foreach (var _ in server.KeysAsync(pattern: prefix + "cw:lease:*", pageSize: 1000))
        {
            leases++;
        }

        return new Verification(good, appValue, wrongValue, wrongTtl, leases, 0);
    }

    private static async Task ForBatchesAsync(string[] keys, Func<string, Task> command)
    {
        for (var start = 0; start < keys.Length; start += Batch)
        {
            await Task.WhenAll(keys.Skip(start).Take(Batch).Select(command));
        }
    }

    private static async Task<long> CountAsync(string[] keys, Func<string, Task<bool>> command)
    {
        long count = 0;
        for (var start = 0; start < keys.Length; start += Batch)
        {
            count += (await Task.WhenAll(keys.Skip(start).Take(Batch).Select(command))).Count(b => b);
        }

        return count;
    }
}

/// <summary>What the keys held after a run.</summary>
/// <param name="Good">The row of the key's id, with the loader's TTL: written by the refresh.</param>
/// <param name="AppValue">Still the app's placeholder: not refreshed.</param>
/// <param name="WrongValue">Neither the placeholder nor the right row.</param>
/// <param name="WrongTtl">A TTL that is not the loader's.</param>
/// <param name="LeasesLeft">Lease keys left behind (each refresh must release its lease).</param>
/// <param name="MarkersSeen">Own-write markers (5 s lifetime) still present right after the run.</param>
internal sealed record Verification(long Good, long AppValue, long WrongValue, long WrongTtl, long LeasesLeft, long MarkersSeen);
